package consumer

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// TestJournalRoundTrip: UpdateJob changes one field of a stored record and
// keeps every other one through JSON; an error from fn writes nothing; an
// unknown job is ErrNoRecord; Terminal names exactly the settled states.
func TestJournalRoundTrip(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := jobid.ID{7}
	spec := compute.Spec{Version: 1, Image: "a@sha256:00", Network: compute.NetworkNone}
	at := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	rec := JobRecord{Job: Job{ID: id, Endpoint: "http://rig:8402", Amount: 5}, State: StateResult, Spec: &spec,
		LastEventID: 9, Digest: "ab", Error: "verify the result: refused", Attempts: 2, NextTry: at}
	if err := SaveJob(db, rec); err != nil {
		t.Fatal(err)
	}
	got, err := UpdateJob(db, id, func(r *JobRecord) error { r.State, r.Error, r.Attempts = StateVerified, "", 0; return nil })
	if err != nil {
		t.Fatal(err)
	}
	loaded, ok, err := LoadJob(db, id)
	if err != nil || !ok {
		t.Fatalf("load: %v %v", ok, err)
	}
	if loaded.State != StateVerified || loaded.LastEventID != 9 || loaded.Digest != "ab" || loaded.Spec == nil || loaded.Spec.Image != spec.Image ||
		!loaded.NextTry.Equal(at) || loaded.Job.Endpoint != "http://rig:8402" || loaded.Error != "" || got.State != StateVerified {
		t.Fatalf("after UpdateJob: %+v", loaded)
	}
	boom := errors.New("boom")
	if _, err := UpdateJob(db, id, func(r *JobRecord) error { r.State = StateReleased; return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error: %v", err)
	}
	if again, _, _ := LoadJob(db, id); again.State != StateVerified {
		t.Fatalf("a failed update wrote state %q", again.State)
	}
	if _, err := UpdateJob(db, jobid.ID{8}, func(*JobRecord) error { return nil }); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("unknown job: %v, want ErrNoRecord", err)
	}
	for state, terminal := range map[string]bool{StatePaid: false, StateResult: false, StateVerified: false, StateSpotCheck: false,
		StateReleasing: false, StateDisputing: false, StateRefunding: false,
		StateReleased: true, StateDisputed: true, StateRefunded: true, StateSettled: true} {
		if (JobRecord{State: state}).Terminal() != terminal {
			t.Errorf("%s: Terminal() = %v", state, !terminal)
		}
	}
}

// TestPinnedOffline: the default determinism test wants an image pinned by
// digest and no network.
func TestPinnedOffline(t *testing.T) {
	pinned := "busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000"
	for _, c := range []struct {
		image, network string
		want           bool
	}{{pinned, compute.NetworkNone, true}, {pinned, compute.NetworkEgress, false}, {"busybox:latest", compute.NetworkNone, false}} {
		if got := PinnedOffline(compute.Spec{Image: c.image, Network: c.network}); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.image, c.network, got, c.want)
		}
	}
}

// TestAutopilotBackoff: the wait before a retry starts at MinBackoff,
// doubles with each failure in a row and stops at MaxBackoff.
func TestAutopilotBackoff(t *testing.T) {
	a := NewAutopilot(nil, nil, AutopilotOptions{MinBackoff: time.Second, MaxBackoff: 5 * time.Second})
	for attempts, want := range []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second} {
		if got := a.backoff(attempts); got != want {
			t.Errorf("after %d failures: %v, want %v", attempts, got, want)
		}
	}
	if d := NewAutopilot(nil, nil, AutopilotOptions{}); d.backoff(1) != DefaultMinBackoff || d.backoff(30) != DefaultMaxBackoff {
		t.Errorf("defaults: %v and %v", d.backoff(1), d.backoff(30))
	}
}
