package provider

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/proof"
)

// settlementChunk is how many blocks one step of a settlement search reads
// concurrently (settlementReaders at a time), oldest chunk first.
// settlementBlocksPerPass bounds the blocks one search pass (one tick)
// reads over all jobs: a longer search resumes at its journaled cursor on
// the next pass, so an agent back after a day offline (~30k rounds) spreads
// the reads over several ticks instead of holding one for minutes.
const (
	settlementChunk         = 256
	settlementReaders       = 8
	settlementBlocksPerPass = 4 * settlementChunk
)

// Settlement is the confirmed transaction that settled a job: the Escrow
// call that logged its JobSettled event.
type Settlement struct {
	TxID  string
	Round uint64
	Event contracts.JobSettled
}

// ErrBlockPruned reports a block the node no longer serves (a non-archival
// node keeps only recent blocks).
var ErrBlockPruned = errors.New("the node no longer serves this block (not an archival node)")

// Settlement searches every confirmed block from round from to round to
// for the Escrow application call whose JobSettled ARC-28 event names job
// id; found is false when none of them has it. The range is read in chunks
// of settlementChunk blocks, oldest chunk first (a settlement usually
// comes soon after the result), each chunk's blocks fetched concurrently.
// A block the node has pruned ends the search with an error wrapping
// ErrBlockPruned. The agent itself calls it one chunk at a time (see
// settled), so that a long search is spread over ticks.
func (c AlgodChain) Settlement(ctx context.Context, id jobid.ID, from, to uint64) (Settlement, bool, error) {
	return searchSettlement(ctx, func(ctx context.Context, r uint64) (Settlement, bool, error) {
		return c.blockSettlement(ctx, id, r)
	}, from, to)
}

// blockReader looks for the settlement in one round's block.
type blockReader func(ctx context.Context, round uint64) (Settlement, bool, error)

// searchSettlement reads the rounds from from to to with read, in chunks
// of settlementChunk rounds, oldest chunk first, settlementReaders blocks
// at a time, and returns the oldest match (a job is settled once).
func searchSettlement(ctx context.Context, read blockReader, from, to uint64) (Settlement, bool, error) {
	if from == 0 {
		from = 1
	}
	for lo := from; lo <= to; {
		hi := to
		if to-lo >= settlementChunk {
			hi = lo + settlementChunk - 1
		}
		set, found, err := searchChunk(ctx, read, lo, hi)
		if err != nil || found {
			return set, found, err
		}
		if hi == to {
			break
		}
		lo = hi + 1
	}
	return Settlement{}, false, nil
}

// searchChunk reads rounds lo..hi concurrently and returns the match in
// the oldest of them.
func searchChunk(ctx context.Context, read blockReader, lo, hi uint64) (Settlement, bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type hit struct {
		set   Settlement
		found bool
		err   error
	}
	n := int(hi - lo + 1)
	hits := make([]hit, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(settlementReaders, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				set, found, err := read(ctx, lo+uint64(i))
				hits[i] = hit{set, found, err}
				if err != nil {
					cancel()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, h := range hits {
		if h.found {
			return h.set, true, nil
		}
	}
	for _, h := range hits {
		if h.err != nil && !errors.Is(h.err, context.Canceled) {
			return Settlement{}, false, h.err
		}
	}
	if err := ctx.Err(); err != nil {
		return Settlement{}, false, err
	}
	return Settlement{}, false, nil
}

// blockSettlement looks for job id's JobSettled event in round r's block.
func (c AlgodChain) blockSettlement(ctx context.Context, id jobid.ID, r uint64) (Settlement, bool, error) {
	blk, err := c.Algod().Block(r).Do(ctx)
	if err != nil {
		var nf common.NotFound
		if errors.As(err, &nf) {
			return Settlement{}, false, fmt.Errorf("provider: block %d: %w", r, ErrBlockPruned)
		}
		return Settlement{}, false, fmt.Errorf("provider: block %d: %w", r, err)
	}
	app := types.AppIndex(c.Apps().Escrow)
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
	return Settlement{}, false, nil
}

// openSeenBucket keeps, per submitted job, the last round at which the
// agent saw its escrow box still open: its settlement came later, so the
// search starts there instead of at the result's round.
const openSeenBucket = "market/provider/open-seen" // job id -> u64 round

// sawOpen records that job id's box was open at round.
func (s *Server) sawOpen(id jobid.ID, round uint64) {
	err := s.store.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(openSeenBucket))
		if err != nil {
			return err
		}
		if old := b.Get(id[:]); len(old) == 8 && binary.BigEndian.Uint64(old) >= round {
			return nil
		}
		return b.Put(id[:], binary.BigEndian.AppendUint64(nil, round))
	})
	if err != nil {
		s.cfg.Logger.Warn("record open box", "job", id, "err", err)
	}
}

