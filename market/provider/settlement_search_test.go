package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// fakeBlocks is a chain of blocks for searchSettlement: the settlement in
// round at, rounds below pruned gone from the node, round failAt failing
// (once per failures left), every read counted.
type fakeBlocks struct {
	at, pruned uint64
	failAt     uint64
	failures   int
	mu         sync.Mutex
	reads      map[uint64]int
	active     int
	maxActive  int
}

func (f *fakeBlocks) read(ctx context.Context, r uint64) (Settlement, bool, error) {
	f.mu.Lock()
	f.reads[r]++
	f.active++
	f.maxActive = max(f.maxActive, f.active)
	fail := r == f.failAt && f.failures > 0
	if fail {
		f.failures--
	}
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.active--; f.mu.Unlock() }()
	time.Sleep(50 * time.Microsecond) // a node's answer takes a while
	if err := ctx.Err(); err != nil {
		return Settlement{}, false, err
	}
	switch {
	case fail:
		return Settlement{}, false, fmt.Errorf("block %d: connection reset", r)
	case r < f.pruned:
		return Settlement{}, false, fmt.Errorf("block %d: %w", r, ErrBlockPruned)
	case r == f.at:
		return Settlement{TxID: "SETTLE", Round: r, Event: contracts.JobSettled{Outcome: contracts.OutcomeRefunded}}, true, nil
	}
	return Settlement{}, false, nil
}

// TestSearchSettlementUnbounded: the range is read oldest chunk first and
// the search stops at the chunk holding the settlement: a settlement just
// after the range's start is found without reading anything past its
// chunk, one 4900 rounds in is found too; no round outside the range is
// read, none twice, and blocks are read concurrently but never more than
// settlementReaders at a time. A range with no settlement reads every
// round once and finds nothing.
func TestSearchSettlementUnbounded(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name         string
		at, from, to uint64
		found        bool
	}{
		{"soon after the start", 60, 50, 30000, true},
		{"far from the start", 4950, 50, 5000, true},
		{"at the first round", 50, 50, 5000, true},
		{"at the last round", 5000, 50, 5000, true},
		{"one round", 7, 7, 7, true},
		{"none", 4, 50, 5000, false},
		{"from zero", 1, 0, 600, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeBlocks{at: c.at, reads: map[uint64]int{}}
			set, found, err := searchSettlement(ctx, f.read, c.from, c.to)
			if err != nil || found != c.found || (found && (set.Round != c.at || set.TxID != "SETTLE")) {
				t.Fatalf("search: %+v %v %v, want found=%v in round %d", set, found, err, c.found, c.at)
			}
			from := max(c.from, 1)
			// The chunk holding the settlement is the last one read.
			lastRead := c.to
			if found {
				lastRead = min(c.to, from+((c.at-from)/settlementChunk+1)*settlementChunk-1)
			}
			for r, n := range f.reads {
				if r < from || r > lastRead || n != 1 {
					t.Fatalf("round %d read %d times (range %d..%d, reads should end at %d)", r, n, c.from, c.to, lastRead)
				}
			}
			if !found && len(f.reads) != int(c.to-c.from+1) {
				t.Fatalf("a search that found nothing read %d of %d rounds", len(f.reads), c.to-c.from+1)
			}
			if f.maxActive > settlementReaders || (c.to-c.from > 100 && f.maxActive < 2) {
				t.Fatalf("%d reads at a time, want 2..%d", f.maxActive, settlementReaders)
			}
		})
	}
}

// TestSearchSettlementPruned: a pruned block in the range ends the
// search with ErrBlockPruned, not with "not found"; a canceled search
// ends with context.Canceled.
func TestSearchSettlementPruned(t *testing.T) {
	ctx := context.Background()
	f := &fakeBlocks{at: 500, pruned: 1000, reads: map[uint64]int{}}
	if _, found, err := searchSettlement(ctx, f.read, 10, 4000); found || !errors.Is(err, ErrBlockPruned) {
		t.Fatalf("settlement among pruned rounds: found %v, %v; want ErrBlockPruned", found, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	f = &fakeBlocks{at: 5, reads: map[uint64]int{}}
	if _, found, err := searchSettlement(canceled, f.read, 1, 4000); found || !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled search: found %v, %v", found, err)
	}
}

// searchChain is a Chain for the settlement watcher: escrow boxes by job
// (none: gone), the blocks of fakeBlocks, claims counted; Settlement waits
// while gate is set and not closed. Other calls panic.
type searchChain struct {
	Chain
	blocks *fakeBlocks
	last   uint64
	gate   chan struct{}
	mu     sync.Mutex
	boxes  map[jobid.ID]contracts.Job
	claims []jobid.ID
	passes int // Settlement calls
}

func (c *searchChain) LastRound(context.Context) (uint64, error) { return c.last, nil }

func (c *searchChain) Job(_ context.Context, id jobid.ID) (contracts.Job, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j, ok := c.boxes[id]
	if !ok {
		return contracts.Job{}, contracts.ErrNotFound
	}
	return j, nil
}

func (c *searchChain) Settlement(ctx context.Context, _ jobid.ID, from, to uint64) (Settlement, bool, error) {
	c.mu.Lock()
	c.passes++
	gate := c.gate
	c.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Settlement{}, false, ctx.Err()
		}
	}
	return searchSettlement(ctx, c.blocks.read, from, to)
}

