package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// jobsUsage is printed above the jobs flags.
const jobsUsage = "usage: kinetic jobs [--watch] [--interval D]\n" +
	"  --watch also runs the consumer autopilot for this data dir's unsettled jobs while it prints:\n" +
	"  it follows each job, verifies the result and releases, disputes a mismatch (blocking the\n" +
	"  provider), refunds a missed deadline, tops up and spot-checks as the preferences allow.\n"

func (r runner) parseJobs(args []string) (watch bool, every time.Duration, err error) {
	fs := flag.NewFlagSet("kinetic jobs", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprint(r.stderr, jobsUsage); fs.PrintDefaults() }
	w := fs.Bool("watch", false, "settle unsettled jobs automatically and print the list again every interval until interrupted")
	iv := fs.Duration("interval", 2*time.Second, "time between lists with --watch")
	if err := fs.Parse(args); err != nil {
		return false, 0, err
	}
	if fs.NArg() != 0 || *iv <= 0 {
		return false, 0, errors.New(strings.TrimSpace(jobsUsage))
	}
	return *w, *iv, nil
}

// runJobsCommand is the table entry of `kinetic jobs`: the jobs this data
// dir paid for (as a consumer) and ran (as a provider).
func runJobsCommand(ctx context.Context, r runner, inv invocation) error {
	watch, every, err := r.parseJobs(inv.args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if watch {
		return r.watchJobs(ctx, inv.cfg, every)
	}
	db, err := OpenStore(inv.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer db.Close()
	if err := r.printJobs(db); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}

// watchJobs runs the consumer autopilot over the data dir's unsettled jobs
// and prints the list every interval until ctx ends. Without a node or an
// unlocked wallet it says why and only prints.
func (r runner) watchJobs(ctx context.Context, cfg Config, every time.Duration) error {
	var db *bbolt.DB
	env, err := openMarket(ctx, cfg)
	if err == nil {
		defer env.Close()
		db = env.db
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		log := slog.New(slog.NewTextHandler(r.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		go func() { defer close(done); _ = newAutopilot(cfg, env, log, nil).Run(ctx) }()
		defer func() { cancel(); <-done }()
	} else {
		fmt.Fprintf(r.stderr, "jobs: not settling jobs automatically: %v\n", err)
		if db, err = OpenStore(cfg.DataDir); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		defer db.Close()
	}
	for {
		if err := r.printJobs(db); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

func (r runner) printJobs(db *bbolt.DB) error {
	bought, err := consumer.ListJobs(db)
	if err != nil {
		return err
	}
	ran, err := provider.ListJobs(db)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "paid for: %d\n", len(bought))
	for _, j := range bought {
		line := fmt.Sprintf("  %s  %-10s %d µALGO  %s", j.Job.ID, j.State, j.Job.Amount, j.Job.Endpoint)
		if j.Reason != "" {
			line += "  " + j.Reason
		}
		if j.Error != "" {
			line += fmt.Sprintf("  (retrying after %d failures: %s)", j.Attempts, j.Error)
		}
		fmt.Fprintln(r.stdout, line)
	}
	fmt.Fprintf(r.stdout, "ran: %d\n", len(ran))
	for _, j := range ran {
		line := fmt.Sprintf("  %s  %-9s for %s", j.ID, j.State, j.Consumer)
		switch {
		case j.Outcome != "":
			line += fmt.Sprintf("  %s, paid %d µALGO", j.Outcome, j.Paid)
		case j.State == "settled":
			line += "  (how it settled is not on this node: connect to an archival node to read it)"
		}
		if j.Error != "" {
			line += "  (" + j.Error + ")"
		}
		fmt.Fprintln(r.stdout, line)
	}
	return nil
}
