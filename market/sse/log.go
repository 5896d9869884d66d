// Package sse is a job's event stream: a per-job log persisted in bbolt
// with monotonically increasing ids (Log), an HTTP handler that serves it
// as Server-Sent Events with an id on every event and Last-Event-ID resume
// (Serve), and a client that reconnects and resumes so that a cut
// connection neither loses nor repeats an event (Follow).
package sse

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kinetic-compute/kinetic/internal/jobid"
	"go.etcd.io/bbolt"
)

// Bucket is the bbolt bucket holding one sub-bucket of events per job.
const Bucket = "market/events"

// EndType is the type of the last event of a job's log (Log.Close).
const EndType = "end"

// ErrClosed: the job's log was closed and takes no more events.
var ErrClosed = errors.New("sse: event log closed")

// Event is one entry of a job's log.
type Event struct {
	// ID is the event's position in its job's log, from 1 up, no gaps.
	ID   uint64          `json:"id"`
	Type string          `json:"type"`
	Time time.Time       `json:"time"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Log is the persisted event logs of all jobs. It is safe for concurrent
// use; Wait lets readers block until a job's log grows.
type Log struct {
	db  *bbolt.DB
	now func() time.Time

	mu      sync.Mutex
	waiters map[jobid.ID]chan struct{}
}

// NewLog opens (creating its bucket) the event log in db.
func NewLog(db *bbolt.DB, now func() time.Time) (*Log, error) {
	if now == nil {
		now = time.Now
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(Bucket))
		return err
	}); err != nil {
		return nil, fmt.Errorf("sse: create bucket: %w", err)
	}
	return &Log{db: db, now: now, waiters: map[jobid.ID]chan struct{}{}}, nil
}

var closedKey = []byte("closed")

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// Append adds an event with data (marshalled to JSON) to job id's log and
// returns its id.
func (l *Log) Append(id jobid.ID, typ string, data any) (uint64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, fmt.Errorf("sse: marshal %s event: %w", typ, err)
	}
	return l.append(id, Event{Type: typ, Time: l.now().UTC(), Data: raw}, false)
}

// Close appends the final EndType event with data and closes the log.
// Closing a closed log does nothing and returns 0.
func (l *Log) Close(id jobid.ID, data any) (uint64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, fmt.Errorf("sse: marshal end event: %w", err)
	}
	n, err := l.append(id, Event{Type: EndType, Time: l.now().UTC(), Data: raw}, true)
	if errors.Is(err, ErrClosed) {
		return 0, nil
	}
	return n, err
}

func (l *Log) append(id jobid.ID, ev Event, closing bool) (uint64, error) {
	err := l.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.Bucket([]byte(Bucket)).CreateBucketIfNotExists(id[:])
		if err != nil {
			return err
		}
		if b.Get(closedKey) != nil {
			return ErrClosed
		}
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		ev.ID = n
		v, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if closing {
			if err := b.Put(closedKey, []byte{1}); err != nil {
				return err
			}
		}
		return b.Put(seqKey(n), v)
	})
	if err != nil {
		return 0, fmt.Errorf("sse: append %s to %s: %w", ev.Type, id, err)
	}
	l.notify(id)
	return ev.ID, nil
}

// Since returns job id's events with ids above after, at most limit of
// them (all when limit is 0), and whether the log is closed.
func (l *Log) Since(id jobid.ID, after uint64, limit int) ([]Event, bool, error) {
	var out []Event
	closed := false
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(Bucket)).Bucket(id[:])
		if b == nil {
			return nil
		}
		closed = b.Get(closedKey) != nil
		c := b.Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			if len(k) != 8 {
				continue // the closed marker
			}
			var ev Event
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ev)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("sse: read %s: %w", id, err)
	}
	return out, closed, nil
}

// Wait returns a channel closed at job id's next Append or Close.
func (l *Log) Wait(id jobid.ID) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.waiters[id]
	if !ok {
		ch = make(chan struct{})
		l.waiters[id] = ch
	}
	return ch
}

func (l *Log) notify(id jobid.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.waiters[id]; ok {
		close(ch)
		delete(l.waiters, id)
	}
}
