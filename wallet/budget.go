package wallet

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// bucketBudget holds the caps ("limits"), committed spending per day
// ("day/2006-01-02") and per job ("job/<hex>"), and open reservations
// ("res/<id>").
var bucketBudget = []byte("wallet/budget")

// JobID identifies the job a spend is for; the zero JobID means none.
type JobID = jobid.ID

// BudgetLimits are spending caps in microAlgos; zero means no cap.
type BudgetLimits struct {
	PerJob uint64 `json:"perJob"`
	Daily  uint64 `json:"daily"`
}

// ErrOverBudget is returned by Reserve when a spend would exceed a cap.
type ErrOverBudget struct {
	Scope     string // "daily" or "job"
	Cap       uint64 // the cap
	Spent     uint64 // already committed plus reserved in that scope
	Requested uint64 // the refused amount
}

// Error implements error.
func (e *ErrOverBudget) Error() string {
	return fmt.Sprintf("wallet: over %s budget: cap %d µALGO, spent/reserved %d, requested %d",
		e.Scope, e.Cap, e.Spent, e.Requested)
}

// IsOverBudget reports whether err is an *ErrOverBudget and returns it.
func IsOverBudget(err error) (*ErrOverBudget, bool) {
	var e *ErrOverBudget
	ok := errors.As(err, &e)
	return e, ok
}

// Reservation is money set aside under the caps before signing.
type Reservation struct {
	ID      string    `json:"id"`
	JobID   JobID     `json:"job"`
	Purpose string    `json:"purpose,omitempty"` // what the money is for, e.g. "escrow lock"
	Amount  uint64    `json:"amount"`
	Day     string    `json:"day"`
	Created time.Time `json:"created"`
}

// ErrNoReservation reports a commit or release of an unknown reservation.
var ErrNoReservation = errors.New("wallet: no such reservation")

// Budget enforces the per-job and daily caps. Its counters live in bbolt,
// so they survive restarts; open reservations count until committed or
// released. Days are calendar days in Location (UTC when nil).
type Budget struct {
	db       *bolt.DB
	now      func() time.Time
	Location *time.Location

	mu sync.Mutex // serialises check-and-reserve
}

// NewBudget returns the budget stored in db; now nil means time.Now.
func NewBudget(db *bolt.DB, now func() time.Time) *Budget {
	if now == nil {
		now = time.Now
	}
	return &Budget{db: db, now: now}
}

func (b *Budget) day(t time.Time) string {
	loc := b.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

// SetLimits stores the caps.
func (b *Budget) SetLimits(ctx context.Context, l BudgetLimits) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBudget)
		if err != nil {
			return err
		}
		return bk.Put([]byte("limits"), v)
	})
}

// Usage is the state of the caps for today and one job.
type Usage struct {
	Limits      BudgetLimits
	Day         string
	DaySpent    uint64 // committed today
	DayReserved uint64 // open reservations made today
	JobSpent    uint64
	JobReserved uint64
}

// Usage reports today's and job's spending against the caps.
func (b *Budget) Usage(ctx context.Context, job JobID) (Usage, error) {
	if err := ctx.Err(); err != nil {
		return Usage{}, err
	}
	var u Usage
	err := b.db.View(func(tx *bolt.Tx) error {
		var err error
		u, err = b.usage(tx.Bucket(bucketBudget), b.day(b.now()), job)
		return err
	})
	return u, err
}

func (b *Budget) usage(bk *bolt.Bucket, day string, job JobID) (Usage, error) {
	u := Usage{Day: day}
	if bk == nil {
		return u, nil
	}
	if v := bk.Get([]byte("limits")); v != nil {
		if err := json.Unmarshal(v, &u.Limits); err != nil {
			return u, fmt.Errorf("wallet: budget limits: %w", err)
		}
	}
	u.DaySpent = getU64(bk, "day/"+day)
	if !job.IsZero() {
		u.JobSpent = getU64(bk, "job/"+job.String())
	}
	c := bk.Cursor()
	prefix := []byte("res/")
	for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
		var r Reservation
		if err := json.Unmarshal(v, &r); err != nil {
			return u, fmt.Errorf("wallet: budget reservation %s: %w", k, err)
		}
		var err error
		if r.Day == day {
			if u.DayReserved, err = addAmounts(u.DayReserved, r.Amount); err != nil {
				return u, err
			}
		}
		if !job.IsZero() && r.JobID == job {
			if u.JobReserved, err = addAmounts(u.JobReserved, r.Amount); err != nil {
				return u, err
			}
		}
	}
	return u, nil
}

