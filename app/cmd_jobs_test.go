package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/consumer"
)

func TestRunJobsListsPaidJobs(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, stuck := jobid.ID{0xca, 0xfe}, jobid.ID{0xbe, 0xef}
	if err := consumer.SaveJob(db, consumer.JobRecord{Job: consumer.Job{ID: id, Endpoint: "http://rig:8402", Amount: 158400}, State: "released"}); err != nil {
		t.Fatal(err)
	}
	if err := consumer.SaveJob(db, consumer.JobRecord{Job: consumer.Job{ID: stuck, Endpoint: "http://gone:8402", Amount: 7}, State: consumer.StateResult,
		Reason: "result anchored on-chain in round 12", Error: "verify the result: connection refused", Attempts: 4}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, stdout, _ := testRunner(t)
	if err := r.run(context.Background(), []string{"--data-dir", dir, "jobs"}); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"paid for: 2", id.String(), "released", "158400 µALGO", "http://rig:8402", "ran: 0\n",
		stuck.String() + "  result", "result anchored on-chain in round 12", "(retrying after 4 failures: verify the result: connection refused)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := r.parseJobs([]string{"--interval", "0s"}); err == nil {
		t.Error("zero interval accepted")
	}
}

// TestRunJobsListsRanJobsWithTheirOutcome: the jobs this machine ran say
// how they settled and what that paid, or that the node could not say.
func TestRunJobsListsRanJobsWithTheirOutcome(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	putJobs(t, db,
		recordedJob{ID: earnID(1), Consumer: "CONS1", State: "settled", SettleTxID: "TX1", Outcome: "claimed", Paid: 4200},
		recordedJob{ID: earnID(2), Consumer: "CONS2", State: "settled", SettleTxID: "TX2", Outcome: "disputed"},
		recordedJob{ID: earnID(3), Consumer: "CONS3", State: "settled"},
		recordedJob{ID: earnID(4), Consumer: "CONS4", State: "running"},
	)
	db.Close()
	r, stdout, _ := testRunner(t)
	if err := r.run(context.Background(), []string{"--data-dir", dir, "jobs"}); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"ran: 4\n",
		"  " + earnID(1).String() + "  settled   for CONS1  claimed, paid 4200 µALGO\n",
		"  " + earnID(2).String() + "  settled   for CONS2  disputed, paid 0 µALGO\n",
		"  " + earnID(3).String() + "  settled   for CONS3  (how it settled is not on this node: connect to an archival node to read it)\n",
		"  " + earnID(4).String() + "  running   for CONS4\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestJobsWatchWithoutNode: --watch says the jobs are not being settled,
// and why, when the node cannot be reached, and still prints the list
// until interrupted; its usage names the autopilot.
func TestJobsWatchWithoutNode(t *testing.T) {
	dir := t.TempDir()
	r, stdout, stderr := testRunner(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := r.run(ctx, []string{"--data-dir", dir, "--network", "custom", "--algod-url", "http://127.0.0.1:1", "jobs", "--watch", "--interval", "100ms"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "jobs: not settling jobs automatically: node http://127.0.0.1:1 does not answer") {
		t.Errorf("stderr lacks the reason:\n%s", stderr.String())
	}
	if n := strings.Count(stdout.String(), "paid for: 0"); n < 2 {
		t.Errorf("listed %d times in 300 ms at 100 ms, want at least 2:\n%s", n, stdout.String())
	}
	if !strings.Contains(jobsUsage, "consumer autopilot") || !strings.Contains(jobsUsage, "refunds a missed deadline") {
		t.Errorf("usage does not document the autopilot:\n%s", jobsUsage)
	}
}
