package provider_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/proof"
)

// advanceFast makes the DevMode node produce n blocks: n zero-amount
// self-payments of a fresh account, sent without waiting for each (DevMode
// makes one block per transaction), then waits for the last.
func (m *market) advanceFast(n int) {
	m.t.Helper()
	a := testkit.FundedAccount(m.t, uint64(n)*1000+200_000)
	self := a.Address.String()
	var last string
	sp := m.params()
	for i := range n {
		if i%400 == 0 {
			sp = m.params()
		}
		note := make([]byte, 8)
		_, _ = rand.Read(note)
		tx, err := transaction.MakePaymentTxn(self, self, 0, note, "", sp)
		if err != nil {
			m.t.Fatal(err)
		}
		txid, stx, err := crypto.SignTransaction(a.PrivateKey, tx)
		if err != nil {
			m.t.Fatal(err)
		}
		if _, err := m.chain.Algod().SendRawTransaction(stx).Do(m.ctx); err != nil {
			m.t.Fatalf("advance: %v", err)
		}
		last = txid
	}
	if _, err := transaction.WaitForConfirmation(m.chain.Algod(), last, 20, m.ctx); err != nil {
		m.t.Fatalf("advance: %v", err)
	}
}

func (m *market) params() types.SuggestedParams {
	m.t.Helper()
	sp, err := m.chain.Algod().SuggestedParams().Do(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	sp.FlatFee, sp.Fee = true, 1000
	return sp
}

// TestSettlementFoundAfterOffline: the agent saw the job's box open, then
// went away; the consumer released and 1100 rounds passed (several search
// chunks). The agent started again on the same store finds the release
// among them and records proof step 9 with its transaction, round and
// amount, and the job settled by it.
func TestSettlementFoundAfterOffline(t *testing.T) {
	m := newMarketRun(t, provider.Config{WindowRounds: 4000}, false)
	runCtx, stop := context.WithCancel(m.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = m.server.Run(runCtx) }()
	job, esc := m.runToResult("echo away > /output/a")
	time.Sleep(time.Second) // a few watcher ticks see the box open
	stop()
	<-done
	rel, err := m.consumer.Release(m.ctx, job)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	start := time.Now()
	m.advanceFast(1100)
	t.Logf("1100 rounds in %s", time.Since(start))
	m.start(true)
	var jobs []provider.JobStatus
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if jobs, err = m.server.Jobs(); err == nil && len(jobs) == 1 && jobs[0].State == "settled" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("jobs %+v (%v): the restarted agent did not record the settlement within 60 s", jobs, err)
		}
	}
	if jobs[0].SettleTxID != rel.TxIDs[0] {
		t.Fatalf("settled by %q, want the release %s", jobs[0].SettleTxID, rel.TxIDs[0])
	}
	job.Endpoint = m.url
	ch, err := m.consumer.Proof(m.ctx, job)
	if err != nil || len(ch.Steps) != proof.NumSteps {
		t.Fatalf("proof: %v, %d steps", err, stepsOf(ch))
	}
	var pay proof.PaymentReleased
	if err := json.Unmarshal(ch.Steps[8].Body, &pay); err != nil {
		t.Fatal(err)
	}
	if pay.TxID != rel.TxIDs[0] || pay.Round != rel.Round || pay.Kind != proof.SettlementRelease || pay.Amount != esc.Bill() {
		t.Fatalf("step 9 %+v, want release %s in round %d paying %d", pay, rel.TxIDs[0], rel.Round, esc.Bill())
	}
}

// TestSettlementSearchOnNode: AlgodChain.Settlement over the real node:
// an unknown job over the node's last 600 rounds is not found, with no
// error; a range starting at round 1 ends with ErrBlockPruned when the
// node (not archival) no longer serves round 1, and is searched to the end
// when it still does.
func TestSettlementSearchOnNode(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	ch := provider.AlgodChain{Client: m.chain}
	last, err := ch.LastRound(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var nobody jobid.ID
	_, _ = rand.Read(nobody[:])
	if set, found, err := ch.Settlement(m.ctx, nobody, max(last, 600)-599, last); found || err != nil {
		t.Fatalf("unknown job: %+v %v %v, want not found", set, found, err)
	}
	_, berr := m.chain.Algod().Block(1).Do(m.ctx)
	var nf common.NotFound
	pruned := errors.As(berr, &nf)
	_, found, err := ch.Settlement(m.ctx, nobody, 1, 20)
	switch {
	case found:
		t.Fatal("unknown job found")
	case pruned && !errors.Is(err, provider.ErrBlockPruned):
		t.Fatalf("round 1 pruned (%v); search: %v, want ErrBlockPruned", berr, err)
	case !pruned && err != nil:
		t.Fatalf("round 1 served; search: %v, want none", err)
	}
}

// TestSettlementOver2000RoundsOld: as TestSettlementFoundAfterOffline, with
// 2100 rounds between the release and the agent's return, past the former
// 2000-block cap. A node that still serves the release's block (an
// archival one) yields step 9 naming it; this LocalNet, not archival, has
// pruned it: then the agent says so plainly (settlement not searchable,
// connect an archival node) and records the job settled without step 9,
// instead of searching again every tick.
func TestSettlementOver2000RoundsOld(t *testing.T) {
	logs := &syncBuffer{}
	m := newMarketRun(t, provider.Config{WindowRounds: 4000, Logger: slog.New(slog.NewTextHandler(logs, nil))}, false)
	runCtx, stop := context.WithCancel(m.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = m.server.Run(runCtx) }()
	job, esc := m.runToResult("echo long-away > /output/a")
	time.Sleep(time.Second)
	stop()
	<-done
	rel, err := m.consumer.Release(m.ctx, job)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	m.advanceFast(2100)
	_, berr := m.chain.Algod().Block(rel.Round).Do(m.ctx)
	var nf common.NotFound
	pruned := errors.As(berr, &nf)
	t.Logf("release in round %d; the node pruned its block: %v", rel.Round, pruned)
	m.start(true)
	var jobs []provider.JobStatus
	for end := time.Now().Add(90 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if jobs, err = m.server.Jobs(); err == nil && len(jobs) == 1 && jobs[0].State == "settled" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("jobs %+v (%v): no settlement recorded within 90 s", jobs, err)
		}
	}
	job.Endpoint = m.url
	ch, err := m.consumer.Proof(m.ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if pruned {
		if jobs[0].SettleTxID != "" || len(ch.Steps) != proof.NumSteps-1 ||
			!strings.Contains(logs.String(), "settlement not searchable") || !strings.Contains(logs.String(), "connect the agent to an archival node") {
			t.Fatalf("pruned release block: job %+v, %d proof steps, log:\n%s", jobs[0], len(ch.Steps), logs)
		}
		return
	}
	var pay proof.PaymentReleased
	if len(ch.Steps) != proof.NumSteps || json.Unmarshal(ch.Steps[8].Body, &pay) != nil ||
		pay.TxID != rel.TxIDs[0] || pay.Round != rel.Round || pay.Amount != esc.Bill() || jobs[0].SettleTxID != rel.TxIDs[0] {
		t.Fatalf("release block served: job %+v, step 9 %+v, want release %s in round %d", jobs[0], pay, rel.TxIDs[0], rel.Round)
	}
}
