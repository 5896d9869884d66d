package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/kinetic-compute/kinetic/contracts/localnet"
)

// localNetManager is what `kinetic localnet` needs of *localnet.Manager.
type localNetManager interface {
	Up(ctx context.Context) (localnet.Status, error)
	Down(ctx context.Context) error
	Status(ctx context.Context) (localnet.Status, error)
	Reset(ctx context.Context) (localnet.Status, error)
}

// localNetUsage names the localnet subcommands.
const localNetUsage = "usage: kinetic localnet up|down|status|reset"

// runLocalNetCommand is the table entry of `kinetic localnet`: it parses
// the command's own flags (only -h today) and runs the subcommand.
func runLocalNetCommand(ctx context.Context, r runner, inv invocation) error {
	fs := flag.NewFlagSet("kinetic localnet", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() {
		fmt.Fprintln(r.stderr, localNetUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(inv.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	return r.runLocalNet(ctx, inv.cfg, fs.Args())
}

// runLocalNet runs `kinetic localnet up|down|status|reset`. Progress of the
// first build of algod goes to stdout, then the resulting status. Up and
// reset also deploy the contracts when no live deployment is recorded, so
// a LocalNet that is up is always ready for providers and consumers.
func (r runner) runLocalNet(ctx context.Context, cfg Config, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s", localNetUsage)
	}
	switch args[0] {
	case "up", "down", "status", "reset":
	default:
		return fmt.Errorf("unknown localnet command %q; %s", args[0], localNetUsage)
	}
	m := r.newLocalNet(cfg.LocalNetDir, r.stdout)
	var (
		st  localnet.Status
		err error
	)
	switch args[0] {
	case "up":
		st, err = m.Up(ctx)
	case "down":
		if err = m.Down(ctx); err == nil {
			st, err = m.Status(ctx)
		}
	case "status":
		st, err = m.Status(ctx)
	case "reset":
		st, err = m.Reset(ctx)
	}
	if err != nil {
		return fmt.Errorf("localnet %s: %w", args[0], err)
	}
	fmt.Fprintln(r.stdout, st)
	if !st.Running {
		return nil
	}
	if args[0] == "up" || args[0] == "reset" {
		apps := r.apps
		if ra, ok := apps.(realLocalNetApps); ok && ra.log == nil {
			// A redeploy after an upgrade (program hash changed) says so.
			ra.log = slog.New(slog.NewTextHandler(r.stderr, nil))
			apps = ra
		}
		d, err := apps.Ensure(ctx, cfg.LocalNetDir)
		if err != nil {
			return fmt.Errorf("localnet %s: %w", args[0], err)
		}
		fmt.Fprintln(r.stdout, describeApps(d))
		return nil
	}
	d, ok, err := r.apps.Lookup(cfg.LocalNetDir, st.GenesisHash)
	switch {
	case err != nil:
		return fmt.Errorf("localnet %s: %w", args[0], err)
	case ok:
		fmt.Fprintln(r.stdout, describeApps(d))
	default:
		fmt.Fprintln(r.stdout, "contracts: not deployed on this LocalNet (run 'kinetic localnet up')")
	}
	return nil
}
