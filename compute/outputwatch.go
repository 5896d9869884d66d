package compute

import (
	"context"
	"errors"
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
// every job watching within half an interval. Engine 20.10 refuses a second
// concurrent disk-usage run (another client may be measuring), so a failed
// poll is retried on the next tick, but only for
// EngineOptions.OutputUnmeasuredLimit: see watchOutput.
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

// ErrOutputUnmeasured reports a job stopped because its output volume could
// not be measured: the sandbox fails closed rather than let a job write
// unwatched.
var ErrOutputUnmeasured = errors.New("job output could not be measured")

// watchVerdict is how the output watchdog ended.
type watchVerdict struct {
	// overflow: the volume passed the output cap and the job was killed.
	overflow bool
	// unmeasured, when set, says why the output could not be measured; the
	// job was killed.
	unmeasured string
}

// watchOutput measures the job's output volume through the Docker API
// while it runs and kills the job once the volume holds more than the
// output cap, so a job cannot fill the provider's disk until its deadline.
// Between two polls (about a second) a job can still write as fast as the
// disk allows; the collected tar is capped again in collectOutput.
//
// It fails closed: when the container cannot be inspected or has no output
// volume, the job is killed at once; when no measurement of the volume has
// succeeded for OutputUnmeasuredLimit (disk-usage errors, or a volume the
// daemon does not size), the job is killed too. The verdict says which.
func (j *Job) watchOutput(ctx context.Context) <-chan watchVerdict {
	out := make(chan watchVerdict, 1)
	vol, err := j.outputVolume(ctx)
	if err != nil {
		j.e.kill(j.rec.ContainerID)
		out <- watchVerdict{unmeasured: err.Error()}
		return out
	}
	capBytes, limit := j.e.opts.OutputCapBytes, j.e.opts.OutputUnmeasuredLimit
	go func() {
		t := time.NewTicker(outputWatchInterval)
		defer t.Stop()
		lastMeasured, lastErr := time.Now(), "no measurement yet"
		for {
			select {
			case <-ctx.Done():
				out <- watchVerdict{}
				return
			case <-t.C:
			}
			sizes, err := j.e.volumeSizes(ctx)
			size, known := sizes[vol]
			switch {
			case err == nil && known && size > capBytes:
				j.e.kill(j.rec.ContainerID)
				out <- watchVerdict{overflow: true}
				return
			case err == nil && known:
				lastMeasured = time.Now()
				continue
			case err != nil:
				lastErr = err.Error()
			default:
				lastErr = "the engine reports no size for volume " + vol
			}
			if ctx.Err() == nil && time.Since(lastMeasured) >= limit {
				j.e.kill(j.rec.ContainerID)
				out <- watchVerdict{unmeasured: fmt.Sprintf("no measurement of the output volume for %s: %s", limit, lastErr)}
				return
			}
		}
	}()
	return out
}

// outputVolume returns the name of the job's output volume, or an error
// when the container cannot be inspected or has no volume at its outputs
// path.
func (j *Job) outputVolume(ctx context.Context) (string, error) {
	insp, err := j.e.cli.ContainerInspect(ctx, j.rec.ContainerID)
	if err != nil {
		return "", fmt.Errorf("inspect container %s to find its output volume: %w", short(j.rec.ContainerID), err)
	}
	for _, m := range insp.Mounts {
		if m.Type == mount.TypeVolume && m.Destination == j.rec.Spec.Outputs && m.Name != "" {
			return m.Name, nil
		}
	}
	return "", fmt.Errorf("container %s has no volume at %s", short(j.rec.ContainerID), j.rec.Spec.Outputs)
}
