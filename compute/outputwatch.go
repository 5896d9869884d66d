package compute

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/docker/docker/api/types/mount"
)

// outputWatchInterval is how often a running job's output volume is measured.
const outputWatchInterval = time.Second

// watchOutput measures the job's output volume on the host while it runs
// and kills the job once it holds more than the output cap, so a job cannot
// fill the provider's disk until its deadline. It is best effort: when the
// volume's host directory cannot be read (the app is not root, or the
// engine runs elsewhere) it does nothing and the cap is enforced only when
// the output is collected. It returns true on the channel if it killed.
func (j *Job) watchOutput(ctx context.Context) <-chan bool {
	out := make(chan bool, 1)
	dir := j.outputSource(ctx)
	if dir == "" {
		out <- false
		return out
	}
	go func() {
		t := time.NewTicker(outputWatchInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				out <- false
				return
			case <-t.C:
				if dirSize(dir, j.e.opts.OutputCapBytes) > j.e.opts.OutputCapBytes {
					j.e.kill(j.rec.ContainerID)
					out <- true
					return
				}
			}
		}
	}()
	return out
}

// outputSource returns the host directory of the output volume if this
// process can read it, else "".
func (j *Job) outputSource(ctx context.Context) string {
	insp, err := j.e.cli.ContainerInspect(ctx, j.rec.ContainerID)
	if err != nil {
		return ""
	}
	for _, m := range insp.Mounts {
		if m.Type == mount.TypeVolume && m.Destination == j.rec.Spec.Outputs && m.Source != "" {
			if _, err := os.ReadDir(m.Source); err == nil {
				return m.Source
			}
		}
	}
	return ""
}

// dirSize sums the sizes of the entries under dir (links not followed),
// stopping early once past limit.
func dirSize(dir string, limit int64) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil {
			total += info.Size()
		}
		if total > limit {
			return filepath.SkipAll
		}
		return nil
	})
	return total
}
