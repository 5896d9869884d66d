package contracts_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// actor is a funded test account with its signer.
type actor struct {
	acct   crypto.Account
	addr   types.Address
	signer transaction.TransactionSigner
}

func newActor(t testing.TB, microAlgos uint64) actor {
	t.Helper()
	a := testkit.FundedAccount(t, microAlgos)
	return actor{acct: a, addr: a.Address, signer: transaction.BasicAccountTransactionSigner{Account: a}}
}

// env is a fresh deployment of the three apps with its own creator.
type env struct {
	t       testing.TB
	ctx     context.Context
	c       *contracts.Client
	d       contracts.Deployment
	creator actor
}

// testConfig keeps deadlines and windows small so tests can pass them.
func testConfig(tiers [3]uint64) contracts.DeployConfig {
	return contracts.DeployConfig{Tiers: tiers, MinDeadline: 1, MaxDeadline: 5000, MinWindow: 1, MaxWindow: 5000,
		BadgePool: 3 * contracts.BadgeMintCost}
}

func newEnv(t testing.TB, cfg contracts.DeployConfig) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	creator := newActor(t, 20_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, testkit.Algod(t), creator.addr, creator.signer, store, cfg)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	c, err := contracts.NewClient(testkit.Algod(t), d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, c: c, d: d, creator: creator}
}

func (e *env) escrowAddr() types.Address   { return crypto.GetApplicationAddress(e.d.Apps.Escrow) }
func (e *env) registryAddr() types.Address { return crypto.GetApplicationAddress(e.d.Apps.Registry) }
func (e *env) badgeAddr() types.Address    { return crypto.GetApplicationAddress(e.d.Apps.Badge) }

// advance makes the DevMode node produce n blocks (one zero-amount
// self-payment each) so that round-based deadlines pass.
func (e *env) advance(n int) {
	e.t.Helper()
	testkit.AdvanceRounds(e.t, n)
}

func testInfo() contracts.ProviderInfo {
	return contracts.ProviderInfo{Endpoint: "https://rig.example:8443", GPUModel: "NVIDIA H100 80GB HBM3", GPUCount: 1,
		VRAMMB: 81559, CPUCores: 16, RAMMB: 131072, Driver: "550.54.15", CUDA: "12.4", PricePerHour: 3_600_000,
		MinJobSecs: 1, MaxJobSecs: 86400}
}

// registered returns a registered, available provider.
func (e *env) registered() actor {
	e.t.Helper()
	p := newActor(e.t, 5_000_000)
	if _, err := e.c.Register(e.ctx, p.addr, p.signer, testInfo()); err != nil {
		e.t.Fatalf("register: %v", err)
	}
	return p
}

func newJobID() contracts.JobID {
	var id contracts.JobID
	_, _ = rand.Read(id[:])
	return id
}

func jobParams(provider types.Address, amount, deadline, window uint64) contracts.JobParams {
	return contracts.JobParams{ID: newJobID(), Provider: provider, Amount: amount, RatePerHour: 3_600_000,
		DeadlineRounds: deadline, DisputeWindow: window, SpecHash: sha256.Sum256([]byte("spec"))}
}

// wantCode fails unless err is the rejection code.
func wantCode(t *testing.T, err error, code contracts.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %s", code)
	}
	if got := contracts.CodeOf(err); got != code {
		t.Fatalf("rejected with %q; want %s\n%v", got, code, err)
	}
}
