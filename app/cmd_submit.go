package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/sse"
)

// submitUsage is printed above the submit flags.
const submitUsage = "usage: kinetic submit [--provider URL] [--max-price µALGO/h] [--wait] job.json\n"

type submitOptions struct {
	spec     compute.Spec
	provider string
	maxPrice uint64
	wait     bool
}

func (r runner) parseSubmit(args []string) (submitOptions, error) {
	fs := flag.NewFlagSet("kinetic submit", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprint(r.stderr, submitUsage); fs.PrintDefaults() }
	var o submitOptions
	fs.StringVar(&o.provider, "provider", "", "provider endpoint URL (default: the best discovered provider, then the next)")
	fs.Uint64Var(&o.maxPrice, "max-price", 0, "refuse offers above this price, µALGO per hour")
	fs.BoolVar(&o.wait, "wait", false, "follow the job, verify the result and release (or dispute)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 1 {
		return o, errors.New(strings.TrimSpace(submitUsage))
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return o, fmt.Errorf("submit: %w", err)
	}
	if o.spec, err = compute.ParseSpec(raw); err != nil {
		return o, fmt.Errorf("submit: %s: %w", fs.Arg(0), err)
	}
	return o, nil
}

// runSubmitCommand is the table entry of `kinetic submit`.
func runSubmitCommand(ctx context.Context, r runner, inv invocation) error {
	o, err := r.parseSubmit(inv.args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	env, err := openMarket(ctx, inv.cfg)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	defer env.Close()
	c := newConsumerAgent(env)
	terms := consumer.Terms{MaxPricePerHour: o.maxPrice}
	fmt.Fprintln(r.stdout, "asking for an offer…")
	var job consumer.Job
	if o.provider != "" {
		job, err = c.Submit(ctx, o.provider, o.spec, terms)
	} else {
		var l consumer.Listing
		if l, err = consumer.Discover(ctx, env.algod, env.chain.Apps().Registry); err == nil {
			job, err = c.SubmitFirst(ctx, consumer.Select(l, consumer.Filter{MaxPricePerHour: o.maxPrice, MinGPUs: uint64(o.spec.GPUs)}), o.spec, terms)
		}
	}
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	if err := consumer.SaveJob(env.db, consumer.JobRecord{Job: job, State: "paid"}); err != nil {
		return fmt.Errorf("submit: record job: %w", err)
	}
	fmt.Fprintf(r.stdout, "job %s paid (%d µALGO locked in %s, round %d) on %s\n", job.ID, job.Amount, job.Payment, job.Round, job.Endpoint)
	if !o.wait {
		return nil
	}
	return r.waitJob(ctx, env, c, job)
}

// waitJob follows job to its result, verifies it and settles.
func (r runner) waitJob(ctx context.Context, env *marketEnv, c *consumer.Client, job consumer.Job) error {
	_, err := c.Events(ctx, job, 0, func(ev sse.Event) error {
		fmt.Fprintf(r.stdout, "[%d] %s %s\n", ev.ID, ev.Type, ev.Data)
		return nil
	})
	if err != nil {
		fmt.Fprintf(r.stdout, "event stream ended: %v; watching the chain\n", err)
	}
	_, res, err := c.AwaitResult(ctx, job, 2*time.Second)
	state := "submitted"
	switch {
	case errors.Is(err, consumer.ErrRefunded):
		state = "refunded"
		fmt.Fprintf(r.stdout, "deadline passed without a result: refunded in %v\n", res.TxIDs)
	case err != nil:
		return fmt.Errorf("submit: %w", err)
	default:
		v, verr := c.Verify(ctx, job)
		var settle contracts.Result
		if verr != nil {
			fmt.Fprintf(r.stdout, "result does not verify (%v): disputing\n", verr)
			settle, err = c.Dispute(ctx, job)
			state = "disputed"
		} else {
			fmt.Fprintf(r.stdout, "verified: %d output bytes, %d proof steps; releasing %d µALGO\n", len(v.Output), len(v.Proof.Steps), v.Escrow.Bill())
			settle, err = c.Release(ctx, job)
			state = "released"
		}
		if err != nil {
			return fmt.Errorf("submit: settle: %w", err)
		}
		fmt.Fprintf(r.stdout, "%s in %v\n", state, settle.TxIDs)
	}
	return consumer.SaveJob(env.db, consumer.JobRecord{Job: job, State: state})
}