func (c *searchChain) Claim(_ context.Context, _ types.Address, _ transaction.TransactionSigner, id jobid.ID) (contracts.Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claims = append(c.claims, id)
	return contracts.Result{TxIDs: []string{"CLAIM"}, Round: c.last}, nil
}

func (c *searchChain) Reputation(context.Context, types.Address) (contracts.Reputation, error) {
	return contracts.Reputation{}, contracts.ErrNotFound
}

// extendEngine records ExtendDeadline calls; other calls panic.
type extendEngine struct {
	Engine
	mu      sync.Mutex
	extends map[compute.JobID][]int64
}

func (e *extendEngine) ExtendDeadline(_ context.Context, id compute.JobID, secs int64) (time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.extends[id] = append(e.extends[id], secs)
	return time.Time{}, nil
}

func (e *extendEngine) count(id compute.JobID) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.extends[id])
}

func newSearchServer(t *testing.T, db *bbolt.DB, ch Chain, eng Engine) *Server {
	t.Helper()
	signer := testSigner{transaction.BasicAccountTransactionSigner{Account: crypto.GenerateAccount()}}
	s, err := New(Config{Price: 1, ClaimInterval: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db, ch, signer, eng)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func putJob(t *testing.T, s *Server, rec jobRecord) {
	t.Helper()
	if err := s.store.db.Update(func(tx *bbolt.Tx) error { return putJSON(tx, jobsBucket, rec.ID[:], rec) }); err != nil {
		t.Fatal(err)
	}
}

func newID(t *testing.T) jobid.ID {
	t.Helper()
	id, err := jobid.New()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func jobState(t *testing.T, s *Server, id jobid.ID) jobRecord {
	t.Helper()
	rec, ok, err := s.store.job(id)
	if err != nil || !ok {
		t.Fatalf("job %s: %v %v", id, ok, err)
	}
	return rec
}

// pass runs one search pass over the job and waits for it.
func pass(s *Server, rec jobRecord) {
	s.searchSettlements(context.Background(), []jobRecord{rec})
	s.search.wg.Wait()
}

// TestSettledResumesAtCursor: a settlement 3000 rounds after the result
// is searched oldest-first, settlementBlocksPerPass blocks a pass: the
// first passes leave the job submitted with its cursor journaled, a new
// agent on the same store resumes at the cursor (no round is read twice,
// none past the settlement's chunk), and the pass that reaches it records
// the settling transaction and drops the cursor.
func TestSettledResumesAtCursor(t *testing.T) {
	db := testkit.DB(t)
	blocks := &fakeBlocks{at: 3100, reads: map[uint64]int{}}
	ch := &searchChain{blocks: blocks, last: 40_000, boxes: map[jobid.ID]contracts.Job{}}
	s := newSearchServer(t, db, ch, nil)
	rec := jobRecord{ID: newID(t), State: stateSubmitted, ResultRound: 100}
	putJob(t, s, rec)
	pass(s, rec)
	if got := jobState(t, s, rec.ID); got.State != stateSubmitted || len(blocks.reads) != settlementBlocksPerPass {
		t.Fatalf("after one pass: state %s, %d rounds read; want submitted and %d", got.State, len(blocks.reads), settlementBlocksPerPass)
	}
	if c := s.settleCursor(rec.ID); c.next != 100+settlementBlocksPerPass || c.pruned {
		t.Fatalf("cursor %+v, want next %d", c, 100+settlementBlocksPerPass)
	}
	s = newSearchServer(t, db, ch, nil) // a restart: the journal carries the cursor
	for range 2 {
		pass(s, rec)
	}
	got := jobState(t, s, rec.ID)
	if got.State != stateSettled || got.SettleTxID != "SETTLE" {
		t.Fatalf("after three passes: %+v, want settled by SETTLE", got)
	}
	chunkEnd := 100 + ((3100-100)/settlementChunk+1)*settlementChunk - 1
	for r, n := range blocks.reads {
		if r < 100 || r > uint64(chunkEnd) || n != 1 {
			t.Fatalf("round %d read %d times, want each of 100..%d once", r, n, chunkEnd)
		}
	}
	if c := s.settleCursor(rec.ID); c != (settleCursor{}) {
		t.Fatalf("cursor %+v left after the settlement", c)
	}
}

// TestSettledPrunedAndFailing: on a node that pruned rounds below 1000, a
// settlement at 1500 is still found (the pruned chunks are skipped), one
// at 500 leaves the job settled without a settling transaction; a block
// that fails once stops the pass at its chunk and the next pass reads that
// chunk again, never the ones before it.
func TestSettledPrunedAndFailing(t *testing.T) {
	for _, c := range []struct {
		name string
		at   uint64
		tx   string
	}{{"above the pruned rounds", 1500, "SETTLE"}, {"among the pruned rounds", 500, ""}} {
		t.Run(c.name, func(t *testing.T) {
			blocks := &fakeBlocks{at: c.at, pruned: 1000, reads: map[uint64]int{}}
			ch := &searchChain{blocks: blocks, last: 2000, boxes: map[jobid.ID]contracts.Job{}}
			s := newSearchServer(t, testkit.DB(t), ch, nil)
			rec := jobRecord{ID: newID(t), State: stateSubmitted, ResultRound: 10}
			putJob(t, s, rec)
			for range 3 {
				pass(s, rec)
			}
			if got := jobState(t, s, rec.ID); got.State != stateSettled || got.SettleTxID != c.tx {
				t.Fatalf("%+v, want settled with tx %q", got, c.tx)
			}
		})
	}
	blocks := &fakeBlocks{at: 900, failAt: 700, failures: 1, reads: map[uint64]int{}}
	ch := &searchChain{blocks: blocks, last: 2000, boxes: map[jobid.ID]contracts.Job{}}
	s := newSearchServer(t, testkit.DB(t), ch, nil)
	rec := jobRecord{ID: newID(t), State: stateSubmitted, ResultRound: 10}
	putJob(t, s, rec)
	pass(s, rec)
	// Chunks 10..265 and 266..521 were searched; 522..777 failed.
	if got, c := jobState(t, s, rec.ID), s.settleCursor(rec.ID); got.State != stateSubmitted || c.next != 522 {
		t.Fatalf("after the failing pass: %s, cursor %+v; want submitted at 522", got.State, c)
	}
	pass(s, rec)
	if got := jobState(t, s, rec.ID); got.State != stateSettled || got.SettleTxID != "SETTLE" {
		t.Fatalf("after the retry: %+v", got)
	}
	for r, n := range blocks.reads {
		if r < 522 && n != 1 {
			t.Fatalf("round %d read %d times: the chunks before the failure were read again", r, n)
		}
	}
}

// TestSlowSearchDoesNotHoldTicks: while a settlement search waits on a
// slow node, two ticks of the watcher still return at once, each extending
// the running job from its box (600 s after a top-up) and the first
// claiming the job whose dispute window is over; the second tick starts no
// second search. Once the node answers, the search settles its job.
func TestSlowSearchDoesNotHoldTicks(t *testing.T) {
	gate := make(chan struct{})
	blocks := &fakeBlocks{at: 60, reads: map[uint64]int{}}
	ch := &searchChain{blocks: blocks, last: 500, gate: gate, boxes: map[jobid.ID]contracts.Job{}}
	eng := &extendEngine{extends: map[compute.JobID][]int64{}}
	s := newSearchServer(t, testkit.DB(t), ch, eng)
	running := jobRecord{ID: newID(t), State: stateRunning}
	claimable := jobRecord{ID: newID(t), State: stateSubmitted, ResultRound: 10}
	gone := jobRecord{ID: newID(t), State: stateSubmitted, ResultRound: 50}
	for _, r := range []jobRecord{running, claimable, gone} {
		putJob(t, s, r)
	}
	ch.boxes[running.ID] = contracts.Job{MaxSeconds: 600, Status: contracts.JobOpen}
	ch.boxes[claimable.ID] = contracts.Job{Status: contracts.JobSubmitted, ResultRound: 10, DisputeWindow: 100}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); s.search.wg.Wait() }()
	for i := 1; i <= 2; i++ {
		start := time.Now()
		s.watchSettlements(ctx)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("tick %d took %v while a search waited", i, d)
		}
		if n := eng.count(running.ID); n != i || eng.extends[running.ID][i-1] != 600 {
			t.Fatalf("after tick %d: extends %v, want %d of 600 s", i, eng.extends[running.ID], i)
		}
	}
	ch.mu.Lock()
	claims, passes := ch.claims, ch.passes
	ch.mu.Unlock()
	if len(claims) != 1 || claims[0] != claimable.ID || passes != 1 {
		t.Fatalf("claims %v, %d searches; want the claimable job claimed and one search", claims, passes)
	}
	if got := jobState(t, s, claimable.ID); got.State != stateSettled || got.SettleTxID != "CLAIM" {
		t.Fatalf("claimed job: %+v", got)
	}
	if got := jobState(t, s, gone.ID); got.State != stateSubmitted {
		t.Fatalf("job settled before its search answered: %+v", got)
	}
	close(gate)
	s.search.wg.Wait()
	if got := jobState(t, s, gone.ID); got.State != stateSettled || got.SettleTxID != "SETTLE" {
		t.Fatalf("after the search: %+v", got)
	}
}
