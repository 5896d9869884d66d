package compute

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// Recovery reports what Recover did.
type Recovery struct {
	// Resumable jobs have a live (or exited but uncollected) container and
	// a stored non-terminal state: pass each to Resume and Wait on it.
	Resumable []JobID
	// Failed jobs were marked failed; Reason says why.
	Failed []RecoveredFailure
	// Removed lists the containers that were removed.
	Removed []string
}

// RecoveredFailure is a job that Recover marked failed.
type RecoveredFailure struct {
	ID     JobID
	Reason string
}

// Recover reconciles the job store with the containers labelled LabelJob
// and this store's LabelInstance, after a restart: a container whose job is stored, not terminal and was
// started is resumable (its deadline still runs from the stored start
// time); any other labelled container is removed (and its job, if stored
// and not terminal, failed); a stored running or created job whose
// container is gone is failed. Nothing is left running unaccounted.
func (e *Engine) Recover(ctx context.Context) (Recovery, error) {
	var rep Recovery
	list, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", LabelJob), filters.Arg("label", LabelInstance+"="+e.store.Instance()))})
	if err != nil {
		return rep, fmt.Errorf("list job containers: %w", err)
	}
	seen := map[JobID]bool{}
	for _, c := range list {
		id, reason := e.classify(c)
		if reason == "" {
			seen[id] = true
			rep.Resumable = append(rep.Resumable, id)
			continue
		}
		e.removeContainer(ctx, c.ID)
		rep.Removed = append(rep.Removed, c.ID)
		if e.failIfLive(id, reason) {
			seen[id] = true
			rep.Failed = append(rep.Failed, RecoveredFailure{ID: id, Reason: reason})
		}
	}
	recs, err := e.store.List()
	if err != nil {
		return rep, err
	}
	for _, r := range recs {
		if r.State.Terminal() || seen[r.ID] {
			continue
		}
		reason := "container " + short(r.ContainerID) + " vanished while the app was down"
		if e.failIfLive(r.ID, reason) {
			rep.Failed = append(rep.Failed, RecoveredFailure{ID: r.ID, Reason: reason})
		}
	}
	return rep, nil
}

// classify returns the container's job id and "" when it can be resumed,
// or the reason it must be removed.
func (e *Engine) classify(c container.Summary) (JobID, string) {
	id, err := ParseJobID(c.Labels[LabelJob])
	if err != nil {
		return id, "container " + short(c.ID) + " has an invalid job label"
	}
	rec, err := e.store.Get(id)
	switch {
	case errors.Is(err, ErrJobNotFound):
		return id, "unknown job " + id.String()
	case err != nil:
		return id, "job record unreadable: " + err.Error()
	case rec.State.Terminal():
		return id, "job already " + string(rec.State)
	case rec.ContainerID != c.ID:
		return id, "container " + short(c.ID) + " is not the job's container"
	case rec.State != StateRunning:
		return id, "job container was created but never started before the restart"
	}
	return id, ""
}

// failIfLive marks a stored, non-terminal job failed; it reports whether
// it did.
func (e *Engine) failIfLive(id JobID, reason string) bool {
	changed := false
	_, _ = e.store.update(id, func(r *JobRecord) {
		if !r.State.Terminal() {
			r.State, r.Reason, changed = StateFailed, reason, true
		}
	})
	return changed
}

// Resume re-attaches to a job that Recover reported resumable. Wait on the
// returned Job as for a new one: logs are replayed from the start, the
// deadline counts from the stored start time.
func (e *Engine) Resume(ctx context.Context, id JobID, opts RunOptions) (*Job, error) {
	rec, err := e.store.Get(id)
	if err != nil {
		return nil, err
	}
	if rec.State != StateRunning {
		return nil, fmt.Errorf("resume job %s: state is %s, not running", id, rec.State)
	}
	if _, err := e.cli.ContainerInspect(ctx, rec.ContainerID); err != nil {
		e.fail(id, "container vanished: "+err.Error())
		return nil, fmt.Errorf("resume job %s: %w", id, err)
	}
	job := &Job{e: e, rec: rec, onEvent: opts.OnEvent, extended: make(chan struct{}, 1)}
	e.track(job)
	return job, nil
}

func short(cid string) string { return cid[:min(12, len(cid))] }
