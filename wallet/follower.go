package wallet

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"
	bolt "go.etcd.io/bbolt"
)

// bucketFollower holds the follower's cursor per network: key
// "next/<genesis hash base64>" → the next round to read (uint64 big-endian).
var bucketFollower = []byte("wallet/follower")

// DefaultBatchBlocks is how many blocks the follower reads before writing
// them (entries and cursor) in one bbolt transaction.
const DefaultBatchBlocks = 32

// ErrNoIndexer reports a back-fill request with no indexer configured.
var ErrNoIndexer = errors.New("wallet: no indexer configured for back-fill")

// Backfiller fetches past history for an account from an indexer. It is
// optional: the follower needs only algod.
type Backfiller interface {
	// Backfill returns the entries touching addr in rounds minRound to
	// maxRound inclusive.
	Backfill(ctx context.Context, addr string, minRound, maxRound uint64) ([]Entry, error)
}

// Follower reads blocks from algod and records every transaction touching
// the watched accounts, inner transactions included, into the history. Its
// cursor is stored with the entries in the same bbolt transaction, so after
// a crash or restart it resumes exactly where the last batch ended, and a
// re-read block records nothing twice.
type Follower struct {
	Client  *algod.Client
	DB      *bolt.DB
	Labeler Labeler
	// Watch returns the addresses to follow (for example the wallet's live
	// accounts); it is called once per batch, so new accounts are picked up.
	Watch func(ctx context.Context) ([]string, error)
	// BatchBlocks bounds the blocks held in memory per batch; 0 means
	// DefaultBatchBlocks.
	BatchBlocks int
	// StartRound is where to begin when no cursor is stored; 0 means the
	// node's current round.
	StartRound uint64
	// Indexer back-fills history for accounts imported with a past; optional.
	Indexer Backfiller
	// OnBatch, if set, is told after each committed batch.
	OnBatch func(BatchResult)
	// OnGap, if set, is told of each gap as it is recorded (see Gap).
	OnGap func(Gap)
	// Now is the clock for Gap.Detected; nil means time.Now.
	Now func() time.Time
}

// BatchResult describes one committed batch.
type BatchResult struct {
	From, To uint64 // rounds read, inclusive
	Added    int    // new entries recorded
}

// Cursor returns the next round the follower will read on the node's
// network, and false when it has not started there yet.
func (f *Follower) Cursor(ctx context.Context) (uint64, bool, error) {
	key, err := f.cursorKey(ctx)
	if err != nil {
		return 0, false, err
	}
	var next uint64
	var ok bool
	err = f.DB.View(func(tx *bolt.Tx) error {
		next, ok = readCursor(tx, key)
		return nil
	})
	return next, ok, err
}

func readCursor(tx *bolt.Tx, key []byte) (uint64, bool) {
	b := tx.Bucket(bucketFollower)
	if b == nil {
		return 0, false
	}
	v := b.Get(key)
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

func (f *Follower) cursorKey(ctx context.Context) ([]byte, error) {
	sp, err := f.Client.SuggestedParams().Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("wallet: follower: node params: %w", err)
	}
	return []byte("next/" + base64.StdEncoding.EncodeToString(sp.GenesisHash)), nil
}

// CatchUp reads at most maxBlocks blocks (0: up to the node's last round)
// from the cursor on, in batches of BatchBlocks, and returns how many it read.
// Rounds the node no longer has are skipped and recorded as a Gap; CatchUp
// then goes on and, at the end, returns a *HistoryGapError naming them.
func (f *Follower) CatchUp(ctx context.Context, maxBlocks int) (int, error) {
	key, err := f.cursorKey(ctx)
	if err != nil {
		return 0, err
	}
	st, err := f.Client.Status().Do(ctx)
	if err != nil {
		return 0, fmt.Errorf("wallet: follower: status: %w", err)
	}
	next, err := f.start(key, st.LastRound)
	if err != nil {
		return 0, err
	}
	batch := f.BatchBlocks
	if batch <= 0 {
		batch = DefaultBatchBlocks
	}
	read := 0
	var gaps []Gap
	for next <= st.LastRound && (maxBlocks <= 0 || read < maxBlocks) {
		n := min(uint64(batch), st.LastRound-next+1)
		if maxBlocks > 0 {
			n = min(n, uint64(maxBlocks-read))
		}
		res, err := f.batch(ctx, key, next, n, st.LastRound)
		read += res.read
		if res.gap != nil {
			gaps = append(gaps, *res.gap)
		}
		if err != nil {
			return read, err
		}
		next = res.next
	}
	if len(gaps) > 0 {
		return read, &HistoryGapError{Gaps: gaps}
	}
	return read, nil
}

