package proof

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// pythonVerifier is the independent verifier, written from doc.go alone.
const pythonVerifier = "testdata/verify_chain.py"

// debianPython is Debian's interpreter, whose python3-nacl the verifier
// imports (another python3 on PATH may lack it).
const debianPython = "/usr/bin/python3"

// pyReport is what the Python verifier prints for a valid chain.
type pyReport struct {
	JobID     string           `json:"jobId"`
	PublicKey string           `json:"publicKey"`
	Steps     int              `json:"steps"`
	Anchor    string           `json:"anchor"`
	Hashes    []string         `json:"hashes"`
	Bodies    []map[string]any `json:"bodies"`
}

// runPythonVerifier runs the Python verifier on doc and returns its
// report, or its one-line failure and exit status.
func runPythonVerifier(t *testing.T, doc []byte) (*pyReport, string, int) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import nacl.signing").Run(); err != nil {
		testkit.Missing(t, "Debian's python3 with python3-nacl ("+debianPython+")", err)
	}
	path := filepath.Join(t.TempDir(), "proof.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(debianPython, pythonVerifier, path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil, strings.TrimSpace(stderr.String()), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("running %s: %v", pythonVerifier, err)
	}
	var r pyReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("verifier output %q: %v", stdout.String(), err)
	}
	return &r, "", 0
}

// checkPythonAgrees checks that the Python verifier accepts doc and reads
// from it the chain Go decoded.
func checkPythonAgrees(t *testing.T, doc []byte) {
	t.Helper()
	c, err := Unmarshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r, failure, code := runPythonVerifier(t, doc)
	if r == nil {
		t.Fatalf("Python verifier rejects a chain Go verifies (exit %d): %s", code, failure)
	}
	anchor, err := AnchorHash(c)
	if err != nil {
		t.Fatal(err)
	}
	if r.JobID != c.JobID.String() || r.Anchor != anchor.String() || r.Steps != NumSteps {
		t.Errorf("Python read job %s, anchor %s, %d steps; Go: %s, %s, %d", r.JobID, r.Anchor, r.Steps, c.JobID, anchor, NumSteps)
	}
	for i, s := range c.Steps {
		if r.Hashes[i] != s.Hash.String() {
			t.Errorf("step %d: Python hash %s, Go %s", i+1, r.Hashes[i], s.Hash)
		}
	}
}

