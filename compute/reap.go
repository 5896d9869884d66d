package compute

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
)

// LabelDeadline carries the latest moment a job container may run, in unix
// seconds: its creation time plus spec.MaxSeconds plus deadlineSlack. The
// Job enforces the exact deadline while the app runs; ReapExpired enforces
// this one when it did not.
const LabelDeadline = "kinetic.deadline"

// deadlineSlack covers the time between creating a container and starting
// it, from which the exact deadline counts.
const deadlineSlack = 15 * time.Second

// DefaultReapMaxAge is how old a job container without a readable deadline
// label, or one that exited before its deadline but was never collected,
// may get before ReapExpired removes it: the longest job a spec may ask
// for plus an hour.
const DefaultReapMaxAge = MaxJobSeconds*time.Second + time.Hour

// Reaped is one container that ReapExpired removed (or tried to).
type Reaped struct {
	// ContainerID is the container's id; Job and Instance its LabelJob and
	// LabelInstance values.
	ContainerID, Job, Instance string
	// Deadline is its LabelDeadline, zero when it had none.
	Deadline time.Time
	// Reason says why it was reaped, for the log.
	Reason string
	// Err is set when the removal failed.
	Err error
}

// ReapOption adjusts ReapExpired.
type ReapOption func(*reapConfig)

type reapConfig struct {
	maxAge    time.Duration
	deadlines map[string]time.Time
}

// ReapMaxAge replaces DefaultReapMaxAge.
func ReapMaxAge(d time.Duration) ReapOption { return func(c *reapConfig) { c.maxAge = d } }

// ReapExpired kills and removes, with their volumes, the job containers
// (label LabelJob, whichever instance or database made them) that must not
// be running any more at now: those still running past their LabelDeadline
// (or the later deadline ReapDeadlines gives, for a job ExtendDeadline
// extended),
// those that exited after it (killed or overran: their result is void), and
// those without a readable deadline, or exited in time but never collected,
// that were created more than the max age ago. A container that exited
// before its deadline and is younger than that is kept for Recover to
// collect. It needs no Engine or database, so the app can call it at
// start-up before anything else; it returns what it did and every removal
// failure joined.
func ReapExpired(ctx context.Context, cli client.APIClient, now time.Time, opts ...ReapOption) ([]Reaped, error) {
	cfg := reapConfig{maxAge: DefaultReapMaxAge}
	for _, o := range opts {
		o(&cfg)
	}
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelJob))})
	if err != nil {
		return nil, fmt.Errorf("list job containers: %w", err)
	}
	var out []Reaped
	var errs []error
	for _, c := range list {
		r := Reaped{ContainerID: c.ID, Job: c.Labels[LabelJob], Instance: c.Labels[LabelInstance]}
		r.Reason = reapReason(ctx, cli, c, now, &cfg, &r.Deadline)
		if r.Reason == "" {
			continue
		}
		err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			r.Err = fmt.Errorf("remove container %s: %w", short(c.ID), err)
			errs = append(errs, r.Err)
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// reapReason returns why container c must go, or "" to keep it; it sets
// *deadline from the label.
func reapReason(ctx context.Context, cli client.APIClient, c container.Summary, now time.Time, cfg *reapConfig, deadline *time.Time) string {
	maxAge := cfg.maxAge
	created := time.Unix(c.Created, 0)
	d, err := cfg.labelDeadline(c.ID, c.Labels[LabelDeadline])
	if err != nil {
		if age := now.Sub(created); age > maxAge {
			return fmt.Sprintf("no deadline label and created %s ago, more than %s", age.Round(time.Second), maxAge)
		}
		return ""
	}
	*deadline = d
	if !now.After(*deadline) {
		return ""
	}
	if c.State == "running" || c.State == "paused" || c.State == "restarting" {
		return fmt.Sprintf("still %s %s past its deadline", c.State, now.Sub(*deadline).Round(time.Second))
	}
	insp, err := cli.ContainerInspect(ctx, c.ID)
	if err == nil && insp.State != nil {
		finished := parseDockerTime(insp.State.FinishedAt, time.Time{})
		if !finished.IsZero() && !finished.After(*deadline) && now.Sub(created) <= maxAge {
			return "" // exited in time: Recover collects it
		}
	}
	return fmt.Sprintf("%s and past its deadline", c.State)
}
