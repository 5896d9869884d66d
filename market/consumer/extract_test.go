package consumer

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type tarEntry struct {
	name, body, link string
	typ              byte
}

func makeTar(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o777, Size: int64(len(e.body)), Linkname: e.link}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			_, _ = tw.Write([]byte(e.body))
		}
	}
	_ = tw.Close()
	return buf.Bytes()
}

func TestExtractSafe(t *testing.T) {
	dir := t.TempDir()
	tb := makeTar(t, tarEntry{name: "./", typ: tar.TypeDir}, tarEntry{name: "sub/", typ: tar.TypeDir}, tarEntry{name: "sub/a.txt", body: "hello"}, tarEntry{name: "b.txt", body: "x"})
	if err := Extract(tb, dir, ExtractLimits{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sub", "a.txt"))
	if err != nil || string(b) != "hello" {
		t.Fatalf("sub/a.txt: %q %v", b, err)
	}
	st, _ := os.Stat(filepath.Join(dir, "b.txt"))
	if st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestExtractRefuses(t *testing.T) {
	cases := []struct {
		name    string
		entries []tarEntry
		lim     ExtractLimits
		why     string
	}{
		{"parent traversal", []tarEntry{{name: "../evil", body: "x"}}, ExtractLimits{}, "leaves"},
		{"nested traversal", []tarEntry{{name: "a/../../evil", body: "x"}}, ExtractLimits{}, "leaves"},
		{"absolute", []tarEntry{{name: "/etc/evil", body: "x"}}, ExtractLimits{}, "leaves"},
		{"symlink", []tarEntry{{name: "l", link: "/etc/passwd", typ: tar.TypeSymlink}}, ExtractLimits{}, "symbolic link"},
		{"hard link", []tarEntry{{name: "h", link: "/etc/passwd", typ: tar.TypeLink}}, ExtractLimits{}, "hard link"},
		{"device", []tarEntry{{name: "d", typ: tar.TypeChar}}, ExtractLimits{}, "device"},
		{"fifo", []tarEntry{{name: "f", typ: tar.TypeFifo}}, ExtractLimits{}, "FIFO"},
		{"duplicate", []tarEntry{{name: "a", body: "1"}, {name: "./a", body: "2"}}, ExtractLimits{}, "twice"},
		{"file then its child", []tarEntry{{name: "a", body: "1"}, {name: "a/b", body: "2"}}, ExtractLimits{}, `"a" is a file and also the directory of "a/b"`},
		{"child then its file", []tarEntry{{name: "d/e/f", body: "1"}, {name: "d/e", body: "2"}}, ExtractLimits{}, `"d/e" is a file and also the directory of "d/e/f"`},
		{"file then same dir", []tarEntry{{name: "a", body: "1"}, {name: "a/c/", typ: tar.TypeDir}}, ExtractLimits{}, `"a" is a file and also the directory of "a/c"`},
		{"too many files", []tarEntry{{name: "a", body: "1"}, {name: "b", body: "2"}, {name: "c", body: "3"}}, ExtractLimits{MaxFiles: 2}, "entries"},
		{"too many bytes", []tarEntry{{name: "a", body: "12345"}, {name: "b", body: "678"}}, ExtractLimits{MaxBytes: 7}, "bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			// A safe first entry shows nothing is written before the refusal.
			err := Extract(makeTar(t, append([]tarEntry{{name: "first", body: "ok"}}, c.entries...)...), dir, c.lim)
			if !errors.Is(err, ErrUnsafeArchive) || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("err %v, want ErrUnsafeArchive mentioning %q", err, c.why)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("wrote %d entries before refusing", len(left))
			}
		})
	}
	if err := Extract([]byte("not a tar at all, definitely not"), t.TempDir(), ExtractLimits{}); !errors.Is(err, ErrUnsafeArchive) {
		t.Fatalf("garbage: %v", err)
	}
}
