package provider_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestAutopilotKeepsLongJobFunded: a job whose spec allows 4 seconds runs
// for 8. The autopilot tops its lock up by 10 s of pay and the process
// stops right after journaling it; the next process adds only what is
// left of the 20 000 µALGO per-job cap (one more top-up), then warns at
// the cap instead of sending a third; the job finishes and is released.
func TestAutopilotKeepsLongJobFunded(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 500})
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
	var mu sync.Mutex
	var warnings []string
	funding := func() *consumer.Funding {
		return &consumer.Funding{Below: 3600, Amount: 10_000, Total: 20_000, Auto: true, Poll: 200 * time.Millisecond,
			Warn: func(_ uint64, why string) { mu.Lock(); warnings = append(warnings, why); mu.Unlock() }}
	}
	rec := m.autopilotUntil(db, job.ID, "one top-up", func(r consumer.JobRecord) bool { return r.ToppedUp > 0 },
		consumer.AutopilotOptions{Funding: funding()})
	if rec.ToppedUp != 10_000 || rec.State != consumer.StatePaid {
		t.Fatalf("first process: %+v, want one top-up of 10000 journaled while the job runs", rec)
	}
	rec = m.autopilot(db, job.ID, consumer.StateResult, consumer.AutopilotOptions{Funding: funding()})
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ToppedUp != 20_000 || esc.MaxSeconds != before.MaxSeconds+20 || esc.Locked != before.Locked+20_000 {
		t.Fatalf("topped up %d, max_seconds %d (was %d), locked %d (was %d); want 20000 in all, +20 s",
			rec.ToppedUp, esc.MaxSeconds, before.MaxSeconds, esc.Locked, before.Locked)
	}
	if esc.BilledSeconds < 8 || esc.Status != contracts.JobSubmitted {
		t.Fatalf("escrow %+v, want the 8 s run's result", esc)
	}
	mu.Lock()
	warned := len(warnings) > 0 && strings.Contains(warnings[0], "top-up limit reached (10000 of 10000")
	mu.Unlock()
	if !warned {
		t.Fatalf("warnings %q, want the cap reached after the second top-up", warnings)
	}
	if rec = m.autopilot(db, job.ID, "", consumer.AutopilotOptions{Funding: funding()}); rec.State != consumer.StateReleased || rec.ToppedUp != 20_000 {
		t.Fatalf("final record %+v, want released with 20000 topped up", rec)
	}
}
