package wallet

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	bolt "go.etcd.io/bbolt"
)

// Gap is a range of rounds the follower could not read because the node no
// longer kept them (a non-archival algod keeps about the last 1000 rounds;
// the app was closed for longer). Transactions in it are missing from the
// history until FillGaps back-fills them from an indexer.
type Gap struct {
	From     uint64    `json:"from"` // first missing round
	To       uint64    `json:"to"`   // last missing round, inclusive
	Detected time.Time `json:"detected"`
}

// ErrHistoryGap matches *HistoryGapError under errors.Is.
var ErrHistoryGap = errors.New("wallet: history has a gap")

// HistoryGapError is returned by CatchUp after it skipped rounds the node no
// longer has. The gaps are recorded (Gaps) and the cursor is past them, so
// following continues normally; the error tells the caller to show them.
type HistoryGapError struct {
	Gaps []Gap
}

// Error implements error.
func (e *HistoryGapError) Error() string {
	parts := make([]string, len(e.Gaps))
	for i, g := range e.Gaps {
		parts[i] = fmt.Sprintf("%d-%d", g.From, g.To)
	}
	return "wallet: follower: rounds no longer on the node, history is missing " + strings.Join(parts, ", ")
}

// Is makes errors.Is(err, ErrHistoryGap) true.
func (e *HistoryGapError) Is(target error) bool { return target == ErrHistoryGap }

// notAvailable reports whether err says the node has no such round: algod
// answers 404 ("failed to retrieve information from the ledger"; the node
// logs "ledger does not have entry").
func notAvailable(err error) bool {
	var nf common.NotFound
	if errors.As(err, &nf) {
		return true
	}
	return strings.Contains(err.Error(), "ledger does not have entry")
}

// oldestAvailable returns the first round in [lo, hi] the node still has,
// by binary search on block hashes (available rounds are a suffix). It
// fails if hi itself is not available.
func (f *Follower) oldestAvailable(ctx context.Context, lo, hi uint64) (uint64, error) {
	has := func(r uint64) (bool, error) {
		_, err := f.Client.GetBlockHash(r).Do(ctx)
		switch {
		case err == nil:
			return true, nil
		case notAvailable(err):
			return false, nil
		default:
			return false, fmt.Errorf("wallet: follower: probe round %d: %w", r, err)
		}
	}
	ok, err := has(hi)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("wallet: follower: node lacks its own last round %d", hi)
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		ok, err := has(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// gapKey is "gap/<genesis>/<from u64>" next to the cursor "next/<genesis>".
func gapPrefix(cursorKey []byte) []byte {
	return append([]byte("gap/"), cursorKey[len("next/"):]...)
}

func putGap(tx *bolt.Tx, cursorKey []byte, g Gap) error {
	b, err := tx.CreateBucketIfNotExists(bucketFollower)
	if err != nil {
		return err
	}
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return b.Put(binary.BigEndian.AppendUint64(append(gapPrefix(cursorKey), '/'), g.From), v)
}

// Gaps lists the open gaps in the history on the node's network, oldest
// first, for the UI to show.
func (f *Follower) Gaps(ctx context.Context) ([]Gap, error) {
	key, err := f.cursorKey(ctx)
	if err != nil {
		return nil, err
	}
	prefix := append(gapPrefix(key), '/')
	var out []Gap
	err = f.DB.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFollower)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var g Gap
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("wallet: follower: gap %x: %w", k, err)
			}
			out = append(out, g)
		}
		return nil
	})
	return out, err
}

// FillGaps back-fills every open gap from the indexer for the watched
// accounts, then removes the gap; it returns how many entries were new.
// Without an indexer it returns ErrNoIndexer and the gaps stay.
func (f *Follower) FillGaps(ctx context.Context) (int, error) {
	if f.Indexer == nil {
		return 0, ErrNoIndexer
	}
	gaps, err := f.Gaps(ctx)
	if err != nil {
		return 0, err
	}
	key, err := f.cursorKey(ctx)
	if err != nil {
		return 0, err
	}
	addrs, err := f.Watch(ctx)
	if err != nil {
		return 0, fmt.Errorf("wallet: follower: watch list: %w", err)
	}
	added := 0
	for _, g := range gaps {
		var entries []Entry
		for _, a := range addrs {
			es, err := f.Indexer.Backfill(ctx, a, g.From, g.To)
			if err != nil {
				return added, fmt.Errorf("wallet: fill gap %d-%d for %s: %w", g.From, g.To, a, err)
			}
			entries = append(entries, es...)
		}
		var n int
		err := f.DB.Update(func(tx *bolt.Tx) error {
			var err error
			if n, err = recordTx(tx, entries); err != nil {
				return err
			}
			return tx.Bucket(bucketFollower).Delete(binary.BigEndian.AppendUint64(append(gapPrefix(key), '/'), g.From))
		})
		if err != nil {
			return added, fmt.Errorf("wallet: fill gap %d-%d: %w", g.From, g.To, err)
		}
		added += n
	}
	return added, nil
}
