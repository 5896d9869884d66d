package compute

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestStartRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	missing := h.spec("true")
	missing.Image = "kinetic-test/absent:0"
	egress := h.spec("true")
	egress.Network = NetworkEgress
	gpu := h.spec("true")
	gpu.GPUs = 1
	info, err := EngineStatus(ctx, h.e.cli)
	if err != nil {
		t.Fatal(err)
	}
	pinned := h.spec("true")
	// Nothing listens on port 1: the pull for the job fails at once.
	pinned.Image = "127.0.0.1:1/kinetic-test/busybox@sha256:" + strings.Repeat("ab", 32)
	private := h.spec("true")
	private.Image = "private/app:latest"
	cases := []struct {
		name string
		spec Spec
		want error
	}{
		{"missing image", missing, ErrImageMissing},
		{"egress not allowed", egress, ErrEgressNotAllowed},
		{"GPU count mismatch", gpu, ErrGPUAssignment},
		{"digest not present, registry unreachable", pinned, ErrImagePull},
		{"not pinned, not on the allow-list", private, ErrImageNotAdmitted},
		{"no NVIDIA runtime", gpu, ErrGPURuntimeMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var opts RunOptions
			if c.want == ErrGPURuntimeMissing {
				opts.GPUUUIDs = []string{"GPU-00000000-0000-0000-0000-000000000000"}
			}
			id := newJobID(t)
			_, err := h.e.Start(ctx, id, c.spec, opts)
			if c.want == ErrGPURuntimeMissing && info.NvidiaRuntime {
				// An engine with the NVIDIA runtime can hand GPUs over: the
				// refusal must not fire there (the bogus UUID fails otherwise).
				if errors.Is(err, ErrGPURuntimeMissing) {
					t.Fatalf("an engine with the NVIDIA runtime was refused as without it: %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			left, err := h.e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelJob+"="+id.String()))})
			if err != nil || len(left) != 0 {
				t.Fatalf("containers left behind: %v, %v", left, err)
			}
			if rec, err := h.e.Store().Get(id); err == nil && rec.State != StateFailed {
				t.Fatalf("refused job stored as %s", rec.State)
			}
		})
	}
}
