package provider_test

import (
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
)

// TestRestartRequeuesPaidJob: a provider that took a payment and stopped
// before running the job finds it again at start (Recover), runs it and
// anchors the result, with the proof steps made before the restart kept.
func TestRestartRequeuesPaidJob(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo again > /output/a"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m.start(true) // the restarted agent, same store and engine
	rec, err := m.server.Recover(m.ctx)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if len(rec.Requeued) != 1 || rec.Requeued[0] != job.ID || len(rec.Failed) != 0 {
		t.Fatalf("recovered %+v, want the paid job re-queued", rec)
	}
	job.Endpoint = m.url
	if _, err := m.consumer.Events(m.ctx, job, 0, func(sse.Event) error { return nil }); err != nil {
		t.Fatalf("events: %v", err)
	}
	if _, _, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond); err != nil {
		t.Fatalf("await: %v", err)
	}
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify after restart: %v", err)
	}
	if len(v.Proof.Steps) != 8 || v.Proof.Steps[0].Step.Kind != "job_received" {
		t.Fatalf("proof of %d steps after restart", len(v.Proof.Steps))
	}
}
