package compute

import (
	"errors"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestExtendDeadline: a job with a 2-second limit that sleeps 4 seconds
// finishes (not timed out) once ExtendDeadline raised its limit to 10; the
// record keeps the limit, Deadlines reports the extended container
// deadline and ReapExpired given it spares the container after its label's
// deadline passed.
func TestExtendDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	s := h.spec(`sleep 4; echo done > /output/r`)
	s.MaxSeconds = 2
	id := newJobID(t)
	if _, err := h.e.ExtendDeadline(ctx, id, 10); !errors.Is(err, ErrJobNotRunning) {
		t.Fatalf("extend of a job not running: %v, want ErrJobNotRunning", err)
	}
	job, err := h.e.Start(ctx, id, s, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := h.e.ExtendDeadline(ctx, id, 10)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := h.e.Store().Get(id)
	if err != nil || rec.MaxSeconds != 10 || rec.Limit() != 10 {
		t.Fatalf("record %+v (%v), want MaxSeconds 10", rec, err)
	}
	if want := rec.Started.Add(10 * time.Second); !dl.Equal(want) {
		t.Fatalf("deadline %v, want %v", dl, want)
	}
	if again, err := h.e.ExtendDeadline(ctx, id, 5); err != nil || !again.Equal(dl) {
		t.Fatalf("shorter extension moved the deadline to %v (%v)", again, err)
	}
	dls, err := h.e.Store().Deadlines()
	if err != nil || !dls[rec.ContainerID].Equal(rec.Started.Add(10*time.Second+deadlineSlack)) {
		t.Fatalf("Deadlines %v (%v)", dls, err)
	}
	// Past the label (start+2+slack) but before the extension: kept with
	// the record's deadlines, reaped without. (reapReason directly:
	// ReapExpired at a future time would remove parallel tests' jobs.)
	list, err := h.e.cli.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelJob+"="+id.String()))})
	if err != nil || len(list) != 1 {
		t.Fatalf("job containers %d (%v), want 1", len(list), err)
	}
	at := time.Unix(list[0].Created, 0).Add(2*time.Second + deadlineSlack + 3*time.Second)
	var d time.Time
	if why := reapReason(ctx, h.e.cli, list[0], at, &reapConfig{maxAge: DefaultReapMaxAge, deadlines: dls}, &d); why != "" {
		t.Fatalf("extended job would be reaped: %s (deadline %v)", why, d)
	}
	if why := reapReason(ctx, h.e.cli, list[0], at, &reapConfig{maxAge: DefaultReapMaxAge}, &d); why == "" {
		t.Fatal("without the record's deadlines the job is past its label and must be reaped")
	}
	res, err := job.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut || res.ExitCode != 0 || res.BilledSeconds < 4 || res.BilledSeconds > 10 {
		t.Fatalf("result %+v, want a clean exit after about 4 s, billed under the new limit", res)
	}
}

// TestRunSpanNeverNegative: Docker's StartedAt and FinishedAt come from the
// daemon's clock; when FinishedAt is missing ("0001-01-01…", as Docker
// reports it for a container it has not seen stop) the local clock stands
// in, and a local clock behind the daemon's used to give a Finished before
// Started. The span is never negative now, and two Docker times are kept
// as they are.
func TestRunSpanNeverNegative(t *testing.T) {
	daemonStart := "2026-12-01T10:00:05.5Z"
	localNow := time.Date(2026, 12, 1, 10, 0, 3, 0, time.UTC) // 2.5 s behind the daemon
	s, f := runSpan(daemonStart, "0001-01-01T00:00:00Z", time.Time{}, localNow)
	if f.Before(s) || !s.Equal(time.Date(2026, 12, 1, 10, 0, 5, 5e8, time.UTC)) || !f.Equal(s) {
		t.Fatalf("span %v – %v, want a zero span at the daemon's start", s, f)
	}
	s, f = runSpan(daemonStart, "2026-12-01T10:00:07.5Z", time.Time{}, localNow)
	if got := f.Sub(s); got != 2*time.Second {
		t.Fatalf("span of two daemon times %v, want 2s", got)
	}
	recStart := time.Date(2026, 12, 1, 10, 0, 1, 0, time.UTC)
	s, f = runSpan("", "", recStart, localNow)
	if !s.Equal(recStart) || f.Sub(s) != 2*time.Second {
		t.Fatalf("span from the record %v – %v", s, f)
	}
	// Docker's exit stamp before its start stamp (a process that exits at
	// once, under load): the span comes from the engine's clock, positive,
	// so billedSeconds rounds it up to 1 s rather than billing 0.
	s, f = runSpan("2026-12-01T10:00:05.5Z", "2026-12-01T10:00:05.49Z", recStart, recStart.Add(300*time.Millisecond))
	if !s.Equal(recStart) || f.Sub(s) != 300*time.Millisecond {
		t.Fatalf("inverted daemon span %v – %v, want the engine's 300ms", s, f)
	}
	if got := billedSeconds(f.Sub(s), 20, false); got != 1 {
		t.Fatalf("billed %d s for a 300 ms run, want 1", got)
	}
}
