package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
)

// Recovered reports what Recover did at start.
type Recovered struct {
	// Reattached jobs had a live container and are followed again.
	Reattached []compute.JobID
	// Requeued jobs were paid but never started.
	Requeued []compute.JobID
	// Failed jobs were ended cleanly; their consumers can refund.
	Failed []compute.JobID
}

// Recover reconciles, at start and before Run, every job the provider did
// not finish: the engine's Recover re-attaches live containers (followed
// again in the background until ctx ends; also those of jobs recorded
// only as paid, when the agent stopped just after the start), paid jobs
// that never started are queued again (runJob gives them their box's
// limit), and the rest are checked against their escrow box (a
// re-attached job's deadline follows the box's max_seconds, which a
// top-up may have raised while the agent was down):
// without a box the lock never confirmed, and a job whose container is gone
// fails cleanly so that its consumer can refund after the deadline.
// Callers run compute.ReapExpired before it.
func (s *Server) Recover(ctx context.Context) (Recovered, error) {
	var out Recovered
	// A settlement seen by no running agent may have minted a badge.
	s.badgeDue()
	rec, err := s.engine.Recover(ctx)
	if err != nil {
		return out, fmt.Errorf("provider: engine recover: %w", err)
	}
	resumable := map[compute.JobID]bool{}
	for _, id := range rec.Resumable {
		resumable[id] = true
	}
	jobs, err := s.store.jobs()
	if err != nil {
		return out, err
	}
	for _, j := range jobs {
		switch j.State {
		case stateSubmitted, stateSettled, stateFailed:
			continue
		}
		box, cerr := s.chain.Job(ctx, j.ID)
		onChain := cerr == nil
		if cerr != nil && !errors.Is(cerr, contracts.ErrNotFound) {
			return out, fmt.Errorf("provider: escrow box of %s: %w", j.ID, cerr)
		}
		switch {
		case !onChain:
			s.fail(ctx, j.ID, "no open escrow box for the job")
			out.Failed = append(out.Failed, j.ID)
		case resumable[j.ID]:
			// Also a paid job: the agent can stop after the engine started
			// the container and before it recorded the job running.
			job, err := s.engine.Resume(ctx, j.ID, compute.RunOptions{OnEvent: s.onEvent(ctx, j.Spec, nil)})
			if err != nil {
				s.fail(ctx, j.ID, "resume: "+err.Error())
				out.Failed = append(out.Failed, j.ID)
				continue
			}
			// A top-up may have raised the limit while the agent was
			// down: the box's max_seconds holds before the container is
			// followed again (its original deadline may have passed).
			s.extendTo(ctx, j.ID, box)
			if _, err := s.store.update(j.ID, func(r *jobRecord) { r.State = stateRunning }); err != nil {
				return out, err
			}
			out.Reattached = append(out.Reattached, j.ID)
			go func(id compute.JobID) {
				res, err := job.Wait(ctx)
				s.finish(ctx, id, res, err)
			}(j.ID)
		case j.State == statePaid || j.State == stateLocking:
			if _, err := s.store.update(j.ID, func(r *jobRecord) { r.State = statePaid }); err != nil {
				return out, err
			}
			s.enqueue(j.ID)
			out.Requeued = append(out.Requeued, j.ID)
		default:
			s.fail(ctx, j.ID, "container lost across a restart")
			out.Failed = append(out.Failed, j.ID)
		}
	}
	return out, nil
}