// Reserve sets amount aside for job (zero JobID: no job, daily cap only).
// It fails with *ErrOverBudget, before anything is signed, when a cap
// would be exceeded counting committed and reserved spending.
func (b *Budget) Reserve(ctx context.Context, job JobID, amount uint64) (Reservation, error) {
	return b.ReserveFor(ctx, job, "", amount)
}

// ReserveFor is Reserve with a purpose recorded on the reservation. Sums
// past 2^64−1 fail with ErrAmountOverflow instead of wrapping.
func (b *Budget) ReserveFor(ctx context.Context, job JobID, purpose string, amount uint64) (Reservation, error) {
	if err := ctx.Err(); err != nil {
		return Reservation{}, err
	}
	var idb [16]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return Reservation{}, err
	}
	now := b.now()
	r := Reservation{ID: hex.EncodeToString(idb[:]), JobID: job, Purpose: purpose, Amount: amount, Day: b.day(now), Created: now.UTC()}
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBudget)
		if err != nil {
			return err
		}
		u, err := b.usage(bk, r.Day, job)
		if err != nil {
			return err
		}
		if err := checkCap("daily", u.Limits.Daily, u.DaySpent, u.DayReserved, amount); err != nil {
			return err
		}
		if !job.IsZero() {
			if err := checkCap("job", u.Limits.PerJob, u.JobSpent, u.JobReserved, amount); err != nil {
				return err
			}
		}
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return bk.Put([]byte("res/"+r.ID), v)
	})
	if err != nil {
		return Reservation{}, err
	}
	return r, nil
}

// checkCap refuses amount when spent+reserved+amount exceeds limit (0: no
// cap) or does not fit in 64 bits.
func checkCap(scope string, limit, spent, reserved, amount uint64) error {
	used, err := addAmounts(spent, reserved)
	if err != nil {
		return fmt.Errorf("wallet: %s budget: %w", scope, err)
	}
	total, err := addAmounts(used, amount)
	if err != nil {
		return fmt.Errorf("wallet: %s budget: %w", scope, err)
	}
	if limit > 0 && total > limit {
		return &ErrOverBudget{Scope: scope, Cap: limit, Spent: used, Requested: amount}
	}
	return nil
}

// Commit turns a reservation into spending on its day and job.
func (b *Budget) Commit(ctx context.Context, r Reservation) error {
	return b.settle(ctx, r, true)
}

// Release drops a reservation without spending it.
func (b *Budget) Release(ctx context.Context, r Reservation) error {
	return b.settle(ctx, r, false)
}

func (b *Budget) settle(ctx context.Context, r Reservation, commit bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBudget)
		key := []byte("res/" + r.ID)
		if bk == nil || bk.Get(key) == nil {
			return fmt.Errorf("%w: %s", ErrNoReservation, r.ID)
		}
		if commit {
			if err := addU64(bk, "day/"+r.Day, r.Amount); err != nil {
				return err
			}
			if !r.JobID.IsZero() {
				if err := addU64(bk, "job/"+r.JobID.String(), r.Amount); err != nil {
					return err
				}
			}
		}
		return bk.Delete(key)
	})
}

// Reservations lists the open reservations (for reconciliation after a crash).
func (b *Budget) Reservations(ctx context.Context) ([]Reservation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Reservation
	err := b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBudget)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, v := c.Seek([]byte("res/")); len(k) > 4 && string(k[:4]) == "res/"; k, v = c.Next() {
			var r Reservation
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

func getU64(bk *bolt.Bucket, key string) uint64 {
	v := bk.Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func addU64(bk *bolt.Bucket, key string, n uint64) error {
	sum, err := addAmounts(getU64(bk, key), n)
	if err != nil {
		return err
	}
	return bk.Put([]byte(key), binary.BigEndian.AppendUint64(nil, sum))
}
