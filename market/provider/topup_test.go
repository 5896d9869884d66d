package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
)

// TestLongJobToppedUpFinishes: a job whose spec allows 4 seconds runs for
// 8; the consumer's KeepFunded tops the lock up twice by 10 s of pay (its
// total allowance), the provider reads the raised max_seconds from the
// Escrow box and extends the container's deadline, and the job finishes
// with exit 0 and its output instead of being killed at 4 s.
func TestLongJobToppedUpFinishes(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 50})
	spec := m.spec("sleep 8; echo survived > /output/r.txt")
	spec.MaxSeconds = 4
	job, err := m.consumer.Submit(m.ctx, m.url, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	before, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	funded := make(chan uint64, 1)
	go func() {
		added, _ := m.consumer.KeepFunded(m.ctx, job, consumer.Funding{Below: 3600, Amount: 10_000, Total: 20_000, Auto: true, Poll: 200 * time.Millisecond})
		funded <- added
	}()
	if _, err := m.consumer.Events(m.ctx, job, 0, func(sse.Event) error { return nil }); err != nil {
		t.Fatalf("events: %v", err)
	}
	esc, _, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("await result: %v", err)
	}
	if added := <-funded; added != 20_000 {
		t.Fatalf("KeepFunded added %d µALGO, want 20000 (two top-ups of 10 s)", added)
	}
	if esc.MaxSeconds != before.MaxSeconds+20 {
		t.Fatalf("escrow max_seconds %d, want %d+20", esc.MaxSeconds, before.MaxSeconds)
	}
	if esc.BilledSeconds < 8 || esc.BilledSeconds > esc.MaxSeconds {
		t.Fatalf("billed %d s, want the 8 s run (≥ 8, ≤ %d)", esc.BilledSeconds, esc.MaxSeconds)
	}
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var fin proof.ExecutionFinished
	if err := json.Unmarshal(v.Proof.Steps[5].Body, &fin); err != nil || fin.ExitCode != 0 {
		t.Fatalf("execution_finished %+v (%v), want exit 0", fin, err)
	}
}

// TestReleaseRecordsStepNine: after the consumer releases, the provider
// finds the settling transaction from the chain's JobSettled event and its
// proof has nine steps that verify, step 9 naming the release transaction
// and the amount paid to the provider.
func TestReleaseRecordsStepNine(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 50})
	job, esc := m.runToResult("echo paid > /output/p")
	rel, err := m.consumer.Release(m.ctx, job)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var ch *proof.Chain
	for {
		if ch, err = m.consumer.Proof(m.ctx, job); err == nil && len(ch.Steps) == proof.NumSteps {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proof after release: %v, steps %d", err, stepsOf(ch))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := proof.Verify(ch, &job.ID, job.ProviderKey()); err != nil {
		t.Fatalf("final proof: %v", err)
	}
	var pay proof.PaymentReleased
	if err := json.Unmarshal(ch.Steps[8].Body, &pay); err != nil {
		t.Fatal(err)
	}
	if pay.TxID != rel.TxIDs[0] || pay.Round != rel.Round || pay.Kind != proof.SettlementRelease || pay.Amount != esc.Bill() {
		t.Fatalf("step 9 %+v, want release %s in round %d paying %d", pay, rel.TxIDs[0], rel.Round, esc.Bill())
	}
	jobs, err := m.server.Jobs() // step 9 is recorded just before the state
	for end := time.Now().Add(5 * time.Second); err == nil && len(jobs) == 1 && jobs[0].State != "settled" && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		jobs, err = m.server.Jobs()
	}
	if err != nil || len(jobs) != 1 || jobs[0].State != "settled" || jobs[0].SettleTxID != rel.TxIDs[0] ||
		jobs[0].Outcome != provider.OutcomeReleased || jobs[0].Paid != esc.Bill() {
		t.Fatalf("provider jobs %+v (%v), want released by %s, paid the bill %d", jobs, err, rel.TxIDs[0], esc.Bill())
	}
}

func stepsOf(ch *proof.Chain) int {
	if ch == nil {
		return 0
	}
	return len(ch.Steps)
}

// TestKeepFundedWarnsWhenNotAllowed: with automatic top-up off, a runway
// under the threshold gives warnings naming why, and nothing is sent: the
// lock and the consumer's balance stay as they were.
func TestKeepFundedWarnsWhenNotAllowed(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("sleep 1"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	before, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	bal := m.balance(m.cons.Address())
	ctx, cancel := context.WithTimeout(m.ctx, time.Second)
	defer cancel()
	var warnings []string
	added, err := m.consumer.KeepFunded(ctx, job, consumer.Funding{Below: 3600, Amount: 10_000, Total: 20_000, Poll: 200 * time.Millisecond,
		Warn: func(runway uint64, why string) {
			if runway == 0 || runway > before.MaxSeconds {
				t.Errorf("warned with runway %d (max %d)", runway, before.MaxSeconds)
			}
			warnings = append(warnings, why)
		}})
	if !errors.Is(err, context.DeadlineExceeded) || added != 0 {
		t.Fatalf("KeepFunded: added %d, %v; want 0 and the context's deadline", added, err)
	}
	if len(warnings) < 2 || warnings[0] != "automatic top-up is off" {
		t.Fatalf("warnings %q, want repeated \"automatic top-up is off\"", warnings)
	}
	after, err := m.chain.Job(m.ctx, job.ID)
	if err != nil || after.Locked != before.Locked || after.MaxSeconds != before.MaxSeconds || m.balance(m.cons.Address()) != bal {
		t.Fatalf("lock %d→%d, max %d→%d, balance %d→%d (%v)", before.Locked, after.Locked, before.MaxSeconds, after.MaxSeconds, bal, m.balance(m.cons.Address()), err)
	}
}
