package compute

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// fuzzMinimizeDefault bounds how many executions Go's fuzzer spends
// minimizing each input that finds new coverage, unless
// -fuzzminimizetime is given. Its default (60 s per input) made the fuzz
// pass stall: minimizing a tar archive of n bytes tries O(n²) candidates
// (a 1 KiB archive about half a million), and the executions spent
// minimizing are not counted, so the pass reported 0 execs/sec for tens of
// seconds while no input was slow (every corpus input runs in microseconds).
const fuzzMinimizeDefault = "100x"

// TestMain applies fuzzMinimizeDefault.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := testkit.DefaultFuzzMinimize(fuzzMinimizeDefault); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// FuzzParseSpec feeds arbitrary documents to ParseSpec: it must never
// panic, every refusal is a *SpecError, and an accepted spec validates,
// has a canonical form and survives a JSON round trip with its hash.
func FuzzParseSpec(f *testing.F) {
	for _, seed := range []string{
		`{"version":1,"image":"a","maxSeconds":9}`,
		`{"version":1,"image":"reg.example:5000/x/y@sha256:` + string(bytes.Repeat([]byte("ab"), 32)) + `","maxSeconds":60,"cpus":0.5,"memoryMB":64,"gpus":2,"minVramMB":1024,"network":"egress","outputs":"/output/r"}`,
		`{"version":1,"image":"a","maxSeconds":9,"command":["sh","-c","echo hi"],"env":{"A":"1","B":"\u00e9\t"}}`,
		`{"version":1,"image":"a","maxSeconds":9,"input":"` + "AAAA" + `"}`,
		`{"version":1,"image":"a","maxSeconds":9} trailing`,
		`{"version":2}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSpec(data)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("refusal is not a *SpecError: %T %v", err, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted spec fails Validate: %v", err)
		}
		if _, err := s.CanonicalJSON(); err != nil {
			t.Fatalf("accepted spec has no canonical form: %v", err)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ParseSpec(again)
		if err != nil {
			t.Fatalf("re-encoded spec refused: %v\n%s", err, again)
		}
		if s2.Hash() != s.Hash() {
			t.Fatalf("hash changed across a JSON round trip:\n%s", again)
		}
	})
}

// FuzzValidateInputArchive feeds arbitrary bytes to ValidateInputArchive:
// it must never panic, refusals are *SpecErrors, and an accepted archive
// rewrites for the container into a readable archive of the same entries,
// root-owned and not writable by the job.
func FuzzValidateInputArchive(f *testing.F) {
	mk := func(hdrs ...tar.Header) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, h := range hdrs {
			_ = tw.WriteHeader(&h)
			if h.Size > 0 {
				_, _ = tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
			}
		}
		_ = tw.Close()
		return buf.Bytes()
	}
	f.Add(mk(tar.Header{Name: "data/", Typeflag: tar.TypeDir, Mode: 0o755}, tar.Header{Name: "data/a.txt", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5}))
	f.Add(mk(tar.Header{Name: "../escape", Typeflag: tar.TypeReg, Size: 1}))
	f.Add(mk(tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}))
	f.Add(mk(tar.Header{Name: "p", Typeflag: tar.TypeReg, Size: 3, PAXRecords: map[string]string{"path": "pax/name"}, Format: tar.FormatPAX}))
	f.Add([]byte{})
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ValidateInputArchive(data)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("refusal is not a *SpecError: %T %v", err, err)
			}
			return
		}
		var names []string
		_ = walkInput(data, func(h *tar.Header, _ io.Reader) error { names = append(names, h.Name); return nil })
		out, err := inputForContainer(data)
		if err != nil {
			t.Fatalf("accepted archive does not rewrite: %v", err)
		}
		tr := tar.NewReader(bytes.NewReader(out))
		for i := 0; ; i++ {
			h, err := tr.Next()
			if err == io.EOF {
				if i != len(names)+1 {
					t.Fatalf("rewritten archive has %d entries, want %d", i, len(names)+1)
				}
				return
			}
			if err != nil {
				t.Fatalf("rewritten archive unreadable: %v", err)
			}
			if i > 0 && h.Name != names[i-1] || h.Uid != 0 || (h.Mode != 0o644 && h.Mode != 0o755) {
				t.Fatalf("rewritten entry %d: %q uid %d mode %o", i, h.Name, h.Uid, h.Mode)
			}
		}
	})
}

// TestInputArchiveTruncated checks that an archive whose last entry
// claims more data than the archive holds is refused as truncated, naming
// the entry (it was refused before too, as "not a tar archive").
func TestInputArchiveTruncated(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "big.bin", Typeflag: tar.TypeReg, Mode: 0o644, Size: 4096}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	// No Close: the archive ends 3996 bytes short of its entry.
	err := ValidateInputArchive(buf.Bytes())
	if !errors.Is(err, ErrUnsafeInput) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("ValidateInputArchive: %v, want ErrUnsafeInput (truncated)", err)
	}
}
