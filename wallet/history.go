package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketHistory holds one JSON Entry per transaction (or inner transaction)
// touching our accounts, keyed by Entry.Key, so re-processing a block never
// records a transaction twice.
var bucketHistory = []byte("wallet/history")

// Label classifies a history entry for display and analytics.
type Label string

// Entry labels.
const (
	LabelEscrowLock      Label = "escrow lock"
	LabelReleaseReceived Label = "release received"
	LabelRefund          Label = "refund"
	LabelClaim           Label = "claim"
	LabelBadge           Label = "badge"
	LabelFee             Label = "fee"
	LabelTransfer        Label = "transfer"
)

// Entry is one recorded transaction. Top-level transactions are keyed by
// their id; inner transactions, which have no id of their own in a block,
// by the parent's id and the index path: "TXID/0", "TXID/0/2", ...
type Entry struct {
	Key     string    `json:"key"`
	TxID    string    `json:"txid"`           // the top-level transaction's id
	Path    []int     `json:"path,omitempty"` // inner index path; empty for top level
	Round   uint64    `json:"round"`
	Intra   int       `json:"intra"` // position in the block's payset
	Time    time.Time `json:"time"`  // block timestamp
	Network string    `json:"network,omitempty"`

	Type        string `json:"type"` // pay, axfer, appl, acfg, keyreg, ...
	Sender      string `json:"sender"`
	Receiver    string `json:"receiver,omitempty"` // pay receiver or axfer asset receiver
	Amount      uint64 `json:"amount,omitempty"`   // microAlgos (pay) or asset units (axfer)
	AssetID     uint64 `json:"asset,omitempty"`
	CloseTo     string `json:"closeTo,omitempty"`
	CloseAmount uint64 `json:"closeAmount,omitempty"` // microAlgos (pay) or asset units (axfer)
	Fee         uint64 `json:"fee,omitempty"`
	AppID       uint64 `json:"app,omitempty"`
	Note        []byte `json:"note,omitempty"`
	// Rewards are participation rewards the transaction credited to our
	// accounts (address → microAlgos), so that balances reconcile exactly.
	Rewards map[string]uint64 `json:"rewards,omitempty"`

	Label        Label    `json:"label"`
	JobID        string   `json:"job,omitempty"`          // hex job id, when known
	Counterparty string   `json:"counterparty,omitempty"` // the other side (e.g. provider), when known
	Accounts     []string `json:"accounts"`               // our accounts this entry touches
}

// IsInner reports whether the entry is an inner transaction.
func (e Entry) IsInner() bool { return len(e.Path) > 0 }

// EntryKey returns the history key of a transaction or inner transaction.
func EntryKey(txid string, path []int) string {
	var b strings.Builder
	b.WriteString(txid)
	for _, i := range path {
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

// History is the wallet's transaction history in bbolt.
type History struct {
	db *bolt.DB
}

// NewHistory returns the history stored in db.
func NewHistory(db *bolt.DB) *History { return &History{db: db} }

// ErrNoEntry reports that no history entry has the given key.
var ErrNoEntry = errors.New("wallet: no such history entry")

// Record stores entries that are not yet recorded and returns how many were
// new. Recording a transaction again adds no entry; it merges the accounts
// and rewards the new copy names into the stored one (so an account added
// or back-filled later also sees history it shares with another of ours),
// keeping the stored fields and annotations otherwise.
func (h *History) Record(ctx context.Context, entries []Entry) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var added int
	err := h.db.Update(func(tx *bolt.Tx) error {
		var err error
		added, err = recordTx(tx, entries)
		return err
	})
	return added, err
}

// recordTx writes new entries inside tx; an entry whose key is present is
// merged into the stored one (mergeEntry) and not counted as added.
func recordTx(tx *bolt.Tx, entries []Entry) (int, error) {
	b, err := tx.CreateBucketIfNotExists(bucketHistory)
	if err != nil {
		return 0, err
	}
	added := 0
	for _, e := range entries {
		if e.Key == "" {
			return added, errors.New("wallet: history entry without key")
		}
		isNew := true
		if old := b.Get([]byte(e.Key)); old != nil {
			var stored Entry
			if err := json.Unmarshal(old, &stored); err != nil {
				return added, fmt.Errorf("wallet: decode history %s: %w", e.Key, err)
			}
			var changed bool
			if e, changed = mergeEntry(stored, e); !changed {
				continue
			}
			isNew = false
		}
		v, err := json.Marshal(e)
		if err != nil {
			return added, err
		}
		if err := b.Put([]byte(e.Key), v); err != nil {
			return added, err
		}
		if isNew {
			added++
		}
	}
	return added, nil
}

// mergeEntry returns stored with the accounts and rewards of again added
// (a reward already stored for an account is kept, never summed, so that
// recording the same transaction any number of times counts it once), and
// with the job id and counterparty filled in where stored had none. It
// reports whether anything changed.
func mergeEntry(stored, again Entry) (Entry, bool) {
	changed := false
	for _, a := range again.Accounts {
		if !slices.Contains(stored.Accounts, a) {
			stored.Accounts = append(stored.Accounts, a)
			changed = true
		}
	}
	for a, r := range again.Rewards {
		if _, ok := stored.Rewards[a]; ok {
			continue
		}
		if stored.Rewards == nil {
			stored.Rewards = map[string]uint64{}
		}
		stored.Rewards[a] = r
		changed = true
	}
	if stored.JobID == "" && again.JobID != "" {
		stored.JobID, changed = again.JobID, true
	}
	if stored.Counterparty == "" && again.Counterparty != "" {
		stored.Counterparty, changed = again.Counterparty, true
	}
	return stored, changed
}

// Annotate sets the job id and/or counterparty of a recorded entry (empty
// arguments leave the field as it is). The market calls it for payments
// whose provider or job the chain data alone does not name.
func (h *History) Annotate(ctx context.Context, key, jobID, counterparty string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return h.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHistory)
		var v []byte
		if b != nil {
			v = b.Get([]byte(key))
		}
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNoEntry, key)
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("wallet: decode history %s: %w", key, err)
		}
		if jobID != "" {
			e.JobID = jobID
		}
		if counterparty != "" {
			e.Counterparty = counterparty
		}
		nv, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), nv)
	})
}

// Entries returns the recorded entries touching account (all entries when
// account is empty), in chain order.
func (h *History) Entries(ctx context.Context, account string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Entry
	err := h.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketHistory)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("wallet: decode history %s: %w", k, err)
			}
			if account == "" || slices.Contains(e.Accounts, account) {
				out = append(out, e)
			}
			return nil
		})
	})
	slices.SortFunc(out, compareEntries)
	return out, err
}

func compareEntries(a, b Entry) int {
	if a.Round != b.Round {
		return cmpU64(a.Round, b.Round)
	}
	if a.Intra != b.Intra {
		return a.Intra - b.Intra
	}
	return slices.Compare(a.Path, b.Path)
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
