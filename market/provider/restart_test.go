package provider_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/jobauth"

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
	m.waitSteps(job, 8)
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify after restart: %v", err)
	}
	if len(v.Proof.Steps) != 8 || v.Proof.Steps[0].Step.Kind != "job_received" {
		t.Fatalf("proof of %d steps after restart", len(v.Proof.Steps))
	}
}

// TestCancelRunningJob: the consumer's signed cancel stops a running job;
// its stream ends with state failed and no result is anchored.
func TestCancelRunningJob(t *testing.T) {
	m := newMarket(t, provider.Config{})
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("sleep 15; echo late > /output/l"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	var end map[string]string
	canceled := false
	_, err = m.consumer.Events(m.ctx, job, 0, func(ev sse.Event) error {
		if ev.Type == "proof" && strings.Contains(string(ev.Data), "execution_started") && !canceled {
			canceled = true
			req, _ := http.NewRequestWithContext(m.ctx, "POST", m.url+"/v1/jobs/"+job.ID.String()+"/cancel", nil)
			if err := jobauth.Sign(req, m.cons, job.ID, time.Now()); err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Errorf("cancel: %d, want 202", resp.StatusCode)
			}
		}
		if ev.Type == sse.EndType {
			return json.Unmarshal(ev.Data, &end)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	if !canceled || end["state"] != "failed" || end["error"] != "canceled" {
		t.Fatalf("canceled %v, end %v", canceled, end)
	}
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil || esc.Status != contracts.JobOpen {
		t.Fatalf("escrow after cancel: %+v %v, want open (refundable after the deadline)", esc, err)
	}
}
