package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
)

// stateLocking: the group is recorded and being submitted.
const stateLocking = "locking"

// step appends one proof step to job id's chain, persists the chain and
// announces the step on the job's event stream while it is open.
func (s *Server) step(ctx context.Context, id compute.JobID, kind proof.StepKind, body any, at time.Time) error {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	b, ok := s.builders[id]
	if !ok {
		rec, _, err := s.store.job(id)
		if err != nil {
			return err
		}
		if len(rec.Proof) == 0 {
			b, err = proof.NewBuilder(id, s.signer)
		} else {
			var c *proof.Chain
			if c, err = proof.Unmarshal(rec.Proof); err == nil {
				b, err = proof.ResumeBuilder(c, s.signer)
			}
		}
		if err != nil {
			return fmt.Errorf("provider: proof builder for %s: %w", id, err)
		}
		s.builders[id] = b
	}
	st, err := b.Append(ctx, kind, body, at.UTC())
	if err != nil {
		s.cfg.Logger.Error("proof step", "job", id, "kind", kind, "err", err)
		return fmt.Errorf("provider: proof step %s: %w", kind, err)
	}
	raw, err := proof.Marshal(b.Chain())
	if err != nil {
		return err
	}
	if _, err := s.store.update(id, func(r *jobRecord) { r.Proof = raw }); err != nil {
		return err
	}
	// The step is durable now; a stream closed at the job's end (step 9
	// comes after it) only means nobody is told live.
	if _, err := s.events.Append(id, "proof", st); err != nil {
		s.cfg.Logger.Debug("proof step not streamed", "job", id, "kind", kind, "err", err)
	}
	return nil
}

func (s *Server) enqueue(id compute.JobID) {
	select {
	case s.queue <- jobRunItem{id}:
	default:
		// admit checked the room before payment; a burst can still fill it.
		go func() { s.queue <- jobRunItem{id} }()
	}
}

// runJob starts a paid job and follows it to its result.
func (s *Server) runJob(ctx context.Context, id compute.JobID) {
	rec, ok, err := s.store.job(id)
	if err != nil || !ok || rec.State != statePaid {
		return
	}
	d := s.cfg.Policy.Admit(rec.Spec, compute.State{Now: s.cfg.Now(), GPUs: s.cfg.GPUs, Running: s.engine.Running()})
	if !d.Accept {
		s.fail(ctx, id, "not admitted: "+d.Reason)
		return
	}
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.jmu.Lock()
	s.cancels[id] = cancel
	s.jmu.Unlock()
	defer func() { s.jmu.Lock(); delete(s.cancels, id); s.jmu.Unlock() }()
	job, err := s.engine.Start(jctx, id, rec.Spec, compute.RunOptions{GPUUUIDs: d.GPUUUIDs, OnEvent: s.onEvent(ctx, rec.Spec, d.GPUUUIDs)})
	if err != nil {
		s.fail(ctx, id, "start: "+err.Error())
		return
	}
	if _, err := s.store.update(id, func(r *jobRecord) { r.State = stateRunning }); err != nil {
		s.cfg.Logger.Error("record running", "job", id, "err", err)
	}
	// The spec's maxSeconds is what the offer locked; a top-up before the
	// start (or before a restart re-queued the job) raised the box's.
	s.extend(ctx, id)
	res, err := job.Wait(jctx)
	s.finish(ctx, id, res, err)
}

// onEvent turns engine events into proof steps and stream events.
func (s *Server) onEvent(ctx context.Context, spec compute.Spec, gpus []string) func(compute.Event) {
	return func(ev compute.Event) {
		switch ev.Kind {
		case compute.EventCreated:
			_ = s.step(ctx, ev.Job, proof.KindImageVerified, proof.NewImageVerified(spec.Image, ev.ImageDigest), ev.Time)
			_ = s.step(ctx, ev.Job, proof.KindResourcesAllocated, proof.NewResourcesAllocated(spec.CPUs, spec.MemoryMB, gpus), ev.Time)
		case compute.EventStarted:
			_ = s.step(ctx, ev.Job, proof.KindExecutionStarted, proof.NewExecutionStarted(ev.ContainerID), ev.Time)
		case compute.EventLog:
			_, _ = s.events.Append(ev.Job, "log", map[string]string{"stream": ev.Stream, "data": string(ev.Data)})
		}
	}
}

