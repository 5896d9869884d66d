package app

import (
	"context"
	"strings"
	"testing"

	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/consumer"
)

func TestRunJobsListsPaidJobs(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := jobid.ID{0xca, 0xfe}
	if err := consumer.SaveJob(db, consumer.JobRecord{Job: consumer.Job{ID: id, Endpoint: "http://rig:8402", Amount: 158400}, State: "released"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, stdout, _ := testRunner(t)
	if err := r.run(context.Background(), []string{"--data-dir", dir, "jobs"}); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"paid for: 1", id.String(), "released", "158400 µALGO", "http://rig:8402", "ran: 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := r.parseJobs([]string{"--interval", "0s"}); err == nil {
		t.Error("zero interval accepted")
	}
}