func (f *Follower) start(key []byte, last uint64) (uint64, error) {
	var next uint64
	var ok bool
	err := f.DB.View(func(tx *bolt.Tx) error {
		next, ok = readCursor(tx, key)
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case ok:
		return next, nil
	case f.StartRound != 0:
		return f.StartRound, nil
	default:
		return last, nil
	}
}

// batchResult is what one batch did.
type batchResult struct {
	read int    // blocks read
	next uint64 // the cursor stored
	gap  *Gap   // rounds skipped because the node no longer has them
}

// batch reads rounds [from, from+n) and commits their entries and the new
// cursor atomically. If the node no longer has a round r ≤ last, the
// entries before r are committed with a Gap from r to the round before the
// oldest one the node still has, and the cursor jumps there.
func (f *Follower) batch(ctx context.Context, key []byte, from, n, last uint64) (batchResult, error) {
	watch, err := f.watchSet(ctx)
	if err != nil {
		return batchResult{}, err
	}
	res := batchResult{next: from + n}
	var entries []Entry
	for r := from; r < from+n; r++ {
		blk, err := f.Client.Block(r).Do(ctx)
		if err != nil && notAvailable(err) && r <= last {
			oldest, oerr := f.oldestAvailable(ctx, r+1, last)
			if oerr != nil {
				return res, fmt.Errorf("wallet: follower: block %d: %w (%w)", r, err, oerr)
			}
			res.next, res.gap = oldest, &Gap{From: r, To: oldest - 1, Detected: f.now().UTC()}
			break
		}
		if err != nil {
			return res, fmt.Errorf("wallet: follower: block %d: %w", r, err)
		}
		x := extractor{watch: watch, labeler: f.Labeler, blk: &blk}
		entries = append(entries, x.entries()...)
		res.read++
	}
	var added int
	err = f.DB.Update(func(tx *bolt.Tx) error {
		var err error
		if added, err = recordTx(tx, entries); err != nil {
			return err
		}
		if res.gap != nil {
			if err := putGap(tx, key, *res.gap); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucketIfNotExists(bucketFollower)
		if err != nil {
			return err
		}
		return b.Put(key, binary.BigEndian.AppendUint64(nil, res.next))
	})
	if err != nil {
		return batchResult{}, fmt.Errorf("wallet: follower: store rounds %d-%d: %w", from, res.next-1, err)
	}
	if res.gap != nil && f.OnGap != nil {
		f.OnGap(*res.gap)
	}
	if f.OnBatch != nil {
		f.OnBatch(BatchResult{From: from, To: res.next - 1, Added: added})
	}
	return res, nil
}

func (f *Follower) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Follower) watchSet(ctx context.Context) (map[types.Address]bool, error) {
	if f.Watch == nil {
		return nil, errors.New("wallet: follower: Watch is nil")
	}
	addrs, err := f.Watch(ctx)
	if err != nil {
		return nil, fmt.Errorf("wallet: follower: watch list: %w", err)
	}
	set := make(map[types.Address]bool, len(addrs))
	for _, s := range addrs {
		a, err := types.DecodeAddress(s)
		if err != nil {
			return nil, fmt.Errorf("wallet: follower: watch %q: %w", s, err)
		}
		set[a] = true
	}
	return set, nil
}

// Run catches up, then waits for each new block and records it, until ctx
// ends (returning ctx.Err()). Node errors are retried with backoff; a gap
// (rounds the node no longer has) is recorded, told to OnGap and skipped.
func (f *Follower) Run(ctx context.Context) error {
	backoff := time.Second
	for {
		err := f.follow(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil || errors.Is(err, ErrHistoryGap) {
			backoff = time.Second
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// follow catches up and then blocks until the round after the cursor exists.
func (f *Follower) follow(ctx context.Context) error {
	if _, err := f.CatchUp(ctx, 0); err != nil && !errors.Is(err, ErrHistoryGap) {
		return err
	}
	next, _, err := f.Cursor(ctx)
	if err != nil {
		return err
	}
	if next == 0 {
		return nil
	}
	// Returns when round next exists, or after the node's own timeout.
	_, err = f.Client.StatusAfterBlock(next - 1).Do(ctx)
	return err
}

// Rescan moves the cursor back to round from (never forward), so that the
// blocks from there on are read again: an account added since then gets the
// entries it shares with accounts already watched merged in (Record), and
// its own. Rounds the node no longer keeps become a Gap on the next read.
func (f *Follower) Rescan(ctx context.Context, from uint64) error {
	key, err := f.cursorKey(ctx)
	if err != nil {
		return err
	}
	return f.DB.Update(func(tx *bolt.Tx) error {
		if next, ok := readCursor(tx, key); !ok || next <= from {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(bucketFollower)
		if err != nil {
			return err
		}
		return b.Put(key, binary.BigEndian.AppendUint64(nil, from))
	})
}

// Backfill records an account's past history from the configured indexer,
// up to the follower's cursor. Entries already recorded are merged (their
// accounts and rewards gain addr's), never duplicated.
func (f *Follower) Backfill(ctx context.Context, addr string) (int, error) {
	if f.Indexer == nil {
		return 0, ErrNoIndexer
	}
	next, ok, err := f.Cursor(ctx)
	if err != nil {
		return 0, err
	}
	if !ok || next == 0 {
		return 0, errors.New("wallet: back-fill before the follower has started")
	}
	entries, err := f.Indexer.Backfill(ctx, addr, 0, next-1)
	if err != nil {
		return 0, fmt.Errorf("wallet: back-fill %s: %w", addr, err)
	}
	return NewHistory(f.DB).Record(ctx, entries)
}
