package consumer

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

func raceDB(t *testing.T, state string) (*bbolt.DB, *Autopilot, JobRecord) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "k.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	rec := JobRecord{Job: Job{ID: jobid.ID{9}}, State: state}
	if err := SaveJob(db, rec); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	return db, NewAutopilot(&Client{now: func() time.Time { return now }}, db, AutopilotOptions{}), rec
}

func stored(t *testing.T, db *bbolt.DB) JobRecord {
	t.Helper()
	r, ok, err := LoadJob(db, jobid.ID{9})
	if err != nil || !ok {
		t.Fatalf("load: %v %v", ok, err)
	}
	return r
}

// TestJobsScreenReleaseDuringVerification: the autopilot reads the job in
// state "result" and starts verifying; meanwhile the Jobs screen decides
// and sends a release (result → releasing → released). The autopilot's
// "verified", decided from the stale "result", is refused with a
// *StateChangedError and the record stays "released".
func TestJobsScreenReleaseDuringVerification(t *testing.T) {
	db, a, stale := raceDB(t, StateResult)
	at := time.Date(2026, 12, 2, 3, 0, 1, 0, time.UTC)
	dec, err := Decide(db, stale.Job.ID, StateReleasing, "released from the Jobs screen", at)
	if err != nil || dec.State != StateReleasing {
		t.Fatalf("decide: %+v %v", dec, err)
	}
	if _, err := Transition(db, stale.Job.ID, StateReleasing, StateReleased, "", at, func(r *JobRecord) { r.Settlement = []string{"TX"} }); err != nil {
		t.Fatal(err)
	}
	err = a.advance(stale, StateVerified, "output and proof verified", nil)
	var moved *StateChangedError
	if !errors.As(err, &moved) || moved.Want != StateResult || moved.Have != StateReleased {
		t.Fatalf("the autopilot's stale advance: %v, want a StateChangedError (want result, have released)", err)
	}
	if r := stored(t, db); r.State != StateReleased || len(r.Settlement) != 1 || r.Reason != "released from the Jobs screen" {
		t.Fatalf("record %+v, want the Jobs screen's release kept", r)
	}
	// A stale "gone" (the box vanished after the user's release) cannot
	// turn it into "settled" either.
	if err := a.advance(stale, StateSettled, "box gone", nil); !errors.As(err, &moved) {
		t.Fatalf("stale gone: %v", err)
	}
}

// TestJobsScreenDisputeDuringRelease: the autopilot has decided a release
// (journaled "releasing"); a dispute from the Jobs screen is refused with
// a clear error and writes nothing, and the autopilot's "released" is
// journaled. The other way round, a dispute decided on the Jobs screen
// while the autopilot verifies makes the autopilot's "releasing" fail.
func TestJobsScreenDisputeDuringRelease(t *testing.T) {
	db, a, rec := raceDB(t, StateReleasing)
	at := time.Date(2026, 12, 2, 3, 0, 1, 0, time.UTC)
	if _, err := Decide(db, rec.Job.ID, StateDisputing, "", at); err == nil || err.Error() != "consumer: job "+rec.Job.ID.String()+" is being released already (the autopilot verified it); it can no longer be disputed" {
		t.Fatalf("dispute during the release: %v", err)
	}
	if err := a.advance(rec, StateReleased, "", nil); err != nil {
		t.Fatalf("the autopilot's released: %v", err)
	}
	if r := stored(t, db); r.State != StateReleased {
		t.Fatalf("state %s, want released", r.State)
	}

	db, a, rec = raceDB(t, StateVerified)
	if _, err := Decide(db, rec.Job.ID, StateDisputing, "disputed from the Jobs screen", at); err != nil {
		t.Fatal(err)
	}
	var moved *StateChangedError
	if err := a.advance(rec, StateReleasing, "output and proof verified", nil); !errors.As(err, &moved) || moved.Have != StateDisputing {
		t.Fatalf("the autopilot's releasing after the user's dispute: %v", err)
	}
	if r := stored(t, db); r.State != StateDisputing || r.Reason != "disputed from the Jobs screen" {
		t.Fatalf("record %+v, want the user's dispute kept", r)
	}
}

// TestAutopilotLiveOptions: each step's options come from Live as it
// answers then: a job not picked for a spot check while the share is 0 is
// picked once Live says share 1, with no new Autopilot; the top-up
// settings follow too.
func TestAutopilotLiveOptions(t *testing.T) {
	share, auto := 0.0, false
	pick := func(compute.Spec) bool { return true }
	a := NewAutopilot(&Client{now: time.Now}, nil, AutopilotOptions{Live: func(o *AutopilotOptions) {
		o.Funding = &Funding{Auto: auto, Total: 1}
		if share > 0 {
			o.SpotCheck = &SpotCheckOptions{Share: share, Deterministic: pick, Provider: func(context.Context, types.Address) (contracts.Provider, error) {
				return contracts.Provider{}, nil
			}}
		} else {
			o.SpotCheck = nil
		}
	}})
	spec := compute.Spec{}
	rec := JobRecord{Job: Job{ID: jobid.ID{1}}, Spec: &spec}
	if o := a.current(); a.spotCheckPicked(rec, o.SpotCheck) || o.Funding.Auto {
		t.Fatalf("before the change: picked or auto top-up")
	}
	share, auto = 1, true
	if o := a.current(); !a.spotCheckPicked(rec, o.SpotCheck) || !o.Funding.Auto {
		t.Fatalf("after the change: spot check %+v, funding %+v; want picked and auto", o.SpotCheck, o.Funding)
	}
}
