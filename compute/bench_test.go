package compute

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// BenchmarkSandboxedStart measures Engine.Start of a fully sandboxed job
// (no network, read-only root, non-root, all capabilities dropped, limits,
// /output volume prepared) until the container runs, against the real
// engine with a local image — docs/DESIGN.md's "submit → container running,
// excluding image pull" less the chain part. It reports the median and
// the 90th percentile; each job is then waited for and removed.
func BenchmarkSandboxedStart(b *testing.B) {
	cli := testkit.Docker(b)
	image := testkit.TestImage(b)
	e, err := NewEngine(cli, testkit.DB(b), EngineOptions{OutputDir: b.TempDir(), AllowedImages: testImages})
	if err != nil {
		b.Fatal(err)
	}
	spec := Spec{Version: SpecVersion, Image: image, Command: []string{"true"}, MaxSeconds: 30, MemoryMB: 64}
	spec.applyDefaults()
	if err := spec.Validate(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := newJobID(b)
		start := time.Now()
		job, err := e.Start(ctx, id, spec, RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		b.StopTimer()
		if res, err := job.Wait(ctx); err != nil || res.ExitCode != 0 {
			b.Fatalf("job: %+v, %v", res, err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(lat[len(lat)*9/10].Milliseconds()), "p90-ms")
}
