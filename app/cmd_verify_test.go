package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/proof"
)

// writeProof builds a complete, signed nine-step chain for job "name" and
// writes its document to a file; tamper may alter the chain first.
func writeProof(t *testing.T, name string, tamper func(*proof.Chain)) (path string, c *proof.Chain) {
	t.Helper()
	seed := sha256.Sum256([]byte("kinetic app test key: " + name))
	signer, err := proof.NewKeySigner(ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		t.Fatal(err)
	}
	b, err := proof.NewBuilder(proof.JobID(sha256.Sum256([]byte(name))), signer)
	if err != nil {
		t.Fatal(err)
	}
	bodies := []any{
		proof.NewJobReceived(sha256.Sum256([]byte("spec")), "CONSUMER"),
		proof.NewEscrowLocked(1001, "LOCKTX", 12, 2_500_000),
		proof.NewImageVerified("kinetic-test/busybox:1", "sha256:"+proof.Hash(sha256.Sum256([]byte("img"))).String()),
		proof.NewResourcesAllocated(1, 256, nil),
		proof.NewExecutionStarted("c0ffee"),
		proof.NewExecutionFinished(0, 1.5, false),
		proof.NewOutputHashed(sha256.Sum256([]byte("out")), 3),
		proof.NewResultAnchored("SUBMITTX", 14, 1001),
		proof.NewPaymentReleased("RELEASETX", 15, proof.SettlementRelease, 2_400_000),
	}
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for i, body := range bodies {
		kind, _ := b.Next()
		if _, err := b.Append(context.Background(), kind, body, start.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	c = b.Chain()
	if tamper != nil {
		tamper(c)
	}
	data, err := proof.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "proof.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, c
}

func providerAddress(c *proof.Chain) string {
	var a types.Address
	copy(a[:], c.Provider)
	return a.String()
}

func TestRunVerifyGoodProof(t *testing.T) {
	path, c := writeProof(t, "good", nil)
	r, stdout, _ := testRunner(t)
	args := []string{"--data-dir", t.TempDir(), "verify", "--job", c.JobID.String(), "--provider", providerAddress(c), path}
	if err := r.run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	anchor, _ := proof.AnchorHash(c)
	for _, want := range []string{"proof OK: 9 steps", c.JobID.String(), providerAddress(c), anchor.String()} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestRunVerifyRejects(t *testing.T) {
	_, other := writeProof(t, "other", nil)
	tests := []struct {
		name    string
		tamper  func(*proof.Chain)
		flags   func(c *proof.Chain) []string
		wantErr string
	}{{
		name:    "tampered body",
		tamper:  func(c *proof.Chain) { c.Steps[5].Body = []byte(`{"exitCode":1,"oomKilled":false,"seconds":1.5}`) },
		wantErr: "step 6: bad_hash",
	}, {
		name:    "missing step",
		tamper:  func(c *proof.Chain) { c.Steps = c.Steps[:8] },
		wantErr: "missing_step",
	}, {
		name:    "wrong job",
		flags:   func(*proof.Chain) []string { return []string{"--job", other.JobID.String()} },
		wantErr: "wrong_job",
	}, {
		name:    "wrong provider",
		flags:   func(*proof.Chain) []string { return []string{"--provider", providerAddress(other)} },
		wantErr: "wrong_provider",
	}, {
		name:    "bad job flag",
		flags:   func(*proof.Chain) []string { return []string{"--job", "xyz"} },
		wantErr: "--job",
	}, {
		name:    "bad provider flag",
		flags:   func(*proof.Chain) []string { return []string{"--provider", "NOTANADDRESS"} },
		wantErr: "--provider",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, c := writeProof(t, "job", tt.tamper)
			args := []string{"--data-dir", t.TempDir(), "verify"}
			if tt.flags != nil {
				args = append(args, tt.flags(c)...)
			}
			r, stdout, _ := testRunner(t)
			err := r.run(context.Background(), append(args, path))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(stdout.String(), "proof OK") {
				t.Fatalf("a bad proof printed OK: %s", stdout)
			}
		})
	}
}

func TestRunVerifyArguments(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no file", nil, "usage: kinetic verify"},
		{"two files", []string{"a.json", "b.json"}, "usage: kinetic verify"},
		{"missing file", []string{"/nonexistent/proof.json"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, _ := testRunner(t)
			err := r.run(context.Background(), append([]string{"--data-dir", t.TempDir(), "verify"}, tt.args...))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"not":"a proof"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _, _ := testRunner(t)
	if err := r.run(context.Background(), []string{"--data-dir", t.TempDir(), "verify", bad}); !proof.IsReason(err, proof.BadEncoding) {
		t.Fatalf("garbage document: err = %v, want bad_encoding", err)
	}
}
