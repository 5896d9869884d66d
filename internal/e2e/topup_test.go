package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
)

// TestLongJobToppedUp: the consumer's preferences allow automatic
// top-ups; a job whose spec allows 8 s runs 12 s. The consumer's
// `submit --wait` tops its lock up while it runs (the escrow box shows a
// raised max_seconds and lock), the provider lets it run past the first
// 8 s, and it ends with exit 0, all its output, released, with a bill
// for the 12 s and the consumer's spend exact (top-ups come back but for
// the bill; their fees are counted).
//
// The provider raises a running job's deadline when it starts the
// container and then at each settlement check (every 5 s): 8 s allowed
// leaves a check between a top-up landing in the job's first seconds and
// the first deadline, so the test does not race those checks.
func TestLongJobToppedUp(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	const allowed, runs, topUpMax = 8, 12, 40_000
	prefs := fmt.Sprintf(`{"auto_top_up": true, "auto_top_up_max_microalgos": %d}`, topUpMax)
	if err := os.WriteFile(filepath.Join(c.dir, "preferences.json"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}
	p.serve(true)
	before := m.snapshot(p, c)
	script := fmt.Sprintf("i=1; while [ $i -le %d ]; do echo tick $i; i=$((i+1)); sleep 1; done; echo finished > /output/f.txt", runs)
	sub := c.start("", "submit", "--provider", p.endpoint(), "--wait", writeJobMax(t, script, allowed))
	id, _, _ := paidJob(t, sub.waitFor(paidRE, time.Minute))
	first, err := contracts.LockFor(testPrice, allowed)
	if err != nil {
		t.Fatal(err)
	}
	m.removeJobContainers(id)
	// Watch the escrow box until the result is anchored.
	var most contracts.Job
	for end := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		j, err := m.chain.Job(m.ctx, id)
		if err != nil {
			break // settled (or gone): the last read is what it showed open
		}
		if j.MaxSeconds > most.MaxSeconds {
			most = j
		}
		if j.Status != contracts.JobOpen || time.Now().After(end) {
			break
		}
	}
	if err := sub.wait(2 * time.Minute); err != nil {
		t.Fatalf("submit --wait: %v\n%s", err, sub.output())
	}
	out := sub.stdout()
	// Under 120 s of runway the autopilot adds a quarter of the cap at a
	// time until the cap is reached: 4 × 10 000 µALGO, 10 s each.
	if most.Locked != first+topUpMax || most.MaxSeconds != allowed+topUpMax*3600/testPrice {
		t.Fatalf("escrow box at most %+v while open: want the lock topped up from %d by the cap %d µALGO to max_seconds %d",
			most, first, topUpMax, allowed+topUpMax*3600/testPrice)
	}
	t.Logf("escrow box while open: max_seconds %d (spec %d), locked %d µALGO (first %d), deadline round %d", most.MaxSeconds, allowed, most.Locked, first, most.DeadlineRound)
	ev := parseEvents(t, out)
	ev.inOrderOnce(t)
	var want strings.Builder
	for i := 1; i <= runs; i++ {
		fmt.Fprintf(&want, "tick %d\n", i)
	}
	if ev.stdout != want.String() {
		t.Fatalf("the job's output as streamed:\n%q\nwant:\n%q", ev.stdout, want.String())
	}
	if code, ok := ev.end["exitCode"].(float64); !ok || code != 0 {
		t.Fatalf("end event %v: want exit code 0", ev.end)
	}
	if !releasedRE.MatchString(out) {
		t.Fatalf("job not released:\n%s", out)
	}
	if bill := m.settledAs(p, c, before, id, true); bill <= allowed*testPrice/3600 || bill < runs*testPrice/3600 {
		t.Fatalf("bill %d µALGO: want the %d s it ran (%d µALGO), more than the %d s the spec allowed", bill, runs, runs*testPrice/3600, allowed)
	}
}
