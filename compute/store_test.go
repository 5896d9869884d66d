package compute

import (
	"errors"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestJobStore(t *testing.T) {
	db := testkit.DB(t)
	s, err := NewJobStore(db)
	if err != nil {
		t.Fatal(err)
	}
	a, b := JobID{2}, JobID{1}
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	recs := []JobRecord{
		{ID: a, State: StateRunning, ContainerID: "c1", Started: started, Spec: jobSpec(1, 100, 60), GPUUUIDs: []string{"GPU-x"}},
		{ID: b, State: StateFinished, Result: &Result{ExitCode: 3, BilledSeconds: 7, OutputSHA256: [32]byte{9}}},
	}
	for _, r := range recs {
		if err := s.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(a)
	if err != nil || got.ContainerID != "c1" || !got.Started.Equal(started) || got.Spec.Hash() != recs[0].Spec.Hash() || got.GPUUUIDs[0] != "GPU-x" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].ID != b || list[0].Result.OutputSHA256 != [32]byte{9} {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if _, err := s.Get(JobID{3}); !errors.Is(err, ErrJobNotFound) {
		t.Fatalf("missing job: %v", err)
	}
	// The instance id survives reopening the same database.
	again, err := NewJobStore(db)
	if err != nil || again.Instance() != s.Instance() || len(s.Instance()) != 32 {
		t.Fatalf("instance %q vs %q, %v", again.Instance(), s.Instance(), err)
	}
}
