package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
)

// ErrRefunded: the job's deadline passed without a result and AwaitResult
// took the lock back.
var ErrRefunded = errors.New("consumer: deadline passed without a result; refunded")

// ErrSettled: the job's escrow box is gone (settled by someone).
var ErrSettled = errors.New("consumer: job already settled")

// AwaitResult watches job's escrow box on the chain every poll until the
// provider anchors a result (it returns the box) or the deadline round
// passes without one, when it refunds the consumer itself and returns
// ErrRefunded with the refund's result: nothing is left to a person
// remembering.
func (c *Client) AwaitResult(ctx context.Context, job Job, poll time.Duration) (contracts.Job, contracts.Result, error) {
	if poll <= 0 {
		poll = 2 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		esc, err := c.chain.Job(ctx, job.ID)
		switch {
		case errors.Is(err, contracts.ErrNotFound):
			return contracts.Job{}, contracts.Result{}, ErrSettled
		case err != nil:
			return contracts.Job{}, contracts.Result{}, fmt.Errorf("consumer: escrow box: %w", err)
		case esc.Status == contracts.JobSubmitted:
			return esc, contracts.Result{}, nil
		}
		st, err := c.chain.Algod().Status().Do(ctx)
		if err != nil {
			return contracts.Job{}, contracts.Result{}, fmt.Errorf("consumer: node status: %w", err)
		}
		// The next block is evaluated at LastRound+1, which must be past the deadline.
		if st.LastRound >= esc.DeadlineRound {
			res, err := c.Refund(ctx, job)
			if err != nil {
				return esc, res, fmt.Errorf("consumer: refund after the deadline: %w", err)
			}
			return esc, res, ErrRefunded
		}
		select {
		case <-ctx.Done():
			return contracts.Job{}, contracts.Result{}, ctx.Err()
		case <-t.C:
		}
	}
}
