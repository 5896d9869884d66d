package consumer

import (
	"encoding/json"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// JobsBucket keeps the jobs this consumer paid for, by job id.
const JobsBucket = "market/consumer/jobs"

// JobRecord is a paid job with the consumer's last known state of it.
type JobRecord struct {
	Job   Job    `json:"job"`
	State string `json:"state"`
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
