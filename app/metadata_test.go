package app

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// readToml reads the "key = value" lines of a flat TOML file into
// "section.key" → raw value (quotes kept off strings).
func readToml(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: bad line %q", path, line)
			}
			out[section+"."+strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return out
}

func TestMetadataMatchesFyneAppToml(t *testing.T) {
	toml := readToml(t, "../FyneApp.toml")
	m := metadata()
	want := map[string]string{
		"Details.ID":        m.ID,
		"Details.Name":      m.Name,
		"Details.Version":   m.Version,
		"Details.Build":     "1",
		"Details.Icon":      "assets/icon.png",
		"Migrations.fyneDo": "true",
	}
	for k, v := range want {
		if toml[k] != v {
			t.Errorf("FyneApp.toml %s = %q, app says %q", k, toml[k], v)
		}
	}
	if !m.Migrations["fyneDo"] {
		t.Error("metadata lacks the fyneDo migration")
	}
	for _, k := range []string{"GenericName", "Categories", "Comment", "Keywords"} {
		if toml["LinuxAndBSD."+k] == "" {
			t.Errorf("FyneApp.toml lacks LinuxAndBSD.%s", k)
		}
	}
	icon, err := os.ReadFile("../" + toml["Details.Icon"])
	if err != nil {
		t.Fatal(err)
	}
	if string(icon) != string(m.Icon.Content()) {
		t.Error("the embedded icon differs from FyneApp.toml's")
	}
}
