package app

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/proof"
)

// Terms of the test jobs: 300 billed seconds at 3.6 ALGO an hour.
const (
	testLocked  = 1_000_000
	testRate    = 3_600_000
	testSeconds = 300
	testBill    = 300_000
)

// chainEnv is a fresh deployment of the apps with a registered provider
// and a funded consumer.
type chainEnv struct {
	t                  *testing.T
	ctx                context.Context
	c                  *contracts.Client
	provider, consumer crypto.Account
}

func newChainEnv(t *testing.T) *chainEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	client := testkit.Algod(t)
	creator := testkit.FundedAccount(t, 20_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	cfg := contracts.DeployConfig{Tiers: [3]uint64{10, 20, 30}, MinDeadline: 1, MaxDeadline: 5000, MinWindow: 1, MaxWindow: 5000,
		BadgePool: 3 * contracts.BadgeMintCost}
	d, err := contracts.EnsureDeployedWith(ctx, client, creator.Address, signerOf(creator), store, cfg)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	c, err := contracts.NewClient(client, d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	e := &chainEnv{t: t, ctx: ctx, c: c, provider: testkit.FundedAccount(t, 5_000_000), consumer: testkit.FundedAccount(t, 10_000_000)}
	info := contracts.ProviderInfo{Endpoint: "https://rig.example:8443", GPUModel: "none", CPUCores: 2, RAMMB: 4096,
		PricePerHour: testRate, MinJobSecs: 1, MaxJobSecs: 86400}
	if _, err := c.Register(ctx, e.provider.Address, signerOf(e.provider), info); err != nil {
		t.Fatalf("register: %v", err)
	}
	return e
}

func signerOf(a crypto.Account) transaction.TransactionSigner {
	return transaction.BasicAccountTransactionSigner{Account: a}
}

// chainJob is a job run on-chain and the transactions a proof names.
type chainJob struct {
	id                          proof.JobID
	created, submitted, settled contracts.Result
	kind                        string
	escrow                      uint64
	provider                    crypto.Account
	consumer                    types.Address
	output                      [32]byte
}

// callTx is the id of a result's app call (the last of its group), or ""
// before it was sent.
func callTx(r contracts.Result) string {
	if len(r.TxIDs) == 0 {
		return ""
	}
	return r.TxIDs[len(r.TxIDs)-1]
}

// run opens a job, anchors the hash_7 of its proof and settles it by kind
// (release, or claim once the dispute window of 2 rounds has passed).
func (e *chainEnv) run(kind string) *chainJob {
	e.t.Helper()
	j := &chainJob{kind: kind, escrow: e.c.Apps().Escrow, provider: e.provider, consumer: e.consumer.Address,
		output: sha256.Sum256([]byte("output tar"))}
	o := contracts.Offer{Provider: e.provider.Address, Consumer: e.consumer.Address, Locked: testLocked,
		RatePerHour: testRate, MaxSeconds: testLocked * 3600 / testRate, DeadlineRounds: 100, WindowRounds: 2,
		SpecHash: sha256.Sum256([]byte("spec"))}
	var err error
	if o.Nonce, err = contracts.NewNonce(time.Now()); err != nil {
		e.t.Fatal(err)
	}
	var id contracts.JobID
	if id, j.created, err = e.c.CreateJob(e.ctx, o, signerOf(e.consumer), signerOf(e.provider)); err != nil {
		e.t.Fatalf("create_job: %v", err)
	}
	j.id = id
	p := struct{ ID contracts.JobID }{id}
	testkit.AdvanceTime(e.t, testSeconds) // billed seconds must have elapsed in block time
	anchor := j.chain(e.t, 7, nil).Steps[6].Hash
	j.submitted, err = e.c.SubmitResult(e.ctx, e.provider.Address, signerOf(e.provider), p.ID, contracts.Hash(anchor), j.output, testSeconds)
	if err != nil {
		e.t.Fatalf("submit_result: %v", err)
	}
	if kind == proof.SettlementClaim {
		e.advance(3)
		j.settled, err = e.c.Claim(e.ctx, e.provider.Address, signerOf(e.provider), p.ID)
	} else {
		j.settled, err = e.c.Release(e.ctx, e.consumer.Address, signerOf(e.consumer), p.ID)
	}
	if err != nil {
		e.t.Fatalf("%s: %v", kind, err)
	}
	return j
}

// advance makes the DevMode node produce n blocks.
func (e *chainEnv) advance(n int) {
	e.t.Helper()
	testkit.AdvanceRounds(e.t, n)
}

// bodies returns the nine step bodies of the job's proof.
func (j *chainJob) bodies() []any {
	return []any{
		proof.NewJobReceived(sha256.Sum256([]byte("spec")), j.consumer.String()),
		proof.NewEscrowLocked(j.escrow, callTx(j.created), j.created.Round, testLocked),
		proof.NewImageVerified("kinetic-test/busybox:1", "sha256:"+proof.Hash(sha256.Sum256([]byte("img"))).String()),
		proof.NewResourcesAllocated(1, 256, nil),
		proof.NewExecutionStarted("c0ffee"),
		proof.NewExecutionFinished(0, testSeconds, false),
		proof.NewOutputHashed(j.output, 10240),
		proof.NewResultAnchored(callTx(j.submitted), j.submitted.Round, j.escrow),
		proof.NewPaymentReleased(callTx(j.settled), j.settled.Round, j.kind, testBill),
	}
}

// chain builds the first n steps of the job's proof, signed by the
// provider's account key; edit may change the bodies first. The step
// times are fixed, so equal bodies give equal hashes.
func (j *chainJob) chain(t *testing.T, n int, edit func([]any)) *proof.Chain {
	t.Helper()
	signer, err := proof.NewKeySigner(j.provider.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proof.NewBuilder(j.id, signer)
	if err != nil {
		t.Fatal(err)
	}
	bodies := j.bodies()
	if edit != nil {
		edit(bodies)
	}
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for i, body := range bodies[:n] {
		kind, _ := b.Next()
		if _, err := b.Append(context.Background(), kind, body, start.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	return b.Chain()
}

// writeChain writes a chain's document to a temporary file.
func writeChain(t *testing.T, c *proof.Chain) string {
	t.Helper()
	data, err := proof.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "proof.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
