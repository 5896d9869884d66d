package compute

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// TestSpecHashGolden checks Hash against compute/testdata/spec-hash.json,
// a vector computed independently of this code: the spec as sent parses,
// its canonical bytes are exactly the vector's, and the hash is the
// SHA-256 of those bytes.
func TestSpecHashGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/spec-hash.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		SpecJSON  string `json:"specJson"`
		Canonical string `json:"canonical"`
		SHA256    string `json:"sha256"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(golden.Canonical)); hex.EncodeToString(sum[:]) != golden.SHA256 {
		t.Fatalf("the vector is inconsistent: sha256(canonical) = %x, vector says %s", sum, golden.SHA256)
	}
	s, err := ParseSpec([]byte(golden.SpecJSON))
	if err != nil {
		t.Fatal(err)
	}
	canon, err := s.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(canon) != golden.Canonical {
		t.Fatalf("canonical form\n got %s\nwant %s", canon, golden.Canonical)
	}
	if h := s.Hash(); hex.EncodeToString(h[:]) != golden.SHA256 {
		t.Fatalf("hash %x, want %s", h, golden.SHA256)
	}
}

// TestSpecHashObjectFields checks that the hashed object has exactly the
// twelve documented fields, whatever the spec leaves out.
func TestSpecHashObjectFields(t *testing.T) {
	s, err := ParseSpec([]byte(`{"version":1,"image":"a","maxSeconds":9}`))
	if err != nil {
		t.Fatal(err)
	}
	canon, err := s.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"command":[],"cpus":1,"env":{},"gpus":0,"image":"a","input":"","maxSeconds":9,"memoryMB":512,"minVramMB":0,"network":"none","outputs":"/output","version":1}`
	if string(canon) != want {
		t.Fatalf("canonical form\n got %s\nwant %s", canon, want)
	}
}
