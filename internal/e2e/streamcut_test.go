package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// eventRE is one event line `kinetic submit --wait` prints: [id] type data.
var eventRE = regexp.MustCompile(`(?m)^\[(\d+)\] (\S+) (.*)$`)

// streamed is what the consumer printed of a job's event stream.
type streamed struct {
	ids    []uint64
	types  []string
	stdout string // the job's stdout, from its log events in order
	end    map[string]any
}

// parseEvents reads the event lines of a `submit --wait` output.
func parseEvents(t *testing.T, out string) streamed {
	t.Helper()
	var s streamed
	for _, m := range eventRE.FindAllStringSubmatch(out, -1) {
		id, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			t.Fatalf("event line %q: %v", m[0], err)
		}
		s.ids = append(s.ids, id)
		s.types = append(s.types, m[2])
		switch m[2] {
		case "log":
			var d struct{ Data, Stream string }
			if err := json.Unmarshal([]byte(m[3]), &d); err != nil {
				t.Fatalf("log event %q: %v", m[0], err)
			}
			if d.Stream == "stdout" {
				s.stdout += d.Data
			}
		case "end":
			if err := json.Unmarshal([]byte(m[3]), &s.end); err != nil {
				t.Fatalf("end event %q: %v", m[0], err)
			}
		}
	}
	return s
}

// inOrderOnce fails the test unless the ids are 1, 2, … n with the end
// event last: no event lost, repeated or out of order.
func (s streamed) inOrderOnce(t *testing.T) {
	t.Helper()
	if len(s.ids) == 0 {
		t.Fatal("no event printed")
	}
	for i, id := range s.ids {
		if id != uint64(i+1) {
			t.Fatalf("event %d printed has id %d: an event was lost, repeated or reordered (ids %v)", i+1, id, s.ids)
		}
	}
	if last := s.types[len(s.types)-1]; last != "end" {
		t.Fatalf("last event is %q, want the end event (types %v)", last, s.types)
	}
}

// TestEventStreamCutMidJob: a TCP proxy between the consumer process and
// the provider process cuts the job's event stream three times while the
// job prints a numbered line every 200 ms; `submit --wait` resumes after
// each cut and prints every event exactly once and in order, every line
// of the job's output once, and the job is released with exact balances.
func TestEventStreamCutMidJob(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	p.serve(true)
	px := newProxy(t, p.addr, nil)
	before := m.snapshot(p, c)
	const lines = 15
	script := fmt.Sprintf("i=1; while [ $i -le %d ]; do echo line $i; i=$((i+1)); sleep 0.2; done; echo streamed > /output/s.txt", lines)
	sub := c.start("", "submit", "--provider", px.url(), "--wait", writeJob(t, script))
	id, _, endpoint := paidJob(t, sub.waitFor(paidRE, time.Minute))
	if endpoint != px.url() {
		t.Fatalf("job paid on %s, want the proxy %s", endpoint, px.url())
	}
	cuts := 0
	for _, n := range []int{3, 7, 11} {
		sub.waitFor(regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf(`line %d\n`, n))), time.Minute)
		k := px.cutStreams()
		if k == 0 {
			t.Fatalf("after line %d: no event stream open through the proxy to cut", n)
		}
		cuts += k
	}
	if err := sub.wait(2 * time.Minute); err != nil {
		t.Fatalf("submit --wait: %v\n%s", err, sub.output())
	}
	out := sub.stdout()
	if opened, _ := px.counts(); opened < 1+cuts {
		t.Fatalf("%d event stream requests through the proxy after %d cuts: the consumer did not reconnect after each", opened, cuts)
	}
	ev := parseEvents(t, out)
	ev.inOrderOnce(t)
	var want strings.Builder
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if ev.stdout != want.String() {
		t.Fatalf("the job's output as streamed:\n%q\nwant every line once, in order:\n%q", ev.stdout, want.String())
	}
	if code, ok := ev.end["exitCode"].(float64); !ok || code != 0 {
		t.Fatalf("end event %v: want exit code 0", ev.end)
	}
	if !strings.Contains(out, "\nverified: output and proof verified\n") || !releasedRE.MatchString(out) {
		t.Fatalf("job not verified and released:\n%s", out)
	}
	m.settledAs(p, c, before, id, true)
}
