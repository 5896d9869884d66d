package contracts_test

import (
	"context"
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
	// extra names the apps a test created besides the deployment (fresh
	// unconfigured copies, the relay), for naming their rejections.
	extra map[uint64]string
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
	return &env{t: t, ctx: ctx, c: c, d: d, creator: creator, extra: map[uint64]string{}}
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

// testJob is an offer between two test actors, with the id it will get.
type testJob struct {
	contracts.Offer
	ID      contracts.JobID
	p, cons actor
}

// job offers a job from provider p to consumer cons: 1 ALGO locked at
// 3.6 ALGO/hour, so at most 1000 billed seconds, with a fresh nonce.
func (e *env) job(p, cons actor, deadline, window uint64) testJob {
	e.t.Helper()
	nonce, err := contracts.NewNonce(time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	o := contracts.Offer{Provider: p.addr, Consumer: cons.addr, Nonce: nonce, RatePerHour: testRate,
		MaxSeconds: lockAmount * 3600 / testRate, Locked: lockAmount, DeadlineRounds: deadline, WindowRounds: window,
		SpecHash: sha256.Sum256([]byte("spec"))}
	return testJob{Offer: o, ID: o.JobID(), p: p, cons: cons}
}

// create opens the job (the consumer signs the payment, the provider the
// call) and checks the id the Escrow returned.
func (e *env) create(j testJob) (contracts.Result, error) {
	e.t.Helper()
	id, res, err := e.c.CreateJob(e.ctx, j.Offer, j.cons.signer, j.p.signer)
	if err == nil && id != j.ID {
		e.t.Fatalf("create_job returned id %x, JobIDFor gives %x", id, j.ID)
	}
	return res, err
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
