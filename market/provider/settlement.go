package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/proof"
)

// maxSettlementScan bounds how many blocks one search for a settlement
// reads.
const maxSettlementScan = 2000

// Settlement is the confirmed transaction that settled a job: the Escrow
// call that logged its JobSettled event.
type Settlement struct {
	TxID  string
	Round uint64
	Event contracts.JobSettled
}

// Settlement searches the confirmed blocks from round from to round to
// (at most maxSettlementScan of them, newest first) for the Escrow
// application call whose JobSettled ARC-28 event names job id; found is
// false when none of them has it.
func (c AlgodChain) Settlement(ctx context.Context, id jobid.ID, from, to uint64) (Settlement, bool, error) {
	if to >= from+maxSettlementScan {
		from = to - maxSettlementScan + 1
	}
	app := types.AppIndex(c.Apps().Escrow)
	for r := to; r >= from && r > 0; r-- {
		blk, err := c.Algod().Block(r).Do(ctx)
		if err != nil {
			return Settlement{}, false, fmt.Errorf("provider: block %d: %w", r, err)
		}
		for _, st := range blk.Payset {
			tx := st.Txn
			if tx.Type != types.ApplicationCallTx || tx.ApplicationID != app {
				continue
			}
			logs := make([][]byte, len(st.EvalDelta.Logs))
			for i, l := range st.EvalDelta.Logs {
				logs[i] = []byte(l)
			}
			ev, ok := contracts.DecodeJobSettled(logs)
			if !ok || ev.ID != id {
				continue
			}
			if st.HasGenesisID {
				tx.GenesisID = blk.GenesisID
			}
			tx.GenesisHash = blk.GenesisHash
			return Settlement{TxID: crypto.TransactionIDString(tx), Round: r, Event: ev}, true, nil
		}
	}
	return Settlement{}, false, nil
}

// settled handles a submitted job whose escrow box is gone: it finds the
// settling transaction on the chain and, when it paid the provider (a
// release, or a claim someone else sent), records proof step 9 with its
// transaction id; a dispute or refund records none.
func (s *Server) settled(ctx context.Context, rec jobRecord, last uint64) {
	set, found, err := s.chain.Settlement(ctx, rec.ID, rec.ResultRound, last)
	if err != nil {
		s.cfg.Logger.Warn("settlement search", "job", rec.ID, "err", err)
		return // the next tick searches again
	}
	if !found {
		s.cfg.Logger.Warn("settlement not found", "job", rec.ID, "from", rec.ResultRound, "to", last)
		_, _ = s.store.update(rec.ID, func(r *jobRecord) { r.State = stateSettled })
		return
	}
	kind := ""
	switch set.Event.Outcome {
	case contracts.OutcomeReleased:
		kind = proof.SettlementRelease
	case contracts.OutcomeClaimed:
		kind = proof.SettlementClaim
	}
	if kind != "" {
		if err := s.step(ctx, rec.ID, proof.KindPaymentReleased, proof.NewPaymentReleased(set.TxID, set.Round, kind, set.Event.PaidProvider), s.cfg.Now()); err != nil {
			return
		}
	}
	_, _ = s.store.update(rec.ID, func(r *jobRecord) { r.State, r.SettleTxID = stateSettled, set.TxID })
}

// extend raises a running job's hard deadline to what its escrow box now
// allows: a top-up raised the box's max_seconds, read from the chain (a
// peer's word is never enough).
func (s *Server) extend(ctx context.Context, id compute.JobID) {
	job, err := s.chain.Job(ctx, id)
	if err != nil {
		if !errors.Is(err, contracts.ErrNotFound) {
			s.cfg.Logger.Warn("escrow box", "job", id, "err", err)
		}
		return
	}
	if job.MaxSeconds > compute.MaxJobSeconds {
		job.MaxSeconds = compute.MaxJobSeconds
	}
	if _, err := s.engine.ExtendDeadline(ctx, id, int64(job.MaxSeconds)); err != nil && !errors.Is(err, compute.ErrJobNotRunning) {
		s.cfg.Logger.Warn("extend deadline", "job", id, "err", err)
	}
}
