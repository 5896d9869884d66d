package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// The provider's bbolt buckets.
const (
	offersBucket = "market/provider/offers" // nonce -> offerRecord
	groupsBucket = "market/provider/groups" // group id -> job id
	payIDsBucket = "market/provider/payids" // payment id -> payIDRecord
	jobsBucket   = "market/provider/jobs"   // job id -> jobRecord
)

// offerRecord is an offer made in a 402 answer, kept until it is paid or
// expires.
type offerRecord struct {
	Nonce          [32]byte  `json:"nonce"`
	Consumer       string    `json:"consumer"`
	SpecHash       [32]byte  `json:"specHash"`
	Rate           uint64    `json:"rate"`
	MaxSeconds     uint64    `json:"maxSeconds"`
	Locked         uint64    `json:"locked"`
	Amount         uint64    `json:"amount"`
	DeadlineRounds uint64    `json:"deadlineRounds"`
	WindowRounds   uint64    `json:"windowRounds"`
	Expires        time.Time `json:"expires"`
}

// Job states of the provider's own record.
const (
	statePaid      = "paid"      // escrow locked, not yet started
	stateRunning   = "running"   // container started
	stateSubmitted = "submitted" // result anchored, waiting for release or claim
	stateSettled   = "settled"   // released, claimed or disputed (Outcome says which, when known)
	stateFailed    = "failed"    // ended without a result; the consumer can refund
)

// jobRecord is the provider's record of a paid job.
type jobRecord struct {
	ID          jobid.ID     `json:"id"`
	Consumer    string       `json:"consumer"`
	Spec        compute.Spec `json:"spec"`
	Offer       offerRecord  `json:"offer"`
	State       string       `json:"state"`
	PayTxID     string       `json:"payTxId"`
	LockRound   uint64       `json:"lockRound"`
	OutputTar   string       `json:"outputTar,omitempty"`
	OutputSHA   [32]byte     `json:"outputSha256"`
	Billed      uint64       `json:"billedSeconds"`
	ResultTxID  string       `json:"resultTxId,omitempty"`
	ResultRound uint64       `json:"resultRound,omitempty"`
	SettleTxID  string       `json:"settleTxId,omitempty"`
	// Outcome is how a settled job ended (released, claimed or disputed)
	// and Paid what the settlement paid this provider, microAlgo; both
	// empty when the settlement was not found on the chain.
	Outcome string          `json:"outcome,omitempty"`
	Paid    uint64          `json:"paid,omitempty"`
	Proof   json.RawMessage `json:"proof,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// payIDRecord caches the answer to a payment carrying a payment
// identifier, so that a retry gets the same answer.
type payIDRecord struct {
	PayloadHash [32]byte `json:"payloadHash"`
	Status      int      `json:"status"`
	Response    string   `json:"response"`
	Body        []byte   `json:"body"`
}

var errGroupUsed = errors.New("payment group already used")

type store struct{ db *bbolt.DB }

func newStore(db *bbolt.DB) (*store, error) {
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range []string{offersBucket, groupsBucket, payIDsBucket, jobsBucket} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("provider: create buckets: %w", err)
	}
	return &store{db: db}, nil
}

func getJSON(tx *bbolt.Tx, bucket string, key []byte, v any) (bool, error) {
	raw := tx.Bucket([]byte(bucket)).Get(key)
	if raw == nil {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

func putJSON(tx *bbolt.Tx, bucket string, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket([]byte(bucket)).Put(key, raw)
}

func (s *store) putOffer(o offerRecord) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return putJSON(tx, offersBucket, o.Nonce[:], o) })
}

func (s *store) offer(nonce [32]byte) (offerRecord, bool, error) {
	var o offerRecord
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		ok, err = getJSON(tx, offersBucket, nonce[:], &o)
		return err
	})
	return o, ok, err
}

// accept records, in one transaction, that group paid for job: the group
// id is marked used (errGroupUsed when it already was), the offer removed
// and the job recorded.
func (s *store) accept(group [32]byte, rec jobRecord) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		g := tx.Bucket([]byte(groupsBucket))
		if g.Get(group[:]) != nil {
			return errGroupUsed
		}
		if err := g.Put(group[:], rec.ID[:]); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(offersBucket)).Delete(rec.Offer.Nonce[:]); err != nil {
			return err
		}
		return putJSON(tx, jobsBucket, rec.ID[:], rec)
	})
}

func (s *store) groupUsed(group [32]byte) (bool, error) {
	var used bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		used = tx.Bucket([]byte(groupsBucket)).Get(group[:]) != nil
		return nil
	})
	return used, err
}

func (s *store) job(id jobid.ID) (jobRecord, bool, error) {
	var r jobRecord
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		ok, err = getJSON(tx, jobsBucket, id[:], &r)
		return err
	})
	return r, ok, err
}

// update applies f to job id's record and stores it.
func (s *store) update(id jobid.ID, f func(*jobRecord)) (jobRecord, error) {
	var r jobRecord
	err := s.db.Update(func(tx *bbolt.Tx) error {
		ok, err := getJSON(tx, jobsBucket, id[:], &r)
		if err != nil {
			return err
		}
		if !ok {
			return compute.ErrJobNotFound
		}
		f(&r)
		return putJSON(tx, jobsBucket, id[:], r)
	})
	if err != nil {
		return jobRecord{}, fmt.Errorf("provider: update job %s: %w", id, err)
	}
	return r, nil
}

func (s *store) jobs() ([]jobRecord, error) {
	var out []jobRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(jobsBucket)).ForEach(func(_, v []byte) error {
			var r jobRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

func (s *store) payID(id string) (payIDRecord, bool, error) {
	var r payIDRecord
	var ok bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		ok, err = getJSON(tx, payIDsBucket, []byte(id), &r)
		return err
	})
	return r, ok, err
}

func (s *store) putPayID(id string, r payIDRecord) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return putJSON(tx, payIDsBucket, []byte(id), r) })
}

// dropExpiredOffers removes the offers that expired before now.
func (s *store) dropExpiredOffers(now time.Time) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(offersBucket))
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var o offerRecord
			if json.Unmarshal(v, &o) != nil || now.After(o.Expires) {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
