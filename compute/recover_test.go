package compute

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestRecoverAfterRestart(t *testing.T) {
	t.Parallel()
	cli := testkit.Docker(t)
	image := testkit.TestImage(t)
	db := testkit.DB(t)
	outDir := t.TempDir()
	ctx := testkit.Context(t, time.Minute)

	first, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, e: first, image: image}
	// A job left running when the "app" goes away: started, never waited on.
	live := newJobID(t)
	if _, err := first.Start(ctx, live, h.spec(`sleep 2; echo done > /output/result.txt`), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	// A stored running job whose container has disappeared.
	vanished := newJobID(t)
	if err := first.Store().Put(JobRecord{ID: vanished, Spec: h.spec("true"), State: StateRunning, ContainerID: "0123456789abcdef", Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// A labelled container of a job nobody knows about.
	orphanCfg, orphanHost, _ := first.sandboxConfig(newJobID(t), h.spec("sleep 60"), sandboxParams{})
	orphan, err := cli.ContainerCreate(ctx, orphanCfg, orphanHost, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.ContainerStart(ctx, orphan.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}

	// The restart: a new engine over the same database.
	second, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := second.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Resumable, []JobID{live}) {
		t.Fatalf("resumable %v, want [%s]", rep.Resumable, live)
	}
	if len(rep.Failed) != 1 || rep.Failed[0].ID != vanished || rep.Failed[0].Reason == "" {
		t.Fatalf("failed %+v", rep.Failed)
	}
	if !slices.Contains(rep.Removed, orphan.ID) {
		t.Fatalf("orphan %s not removed: %v", orphan.ID, rep.Removed)
	}
	if _, err := cli.ContainerInspect(ctx, orphan.ID); !cerrdefs.IsNotFound(err) {
		t.Fatalf("orphan still present: %v", err)
	}
	if rec, _ := second.Store().Get(vanished); rec.State != StateFailed {
		t.Fatalf("vanished job state %s", rec.State)
	}

	job, err := second.Resume(ctx, live, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.Wait(ctx)
	if err != nil || res.ExitCode != 0 || res.TimedOut {
		t.Fatalf("resumed job: err %v, result %+v", err, res)
	}
	raw, err := os.ReadFile(res.OutputTar)
	if err != nil {
		t.Fatal(err)
	}
	if got := fileHashes(t, raw); len(got) != 1 {
		t.Fatalf("resumed output files %v", got)
	}
	// A second recovery finds nothing left.
	rep, err = second.Recover(ctx)
	if err != nil || len(rep.Resumable)+len(rep.Failed)+len(rep.Removed) != 0 {
		t.Fatalf("second recovery %+v, %v", rep, err)
	}
}

func TestResumeEnforcesStoredDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	s := h.spec(`sleep 60`)
	s.MaxSeconds = 3
	id := newJobID(t)
	if _, err := h.e.Start(ctx, id, s, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	// The restarted app resumes: the deadline still counts from the start.
	job, err := h.e.Resume(context.Background(), id, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	res, err := job.Wait(ctx)
	if err != nil || !res.TimedOut || res.BilledSeconds != 3 {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if waited := time.Since(begin); waited > 2500*time.Millisecond {
		t.Fatalf("waited %v after resume, deadline was ~1.5 s away", waited)
	}
}
