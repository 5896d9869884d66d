package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/wallet"
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

// Runway is how many billable seconds job's lock still covers: its
// MaxSeconds less the block time elapsed since it was created (0 once they
// are used up).
func (c *Client) Runway(ctx context.Context, job Job) (uint64, error) {
	esc, err := c.chain.Job(ctx, job.ID)
	if err != nil {
		return 0, fmt.Errorf("consumer: escrow box: %w", err)
	}
	st, err := c.chain.Algod().Status().Do(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer: node status: %w", err)
	}
	blk, err := c.chain.Algod().Block(st.LastRound).Do(ctx)
	if err != nil {
		return 0, fmt.Errorf("consumer: block %d: %w", st.LastRound, err)
	}
	now := uint64(blk.TimeStamp)
	elapsed := uint64(0)
	if now > esc.CreatedTime {
		elapsed = now - esc.CreatedTime
	}
	if elapsed >= esc.MaxSeconds {
		return 0, nil
	}
	return esc.MaxSeconds - elapsed, nil
}

// TopUp adds amount microAlgo to job's lock, signed through the budget
// when the client has one (a top-up over the cap signs nothing).
func (c *Client) TopUp(ctx context.Context, job Job, amount uint64) (contracts.Result, error) {
	if c.budget == nil {
		return c.chain.TopUp(ctx, c.signer.Address(), c.signer, job.ID, amount)
	}
	bs := &wallet.BudgetedSigner{Signer: c.signer, Budget: c.budget, Job: job.ID, Purpose: "escrow top-up"}
	res, err := c.chain.TopUp(ctx, c.signer.Address(), bs, job.ID, amount)
	if err != nil && wallet.IsRejected(err) {
		_ = bs.Release(ctx)
	} else {
		_ = bs.Commit(ctx)
	}
	return res, err
}