// seenOpen is the last round sawOpen recorded for job id (0: none).
func (s *Server) seenOpen(id jobid.ID) uint64 {
	var r uint64
	_ = s.store.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(openSeenBucket)); b != nil {
			if v := b.Get(id[:]); len(v) == 8 {
				r = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	return r
}

// forgetOpen drops job id's sawOpen record and settlement-search cursor
// once it is settled.
func (s *Server) forgetOpen(id jobid.ID) {
	_ = s.store.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{openSeenBucket, settleCursorBucket} {
			if b := tx.Bucket([]byte(name)); b != nil {
				if err := b.Delete(id[:]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// settleCursorBucket keeps, per submitted job whose box is gone, how far
// the search for its settlement got, so that a search spread over several
// passes (or cut by a restart) resumes where it stopped.
const settleCursorBucket = "market/provider/settle-cursor" // job id -> u64 next round, u8 flags

// settleCursor is one job's settlement-search progress.
type settleCursor struct {
	// next is the first round not searched yet (0: none searched).
	next uint64
	// pruned is set once a chunk of the range was not served by the node.
	pruned bool
}

func (s *Server) settleCursor(id jobid.ID) settleCursor {
	var c settleCursor
	_ = s.store.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(settleCursorBucket)); b != nil {
			if v := b.Get(id[:]); len(v) == 9 {
				c = settleCursor{next: binary.BigEndian.Uint64(v), pruned: v[8] == 1}
			}
		}
		return nil
	})
	return c
}

func (s *Server) putSettleCursor(id jobid.ID, c settleCursor) {
	v := binary.BigEndian.AppendUint64(nil, c.next)
	if c.pruned {
		v = append(v, 1)
	} else {
		v = append(v, 0)
	}
	err := s.store.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(settleCursorBucket))
		if err != nil {
			return err
		}
		return b.Put(id[:], v)
	})
	if err != nil {
		s.cfg.Logger.Warn("record settlement search", "job", id, "err", err)
	}
}

// settleSearch runs the settlement searches off the tick loop that extends
// running jobs and claims: at most one pass at a time, each bounded by
// settlementBlocksPerPass; Run waits for the one in flight before it
// returns.
type settleSearch struct {
	mu      sync.Mutex
	running bool
	wg      sync.WaitGroup
}

// searchSettlements starts a search pass over recs, submitted jobs whose
// escrow box is gone, unless one is still in flight (the next tick hands
// them over again). It never waits for the pass.
func (s *Server) searchSettlements(ctx context.Context, recs []jobRecord) {
	if len(recs) == 0 {
		return
	}
	s.search.mu.Lock()
	if s.search.running {
		s.search.mu.Unlock()
		return
	}
	s.search.running = true
	s.search.wg.Add(1)
	s.search.mu.Unlock()
	go func() {
		defer s.search.wg.Done()
		defer func() { s.search.mu.Lock(); s.search.running = false; s.search.mu.Unlock() }()
		// Read after the boxes were found gone, so the settling round is
		// at or below it.
		last, err := s.chain.LastRound(ctx)
		if err != nil {
			return
		}
		budget := uint64(settlementBlocksPerPass)
		for _, rec := range recs {
			if ctx.Err() != nil || budget == 0 {
				return
			}
			s.settled(ctx, rec, last, &budget)
		}
	}()
}

