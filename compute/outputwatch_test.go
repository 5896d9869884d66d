package compute

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// blindEngine is the real engine with two faults a test can switch on:
// ContainerInspect failing (failInspect counts the calls to fail) and
// DiskUsage failing (failDU).
type blindEngine struct {
	client.APIClient
	failInspect atomic.Int32
	failDU      atomic.Bool
}

var errInjected = errors.New("injected engine fault")

func (b *blindEngine) ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error) {
	if b.failInspect.Add(-1) >= 0 {
		return container.InspectResponse{}, errInjected
	}
	return b.APIClient.ContainerInspect(ctx, id)
}

func (b *blindEngine) DiskUsage(ctx context.Context, o types.DiskUsageOptions) (types.DiskUsage, error) {
	if b.failDU.Load() {
		return types.DiskUsage{}, errInjected
	}
	return b.APIClient.DiskUsage(ctx, o)
}

// TestOutputWatchFailsClosed checks that a job whose output cannot be
// measured is stopped, with ErrOutputUnmeasured and a recorded reason,
// instead of running unwatched until its deadline.
func TestOutputWatchFailsClosed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  func(*blindEngine)
		reason string
	}{
		{"inspect fails", func(b *blindEngine) { b.failInspect.Store(1) }, "inspect container"},
		{"disk usage fails", func(b *blindEngine) { b.failDU.Store(true) }, "no measurement of the output volume for 2s: volume disk usage: " + errInjected.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			blind := &blindEngine{APIClient: testkit.Docker(t)}
			e, err := NewEngine(blind, testkit.DB(t), EngineOptions{OutputDir: t.TempDir(), AllowedImages: testImages, OutputUnmeasuredLimit: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			h := &harness{t: t, e: e, image: testkit.TestImage(t)}
			ctx := testkit.Context(t, time.Minute)
			job, err := e.Start(ctx, newJobID(t), h.spec("sleep 30"), RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c.fault(blind)
			began := time.Now()
			_, err = job.Wait(ctx)
			if !errors.Is(err, ErrOutputUnmeasured) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("Wait: %v, want ErrOutputUnmeasured naming %q", err, c.reason)
			}
			if took := time.Since(began); took > 15*time.Second {
				t.Errorf("job stopped after %s, want well before its 30 s deadline", took)
			}
			rec, err := e.Store().Get(job.ID())
			if err != nil || rec.State != StateFailed || !strings.Contains(rec.Reason, ErrOutputUnmeasured.Error()) || !strings.Contains(rec.Reason, c.reason) {
				t.Fatalf("record %s %q, %v", rec.State, rec.Reason, err)
			}
		})
	}
}
