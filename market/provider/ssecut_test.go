package provider_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
)

// cuttingProxy forwards to target and cuts each of the first cuts event
// streams after limit bytes, mid-event, as a dropped connection would.
func cuttingProxy(t *testing.T, target string, cuts int32, limit int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		if !strings.HasSuffix(r.URL.Path, "/events") || n.Add(1) > cuts {
			_, _ = io.Copy(w, resp.Body)
			return
		}
		_, _ = io.CopyN(w, resp.Body, int64(limit))
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestEventsSurviveCutConnections: the consumer's stream of a running job
// is cut three times mid-event and still delivers every event once, in
// order, with every log line.
func TestEventsSurviveCutConnections(t *testing.T) {
	m := newMarket(t, provider.Config{})
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line$i; sleep 0.2; done; echo done > /output/d"), consumer.Terms{})
	if err != nil {
		t.Fatal(err)
	}
	proxy, conns := cuttingProxy(t, m.url, 3, 900)
	cut := job
	cut.Endpoint = proxy.URL
	var ids []uint64
	var lines []string
	last, err := m.consumer.Events(m.ctx, cut, 0, func(ev sse.Event) error {
		ids = append(ids, ev.ID)
		if ev.Type == "log" {
			var d map[string]string
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return err
			}
			lines = append(lines, strings.Fields(d["data"])...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	if conns.Load() < 4 {
		t.Fatalf("%d stream connections: the cuts did not happen", conns.Load())
	}
	for i, id := range ids {
		if id != uint64(i+1) {
			t.Fatalf("event %d has id %d: an event was lost or repeated (%v)", i, id, ids)
		}
	}
	if last != uint64(len(ids)) {
		t.Fatalf("last id %d for %d events", last, len(ids))
	}
	var want []string
	for i := 1; i <= 12; i++ {
		want = append(want, fmt.Sprintf("line%d", i))
	}
	if strings.Join(lines, " ") != strings.Join(want, " ") {
		t.Fatalf("log lines %v, want %v", lines, want)
	}
}
