package app

import (
	"context"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/ui"
)

// Telemetry sampling for the Provide screen: every two seconds, ten
// minutes kept.
const (
	telemetryInterval = 2 * time.Second
	telemetrySamples  = 300
)

// telemetry adapts compute's Sampler to the Provide screen.
type telemetry struct{ s *compute.Sampler }

// Samples implements ui.TelemetrySource.
func (t telemetry) Samples() []ui.TelemetrySample {
	snap := t.s.Snapshot()
	out := make([]ui.TelemetrySample, len(snap))
	for i, s := range snap {
		out[i] = telemetrySample(s)
	}
	return out
}

func telemetrySample(s compute.Sample) ui.TelemetrySample {
	ts := ui.TelemetrySample{Time: s.Time, CPUOnly: compute.IsNoGPU(s.Err)}
	if s.Err != nil && !ts.CPUOnly {
		ts.Err = s.Err
	}
	for _, g := range s.GPUs {
		ts.GPUs = append(ts.GPUs, ui.GPUReading{Index: g.Index, Name: g.Name,
			UtilizationPct: float64(g.UtilizationPct), TemperatureC: g.TemperatureC,
			PowerW: g.PowerW, LimitW: g.PowerLimitW})
	}
	return ts
}

// startTelemetry opens NVML and samples it until ctx ends. Without NVML
// every sample carries the ErrNoGPU that says so: the CPU-only state.
func startTelemetry(ctx context.Context, lib compute.NVMLLibrary) telemetry {
	n, err := compute.OpenNVML(lib)
	read := func() ([]compute.GPUInfo, error) { return nil, err }
	if err == nil {
		read = func() ([]compute.GPUInfo, error) { return n.Read(nil) }
		context.AfterFunc(ctx, n.Close)
	}
	s, _ := compute.NewSampler(read, telemetryInterval, telemetrySamples) // constant, valid arguments
	go func() { _ = s.Run(ctx) }()
	return telemetry{s: s}
}
