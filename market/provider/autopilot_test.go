package provider_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// autopilot runs a new consumer Autopilot over db (a consumer process
// started afresh) until job id reaches state stop, when it cancels the
// run right after that step is journaled (a crash before the next step),
// or until the job is settled when stop is empty. It returns the record
// as stored once the Autopilot has stopped.
func (m *market) autopilot(db *bbolt.DB, id jobid.ID, stop string, opts consumer.AutopilotOptions) consumer.JobRecord {
	m.t.Helper()
	return m.autopilotUntil(db, id, stop, func(r consumer.JobRecord) bool { return r.State == stop || stop == "" && r.Terminal() }, opts)
}

// autopilotUntil is autopilot stopping when until holds for job id's
// record; what names the condition in a failure.
func (m *market) autopilotUntil(db *bbolt.DB, id jobid.ID, what string, until func(consumer.JobRecord) bool, opts consumer.AutopilotOptions) consumer.JobRecord {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.ctx, 2*time.Minute)
	defer cancel()
	if opts.Poll == 0 {
		opts.Poll, opts.MinBackoff = 200*time.Millisecond, 200*time.Millisecond
	}
	opts.OnChange = func(r consumer.JobRecord) {
		if r.Job.ID == id && until(r) {
			cancel()
		}
	}
	if err := consumer.NewAutopilot(m.consumer, db, opts).Run(ctx); !errors.Is(err, context.Canceled) {
		m.t.Fatalf("autopilot stopped with %v before job %s reached %q", err, id, what)
	}
	rec, ok, err := consumer.LoadJob(db, id)
	if err != nil || !ok {
		m.t.Fatalf("job record: %v (found %v)", err, ok)
	}
	return rec
}

// boxGone fails unless job id's escrow box is settled.
func (m *market) boxGone(id jobid.ID) {
	m.t.Helper()
	if _, err := m.chain.Job(m.ctx, id); !errors.Is(err, contracts.ErrNotFound) {
		m.t.Fatalf("escrow box of job %s after settlement: %v, want ErrNotFound", id, err)
	}
}

// record stores a freshly paid job as `kinetic submit` does.
func (m *market) record(db *bbolt.DB, job consumer.Job) {
	m.t.Helper()
	if err := consumer.SaveJob(db, consumer.JobRecord{Job: job, State: consumer.StatePaid, Consumer: m.cons.Address().String()}); err != nil {
		m.t.Fatal(err)
	}
}

// TestAutopilotRestartReleasesOnce: a paid job whose consumer process
// stops right after verifying it (journaled "verified") is released by the
// next process over the same store, exactly once: one release, the exact
// balance changes, the box gone; a third process sends nothing.
func TestAutopilotRestartReleasesOnce(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 500})
	db := testkit.DB(t)
	provBefore, consBefore := m.balance(m.prov.Address()), m.balance(m.cons.Address())
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo released > /output/r.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m.record(db, job)

	rec := m.autopilot(db, job.ID, consumer.StateVerified, consumer.AutopilotOptions{})
	if rec.State != consumer.StateVerified || rec.Digest == "" || len(rec.Settlement) != 0 || rec.LastEventID == 0 {
		t.Fatalf("after the first process: %+v, want verified with a digest, events seen and nothing settled", rec)
	}
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil || esc.Status != contracts.JobSubmitted {
		t.Fatalf("escrow after verification only: %+v, %v; want the submitted box", esc, err)
	}

	rec = m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	if rec.State != consumer.StateReleased || len(rec.Settlement) != 1 || rec.Fees == 0 || rec.Error != "" {
		t.Fatalf("after the restart: %+v, want released by one transaction", rec)
	}
	m.boxGone(job.ID)
	bill := esc.Bill()
	if got, want := int64(m.balance(m.prov.Address()))-int64(provBefore), int64(bill)-3000; got != want {
		t.Errorf("provider balance changed by %d, want %d (bill %d)", got, want, bill)
	}
	consAfter := m.balance(m.cons.Address())
	if got, want := int64(consAfter)-int64(consBefore), -int64(bill+1000+rec.Fees+contracts.PairRecordMBR); got != want {
		t.Errorf("consumer balance changed by %d, want %d (bill %d, release fees %d)", got, want, bill, rec.Fees)
	}

	// A third process finds nothing to do: the settled record is left alone.
	ctx, cancel := context.WithTimeout(m.ctx, 2*time.Second)
	defer cancel()
	_ = consumer.NewAutopilot(m.consumer, db, consumer.AutopilotOptions{Poll: 100 * time.Millisecond}).Run(ctx)
	again, _, err := consumer.LoadJob(db, job.ID)
	if err != nil || !again.Updated.Equal(rec.Updated) || again.State != consumer.StateReleased {
		t.Fatalf("record after a third process: %+v (%v), want it unchanged", again, err)
	}
	if b := m.balance(m.cons.Address()); b != consAfter {
		t.Fatalf("a third process moved the consumer's balance by %d", int64(b)-int64(consAfter))
	}
}

