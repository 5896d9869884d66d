package provider_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/x402"
)

// TestAutopilotSpotCheckStopsAfterPayment: the process stops right after
// the spot check's payment reached the second provider (its answer never
// read). The re-run's id was journaled before the payment was signed, so
// the next process finds its escrow box, records and drives it, and pays
// no second re-run: one payment to the second provider, the re-run
// released under the journaled id, the first job released.
func TestAutopilotSpotCheckStopsAfterPayment(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 5000}) // the shared LocalNet can run ~100 rounds/s
	second := m.secondProvider()
	target, _ := url.Parse(second.Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	var payments atomic.Int32
	var stop atomic.Pointer[context.CancelFunc]
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method == http.MethodPost && r.Request.Header.Get(x402.HeaderPaymentSignature) != "" {
			payments.Add(1)
			if c := stop.Swap(nil); c != nil {
				(*c)() // the process dies with the 202 on its way
			}
		}
		return nil
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	second.Endpoint = ps.URL

	db := testkit.DB(t)
	spec := m.spec("echo 42 > /output/answer")
	job, err := m.consumer.Submit(m.ctx, m.url, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if err := consumer.SaveJob(db, consumer.JobRecord{Job: job, State: consumer.StatePaid, Consumer: m.cons.Address().String(), Spec: &spec}); err != nil {
		t.Fatal(err)
	}
	opts := consumer.AutopilotOptions{SpotCheck: &consumer.SpotCheckOptions{Share: 1,
		Deterministic: func(compute.Spec) bool { return true },
		Provider:      func(context.Context, types.Address) (contracts.Provider, error) { return second, nil }}}

	ctx, cancel := context.WithCancel(m.ctx)
	defer cancel()
	stop.Store(&cancel)
	first := opts
	first.Poll, first.MinBackoff = m.cfg.ClaimInterval, m.cfg.ClaimInterval
	_ = consumer.NewAutopilot(m.consumer, db, first).Run(ctx)
	rec, _, err := consumer.LoadJob(db, job.ID)
	if err != nil || rec.State != consumer.StateVerified || rec.SpotCheckJob == nil || payments.Load() != 1 {
		t.Fatalf("after the stop: %+v (%v), %d payments; want verified with the re-run journaled and one payment", rec, err, payments.Load())
	}
	pending := rec.SpotCheckJob.ID
	if esc, err := m.chain.Job(m.ctx, pending); err != nil || esc.Consumer != m.cons.Address() {
		t.Fatalf("the re-run's escrow box %s: %+v %v; want it paid by the consumer", pending, esc, err)
	}

	rec = m.autopilot(db, job.ID, "", opts)
	if rec.State != consumer.StateReleased || rec.SpotCheck != pending.String() || payments.Load() != 1 {
		t.Fatalf("after the restart: %+v, %d payments; want released, checked by job %s, one payment", rec, payments.Load(), pending)
	}
	sid, _ := jobid.Parse(rec.SpotCheck)
	re, ok, err := consumer.LoadJob(db, sid)
	if err != nil || !ok || re.State != consumer.StateReleased || re.SpotCheckOf != job.ID.String() || re.Job.Provider != second.Address {
		t.Fatalf("re-run record %+v (%v %v), want released on the second provider", re, ok, err)
	}
	m.boxGone(job.ID)
	m.boxGone(pending)
}
