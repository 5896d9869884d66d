package app

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/testkit"
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

// runVerifyArgs runs `kinetic verify` with args and returns its output.
func runVerifyArgs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	t.Setenv(EnvAlgodURL, "")
	t.Setenv(EnvAlgodToken, "")
	r, stdout, _ := testRunner(t)
	err := r.run(context.Background(), append([]string{"--data-dir", t.TempDir(), "verify"}, args...))
	return stdout.String(), err
}

func TestRunVerifyOnChain(t *testing.T) {
	e := newChainEnv(t)
	url, token := testkit.AlgodEndpoint(t)
	online := []string{"--algod", url, "--algod-token", token}
	for _, kind := range []string{proof.SettlementRelease, proof.SettlementClaim} {
		t.Run(kind, func(t *testing.T) {
			j := e.run(kind)
			path := writeChain(t, j.chain(t, 9, nil))
			dataDir := t.TempDir()
			saveDeployment(t, dataDir, e, e.c.Apps())
			out, err := runVerifyIn(t, dataDir, append(online, path)...)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"checked offline\n",
				fmt.Sprintf("escrow locked at round %d (tx %s)", j.created.Round, callTx(j.created)),
				fmt.Sprintf("anchored at round %d (tx %s)", j.submitted.Round, callTx(j.submitted)),
				fmt.Sprintf("settled by %s at round %d (tx %s), provider paid %d µALGO", kind, j.settled.Round, callTx(j.settled), testBill),
				fmt.Sprintf("Escrow app %d from the deployment store, committed bytecode", j.escrow),
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestRunVerifyOnChainLocalNetAndPartial(t *testing.T) {
	e := newChainEnv(t)
	j := e.run(proof.SettlementRelease)
	// This test's apps are its own, not the LocalNet's recorded set.
	escrow := fmt.Sprint(j.escrow)
	out, err := runVerifyArgs(t, "--localnet", "--escrow-app", escrow, writeChain(t, j.chain(t, 9, nil)))
	if err != nil || !strings.Contains(out, "settled by release") {
		t.Fatalf("--localnet: %v\n%s", err, out)
	}
	partial := writeChain(t, j.chain(t, 8, nil))
	if _, err := runVerifyArgs(t, "--localnet", "--escrow-app", escrow, partial); !proof.IsReason(err, proof.MissingStep) {
		t.Fatalf("8 steps without --partial: err = %v, want missing_step", err)
	}
	out, err = runVerifyArgs(t, "--localnet", "--escrow-app", escrow, "--partial", partial)
	if err != nil || !strings.Contains(out, "anchored at round") || strings.Contains(out, "settled") {
		t.Fatalf("--partial: %v\n%s", err, out)
	}
	// --localnet follows the global --localnet-dir.
	r, _, _ := testRunner(t)
	err = r.run(context.Background(), []string{"--data-dir", t.TempDir(), "--localnet-dir", filepath.Join(t.TempDir(), "none"),
		"verify", "--localnet", writeChain(t, j.chain(t, 9, nil))})
	if !errors.Is(err, localnet.ErrNotRunning) {
		t.Fatalf("--localnet with another --localnet-dir: err = %v, want ErrNotRunning", err)
	}
}

func TestRunVerifyOnChainRejects(t *testing.T) {
	e := newChainEnv(t)
	j := e.run(proof.SettlementRelease)
	url, token := testkit.AlgodEndpoint(t)
	tests := []struct {
		name    string
		edit    func(b []any)
		flags   []string
		wantErr string
		wantIs  error
	}{{
		name:    "step 8 names the release",
		edit:    func(b []any) { b[7] = proof.NewResultAnchored(callTx(j.settled), j.settled.Round, j.escrow) },
		wantErr: "step 8: method of " + callTx(j.settled) + " on chain is release, proof says submit_result",
		wantIs:  errOnChain,
	}, {
		name:    "another output hash",
		edit:    func(b []any) { b[6] = proof.NewOutputHashed(sha256.Sum256([]byte("other output")), 10240) },
		wantErr: "step 8: anchored proof hash on chain is",
		wantIs:  errOnChain,
	}, {
		name: "step 9 not in its round",
		edit: func(b []any) {
			b[8] = proof.NewPaymentReleased(callTx(j.submitted), j.settled.Round, "release", testBill)
		},
		wantErr: "step 9:",
		wantIs:  contracts.ErrTxNotFound,
	}, {
		name: "step 9 amount",
		edit: func(b []any) {
			b[8] = proof.NewPaymentReleased(callTx(j.settled), j.settled.Round, "release", testBill+1)
		},
		wantErr: fmt.Sprintf("step 9: amount paid to the provider on chain is %d, proof says %d", testBill, testBill+1),
		wantIs:  errOnChain,
	}, {
		name:    "step 9 kind",
		edit:    func(b []any) { b[8] = proof.NewPaymentReleased(callTx(j.settled), j.settled.Round, "claim", testBill) },
		wantErr: "step 9: settlement on chain is release, proof says claim",
		wantIs:  errOnChain,
	}, {
		name:    "step 2 amount",
		edit:    func(b []any) { b[1] = proof.NewEscrowLocked(j.escrow, callTx(j.created), j.created.Round, 5) },
		wantErr: fmt.Sprintf("step 2: locked amount on chain is %d, proof says 5", testLocked),
		wantIs:  errOnChain,
	}, {
		name: "step 1 consumer",
		edit: func(b []any) {
			b[0] = proof.NewJobReceived(sha256.Sum256([]byte("spec")), j.provider.Address.String())
		},
		wantErr: fmt.Sprintf("step 2: job's consumer on chain is %s, proof says %s (step 1)", j.consumer, j.provider.Address),
		wantIs:  errOnChain,
	}, {
		name:    "step 2 in the future",
		edit:    func(b []any) { b[1] = proof.NewEscrowLocked(j.escrow, callTx(j.created), 1<<40, testLocked) },
		wantErr: "step 2:",
		wantIs:  contracts.ErrRoundInFuture,
	}, {
		name:    "step 8 names another app",
		edit:    func(b []any) { b[7] = proof.NewResultAnchored(callTx(j.submitted), j.submitted.Round, j.escrow+1) },
		wantErr: fmt.Sprintf("step 8: names Escrow app %d, but --escrow-app names %d", j.escrow+1, j.escrow),
		wantIs:  errOnChain,
	}, {
		name:    "--escrow-app names the Registry",
		flags:   []string{"--escrow-app", fmt.Sprint(e.c.Apps().Registry)},
		wantErr: fmt.Sprintf("app %d (from --escrow-app) is not the Escrow: its programs are not the committed Escrow bytecode", e.c.Apps().Registry),
		wantIs:  contracts.ErrProgramMismatch,
	}, {
		name:    "--escrow-app names no app",
		flags:   []string{"--escrow-app", fmt.Sprint(uint64(1) << 50)},
		wantErr: fmt.Sprintf("Escrow app %d (from --escrow-app) does not exist on this network", uint64(1)<<50),
		wantIs:  contracts.ErrProgramMismatch,
	}, {
		name:    "step 1 spec hash",
		edit:    func(b []any) { b[0] = proof.NewJobReceived(sha256.Sum256([]byte("another spec")), j.consumer.String()) },
		wantErr: fmt.Sprintf("step 1: create_job spec hash on chain is %x, proof says %x", sha256.Sum256([]byte("spec")), sha256.Sum256([]byte("another spec"))),
		wantIs:  errOnChain,
	}, {
		name:    "step 6 seconds",
		edit:    func(b []any) { b[5] = proof.NewExecutionFinished(0, testSeconds+4.5, false) },
		wantErr: fmt.Sprintf("step 6: billed seconds (submit_result) on chain is %d, proof says %d", testSeconds, testSeconds+5),
		wantIs:  errOnChain,
	}, {
		name:    "step 6 seconds short",
		edit:    func(b []any) { b[5] = proof.NewExecutionFinished(0, testSeconds-1, false) },
		wantErr: fmt.Sprintf("step 6: billed seconds (submit_result) on chain is %d, proof says %d", testSeconds, testSeconds-1),
		wantIs:  errOnChain,
	}, {
		name:    "bad token",
		flags:   []string{"--algod-token", "not-the-token"},
		wantErr: "cannot reach algod",
	}, {
		name:    "unreachable algod",
		flags:   []string{"--algod", "http://127.0.0.1:1"},
		wantErr: "cannot reach algod",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--algod", url, "--algod-token", token, "--escrow-app", fmt.Sprint(j.escrow)}, tt.flags...)
			out, err := runVerifyArgs(t, append(args, writeChain(t, j.chain(t, 9, tt.edit)))...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			t.Log(err)
			if strings.Contains(out, "checked on-chain") {
				t.Fatalf("a rejected proof printed the on-chain line:\n%s", out)
			}
		})
	}
}
