package compute

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// JobsBucket is the bbolt bucket holding one JobRecord per job id.
const JobsBucket = "compute/jobs"

// ImagesBucket holds one ImagePull per image pulled for jobs, keyed by its
// normalised digest reference: the images that admitImage may hand to a
// job without the provider's allow-list naming them.
const ImagesBucket = "compute/images"

// MetaBucket holds the store's instance id (key "instance").
const MetaBucket = "compute/meta"

// JobState is where a job is in the runner's life cycle.
type JobState string

// Job states. Finished and Failed are terminal.
const (
	// StateCreated: container created, not started yet.
	StateCreated JobState = "created"
	// StateRunning: container started; the deadline runs from Started.
	StateRunning JobState = "running"
	// StateFinished: container exited (any exit code, timeout or cancel
	// included) and its output was collected or refused; see Result.
	StateFinished JobState = "finished"
	// StateFailed: the runner could not complete the job; see Reason.
	StateFailed JobState = "failed"
)

// Terminal reports whether no more transitions follow s.
func (s JobState) Terminal() bool { return s == StateFinished || s == StateFailed }

// JobRecord is a job as persisted by the runner.
type JobRecord struct {
	ID JobID `json:"id"`
	// Spec is the job's spec without its environment values, which can be
	// the consumer's secrets (API tokens): they go to the container only
	// and are never written here (EnvNames keeps the names). Its Input is
	// dropped once the container has started. SpecHash keeps the hash of
	// the spec as received, values included.
	Spec        Spec      `json:"spec"`
	EnvNames    []string  `json:"envNames,omitempty"`
	SpecHash    [32]byte  `json:"specHash"`
	State       JobState  `json:"state"`
	ContainerID string    `json:"containerId,omitempty"`
	ImageDigest string    `json:"imageDigest,omitempty"`
	GPUUUIDs    []string  `json:"gpuUuids,omitempty"`
	Created     time.Time `json:"created"`
	Started     time.Time `json:"started,omitzero"`
	// MaxSeconds, when above Spec.MaxSeconds, is the longer run limit
	// that ExtendDeadline recorded (the provider's escrow was topped up).
	MaxSeconds int64 `json:"maxSeconds,omitempty"`
	// Reason explains a failure, or how recovery handled the job.
	Reason string  `json:"reason,omitempty"`
	Result *Result `json:"result,omitempty"`
	// Pull says how the image was fetched for this job; nil when it came
	// from the provider's allow-list without a pull.
	Pull *ImagePull `json:"pull,omitempty"`
}

// Limit is the job's run limit in seconds: Spec.MaxSeconds, or the
// longer MaxSeconds that ExtendDeadline recorded.
func (r JobRecord) Limit() int64 { return max(r.Spec.MaxSeconds, r.MaxSeconds) }

// ErrJobNotFound is returned by JobStore.Get for an unknown id.
var ErrJobNotFound = errors.New("job not found")

// JobStore persists JobRecords in a bbolt database, bucket JobsBucket.
type JobStore struct {
	db       *bbolt.DB
	instance string
}

// NewJobStore creates the buckets if needed and, on first use, a random
// instance id that tags this database's containers (LabelInstance), so
// that Recover never touches containers of another database.
func NewJobStore(db *bbolt.DB) (*JobStore, error) {
	s := &JobStore{db: db}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range []string{JobsBucket, ImagesBucket} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucketIfNotExists([]byte(MetaBucket))
		if err != nil {
			return err
		}
		if v := meta.Get([]byte("instance")); v != nil {
			s.instance = string(v)
			return nil
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		s.instance = hex.EncodeToString(b[:])
		return meta.Put([]byte("instance"), []byte(s.instance))
	})
	if err != nil {
		return nil, fmt.Errorf("open job store: %w", err)
	}
	return s, nil
}

// Instance returns the id that labels this database's containers.
func (s *JobStore) Instance() string { return s.instance }

// Put stores (or replaces) a record.
func (s *JobStore) Put(rec JobRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", rec.ID, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(JobsBucket)).Put(rec.ID[:], b)
	})
	if err != nil {
		return fmt.Errorf("store job %s: %w", rec.ID, err)
	}
	return nil
}

// Get loads a record; it wraps ErrJobNotFound when there is none.
func (s *JobStore) Get(id JobID) (JobRecord, error) {
	var rec JobRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(JobsBucket)).Get(id[:])
		if b == nil {
			return fmt.Errorf("job %s: %w", id, ErrJobNotFound)
		}
		return json.Unmarshal(b, &rec)
	})
	return rec, err
}

// List returns every record, ordered by job id.
func (s *JobStore) List() ([]JobRecord, error) {
	var out []JobRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(JobsBucket)).ForEach(func(k, v []byte) error {
			var rec JobRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decode job %x: %w", k, err)
			}
			out = append(out, rec)
			return nil
		})
	})
	return out, err
}

// update applies fn to the stored record of id inside one transaction.
func (s *JobStore) update(id JobID, fn func(*JobRecord)) (JobRecord, error) {
	var rec JobRecord
	err := s.db.Update(func(tx *bbolt.Tx) error {
		bk := tx.Bucket([]byte(JobsBucket))
		b := bk.Get(id[:])
		if b == nil {
			return fmt.Errorf("job %s: %w", id, ErrJobNotFound)
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return err
		}
		fn(&rec)
		nb, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return bk.Put(id[:], nb)
	})
	return rec, err
}

// pulledImage returns the record of an image pulled for jobs, by
// normalised digest reference, and whether there is one.
func (s *JobStore) pulledImage(ref string) (ImagePull, bool, error) {
	var rec ImagePull
	found := false
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(ImagesBucket)).Get([]byte(ref))
		if b == nil {
			return nil
		}
		found = true
		return json.Unmarshal(b, &rec)
	})
	if err != nil {
		return ImagePull{}, false, fmt.Errorf("read pulled image %s: %w", ref, err)
	}
	return rec, found, nil
}

// putPulledImage records an image as pulled for jobs.
func (s *JobStore) putPulledImage(rec ImagePull) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte(ImagesBucket)).Put([]byte(rec.Ref), b) })
	if err != nil {
		return fmt.Errorf("record pulled image %s: %w", rec.Ref, err)
	}
	return nil
}

// PulledImages lists the images pulled for jobs, ordered by reference.
func (s *JobStore) PulledImages() ([]ImagePull, error) {
	var out []ImagePull
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(ImagesBucket)).ForEach(func(k, v []byte) error {
			var rec ImagePull
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decode pulled image %s: %w", k, err)
			}
			out = append(out, rec)
			return nil
		})
	})
	return out, err
}
