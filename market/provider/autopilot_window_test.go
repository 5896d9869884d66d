package provider_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestAutopilotDisputesStalledResult: the provider anchors its result,
// then answers GET /result with a 200 whose body trickles one byte every
// half second and never ends. Once the chain reaches the dispute margin
// the autopilot abandons the download and disputes before the window
// closes: state disputed by one transaction, the whole lock back to the
// consumer (its balance less only the payment's fee, the dispute's fees
// and the pair record), the box gone, the provider blocklisted.
func TestAutopilotDisputesStalledResult(t *testing.T) {
	const window, margin = 1000, 150 // the shared LocalNet moves on with everybody's transactions (at times ~100 rounds/s)
	m := newMarket(t, provider.Config{WindowRounds: window})
	db := testkit.DB(t)
	before := m.balance(m.cons.Address())
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo slow > /output/s.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	target, _ := url.Parse(m.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	stalled := make(chan struct{})
	var once sync.Once
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/jobs/"+job.ID.String()+"/result" {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-tar")
		w.WriteHeader(http.StatusOK)
		once.Do(func() { close(stalled) })
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				_, _ = w.Write([]byte{0})
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer ps.Close()
	job.Endpoint = ps.URL
	m.record(db, job)

	// Once the download is stalling, bring the chain to the margin.
	advanced := make(chan string, 1)
	go func() {
		select {
		case <-stalled:
		case <-m.ctx.Done():
			advanced <- "the result was never requested"
			return
		}
		esc, err := m.chain.Job(m.ctx, job.ID)
		if err != nil || esc.Status != contracts.JobSubmitted {
			advanced <- "escrow box while the download stalls: " + err.Error()
			return
		}
		st, err := m.chain.Algod().Status().Do(m.ctx)
		if err != nil {
			advanced <- err.Error()
			return
		}
		end := esc.ResultRound + esc.DisputeWindow
		if st.LastRound+margin < end {
			testkit.AdvanceRounds(t, int(end-margin-st.LastRound))
		}
		advanced <- ""
	}()
	rec := m.autopilot(db, job.ID, "", consumer.AutopilotOptions{DisputeMargin: margin})
	if msg := <-advanced; msg != "" {
		t.Fatal(msg)
	}
	if rec.State != consumer.StateDisputed || len(rec.Settlement) != 1 ||
		!strings.Contains(rec.Reason, "the result could not be fetched before the dispute window closes") {
		t.Fatalf("record %+v, want disputed by one transaction because the result could not be fetched in time", rec)
	}
	m.boxGone(job.ID)
	if got, want := int64(m.balance(m.cons.Address()))-int64(before), -int64(1000+rec.Fees+contracts.PairRecordMBR); got != want {
		t.Fatalf("consumer balance changed by %d, want %d (the whole lock back)", got, want)
	}
	blocked, err := discovery.Blocklist(db)
	if err != nil || len(blocked) != 1 || blocked[0].Address != m.prov.Address() {
		t.Fatalf("blocklist %+v (%v), want the provider", blocked, err)
	}
}

// TestAutopilotDisputeTooLate: the job is journaled "disputing" but the
// provider claims first (the window closed): the next process finds the
// box gone, reads the claim's JobSettled event and journals "settled",
// dispute too late, with the amount the provider was paid, not
// "disputed"; it sends nothing.
func TestAutopilotDisputeTooLate(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 2})
	db := testkit.DB(t)
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo late > /output/l.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if _, _, err := m.consumer.AwaitResult(m.ctx, job, 100*time.Millisecond); err != nil {
		t.Fatalf("await result: %v", err)
	}
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	testkit.AdvanceRounds(t, 3)
	for {
		if _, err := m.chain.Job(m.ctx, job.ID); errors.Is(err, contracts.ErrNotFound) {
			break
		}
		select {
		case <-m.ctx.Done():
			t.Fatal("the provider never claimed")
		case <-time.After(200 * time.Millisecond):
		}
	}
	if err := consumer.SaveJob(db, consumer.JobRecord{Job: job, State: consumer.StateDisputing, Consumer: m.cons.Address().String(),
		Reason: "the output hash differs"}); err != nil {
		t.Fatal(err)
	}
	consBefore := m.balance(m.cons.Address())
	rec := m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	want := fmt.Sprintf("dispute too late: the provider claimed %d µALGO in round ", esc.Bill())
	if rec.State != consumer.StateSettled || !strings.HasPrefix(rec.Reason, want) || len(rec.Settlement) != 0 {
		t.Fatalf("record %+v, want settled with reason %q…", rec, want)
	}
	if b := m.balance(m.cons.Address()); b != consBefore {
		t.Fatalf("the consumer's balance moved by %d; nothing should have been sent", int64(b)-int64(consBefore))
	}
}