// settled handles a submitted job whose escrow box is gone: it finds the
// settling transaction on the chain and, when it paid the provider (a
// release, or a claim someone else sent), records proof step 9 with its
// transaction id; a dispute or refund records none. The search reads
// oldest-first from where it last stopped, one chunk at a time, at most
// *budget blocks (which it lowers by what it read); the cursor is journaled
// after each chunk, so the next pass resumes there. A chunk the node no
// longer serves is skipped (the job is then recorded settled without step
// 9 unless a later block has the settlement); a chunk that fails otherwise
// is read again on the next pass.
func (s *Server) settled(ctx context.Context, rec jobRecord, last uint64, budget *uint64) {
	cur := s.settleCursor(rec.ID)
	// The box was there at the result's round and at the last round the
	// agent saw it open: the settlement came after both.
	from := max(rec.ResultRound, s.seenOpen(rec.ID)+1, cur.next, 1)
	var set Settlement
	found := false
	for from <= last && !found {
		if *budget == 0 {
			return // the next pass resumes at the cursor
		}
		hi := min(last, from+min(settlementChunk, *budget)-1)
		var err error
		set, found, err = s.chain.Settlement(ctx, rec.ID, from, hi)
		switch {
		case errors.Is(err, ErrBlockPruned):
			if !cur.pruned {
				s.cfg.Logger.Warn("settlement not searchable", "job", rec.ID, "from", from, "to", hi, "err", err,
					"fix", "connect the agent to an archival node to record proof step 9")
			}
			cur.pruned, found = true, false
		case err != nil:
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("settlement search", "job", rec.ID, "from", from, "to", hi, "err", err)
			}
			*budget = 0 // the next pass reads this chunk again
			return
		}
		*budget -= hi - from + 1
		if !found {
			cur.next = hi + 1
			s.putSettleCursor(rec.ID, cur)
		}
		from = hi + 1
	}
	s.badgeDue() // a release or a claim may have crossed a badge tier
	if !found {
		if !cur.pruned {
			s.cfg.Logger.Warn("settlement not found", "job", rec.ID, "from", max(rec.ResultRound, 1), "to", last)
		}
		_, _ = s.store.update(rec.ID, func(r *jobRecord) { r.State = stateSettled })
		s.forgetOpen(rec.ID)
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
	_, _ = s.store.update(rec.ID, func(r *jobRecord) {
		r.State, r.SettleTxID, r.Outcome, r.Paid = stateSettled, set.TxID, outcomeName(set.Event.Outcome), set.Event.PaidProvider
	})
	s.forgetOpen(rec.ID)
}

// Settlement outcomes as JobStatus.Outcome names them.
const (
	OutcomeReleased = "released"
	OutcomeClaimed  = "claimed"
	OutcomeDisputed = "disputed"
	OutcomeRefunded = "refunded"
)

// outcomeName names a JobSettled event's outcome.
func outcomeName(o contracts.Outcome) string {
	switch o {
	case contracts.OutcomeReleased:
		return OutcomeReleased
	case contracts.OutcomeClaimed:
		return OutcomeClaimed
	case contracts.OutcomeDisputed:
		return OutcomeDisputed
	case contracts.OutcomeRefunded:
		return OutcomeRefunded
	}
	return ""
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
	s.extendTo(ctx, id, job)
}

// extendTo raises a running job's hard deadline to job's max_seconds, its
// escrow box as just read; a lower one leaves it as it is.
func (s *Server) extendTo(ctx context.Context, id compute.JobID, job contracts.Job) {
	if job.MaxSeconds > compute.MaxJobSeconds {
		job.MaxSeconds = compute.MaxJobSeconds
	}
	if _, err := s.engine.ExtendDeadline(ctx, id, int64(job.MaxSeconds)); err != nil && !errors.Is(err, compute.ErrJobNotRunning) {
		s.cfg.Logger.Warn("extend deadline", "job", id, "err", err)
	}
}
