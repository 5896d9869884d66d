package sse

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// cutWriter passes through limit bytes, then writes the part of the next
// write that fits and aborts the connection, as a network cut would.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if len(p) > c.left {
		n, _ := c.ResponseWriter.Write(p[:c.left])
		_ = http.NewResponseController(c.ResponseWriter).Flush()
		c.left -= n
		panic(http.ErrAbortHandler)
	}
	c.left -= len(p)
	return c.ResponseWriter.Write(p)
}

func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func TestFollowResumesAfterCutWithoutLossOrRepeat(t *testing.T) {
	ctx := testkit.Context(t, 30*time.Second)
	log, err := NewLog(testkit.DB(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := jobid.ID{0xab}
	const total = 60
	var conns atomic.Int32
	var mu sync.Mutex
	var resumedFrom []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := conns.Add(1)
		mu.Lock()
		resumedFrom = append(resumedFrom, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		if n <= 3 {
			// Cut each of the first three connections mid-event.
			w = &cutWriter{ResponseWriter: w, left: 700 * int(n)}
		}
		Serve(w, r, log, id)
	}))
	defer srv.Close()

	go func() {
		for i := 1; i < total; i++ {
			if _, err := log.Append(id, "log", map[string]int{"n": i}); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		if _, err := log.Close(id, map[string]string{"state": "done"}); err != nil {
			t.Error(err)
		}
	}()

	open := func(ctx context.Context, last uint64) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		if err != nil {
			return nil, err
		}
		if last > 0 {
			req.Header.Set("Last-Event-ID", strconv.FormatUint(last, 10))
		}
		return http.DefaultClient.Do(req)
	}
	var got []Event
	last, err := Follow(ctx, open, 0, func(ev Event) error {
		got = append(got, ev)
		return nil
	})
	if err != nil {
		t.Fatalf("Follow: %v", err)
	}
	if conns.Load() < 4 {
		t.Fatalf("%d connections: the cuts did not happen", conns.Load())
	}
	if last != total || len(got) != total {
		t.Fatalf("last %d, %d events, want %d of each", last, len(got), total)
	}
	for i, ev := range got {
		if ev.ID != uint64(i+1) {
			t.Fatalf("event %d has id %d: lost or repeated", i, ev.ID)
		}
		if i < total-1 {
			var d map[string]int
			if err := json.Unmarshal(ev.Data, &d); err != nil || d["n"] != i+1 || ev.Type != "log" {
				t.Fatalf("event %d: %s %s (%v)", ev.ID, ev.Type, ev.Data, err)
			}
		}
	}
	if got[total-1].Type != EndType {
		t.Fatalf("last event %q, want %q", got[total-1].Type, EndType)
	}
	for _, h := range resumedFrom[1:] {
		if h == "" || h == "0" {
			t.Fatalf("a reconnect did not resume: Last-Event-IDs %v", resumedFrom)
		}
	}
}

func TestServeLastEventID(t *testing.T) {
	log, err := NewLog(testkit.DB(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := jobid.ID{1}
	for i := 0; i < 5; i++ {
		if _, err := log.Append(id, "step", i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := log.Close(id, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Append(id, "late", 0); err == nil {
		t.Fatal("append after close succeeded")
	}
	cases := []struct {
		header string
		status int
		first  uint64
		count  int
	}{
		{"", 200, 1, 6},
		{"3", 200, 4, 3},
		{"6", 200, 0, 0},
		{"x", 400, 0, 0},
		{"-1", 400, 0, 0},
	}
	for _, c := range cases {
		t.Run("Last-Event-ID="+c.header, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.header != "" {
				r.Header.Set("Last-Event-ID", c.header)
			}
			w := httptest.NewRecorder()
			Serve(w, r, log, id)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			if c.status != 200 {
				return
			}
			last := c.first - 1
			if c.first == 0 {
				last = 6
			}
			var got []Event
			done, _ := parse(w.Body, &last, func(ev Event) error { got = append(got, ev); return nil })
			if len(got) != c.count {
				t.Fatalf("%d events, want %d", len(got), c.count)
			}
			if c.count > 0 && (got[0].ID != c.first || !done) {
				t.Fatalf("first id %d (done %v), want %d", got[0].ID, done, c.first)
			}
		})
	}
}

func TestFollowStopsOnRefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer srv.Close()
	_, err := Follow(testkit.Context(t, 5*time.Second), func(ctx context.Context, _ uint64) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		return http.DefaultClient.Do(req)
	}, 0, func(Event) error { return nil })
	se, ok := err.(*StatusError)
	if !ok || se.Code != 403 {
		t.Fatalf("err %v, want StatusError 403", err)
	}
}

// TestFollowBackoffStartsOverAfterAWorkingConnection: each connection
// delivers one event and is cut; every wait is the first 100 ms, because
// each connection worked. Connections that deliver nothing double it.
func TestFollowBackoffStartsOverAfterAWorkingConnection(t *testing.T) {
	var waits []time.Duration
	orig := pause
	pause = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	defer func() { pause = orig }()
	ctx := testkit.Context(t, 30*time.Second)
	var conns atomic.Int32
	const events = 6
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(conns.Add(1))
		if n <= 3 { // three refused-by-the-network tries first: nothing delivered
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		id := n - 3
		w.Header().Set("Content-Type", "text/event-stream")
		typ := "log"
		if id == events {
			typ = EndType
		}
		fmt.Fprintf(w, "id: %d\nevent: %s\ndata: {}\n\n", id, typ)
	}))
	defer srv.Close()
	open := func(ctx context.Context, last uint64) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		if err != nil {
			return nil, err
		}
		return http.DefaultClient.Do(req)
	}
	last, err := Follow(ctx, open, 0, func(Event) error { return nil })
	if err != nil || last != events {
		t.Fatalf("Follow: last %d, %v; want %d", last, err, events)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
	for range events - 1 {
		want = append(want, 100*time.Millisecond)
	}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
}
