package app

import (
	"context"
	"fmt"

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

// runLocalNet runs `kinetic localnet up|down|status|reset`. Progress of the
// first build of algod goes to stdout, then the resulting status.
func (r runner) runLocalNet(ctx context.Context, cfg Config, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s", localNetUsage)
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
	default:
		return fmt.Errorf("unknown localnet command %q; %s", args[0], localNetUsage)
	}
	if err != nil {
		return fmt.Errorf("localnet %s: %w", args[0], err)
	}
	fmt.Fprintln(r.stdout, st)
	return nil
}
