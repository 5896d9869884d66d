package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/compute"
)

// reapAtStart removes job containers that outlived their deadline while no
// Kinetic was running (a crash, a reboot, a reset data dir): a stranger's
// job must never keep a gamer's machine busy unaccounted. It logs what it
// did; an engine that does not answer is only logged, the Dashboard shows it.
func reapAtStart(ctx context.Context, connect func(context.Context) (client.APIClient, error), log *slog.Logger) []compute.Reaped {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cli, err := connect(cctx)
	if err != nil {
		log.Warn("expired-job sweep skipped: Docker engine unreachable", "err", err)
		return nil
	}
	defer cli.Close()
	reaped, err := compute.ReapExpired(cctx, cli, time.Now())
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