// TestPythonVerifierGoldenChain runs the independent verifier on the
// golden vector testdata/chain-v1.json.
func TestPythonVerifierGoldenChain(t *testing.T) {
	golden, err := os.ReadFile("testdata/chain-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	checkPythonAgrees(t, golden)
	r, _, _ := runPythonVerifier(t, golden)
	if got := r.Bodies[5]["exitCode"]; got != float64(0) {
		t.Errorf("Python read step 6's exitCode as %v, want 0", got)
	}
}

// TestPythonVerifierFreshChain builds a chain with a new random key and
// job, and bodies whose canonical form needs care (non-ASCII, controls,
// U+2028, floats with long and exponent forms, large integers), and
// checks that the independent verifier accepts it and reads the same
// hashes; then that it rejects tampered copies exactly as Go does.
func TestPythonVerifierFreshChain(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var job JobID
	if _, err := rand.Read(job[:]); err != nil {
		t.Fatal(err)
	}
	bodies := testBodies("c-\u00e9\u2028\x01\"\\/\U0001F600")
	bodies[3] = NewResourcesAllocated(0.1+0.2, 1<<40, []string{"GPU-0", "GPU-ü"})
	bodies[5] = NewExecutionFinished(137, 1e-7, true)
	bodies[6] = NewOutputHashed([32]byte{1, 2, 3}, MaxSafeInteger)
	b, err := NewBuilder(job, mustSigner(t, key))
	if err != nil {
		t.Fatal(err)
	}
	appendSteps(t, b, bodies, NumSteps)
	doc, err := Marshal(b.Chain())
	if err != nil {
		t.Fatal(err)
	}
	checkPythonAgrees(t, doc)

	other := mustSigner(t, testKey("intruder"))
	for _, tc := range []struct {
		name     string
		tamper   func(*Chain)
		encoded  func([]byte) []byte
		wantLine string
	}{
		{name: "body changed", encoded: func(d []byte) []byte {
			return bytes.Replace(d, []byte(`"exitCode":137`), []byte(`"exitCode":0`), 1)
		}, wantLine: "step 6: bad_hash: "},
		{name: "signed by another key", tamper: func(c *Chain) {
			sig, _ := other.SignMessage(Domain, c.Steps[3].Hash[:])
			c.Steps[3].Signature = sig
		}, wantLine: "step 4: bad_signature: "},
		{name: "step dropped", tamper: func(c *Chain) {
			c.Steps = append(c.Steps[:2], c.Steps[3:]...)
		}, wantLine: "step 3: missing_step: "},
		{name: "step from another chain", tamper: func(c *Chain) {
			c.Steps[4] = buildChain(t, job, mustSigner(t, key), "fork").Steps[4]
		}, wantLine: "step 5: bad_link: "},
		{name: "line break in a signature", encoded: func(d []byte) []byte {
			return bytes.Replace(d, []byte(`"signature":"`), []byte(`"signature":"\n`), 1)
		}, wantLine: "step 1: bad_encoding: "},
		{name: "number respelled", encoded: func(d []byte) []byte {
			return bytes.Replace(d, []byte(`"exitCode":137`), []byte(`"exitCode":1.37e2`), 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := b.Chain().Clone()
			if tc.tamper != nil {
				tc.tamper(c)
			}
			tampered, err := Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if tc.encoded != nil {
				tampered = tc.encoded(tampered)
			}
			goErr := error(nil)
			if decoded, err := Unmarshal(tampered); err != nil {
				goErr = err
			} else {
				goErr = Verify(decoded, nil, nil)
			}
			r, failure, code := runPythonVerifier(t, tampered)
			if tc.wantLine == "" { // a respelling, not a tampering
				if r == nil || goErr != nil {
					t.Fatalf("respelled chain: Python %q (exit %d), Go %v", failure, code, goErr)
				}
				return
			}
			if r != nil || code != 1 || !strings.HasPrefix(failure, tc.wantLine) {
				t.Errorf("Python verifier: exit %d, %q; want exit 1, %q…", code, failure, tc.wantLine)
			}
			if goErr == nil || !strings.HasPrefix(strings.TrimPrefix(goErr.Error(), "proof: "), tc.wantLine) {
				t.Errorf("Go verifier: %v; want %q…", goErr, tc.wantLine)
			}
		})
	}
}

// goVerdict is the first failure Go names, "step N: reason", or
// "ok".
func goVerdict(doc []byte) string {
	c, err := Unmarshal(doc)
	if err == nil {
		err = Verify(c, nil, nil)
	}
	var ve *VerifyError
	if !errors.As(err, &ve) {
		return "ok"
	}
	return fmt.Sprintf("step %d: %s", ve.Step, ve.Reason)
}

// TestPythonVerifierAgreesWithGo runs both verifiers on every malformed
// or tampered document of this package's tests (TestDecodeRejects,
// TestVerifyCatchesTampering) and on the hostile documents, and checks
// that they name the same first failure: step and reason.
func TestPythonVerifierAgreesWithGo(t *testing.T) {
	docs := map[string][]byte{}
	for _, tc := range decodeRejectCases(string(testDocument(t))) {
		docs["decode: "+tc.name] = []byte(tc.doc)
	}
	job, key := testJobID("a"), testKey("provider")
	for _, tc := range tamperCases(job, key, testKey("intruder")) {
		c := buildChain(t, job, mustSigner(t, key), "c")
		tc.mutate(t, c)
		if doc, err := Marshal(c); err == nil {
			docs["tamper: "+tc.name] = doc
		}
	}
	for _, tc := range hostileDocuments(t) {
		docs["hostile: "+tc.name] = tc.doc
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			want := goVerdict(doc)
			_, failure, code := runPythonVerifier(t, doc)
			got := "ok"
			if code != 0 {
				parts := strings.SplitN(failure, ":", 3)
				if len(parts) < 3 {
					t.Fatalf("Python verifier exit %d: %q", code, failure)
				}
				got = parts[0] + ":" + parts[1]
			}
			if got != want {
				t.Errorf("Python says %q (%s), Go says %q", got, failure, want)
			}
		})
	}
}
