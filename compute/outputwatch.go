package compute

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/mount"
)

// outputWatchInterval is how often a running job's output volume is measured.
const outputWatchInterval = time.Second

// volumeSizer measures volumes through the engine's disk-usage endpoint
// (GET /system/df), so it works whoever runs the app: root, a member of
// the docker group, or a client of a remote engine. One measurement serves
// every job watching within half an interval; the engine refuses a second
// concurrent disk-usage run, and a failed poll is simply retried on the
// next tick.
type volumeSizer struct {
	mu    sync.Mutex
	at    time.Time
	sizes map[string]int64
}

// volumeSizes returns the size in bytes of each local volume, by name, as
// the daemon computes it. Volumes whose size the daemon does not know
// (other drivers) are absent.
func (e *Engine) volumeSizes(ctx context.Context) (map[string]int64, error) {
	v := &e.sizer
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.sizes != nil && time.Since(v.at) < outputWatchInterval/2 {
		return v.sizes, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	du, err := e.cli.DiskUsage(ctx, types.DiskUsageOptions{Types: []types.DiskUsageObject{types.VolumeObject}})
	if err != nil {
		return nil, fmt.Errorf("volume disk usage: %w", err)
	}
	sizes := make(map[string]int64, len(du.Volumes))
	for _, vol := range du.Volumes {
		if vol != nil && vol.UsageData != nil && vol.UsageData.Size >= 0 {
			sizes[vol.Name] = vol.UsageData.Size
		}
	}
	v.sizes, v.at = sizes, time.Now()
	return sizes, nil
}

// watchOutput measures the job's output volume through the Docker API
// while it runs and kills the job once the volume holds more than the
// output cap, so a job cannot fill the provider's disk until its deadline.
// Between two polls (about a second) a job can still write as fast as the
// disk allows; the collected tar is capped again in collectOutput. It
// returns true on the channel if it killed the job.
func (j *Job) watchOutput(ctx context.Context) <-chan bool {
	out := make(chan bool, 1)
	vol := j.outputVolume(ctx)
	if vol == "" {
		out <- false
		return out
	}
	capBytes := j.e.opts.OutputCapBytes
	go func() {
		t := time.NewTicker(outputWatchInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				out <- false
				return
			case <-t.C:
				sizes, err := j.e.volumeSizes(ctx)
				if err == nil && sizes[vol] > capBytes {
					j.e.kill(j.rec.ContainerID)
					out <- true
					return
				}
			}
		}
	}()
	return out
}

// outputVolume returns the name of the job's output volume, or "" if the
// container cannot be inspected.
func (j *Job) outputVolume(ctx context.Context) string {
	insp, err := j.e.cli.ContainerInspect(ctx, j.rec.ContainerID)
	if err != nil {
		return ""
	}
	for _, m := range insp.Mounts {
		if m.Type == mount.TypeVolume && m.Destination == j.rec.Spec.Outputs {
			return m.Name
		}
	}
	return ""
}
