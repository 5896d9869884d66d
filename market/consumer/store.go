package consumer

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// JobsBucket keeps the jobs this consumer paid for, by job id.
const JobsBucket = "market/consumer/jobs"

// JobRecord is a paid job with the consumer's last known state of it: the
// journal the Autopilot writes before each next step, so that a restart
// resumes where it stopped.
type JobRecord struct {
	Job Job `json:"job"`
	// State is one of the State… constants (the Autopilot's journal).
	State string `json:"state"`
	// Consumer is the paying account's address; empty in records written
	// before it was kept (the Autopilot then reads it from the escrow box).
	Consumer string `json:"consumer,omitempty"`
	// Spec is the job's spec, kept for a spot check's re-run.
	Spec *compute.Spec `json:"spec,omitempty"`
	// LastEventID is the last event of the provider's stream seen; the
	// stream resumes after it. EventsDone: its end event was seen.
	LastEventID uint64 `json:"lastEventId,omitempty"`
	EventsDone  bool   `json:"eventsDone,omitempty"`
	// Digest is the ContentDigest of the verified output, hex.
	Digest string `json:"digest,omitempty"`
	// SpotCheck names the re-run of this job on a second provider;
	// SpotCheckOf, on that re-run, the job it checks.
	SpotCheck   string `json:"spotCheck,omitempty"`
	SpotCheckOf string `json:"spotCheckOf,omitempty"`
	// SpotCheckJob is the re-run as journaled before its payment was
	// signed (id, endpoint, provider): a process that stops during the
	// payment finds it on the chain instead of paying again.
	SpotCheckJob *Job `json:"spotCheckJob,omitempty"`
	// ToppedUp is what automatic top-ups added to the lock, microAlgo.
	ToppedUp uint64 `json:"toppedUp,omitempty"`
	// Settlement and Fees are the transaction ids and fees of the
	// settlement this agent sent (release, dispute or refund).
	Settlement []string `json:"settlement,omitempty"`
	Fees       uint64   `json:"fees,omitempty"`
	// BoxSeen is a round at which the escrow box was still there, read
	// before a settlement was sent: whoever settled it did so after, and
	// the search for how it was settled starts there.
	BoxSeen uint64 `json:"boxSeen,omitempty"`
	// Reason says in plain words why the job is in its state.
	Reason string `json:"reason,omitempty"`
	// Error is the last failed step's reason, kept until a step succeeds;
	// Attempts counts the failures in a row and NextTry is when the step is
	// tried again.
	Error    string    `json:"error,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	NextTry  time.Time `json:"nextTry,omitzero"`
	// Updated is when the record was last written.
	Updated time.Time `json:"updated,omitzero"`
	// PaidAt is when this machine's payment confirmed, by its own clock
	// (zero in records written before it was kept): the job started no
	// earlier, so PaidAt plus the escrow's max seconds is a wall-clock
	// bound for when its locked funds run out that does not depend on the
	// chain's block timestamps.
	PaidAt time.Time `json:"paidAt,omitzero"`
}

// Terminal reports whether the job is settled: nothing is left to do.
func (r JobRecord) Terminal() bool {
	switch r.State {
	case StateReleased, StateDisputed, StateRefunded, StateSettled:
		return true
	}
	return false
}

// LoadJob returns the stored record of id; ok is false when there is none.
func LoadJob(db *bbolt.DB, id jobid.ID) (rec JobRecord, ok bool, err error) {
	err = db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(JobsBucket))
		if b == nil {
			return nil
		}
		raw := b.Get(id[:])
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &rec)
	})
	if err != nil {
		return JobRecord{}, false, fmt.Errorf("consumer: stored job %s: %w", id, err)
	}
	return rec, ok, nil
}

// ErrNoRecord: UpdateJob found no record of the job.
var ErrNoRecord = errors.New("consumer: no record of the job")

// UpdateJob changes the stored record of id with fn in one transaction and
// returns the record as written; an error from fn writes nothing.
func UpdateJob(db *bbolt.DB, id jobid.ID, fn func(*JobRecord) error) (JobRecord, error) {
	var rec JobRecord
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(JobsBucket))
		if err != nil {
			return err
		}
		raw := b.Get(id[:])
		if raw == nil {
			return fmt.Errorf("%w %s", ErrNoRecord, id)
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("consumer: stored job %s: %w", id, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
		rec.Job.ID = id
		if raw, err = json.Marshal(rec); err != nil {
			return err
		}
		return b.Put(id[:], raw)
	})
	return rec, err
}

// RecordPaid stores the record of a job whose payment just confirmed:
// StatePaid, the paying account, the spec, and PaidAt and Updated at now.
func RecordPaid(db *bbolt.DB, job Job, consumer string, spec *compute.Spec, now time.Time) error {
	return SaveJob(db, JobRecord{Job: job, State: StatePaid, Consumer: consumer, Spec: spec, PaidAt: now, Updated: now})
}

// SaveJob stores (or replaces) rec.
func SaveJob(db *bbolt.DB, rec JobRecord) error {
	return db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(JobsBucket))
		if err != nil {
			return err
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return b.Put(rec.Job.ID[:], raw)
	})
}

// ListJobs returns the stored jobs in job-id order.
func ListJobs(db *bbolt.DB) ([]JobRecord, error) {
	var out []JobRecord
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(JobsBucket))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var r JobRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("consumer: stored job: %w", err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// jobJSON is Job with the provider as its address string.
type jobJSON struct {
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
	Provider string `json:"provider"`
	Payment  string `json:"payment"`
	Round    uint64 `json:"round"`
	Amount   uint64 `json:"amount"`
}

// MarshalJSON writes the job with its id in hex and its provider as an
// address string.
func (j Job) MarshalJSON() ([]byte, error) {
	return json.Marshal(jobJSON{ID: j.ID.String(), Endpoint: j.Endpoint, Provider: j.Provider.String(), Payment: j.Payment, Round: j.Round, Amount: j.Amount})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (j *Job) UnmarshalJSON(b []byte) error {
	var v jobJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	id, err := jobid.Parse(v.ID)
	if err != nil {
		return fmt.Errorf("consumer: job id: %w", err)
	}
	p, err := types.DecodeAddress(v.Provider)
	if err != nil {
		return fmt.Errorf("consumer: job provider: %w", err)
	}
	*j = Job{ID: id, Endpoint: v.Endpoint, Provider: p, Payment: v.Payment, Round: v.Round, Amount: v.Amount}
	return nil
}

// StateChangedError: a guarded journal write (Transition) found the job in
// another state than the one its writer decided from, or settled; nothing
// was written.
type StateChangedError struct {
	ID         jobid.ID
	Want, Have string
}

// Error names the states.
func (e *StateChangedError) Error() string {
	return fmt.Sprintf("consumer: job %s is %s now, not %s: another writer (the autopilot or the Jobs screen) moved it first; nothing was changed", e.ID, e.Have, e.Want)
}

// Transition is the compare-and-set journal write of a state change: it
// moves job id from state from to state to (clearing the failed attempts'
// error, setting reason when not empty, then applying fn, which may be
// nil) only if the stored record is still in state from and not settled;
// otherwise it writes nothing and returns a *StateChangedError. The
// Autopilot and the Jobs screen both journal through it, so neither
// overwrites the other's decision.
func Transition(db *bbolt.DB, id jobid.ID, from, to, reason string, at time.Time, fn func(*JobRecord)) (JobRecord, error) {
	return UpdateJob(db, id, func(r *JobRecord) error {
		if r.Terminal() || r.State != from {
			return &StateChangedError{ID: id, Want: from, Have: r.State}
		}
		r.State, r.Error, r.Attempts, r.NextTry = to, "", 0, time.Time{}
		if reason != "" {
			r.Reason = reason
		}
		if fn != nil {
			fn(r)
		}
		r.Updated = at
		return nil
	})
}

// Decide journals a person's settlement decision for job id (to is
// StateReleasing or StateDisputing) through Transition, from the state
// the record is in when that state allows it: a result anchored and not
// yet decided (StateResult, StateVerified, StateSpotCheck). A record
// already in state to is returned as it is (the decision stands and is
// being sent); any other state is refused with an error that says what
// the job is doing instead. The caller then sends the settlement, or
// leaves it to the Autopilot, which sends a decided one.
func Decide(db *bbolt.DB, id jobid.ID, to, reason string, at time.Time) (JobRecord, error) {
	if to != StateReleasing && to != StateDisputing {
		return JobRecord{}, fmt.Errorf("consumer: %q is not a decision", to)
	}
	rec, ok, err := LoadJob(db, id)
	if err != nil {
		return rec, err
	}
	if !ok {
		return rec, fmt.Errorf("%w %s", ErrNoRecord, id)
	}
	switch rec.State {
	case to:
		return rec, nil
	case StateResult, StateVerified, StateSpotCheck:
		return Transition(db, id, rec.State, to, reason, at, nil)
	case StateReleasing:
		return rec, fmt.Errorf("consumer: job %s is being released already (the autopilot verified it); it can no longer be disputed", id)
	case StateDisputing:
		return rec, fmt.Errorf("consumer: job %s is being disputed already; it can no longer be released", id)
	case StateRefunding:
		return rec, fmt.Errorf("consumer: job %s missed its deadline and is being refunded", id)
	case StatePaid:
		return rec, fmt.Errorf("consumer: job %s has no result the autopilot has seen yet; try again once the Jobs screen shows its result (a job with no result by its deadline is refunded)", id)
	}
	return rec, fmt.Errorf("consumer: job %s is settled already (%s)", id, rec.State)
}
