package proof

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/chain-v1.json")

// testdata/chain-v1.json is a complete chain (job testJobID("a"), key
// testKey("provider")), kept as a vector for other implementations. ed25519
// signatures are deterministic, so building it again gives the same bytes.
func TestGoldenChain(t *testing.T) {
	const path = "testdata/chain-v1.json"
	doc := testDocument(t)
	if *updateGolden {
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, golden) {
		t.Fatalf("encoding changed; the format is versioned, so this breaks existing proofs:\n%s", doc)
	}
	c, err := Unmarshal(golden)
	if err != nil {
		t.Fatal(err)
	}
	job, pub := testJobID("a"), testSigner(t, "provider").PublicKey()
	if err := Verify(c, &job, pub); err != nil {
		t.Fatal(err)
	}
}
