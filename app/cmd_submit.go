package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
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
	fs.BoolVar(&o.wait, "wait", false, "follow the job through the autopilot: verify the result and release, dispute a mismatch, refund a missed deadline")
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
	c := newConsumerAgent(env).WithMinWindowRounds(consumer.DefaultMinWindowRounds)
	terms := consumer.Terms{MaxPricePerHour: o.maxPrice}
	fmt.Fprintln(r.stdout, "asking for an offer…")
	var job consumer.Job
	if o.provider != "" {
		job, err = c.Submit(ctx, o.provider, o.spec, terms)
	} else {
		var best []contracts.Provider
		best, err = bestProviders(ctx, env, discovery.Filter{MaxPricePerHour: o.maxPrice, MinGPUs: uint64(o.spec.GPUs), MinVRAMMB: o.spec.MinVRAMMB})
		if err == nil {
			job, err = c.SubmitFirst(ctx, best, o.spec, terms)
		}
	}
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	spec := o.spec
	if err := consumer.RecordPaid(env.db, job, env.signer.Address().String(), &spec, time.Now()); err != nil {
		return fmt.Errorf("submit: job %s is paid but not recorded: %w", job.ID, err)
	}
	fmt.Fprintf(r.stdout, "job %s paid (%d µALGO locked in %s, round %d) on %s\n", job.ID, job.Amount, job.Payment, job.Round, job.Endpoint)
	if !o.wait {
		fmt.Fprintln(r.stdout, "run 'kinetic jobs --watch' (or keep the desktop app open) to verify and settle it automatically")
		return nil
	}
	return r.waitJob(ctx, inv.cfg, env, job, &spec)
}

// waitJob drives job through the consumer autopilot in the foreground,
// printing its events and each journaled step, until it is settled.
func (r runner) waitJob(ctx context.Context, cfg Config, env *marketEnv, job consumer.Job, spec *compute.Spec) error {
	var mu sync.Mutex
	var last string
	ap := newAutopilot(cfg, env, slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), func(o *consumer.AutopilotOptions) {
		o.OnEvent = func(j consumer.Job, ev sse.Event) {
			if j.ID == job.ID {
				fmt.Fprintf(r.stdout, "[%d] %s %s\n", ev.ID, ev.Type, ev.Data)
			}
		}
		o.OnChange = func(rec consumer.JobRecord) {
			mu.Lock()
			defer mu.Unlock()
			if rec.Job.ID != job.ID || rec.State == last {
				return
			}
			last = rec.State
			line := rec.State
			if rec.Reason != "" {
				line += ": " + rec.Reason
			}
			if len(rec.Settlement) > 0 {
				line += fmt.Sprintf(" (in %v)", rec.Settlement)
			}
			fmt.Fprintln(r.stdout, line)
		}
	})
	rec, err := ap.Settle(ctx, job, spec)
	if err != nil {
		return fmt.Errorf("submit: job %s is %s; the autopilot ('kinetic jobs --watch' or the desktop app) takes it on from there: %w", job.ID, rec.State, err)
	}
	return nil
}
