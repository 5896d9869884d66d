package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
)

// gpusUsage is printed above the gpus flags.
const gpusUsage = "usage: kinetic gpus [--samples N] [--interval D]\n"

// runGPUsCommand is the table entry of `kinetic gpus`: it opens NVML
// through the runner's library (compute.DefaultNVML unless a test set one).
func runGPUsCommand(ctx context.Context, r runner, inv invocation) error {
	lib := r.nvml
	if lib == nil {
		lib = compute.DefaultNVML
	}
	return r.runGPUs(ctx, lib, inv.args)
}

// runGPUs runs `kinetic gpus`: it detects the NVIDIA GPUs through NVML and
// prints each one's identity and telemetry; with --samples N it then takes
// N telemetry samples through the same sampler the app charts, --interval
// apart. No GPU or driver is not an error: the machine runs CPU-only jobs.
func (r runner) runGPUs(ctx context.Context, lib func() compute.NVMLLibrary, args []string) error {
	fs := flag.NewFlagSet("kinetic gpus", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() {
		fmt.Fprint(r.stderr, gpusUsage)
		fs.PrintDefaults()
	}
	samples := fs.Int("samples", 0, "telemetry samples to take after detection")
	interval := fs.Duration("interval", time.Second, "time between samples")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 0 || *samples < 0 || *interval <= 0 {
		return errors.New(gpusUsage[:len(gpusUsage)-1])
	}
	n, err := compute.OpenNVML(lib())
	if compute.IsNoGPU(err) {
		fmt.Fprintf(r.stdout, "no NVIDIA GPU/driver (%v): this machine runs CPU-only jobs\n", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("gpus: %w", err)
	}
	defer n.Close()
	read := func() ([]compute.GPUInfo, error) { return n.Read(nil) }
	gpus, err := read()
	if err != nil {
		return fmt.Errorf("gpus: %w", err)
	}
	compute.FormatGPUReport(r.stdout, gpus)
	if *samples == 0 {
		return nil
	}
	return sampleGPUs(ctx, r.stdout, read, *samples, *interval)
}

// sampleGPUs prints n telemetry samples, one line per GPU per sample.
func sampleGPUs(ctx context.Context, w io.Writer, read func() ([]compute.GPUInfo, error), n int, every time.Duration) error {
	s, err := compute.NewSampler(read, every, n)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "time          gpu  util  temp   power    vram used")
	for i := 0; i < n; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(every):
			}
		}
		smp := s.SampleNow()
		if smp.Err != nil {
			return fmt.Errorf("gpus: sample %d: %w", i+1, smp.Err)
		}
		for _, g := range smp.GPUs {
			fmt.Fprintf(w, "%s  #%d  %3d%%  %3.0f°C  %5.0f W  %6d MiB\n",
				smp.Time.Format("15:04:05.000"), g.Index, g.UtilizationPct, g.TemperatureC, g.PowerW, g.MemoryUsedMB)
		}
	}
	if got := len(s.Snapshot()); got != n {
		return fmt.Errorf("gpus: sampler kept %d of %d samples", got, n)
	}
	return nil
}
