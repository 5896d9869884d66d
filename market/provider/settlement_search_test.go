package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// fakeBlocks is a chain of blocks for searchSettlement: the settlement in
// round at, rounds below pruned gone from the node, every read counted.
type fakeBlocks struct {
	at, pruned uint64
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
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.active--; f.mu.Unlock() }()
	time.Sleep(50 * time.Microsecond) // a node's answer takes a while
	if err := ctx.Err(); err != nil {
		return Settlement{}, false, err
	}
	switch {
	case r < f.pruned:
		return Settlement{}, false, fmt.Errorf("block %d: %w", r, ErrBlockPruned)
	case r == f.at:
		return Settlement{TxID: "SETTLE", Round: r}, true, nil
	}
	return Settlement{}, false, nil
}

// TestSearchSettlementUnbounded: a settlement 4900 rounds before the end of
// the range (beyond the former 2000-block cap) is found; no round outside
// the range is read, none twice, and blocks are read concurrently but
// never more than settlementReaders at a time. A range with no settlement
// reads every round once and finds nothing.
func TestSearchSettlementUnbounded(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name         string
		at, from, to uint64
		found        bool
	}{
		{"far in the past", 100, 50, 5000, true},
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
			for r, n := range f.reads {
				if r < max(c.from, 1) || r > c.to || n != 1 {
					t.Fatalf("round %d read %d times (range %d..%d)", r, n, c.from, c.to)
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

// TestSearchSettlementPruned: a node that pruned the older blocks still
// yields a settlement among the blocks it has; one among the pruned ones
// ends the search with ErrBlockPruned, not with "not found".
func TestSearchSettlementPruned(t *testing.T) {
	ctx := context.Background()
	f := &fakeBlocks{at: 3000, pruned: 1000, reads: map[uint64]int{}}
	if set, found, err := searchSettlement(ctx, f.read, 10, 4000); err != nil || !found || set.Round != 3000 {
		t.Fatalf("settlement above the pruned rounds: %+v %v %v", set, found, err)
	}
	f = &fakeBlocks{at: 500, pruned: 1000, reads: map[uint64]int{}}
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
