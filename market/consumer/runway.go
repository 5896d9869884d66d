package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
)

// Funding is how KeepFunded looks after a long job's lock.
type Funding struct {
	// Below is the runway, in billable seconds, under which the lock is
	// topped up (or a warning given).
	Below uint64
	// Amount is what one top-up adds, microAlgo.
	Amount uint64
	// Total caps what KeepFunded adds over the job's life, microAlgo; a
	// top-up that would pass it is not sent (a warning is given instead).
	// The wallet's budget, when the client has one, caps it again.
	Total uint64
	// Auto allows top-ups; without it KeepFunded only warns.
	Auto bool
	// Poll is how often the runway is read (default 2 s).
	Poll time.Duration
	// Warn, if set, is told each time the runway is under Below and no
	// top-up is sent, with the runway and why.
	Warn func(runway uint64, why string)
	// Added, if set, is told of each top-up once it has confirmed, so that
	// a caller can journal it before the next.
	Added func(amount uint64)
}

// KeepFunded watches job's runway (Runway: the seconds its locked funds
// still cover) until ctx ends or the job is no longer open, and when it
// falls under f.Below tops the lock up by f.Amount while f.Auto allows it
// and f.Total has room, through the budget like TopUp; otherwise it warns.
// It returns what it added, with nil when the job left the open state or
// its box was settled, ctx's error when ctx ended first, or the error of a
// failed top-up or read. A top-up that answered an error but shows in the
// box's lock (re-read at once) counts as added.
func (c *Client) KeepFunded(ctx context.Context, job Job, f Funding) (uint64, error) {
	if f.Poll <= 0 {
		f.Poll = 2 * time.Second
	}
	warn := func(r uint64, why string) {
		if f.Warn != nil {
			f.Warn(r, why)
		}
	}
	var added uint64
	t := time.NewTicker(f.Poll)
	defer t.Stop()
	for {
		esc, err := c.chain.Job(ctx, job.ID)
		if errors.Is(err, contracts.ErrNotFound) {
			return added, nil
		}
		if err != nil {
			return added, fmt.Errorf("consumer: escrow box: %w", err)
		}
		if esc.Status != contracts.JobOpen {
			return added, nil
		}
		runway, err := c.Runway(ctx, job)
		if err != nil {
			return added, err
		}
		if runway < f.Below {
			switch {
			case !f.Auto:
				warn(runway, "automatic top-up is off")
			case f.Amount == 0 || added+f.Amount > f.Total:
				warn(runway, fmt.Sprintf("top-up limit reached (%d of %d µALGO added)", added, f.Total))
			default:
				if _, err := c.TopUp(ctx, job, f.Amount); err != nil {
					// It may have landed all the same: the box's lock says.
					now, rerr := c.chain.Job(ctx, job.ID)
					if rerr != nil || now.Locked < esc.Locked+f.Amount {
						return added, fmt.Errorf("consumer: automatic top-up: %w", err)
					}
				}
				added += f.Amount
				if f.Added != nil {
					f.Added(f.Amount)
				}
				continue // read the new runway at once
			}
		}
		select {
		case <-ctx.Done():
			return added, ctx.Err()
		case <-t.C:
		}
	}
}