// TestAutopilotReleaseLandedBeforeCrash: the process journals
// "releasing" and stops; the release then lands (sent here, as if the
// stopped process had sent it before dying). The next process reads the
// box gone and journals "released" without sending a second release.
func TestAutopilotReleaseLandedBeforeCrash(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 500})
	db := testkit.DB(t)
	consBefore := m.balance(m.cons.Address())
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo once > /output/o.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m.record(db, job)
	if rec := m.autopilot(db, job.ID, consumer.StateReleasing, consumer.AutopilotOptions{}); rec.State != consumer.StateReleasing {
		t.Fatalf("first process stopped at %q", rec.State)
	}
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatalf("the box must still be there: %v", err)
	}
	landed, err := m.consumer.Release(m.ctx, job)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	rec := m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	if rec.State != consumer.StateReleased || len(rec.Settlement) != 0 || rec.Fees != 0 {
		t.Fatalf("resumed record %+v, want released with no transaction of its own", rec)
	}
	if got, want := int64(m.balance(m.cons.Address()))-int64(consBefore), -int64(esc.Bill()+1000+landed.Fees+contracts.PairRecordMBR); got != want {
		t.Fatalf("consumer balance changed by %d, want %d (one release)", got, want)
	}
}

// TestAutopilotRefundsSilentProvider: the provider takes the payment and
// never runs the job. After the deadline the autopilot journals
// "refunding" (the process stops there), and the next process sends the
// refund: the consumer is back to its balance less the payment's fee, the
// refund's fees and the pair record, exactly.
func TestAutopilotRefundsSilentProvider(t *testing.T) {
	m := newMarketRun(t, provider.Config{DeadlineRounds: 3}, false)
	db := testkit.DB(t)
	before := m.balance(m.cons.Address())
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo never"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m.record(db, job)
	testkit.AdvanceRounds(t, 4)
	rec := m.autopilot(db, job.ID, consumer.StateRefunding, consumer.AutopilotOptions{})
	if rec.State != consumer.StateRefunding || !strings.Contains(rec.Reason, "deadline") {
		t.Fatalf("first process: %+v, want refunding after the deadline", rec)
	}
	if _, err := m.chain.Job(m.ctx, job.ID); err != nil {
		t.Fatalf("the box must still be there before the refund is sent: %v", err)
	}
	rec = m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	if rec.State != consumer.StateRefunded || len(rec.Settlement) != 1 || rec.Fees == 0 {
		t.Fatalf("after the restart: %+v, want refunded by one transaction", rec)
	}
	m.boxGone(job.ID)
	if got, want := int64(m.balance(m.cons.Address()))-int64(before), -int64(1000+rec.Fees+contracts.PairRecordMBR); got != want {
		t.Fatalf("consumer balance changed by %d, want %d", got, want)
	}
}

// TestAutopilotDisputesTamperedResult: the output reaches the consumer
// altered; the autopilot disputes (the whole lock back) and blocklists
// the provider with the job and the reason.
func TestAutopilotDisputesTamperedResult(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 500})
	db := testkit.DB(t)
	before := m.balance(m.cons.Address())
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo genuine > /output/r.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	target, _ := url.Parse(m.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/v1/jobs/"+job.ID.String()+"/result" {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(b, []byte("genuine"), []byte("forgery"), 1)))
		return nil
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	job.Endpoint = ps.URL
	m.record(db, job)

	rec := m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	if rec.State != consumer.StateDisputed || !strings.Contains(rec.Reason, "output hash") || len(rec.Settlement) != 1 {
		t.Fatalf("record %+v, want disputed over the output hash by one transaction", rec)
	}
	m.boxGone(job.ID)
	if got, want := int64(m.balance(m.cons.Address()))-int64(before), -int64(1000+rec.Fees+contracts.PairRecordMBR); got != want {
		t.Fatalf("consumer balance changed by %d, want %d", got, want)
	}
	blocked, err := discovery.Blocklist(db)
	if err != nil || len(blocked) != 1 || blocked[0].Address != m.prov.Address() || !strings.Contains(blocked[0].Reason, job.ID.String()) {
		t.Fatalf("blocklist %+v (%v), want the provider, naming job %s", blocked, err, job.ID)
	}
}

// TestAutopilotKeepsErrorAndRetries: the provider's endpoint does not
// answer after the result is anchored; the failed verification stays on
// the record in plain words with its attempts and a growing backoff, the
// record in state "result". Once the endpoint answers again the next
// process verifies and releases, clearing the error.
func TestAutopilotKeepsErrorAndRetries(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 1000})
	db := testkit.DB(t)
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo later > /output/l.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	live := job.Endpoint
	job.Endpoint = "http://127.0.0.1:1" // nothing listens there
	m.record(db, job)
	var nextTries []time.Time
	rec := m.autopilotUntil(db, job.ID, "three failed attempts", func(r consumer.JobRecord) bool {
		if r.Attempts > len(nextTries) {
			nextTries = append(nextTries, r.NextTry)
		}
		return r.Attempts >= 3
	}, consumer.AutopilotOptions{Poll: 100 * time.Millisecond, MinBackoff: 300 * time.Millisecond, MaxBackoff: 10 * time.Second})
	if rec.State != consumer.StateResult || rec.Attempts != 3 || !strings.Contains(rec.Error, "connection refused") || strings.Contains(rec.Error, "consumer:") {
		t.Fatalf("record %+v, want state result with 3 attempts and the plain connection error", rec)
	}
	if gap1, gap2 := nextTries[1].Sub(nextTries[0]), nextTries[2].Sub(nextTries[1]); gap2 < gap1+300*time.Millisecond {
		t.Errorf("retry times %v then %v apart, want the backoff to double (300, 600, 1200 ms)", gap1, gap2)
	}
	if _, err := consumer.UpdateJob(db, job.ID, func(r *consumer.JobRecord) error { r.Job.Endpoint = live; return nil }); err != nil {
		t.Fatal(err)
	}
	rec = m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	if rec.State != consumer.StateReleased || rec.Error != "" || rec.Attempts != 0 || len(rec.Settlement) != 1 {
		t.Fatalf("record %+v, want released with the error cleared", rec)
	}
	m.boxGone(job.ID)
}
