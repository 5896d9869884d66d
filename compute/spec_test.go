package compute

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// specJSON is a valid spec document with extra fields spliced in.
func specJSON(extra string) []byte {
	base := `"version":1,"image":"kinetic-test/busybox:1","command":["sh","-c","true"],"maxSeconds":60`
	if extra != "" {
		base += "," + extra
	}
	return []byte("{" + base + "}")
}

func tarWith(t *testing.T, hdrs ...tar.Header) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			_, _ = tw.Write(make([]byte, h.Size))
		}
	}
	_ = tw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestParseSpec(t *testing.T) {
	goodTar := tarWith(t, tar.Header{Name: "data/", Typeflag: tar.TypeDir, Mode: 0o755}, tar.Header{Name: "data/x", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644})
	cases := []struct {
		name string
		doc  []byte
		want error // nil: accepted
	}{
		{"minimal", specJSON(""), nil},
		{"full", specJSON(`"env":{"A_1":"x"},"gpus":1,"minVramMB":8000,"cpus":2.5,"memoryMB":4096,"network":"egress","outputs":"/output/results","input":"` + goodTar + `"`), nil},
		{"digest pinned", []byte(`{"version":1,"image":"ghcr.io/x/y@sha256:` + strings.Repeat("a", 64) + `","maxSeconds":5}`), nil},
		{"unknown field", specJSON(`"privileged":true`), ErrSpecSyntax},
		{"trailing data", append(specJSON(""), []byte(`{}`)...), ErrSpecSyntax},
		{"not json", []byte(`version: 1`), ErrSpecSyntax},
		{"version 2", []byte(`{"version":2,"image":"a","maxSeconds":1}`), ErrSpecVersion},
		{"no version", []byte(`{"image":"a","maxSeconds":1}`), ErrSpecVersion},
		{"empty image", []byte(`{"version":1,"image":"","maxSeconds":1}`), ErrBadImageRef},
		{"bad image ref", []byte(`{"version":1,"image":"UPPER/Case:tag","maxSeconds":1}`), ErrBadImageRef},
		{"bad digest", []byte(`{"version":1,"image":"a@sha256:xyz","maxSeconds":1}`), ErrBadImageRef},
		{"negative gpus", specJSON(`"gpus":-1`), ErrSpecRange},
		{"absurd gpus", specJSON(`"gpus":1000`), ErrSpecRange},
		{"vram without gpus", specJSON(`"minVramMB":100`), ErrSpecRange},
		{"negative cpus", specJSON(`"cpus":-2`), ErrSpecRange},
		{"absurd cpus", specJSON(`"cpus":1e9`), ErrSpecRange},
		{"negative memory", specJSON(`"memoryMB":-5`), ErrSpecSyntax},
		{"tiny memory", specJSON(`"memoryMB":1`), ErrSpecRange},
		{"absurd memory", specJSON(`"memoryMB":99999999999`), ErrSpecRange},
		{"zero seconds", []byte(`{"version":1,"image":"a","maxSeconds":0}`), ErrSpecRange},
		{"negative seconds", []byte(`{"version":1,"image":"a","maxSeconds":-1}`), ErrSpecRange},
		{"absurd seconds", []byte(`{"version":1,"image":"a","maxSeconds":99999999}`), ErrSpecRange},
		{"bad network", specJSON(`"network":"host"`), ErrBadNetwork},
		{"env key with =", specJSON(`"env":{"A=B":"x"}`), ErrBadEnv},
		{"env key with digit first", specJSON(`"env":{"1A":"x"}`), ErrBadEnv},
		{"env NVIDIA_VISIBLE_DEVICES", specJSON(`"env":{"NVIDIA_VISIBLE_DEVICES":"all"}`), ErrBadEnv},
		{"env NVIDIA_DRIVER_CAPABILITIES", specJSON(`"gpus":1,"env":{"NVIDIA_DRIVER_CAPABILITIES":"all"}`), ErrBadEnv},
		{"env lower-case nvidia_ prefix", specJSON(`"env":{"nvidia_visible_devices":"all"}`), ErrBadEnv},
		{"env CUDA_VISIBLE_DEVICES", specJSON(`"env":{"CUDA_VISIBLE_DEVICES":"0"}`), ErrBadEnv},
		{"env NVIDIA without underscore is fine", specJSON(`"env":{"NVIDIAX":"1","MY_NVIDIA_":"1"}`), nil},
		{"env value NUL", specJSON(`"env":{"A":"x\u0000y"}`), ErrBadEnv},
		{"command NUL", specJSON(`"command":["a\u0000"]`), ErrBadCommand},
		{"outputs relative", specJSON(`"outputs":"out"`), ErrBadOutputPath},
		{"outputs root", specJSON(`"outputs":"/"`), ErrBadOutputPath},
		{"outputs unclean", specJSON(`"outputs":"/a/../b"`), ErrBadOutputPath},
		{"outputs under proc", specJSON(`"outputs":"/proc/x"`), ErrBadOutputPath},
		{"outputs /bin", specJSON(`"outputs":"/bin"`), ErrBadOutputPath},
		{"outputs /root", specJSON(`"outputs":"/root"`), ErrBadOutputPath},
		{"outputs /app/data", specJSON(`"outputs":"/app/data"`), ErrBadOutputPath},
		{"outputs sibling of /output", specJSON(`"outputs":"/outputs"`), ErrBadOutputPath},
		{"outputs /output itself", specJSON(`"outputs":"/output"`), nil},
		{"outputs under /output", specJSON(`"outputs":"/output/a/b"`), nil},
		{"outputs /output/..", specJSON(`"outputs":"/output/.."`), ErrBadOutputPath},
		{"input not base64", specJSON(`"input":"!!"`), ErrSpecSyntax},
		{"input not tar", specJSON(`"input":"` + base64.StdEncoding.EncodeToString([]byte("hello")) + `"`), ErrUnsafeInput},
		{"input traversal", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "../etc/passwd", Typeflag: tar.TypeReg}) + `"`), ErrUnsafeInput},
		{"input nested traversal", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "a/../../x", Typeflag: tar.TypeReg}) + `"`), ErrUnsafeInput},
		{"input absolute", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "/etc/passwd", Typeflag: tar.TypeReg}) + `"`), ErrUnsafeInput},
		{"input symlink", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "l", Linkname: "/etc", Typeflag: tar.TypeSymlink}) + `"`), ErrUnsafeInput},
		{"input hard link", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "l", Linkname: "x", Typeflag: tar.TypeLink}) + `"`), ErrUnsafeInput},
		{"input device", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}) + `"`), ErrUnsafeInput},
		{"input fifo", specJSON(`"input":"` + tarWith(t, tar.Header{Name: "p", Typeflag: tar.TypeFifo}) + `"`), ErrUnsafeInput},
		{"input oversize", specJSON(`"input":"` + base64.StdEncoding.EncodeToString(make([]byte, MaxInputBytes+1)) + `"`), ErrInputTooLarge},
		{"input too many entries", specJSON(`"input":"` + tarWith(t, manyDirs(MaxInputEntries+1)...) + `"`), ErrInputTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpec(c.doc)
			if c.want == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %v", c.want)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if !IsSpecError(err) {
				t.Fatalf("%v is not a *SpecError", err)
			}
		})
	}
}

