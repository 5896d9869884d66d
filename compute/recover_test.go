package compute

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestRecoverAfterRestart(t *testing.T) {
	t.Parallel()
	cli := testkit.Docker(t)
	image := testkit.TestImage(t)
	db := testkit.DB(t)
	outDir := t.TempDir()
	ctx := testkit.Context(t, time.Minute)

	first, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir, AllowedImages: testImages})
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
	second, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir, AllowedImages: testImages})
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
	s.MaxSeconds = 6
	id := newJobID(t)
	if _, err := h.e.Start(ctx, id, s, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4500 * time.Millisecond)
	// The restarted app resumes: the deadline still counts from the start
	// (about 1.5 s left), not from the resume (6 s). The margin between the
	// two is wide because a loaded machine adds seconds to kill and wait.
	job, err := h.e.Resume(context.Background(), id, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	res, err := job.Wait(ctx)
	if err != nil || !res.TimedOut || res.BilledSeconds != 6 {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if waited := time.Since(begin); waited > 4500*time.Millisecond {
		t.Fatalf("waited %v after resume, deadline was ~1.5 s away (6 s would mean it restarted at the resume)", waited)
	}
}

// crashBeforeRemove is a Docker client whose ContainerRemove records the
// stored state of the job at that moment and then does nothing, as if the
// app died just before removing the container.
type crashBeforeRemove struct {
	client.APIClient
	store *JobStore
	id    JobID
	seen  []JobState
	res   []*Result
}

func (c *crashBeforeRemove) ContainerRemove(context.Context, string, container.RemoveOptions) error {
	rec, _ := c.store.Get(c.id)
	c.seen, c.res = append(c.seen, rec.State), append(c.res, rec.Result)
	return nil
}

// TestFinishedBeforeRemoved checks that a job's result is stored before its
// container is removed, and that Recover then only removes the leftover.
func TestFinishedBeforeRemoved(t *testing.T) {
	t.Parallel()
	cli := testkit.Docker(t)
	db := testkit.DB(t)
	outDir := t.TempDir()
	ctx := testkit.Context(t, time.Minute)
	crash := &crashBeforeRemove{APIClient: cli, id: newJobID(t)}
	first, err := NewEngine(crash, db, EngineOptions{OutputDir: outDir, AllowedImages: testImages})
	if err != nil {
		t.Fatal(err)
	}
	crash.store = first.Store()
	h := &harness{t: t, e: first, image: testkit.TestImage(t)}
	var cid string
	res, err := first.Run(ctx, crash.id, h.spec(`echo kept > /output/r.txt`), RunOptions{OnEvent: func(ev Event) {
		if ev.Kind == EventCreated {
			cid = ev.ContainerID
		}
	}})
	if err != nil || res.OutputTar == "" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	if len(crash.seen) != 1 || crash.seen[0] != StateFinished || crash.res[0] == nil || crash.res[0].OutputSHA256 != res.OutputSHA256 {
		t.Fatalf("at removal the job was %v with result %+v; want finished with the result", crash.seen, crash.res)
	}

	second, err := NewEngine(cli, db, EngineOptions{OutputDir: outDir, AllowedImages: testImages})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := second.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Removed, []string{cid}) || len(rep.Failed)+len(rep.Resumable) != 0 {
		t.Fatalf("recovery %+v, want only %s removed", rep, short(cid))
	}
	if _, err := cli.ContainerInspect(ctx, cid); !cerrdefs.IsNotFound(err) {
		t.Fatalf("leftover container still present: %v", err)
	}
	rec, err := second.Store().Get(crash.id)
	if err != nil || rec.State != StateFinished || rec.Result == nil || rec.Result.OutputSHA256 != res.OutputSHA256 {
		t.Fatalf("stored %+v, %v", rec, err)
	}
}
