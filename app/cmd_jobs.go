package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// jobsUsage is printed above the jobs flags.
const jobsUsage = "usage: kinetic jobs [--watch] [--interval D]\n"

func (r runner) parseJobs(args []string) (watch bool, every time.Duration, err error) {
	fs := flag.NewFlagSet("kinetic jobs", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprint(r.stderr, jobsUsage); fs.PrintDefaults() }
	w := fs.Bool("watch", false, "print the list again every interval until interrupted")
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
	db, err := OpenStore(inv.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer db.Close()
	for {
		if err := r.printJobs(db); err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		if !watch {
			return nil
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
		fmt.Fprintf(r.stdout, "  %s  %-9s %d µALGO  %s\n", j.Job.ID, j.State, j.Job.Amount, j.Job.Endpoint)
	}
	fmt.Fprintf(r.stdout, "ran: %d\n", len(ran))
	for _, j := range ran {
		line := fmt.Sprintf("  %s  %-9s for %s", j.ID, j.State, j.Consumer)
		if j.Error != "" {
			line += "  (" + j.Error + ")"
		}
		fmt.Fprintln(r.stdout, line)
	}
	return nil
}
