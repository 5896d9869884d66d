package provider_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/proof"
)

// topUpAmount buys 20 more seconds at testPrice (1000 µALGO/s).
const topUpAmount = 20_000

// checkToppedUpResult checks a topped-up job's settlement terms against
// the escrow box as it was before the top-up: 20 more seconds and the
// top-up's amount locked, billed for the whole run (over the spec's own
// limit), and its output.
func checkToppedUpResult(t *testing.T, before, esc contracts.Job, minBilled uint64, out []byte, steps int) {
	t.Helper()
	if esc.MaxSeconds != before.MaxSeconds+20 || esc.Locked != before.Locked+topUpAmount {
		t.Fatalf("escrow max %d locked %d, want %d and %d (the top-up's)", esc.MaxSeconds, esc.Locked, before.MaxSeconds+20, before.Locked+topUpAmount)
	}
	if esc.BilledSeconds < minBilled || esc.BilledSeconds <= before.MaxSeconds || esc.BilledSeconds > esc.MaxSeconds {
		t.Fatalf("billed %d s, want ≥ %d, over the offer's %d and within the topped-up %d", esc.BilledSeconds, minBilled, before.MaxSeconds, esc.MaxSeconds)
	}
	if !strings.Contains(string(out), "survived") || steps != 8 {
		t.Fatalf("output of %d bytes (has the job's line: %v), %d proof steps; want the job's output and 8 steps", len(out), strings.Contains(string(out), "survived"), steps)
	}
}

// waitSteps waits until the agent's proof of job has n steps: the result
// is anchored on the chain just before the agent records step 8.
func (m *market) waitSteps(job consumer.Job, n int) {
	m.t.Helper()
	var ch *proof.Chain
	var err error
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ch, err = m.consumer.Proof(m.ctx, job); err == nil && len(ch.Steps) >= n {
			return
		}
	}
	m.t.Fatalf("proof of %d steps (%v) 10 s after the result, want %d", stepsOf(ch), err, n)
}

// TestRecoverReattachedAfterTopUp: a provider process is killed while a
// job whose spec allows 3 s runs (it needs 8); while it is down the
// consumer tops the lock up by 20 s and the spec's 3 s pass. The agent
// started again re-attaches the container with the box's 23 s limit
// (stored before it follows the container, so it is not killed for the
// lapsed 3 s), and the job finishes with its output, billed for the whole
// run from the topped-up lock.
func TestRecoverReattachedAfterTopUp(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	dir, url, cmd := startCrashProvider(t, m)
	spec := m.spec("sleep 8; echo survived > /output/s.txt")
	spec.MaxSeconds = 3
	job, err := m.consumer.Submit(m.ctx, url, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	awaitExecutionStarted(t, m, job)
	started := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.consumer.TopUp(m.ctx, job, topUpAmount); err != nil {
		t.Fatalf("top up while the provider is down: %v", err)
	}
	time.Sleep(time.Until(started.Add(4 * time.Second))) // the spec's 3 s have passed
	srv, db := openAgent(t, dir, m.chain, m.prov)
	rec, err := srv.Recover(m.ctx)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if len(rec.Reattached) != 1 || rec.Reattached[0] != job.ID || len(rec.Failed) != 0 {
		t.Fatalf("recovered %+v, want the job re-attached", rec)
	}
	js, err := compute.NewJobStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := js.Get(job.ID); err != nil || r.MaxSeconds != int64(before.MaxSeconds)+20 {
		t.Fatalf("engine's limit after Recover %d s (%v), want the box's %d", r.MaxSeconds, err, before.MaxSeconds+20)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	go func() { _ = srv.Run(m.ctx) }()
	job.Endpoint = hs.URL
	esc, _, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("await after the restart: %v", err)
	}
	m.waitSteps(job, 8)
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify after the restart: %v", err)
	}
	checkToppedUpResult(t, before, esc, 8, v.Output, len(v.Proof.Steps))
}

// TestRecoverRequeuedAfterTopUp: a job paid for 3 s, never started, is
// topped up by 20 s while the agent is down; the agent started again
// re-queues it and runs it with the box's 23 s limit, so its 6 s run
// finishes and is billed in full from the topped-up lock.
func TestRecoverRequeuedAfterTopUp(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	spec := m.spec("sleep 6; echo survived > /output/s.txt")
	spec.MaxSeconds = 3
	job, err := m.consumer.Submit(m.ctx, m.url, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	before, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.consumer.TopUp(m.ctx, job, topUpAmount); err != nil {
		t.Fatalf("top up: %v", err)
	}
	m.start(true)
	rec, err := m.server.Recover(m.ctx)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if len(rec.Requeued) != 1 || rec.Requeued[0] != job.ID {
		t.Fatalf("recovered %+v, want the paid job re-queued", rec)
	}
	job.Endpoint = m.url
	esc, _, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("await: %v", err)
	}
	js, err := compute.NewJobStore(m.db)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := js.Get(job.ID); err != nil || r.MaxSeconds != int64(before.MaxSeconds)+20 {
		t.Fatalf("engine's limit %d s (%v), want the box's %d", r.MaxSeconds, err, before.MaxSeconds+20)
	}
	m.waitSteps(job, 8)
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	checkToppedUpResult(t, before, esc, 6, v.Output, len(v.Proof.Steps))
}
