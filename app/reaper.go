package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/docker/docker/client"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
)

// reapAtStart removes job containers that outlived their deadline while no
// Kinetic was running (a crash, a reboot, a reset data dir): a stranger's
// job must never keep a gamer's machine busy unaccounted. It logs what it
// did; an engine that does not answer is only logged, the Dashboard shows it.
// opts carry, among others, the deadlines that top-ups extended
// (compute.ReapDeadlines, see extendedDeadlines).
func reapAtStart(ctx context.Context, connect func(context.Context) (client.APIClient, error), log *slog.Logger, opts ...compute.ReapOption) []compute.Reaped {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cli, err := connect(cctx)
	if err != nil {
		log.Warn("expired-job sweep skipped: Docker engine unreachable", "err", err)
		return nil
	}
	defer cli.Close()
	reaped, err := compute.ReapExpired(cctx, cli, time.Now(), opts...)
	for _, r := range reaped {
		if r.Err != nil {
			log.Error("expired job container not removed", "container", r.ContainerID, "job", r.Job, "reason", r.Reason, "err", r.Err)
			continue
		}
		log.Warn("expired job container removed", "container", r.ContainerID, "job", r.Job, "reason", r.Reason)
	}
	if err != nil {
		log.Error("expired-job sweep", "err", err)
	}
	return reaped
}

// connectDocker is compute.Connect as reapAtStart takes it.
func connectDocker(ctx context.Context) (client.APIClient, error) { return compute.Connect(ctx) }

// extendedDeadlines is the sweep option that spares this data dir's jobs
// whose deadline a top-up extended (Docker labels keep the original
// deadline). When the job store cannot be read the sweep runs on the
// labels alone, and says so.
func extendedDeadlines(db *bbolt.DB, log *slog.Logger) []compute.ReapOption {
	js, err := compute.NewJobStore(db)
	if err == nil {
		var m map[string]time.Time
		if m, err = js.Deadlines(); err == nil {
			return []compute.ReapOption{compute.ReapDeadlines(m)}
		}
	}
	log.Warn("expired-job sweep uses container labels only: job store unreadable", "err", err)
	return nil
}
