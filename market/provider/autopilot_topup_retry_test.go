package provider_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// flakyTopUps is the real chain whose first top-up fails before anything
// is sent and whose second lands but answers an error (a lost answer).
type flakyTopUps struct {
	*contracts.Client
	mu    sync.Mutex
	calls int
}

func (f *flakyTopUps) TopUp(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID, amount uint64) (contracts.Result, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	switch n {
	case 1:
		return contracts.Result{}, errors.New("node unreachable (test)")
	case 2:
		if _, err := f.Client.TopUp(ctx, sender, signer, id, amount); err != nil {
			return contracts.Result{}, err
		}
		return contracts.Result{}, errors.New("answer lost after the top-up landed (test)")
	}
	return f.Client.TopUp(ctx, sender, signer, id, amount)
}

// TestAutopilotTopUpRetries: a long job's first automatic top-up fails
// and its second lands but answers an error. The autopilot keeps topping
// up (retried with backoff), counts the landed one from the box's lock,
// and stops at the 20 000 µALGO cap: ToppedUp 20 000 journaled, the box
// locked exactly 20 000 more, three top-up calls in all.
func TestAutopilotTopUpRetries(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 5000})
	db := testkit.DB(t)
	spec := m.spec("sleep 8; echo survived > /output/r.txt")
	spec.MaxSeconds = 4
	job, err := m.consumer.Submit(m.ctx, m.url, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m.record(db, job)
	before, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyTopUps{Client: m.chain}
	m.consumer = consumer.New(flaky, m.cons, nil)
	rec := m.autopilot(db, job.ID, consumer.StateResult, consumer.AutopilotOptions{MinBackoff: 200 * time.Millisecond, MaxBackoff: time.Second,
		Funding: &consumer.Funding{Below: 3600, Amount: 10_000, Total: 20_000, Auto: true, Poll: 200 * time.Millisecond}})
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	flaky.mu.Lock()
	calls := flaky.calls
	flaky.mu.Unlock()
	if rec.ToppedUp != 20_000 || esc.Locked != before.Locked+20_000 || calls != 3 {
		t.Fatalf("topped up %d journaled, locked %d (was %d), %d top-up calls; want 20000, +20000, 3", rec.ToppedUp, esc.Locked, before.Locked, calls)
	}
	if esc.BilledSeconds < 8 || esc.Status != contracts.JobSubmitted {
		t.Fatalf("escrow %+v, want the 8 s run's result", esc)
	}
}