func manyDirs(n int) []tar.Header {
	out := make([]tar.Header, n)
	for i := range out {
		out[i] = tar.Header{Name: fmt.Sprintf("d%d/", i), Typeflag: tar.TypeDir, Mode: 0o755}
	}
	return out
}

func TestSpecHash(t *testing.T) {
	parse := func(doc string) [32]byte {
		t.Helper()
		s, err := ParseSpec([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return s.Hash()
	}
	minimal := parse(`{"version":1,"image":"a","maxSeconds":9,"env":{"B":"2","A":"1"}}`)
	cases := []struct {
		name string
		doc  string
		same bool
	}{
		{"defaults spelled out, keys reordered", `{"env":{"A":"1","B":"2"},"maxSeconds":9,"network":"none","cpus":1,"memoryMB":512,"outputs":"/output","image":"a","version":1}`, true},
		{"whitespace", "{ \"version\": 1,\n \"image\": \"a\", \"maxSeconds\": 9, \"env\": {\"A\":\"1\",\"B\":\"2\"} }", true},
		{"other deadline", `{"version":1,"image":"a","maxSeconds":10,"env":{"B":"2","A":"1"}}`, false},
		{"other env", `{"version":1,"image":"a","maxSeconds":9,"env":{"B":"2","A":"3"}}`, false},
		{"command added", `{"version":1,"image":"a","maxSeconds":9,"env":{"B":"2","A":"1"},"command":["x"]}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := parse(c.doc) == minimal; got != c.same {
				t.Fatalf("same hash = %v, want %v", got, c.same)
			}
		})
	}
}