// finish records a finished job's last steps and anchors its result.
func (s *Server) finish(ctx context.Context, id compute.JobID, res compute.Result, err error) {
	if err != nil || res.OutputRefused || res.Canceled || res.OutputTar == "" {
		reason := "no output"
		switch {
		case err != nil:
			reason = err.Error()
		case res.Canceled:
			reason = "canceled"
		case res.OutputRefused:
			reason = "output over the cap"
		}
		s.fail(ctx, id, reason)
		return
	}
	secs := max(res.Finished.Sub(res.Started).Seconds(), 0)
	_ = s.step(ctx, id, proof.KindExecutionFinished, proof.NewExecutionFinished(res.ExitCode, secs, res.OOMKilled), res.Finished)
	_ = s.step(ctx, id, proof.KindOutputHashed, proof.NewOutputHashed(res.OutputSHA256, uint64(res.OutputBytes)), s.cfg.Now())
	rec, err := s.store.update(id, func(r *jobRecord) {
		r.OutputTar, r.OutputSHA, r.Billed = res.OutputTar, res.OutputSHA256, uint64(res.BilledSeconds)
	})
	if err != nil {
		s.fail(ctx, id, err.Error())
		return
	}
	s.pmu.Lock()
	anchor, ok := s.builders[id].AnchorHash()
	s.pmu.Unlock()
	if !ok {
		s.fail(ctx, id, "proof chain incomplete before the anchor")
		return
	}
	sub, err := s.chain.SubmitResult(ctx, s.signer.Address(), s.signer, id, contracts.Hash(anchor), contracts.Hash(res.OutputSHA256), rec.Billed)
	if err != nil {
		s.fail(ctx, id, "submit_result: "+err.Error())
		return
	}
	_ = s.step(ctx, id, proof.KindResultAnchored, proof.NewResultAnchored(sub.TxIDs[0], sub.Round, s.chain.EscrowApp()), s.cfg.Now())
	if _, err := s.store.update(id, func(r *jobRecord) {
		r.State, r.ResultTxID, r.ResultRound = stateSubmitted, sub.TxIDs[0], sub.Round
	}); err != nil {
		s.cfg.Logger.Error("record submitted", "job", id, "err", err)
	}
	_, _ = s.events.Close(id, map[string]any{"state": stateSubmitted, "resultTx": sub.TxIDs[0], "round": sub.Round,
		"exitCode": res.ExitCode, "billedSeconds": res.BilledSeconds, "outputSha256": fmt.Sprintf("%x", res.OutputSHA256)})
}

// fail ends a job without a result; its consumer can refund after the
// deadline.
func (s *Server) fail(ctx context.Context, id compute.JobID, reason string) {
	s.cfg.Logger.Warn("job failed", "job", id, "reason", reason)
	_, _ = s.store.update(id, func(r *jobRecord) { r.State, r.Error = stateFailed, reason })
	_, _ = s.events.Close(id, map[string]string{"state": stateFailed, "error": reason})
}

// watchSettlements drops offers that expired over an hour ago (until then
// a late payment is told the offer expired), extends running jobs whose
// escrow was topped up, and checks submitted jobs on the chain: a deleted
// box means the job was settled (its settling transaction is looked up for
// proof step 9, by a search pass that runs off this loop, so that a long
// search never holds up extending or claiming); a window that has passed
// means the provider claims. Last, it claims the badges a settlement
// minted (claimBadges).
func (s *Server) watchSettlements(ctx context.Context) {
	// Then the badges a settlement may have minted are claimed.
	defer s.claimBadges(ctx)
	// An offer past its time can no longer be paid.
	_ = s.store.dropExpiredOffers(s.cfg.Now().Add(-time.Hour))
	recs, err := s.store.jobs()
	if err != nil {
		return
	}
	round, err := s.chain.LastRound(ctx)
	if err != nil {
		return
	}
	var gone []jobRecord
	defer func() { s.searchSettlements(ctx, gone) }()
	for _, rec := range recs {
		if rec.State == stateRunning {
			s.extend(ctx, rec.ID)
			continue
		}
		if rec.State != stateSubmitted {
			continue
		}
		job, err := s.chain.Job(ctx, rec.ID)
		if errors.Is(err, contracts.ErrNotFound) {
			gone = append(gone, rec)
			continue
		}
		if err != nil {
			continue
		}
		s.sawOpen(rec.ID, round) // the box outlived round: a settlement comes later
		if job.Status != contracts.JobSubmitted || round <= job.ResultRound+job.DisputeWindow {
			continue
		}
		res, err := s.chain.Claim(ctx, s.signer.Address(), s.signer, rec.ID)
		if err != nil {
			s.cfg.Logger.Warn("claim", "job", rec.ID, "err", err)
			continue
		}
		_ = s.step(ctx, rec.ID, proof.KindPaymentReleased, proof.NewPaymentReleased(res.TxIDs[0], res.Round, proof.SettlementClaim, job.Bill()), s.cfg.Now())
		_, _ = s.store.update(rec.ID, func(r *jobRecord) {
			r.State, r.SettleTxID, r.Outcome, r.Paid = stateSettled, res.TxIDs[0], OutcomeClaimed, job.Bill()
		})
		s.forgetOpen(rec.ID)
		s.badgeDue() // the claim completed the job: it may have crossed a badge tier
	}
}

var _ = sse.EndType
