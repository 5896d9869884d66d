package jobid

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	id, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if id.IsZero() {
		t.Fatal("random id is zero")
	}
	back, err := Parse(id.String())
	if err != nil || back != id {
		t.Fatalf("Parse(String()) = %v, %v", back, err)
	}
	b, err := json.Marshal(map[string]ID{"job": id})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"job":"` + id.String() + `"}`; string(b) != want {
		t.Fatalf("json %s, want %s", b, want)
	}
	var out map[string]ID
	if err := json.Unmarshal(b, &out); err != nil || out["job"] != id {
		t.Fatalf("json round trip: %v, %v", out, err)
	}
}

func TestParseRejects(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for name, s := range map[string]string{
		"empty":      "",
		"short":      good[:62],
		"long":       good + "00",
		"upper case": strings.ToUpper(good),
		"non-hex":    "zz" + good[2:],
		"spaces":     " " + good[1:],
	} {
		if _, err := Parse(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: Parse(%q) = %v, want ErrSyntax", name, s, err)
		}
	}
	if (ID{}).IsZero() != true {
		t.Error("zero id not IsZero")
	}
}
