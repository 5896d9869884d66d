package app

import (
	"context"
	"fmt"
)

// runHelpCommand runs `kinetic help`: the usage text and the global flags,
// on stdout.
func runHelpCommand(_ context.Context, r runner, inv invocation) error {
	if len(inv.args) != 0 {
		return fmt.Errorf("usage: kinetic help (takes no arguments)")
	}
	var cfg Config
	var network string
	runner{stderr: r.stdout}.flagSet(&cfg, &network).Usage()
	return nil
}
