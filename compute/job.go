package compute

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
)

// EventKind names a progress event.
type EventKind string

// Progress events, in the order a job emits them (pull events first, when
// the image is pulled; logs between started and finished).
const (
	EventPull     EventKind = "pull"
	EventCreated  EventKind = "created"
	EventStarted  EventKind = "started"
	EventLog      EventKind = "log"
	EventFinished EventKind = "finished"
)

// Event is one progress report of a job.
type Event struct {
	Kind EventKind
	Job  JobID
	Time time.Time
	// ContainerID is set on created and started.
	ContainerID string
	// ImageDigest is set on created.
	ImageDigest string
	// Stream ("stdout" or "stderr") and Data are set on log events. A
	// final log event on stream "kinetic" notes a truncation.
	Stream string
	Data   []byte
	// Result is set on finished.
	Result *Result
	// Pull is set on pull events.
	Pull *PullProgress
}

// Result is the outcome of a job.
type Result struct {
	ExitCode  int  `json:"exitCode"`
	OOMKilled bool `json:"oomKilled"`
	// TimedOut: killed at the deadline. Canceled: killed on request.
	TimedOut bool `json:"timedOut"`
	Canceled bool `json:"canceled"`
	// Preempted: killed by the provider's policy, PreemptReason says why.
	Preempted     bool      `json:"preempted,omitempty"`
	PreemptReason string    `json:"preemptReason,omitempty"`
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"`
	// BilledSeconds is the run time rounded up, at most spec.MaxSeconds.
	BilledSeconds int64 `json:"billedSeconds"`
	// OutputSHA256 is the hash of the output tar file, OutputBytes its size
	// and OutputTar its path; all zero when the output was refused.
	OutputSHA256 [32]byte `json:"outputSha256"`
	OutputBytes  int64    `json:"outputBytes"`
	OutputTar    string   `json:"outputTar,omitempty"`
	// OutputRefused says the output went over the cap and was discarded.
	OutputRefused bool   `json:"outputRefused,omitempty"`
	ImageDigest   string `json:"imageDigest"`
	LogBytes      int64  `json:"logBytes"`
	LogTruncated  bool   `json:"logTruncated"`
}

// Job is a started job. Wait must be called exactly once.
type Job struct {
	e       *Engine
	rec     JobRecord
	onEvent func(Event)
	mu      sync.Mutex // serialises onEvent

	pmu           sync.Mutex
	preemptReason string
	// extended wakes waitExit when ExtendDeadline moved the deadline.
	extended chan struct{}
}

func (j *Job) preempt(reason string) {
	j.pmu.Lock()
	defer j.pmu.Unlock()
	if reason == "" {
		reason = "preempted by provider policy"
	}
	j.preemptReason = reason
}

func (j *Job) preempted() string {
	j.pmu.Lock()
	defer j.pmu.Unlock()
	return j.preemptReason
}

// ID returns the job id.
func (j *Job) ID() JobID { return j.rec.ID }

// ContainerID returns the job's container id.
func (j *Job) ContainerID() string { return j.rec.ContainerID }

// Deadline is the start time plus the job's limit: spec.MaxSeconds, or
// the longer limit ExtendDeadline recorded.
func (j *Job) Deadline() time.Time {
	j.pmu.Lock()
	defer j.pmu.Unlock()
	return j.rec.Started.Add(time.Duration(j.rec.Limit()) * time.Second)
}

func (j *Job) limit() int64 {
	j.pmu.Lock()
	defer j.pmu.Unlock()
	return j.rec.Limit()
}

func (j *Job) emit(ev Event) {
	if j.onEvent == nil {
		return
	}
	ev.Job = j.rec.ID
	ev.Time = j.e.opts.Now()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.onEvent(ev)
}

// Wait streams the logs, enforces the deadline, waits for the container
// to exit (killing it at the deadline or when ctx is cancelled), collects
// and hashes the output, records the result and then removes the container.
// On an oversize output it returns the result with OutputRefused set and
// an error wrapping ErrOutputTooLarge.
func (j *Job) Wait(ctx context.Context) (Result, error) {
	e, cid := j.e, j.rec.ContainerID
	defer e.untrack(j.rec.ID)
	logCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLogs()
	logs := newLogPump(j, e.opts.LogCapBytes)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		logs.run(logCtx, e.cli, cid)
	}()

	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watch := j.watchOutput(watchCtx)
	res, err := j.waitExit(ctx)
	stopWatch()
	verdict := <-watch
	if err == nil && verdict.unmeasured != "" {
		err = fmt.Errorf("%w: %s; job stopped", ErrOutputUnmeasured, verdict.unmeasured)
	}
	if err != nil {
		e.fail(j.rec.ID, err.Error())
		e.removeContainer(ctx, cid)
		return Result{}, err
	}
	select { // the log stream ends when the container does
	case <-logsDone:
	case <-time.After(5 * time.Second):
		stopLogs()
		<-logsDone
	}
	res.LogBytes, res.LogTruncated = logs.totals()
	res.ImageDigest = j.rec.ImageDigest

	cleanup := context.WithoutCancel(ctx)
	var outErr error
	if verdict.overflow {
		res.OutputRefused = true
		outErr = fmt.Errorf("%w: output volume passed %d bytes while running; job killed", ErrOutputTooLarge, e.opts.OutputCapBytes)
	} else {
		outErr = j.collectOutput(cleanup, &res)
	}
	// The record is final before the container goes: a crash in between
	// leaves a finished job and a container that Recover just removes,
	// never a lost result.
	if outErr != nil && !errors.Is(outErr, ErrOutputTooLarge) {
		e.fail(j.rec.ID, outErr.Error())
		e.removeContainer(cleanup, cid)
		return res, outErr
	}
	if _, err := e.store.update(j.rec.ID, func(r *JobRecord) { r.State, r.Result = StateFinished, &res }); err != nil {
		// Keep the container: Recover resumes the job and collects again.
		return res, err
	}
	e.removeContainer(cleanup, cid)
	j.emit(Event{Kind: EventFinished, Result: &res})
	return res, outErr
}

