package provider_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestAutopilotSurvivesDeadNode: while the consumer's node answers 503
// the record keeps its state ("paid"), the node's failure in plain words
// and the failed attempts; once the node is back the next process
// releases the job.
func TestAutopilotSurvivesDeadNode(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 500})
	db := testkit.DB(t)
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo node > /output/n.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	m.record(db, job)

	nodeURL, token := testkit.AlgodEndpoint(t)
	target, err := url.Parse(nodeURL)
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	down.Store(true)
	proxy := httputil.NewSingleHostReverseProxy(target)
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "node down", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer ps.Close()
	ac, err := algod.MakeClient(ps.URL, token)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := contracts.NewClient(ac, m.apps)
	if err != nil {
		t.Fatal(err)
	}
	m.consumer = consumer.New(cc, m.cons, nil) // the autopilot's client reads the chain through ps

	rec := m.autopilotUntil(db, job.ID, "two failed attempts", func(r consumer.JobRecord) bool { return r.Attempts >= 2 },
		consumer.AutopilotOptions{Poll: 100 * time.Millisecond, MinBackoff: 100 * time.Millisecond})
	if rec.State != consumer.StatePaid || rec.Attempts != 2 || !strings.Contains(rec.Error, "read the escrow box on-chain") || !strings.Contains(rec.Error, "node down") {
		t.Fatalf("record while the node is down: %+v, want paid with the node's error and 2 attempts", rec)
	}
	down.Store(false)
	rec = m.autopilot(db, job.ID, "", consumer.AutopilotOptions{})
	if rec.State != consumer.StateReleased || rec.Error != "" || len(rec.Settlement) != 1 {
		t.Fatalf("record once the node is back: %+v, want released", rec)
	}
	m.boxGone(job.ID)
}