// waitExit blocks until the container has stopped, killing it at the
// deadline or on cancellation, and reads its exit state.
func (j *Job) waitExit(ctx context.Context) (Result, error) {
	e, cid := j.e, j.rec.ContainerID
	waitCtx, cancelWait := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWait()
	waitC, errC := e.cli.ContainerWait(waitCtx, cid, container.WaitConditionNotRunning)
	timer := time.NewTimer(time.Until(j.Deadline()))
	defer timer.Stop()
	var res Result
	done := ctx.Done()
	for exited := false; !exited; {
		select {
		case <-waitC:
			exited = true
		case err := <-errC:
			return Result{}, fmt.Errorf("wait for container: %w", err)
		case <-j.extended:
			if !res.TimedOut {
				timer.Reset(time.Until(j.Deadline()))
			}
		case <-timer.C:
			res.TimedOut = true
			e.kill(cid)
		case <-done:
			res.Canceled = true
			done = nil
			e.kill(cid)
		}
	}
	insp, err := e.cli.ContainerInspect(waitCtx, cid)
	if err != nil {
		return Result{}, fmt.Errorf("inspect exited container: %w", err)
	}
	st := insp.State
	res.ExitCode, res.OOMKilled = st.ExitCode, st.OOMKilled
	if why := j.preempted(); why != "" {
		res.Preempted, res.PreemptReason = true, why
	}
	killedByUs := res.TimedOut || res.Canceled || res.Preempted
	if res.ExitCode == 137 && !res.OOMKilled && !killedByUs {
		res.OOMKilled = e.oomEventSeen(waitCtx, cid, j.rec.Started)
	}
	res.Started, res.Finished = runSpan(st.StartedAt, st.FinishedAt, j.rec.Started, e.opts.Now())
	res.BilledSeconds = billedSeconds(res.Finished.Sub(res.Started), j.limit(), res.TimedOut)
	return res, nil
}

// kill sends SIGKILL; a container that already stopped is not an error.
func (e *Engine) kill(cid string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.cli.ContainerKill(ctx, cid, "KILL")
}

// billedSeconds rounds the run time up to whole seconds and caps it at the
// deadline; a job killed at its deadline is billed exactly maxSeconds.
func billedSeconds(d time.Duration, maxSeconds int64, timedOut bool) int64 {
	if timedOut {
		return maxSeconds
	}
	s := int64(math.Ceil(d.Seconds()))
	return max(0, min(s, maxSeconds))
}

// runSpan is the run's start and end: Docker's State.StartedAt and
// FinishedAt when both parse, since they come from one clock (the
// daemon's). When one is missing it falls back to the engine's own
// record (started, the time the start was recorded; now), and a span
// mixing the two clocks never ends before it starts: the end is moved up
// to the start (zero seconds) rather than reported negative.
func runSpan(startedAt, finishedAt string, started, now time.Time) (time.Time, time.Time) {
	s := parseDockerTime(startedAt, time.Time{})
	f := parseDockerTime(finishedAt, time.Time{})
	if !s.IsZero() && !f.IsZero() && f.Before(s) && !started.IsZero() && now.After(started) {
		// Docker stamps FinishedAt from the exit event, which can come
		// before it records StartedAt when the process exits at once (seen
		// under load): the daemon's span is then negative although the
		// job ran. Measure it on the engine's own clock instead, from the
		// recorded start to now, so a run that happened is never billed 0 s.
		return started, now
	}
	if s.IsZero() || f.IsZero() {
		if s.IsZero() {
			s = started
		}
		if f.IsZero() {
			f = now
		}
	}
	if f.Before(s) {
		f = s
	}
	return s, f
}

func parseDockerTime(s string, fallback time.Time) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() < 2000 {
		return fallback
	}
	return t
}
