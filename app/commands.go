package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// command is one verb of the command line, `kinetic [flags] NAME ARGS…`.
// Each command lives in its own file (cmd_NAME.go) with its own flag set
// and its test, and is registered by one entry in commandTable.
type command struct {
	// name is the verb typed on the command line.
	name string
	// synopsis shows the command's arguments in the usage text.
	synopsis string
	// summary is the one-line description in the usage text.
	summary string
	// run runs the command; inv.args are the arguments after the verb.
	run func(ctx context.Context, r runner, inv invocation) error
}

// invocation is what a command runs with: the global configuration, the
// instance's logger and the command's own arguments.
type invocation struct {
	cfg  Config
	log  *slog.Logger
	args []string
}

// commandTable lists every command, in the order the usage text shows
// them. A new verb adds one file and one entry here.
func commandTable() []command {
	return []command{
		{name: "localnet", synopsis: "up|down|status|reset", summary: "manage the local development chain", run: runLocalNetCommand},
		{name: "gpus", synopsis: "[--samples N]", summary: "detect NVIDIA GPUs and print their telemetry", run: runGPUsCommand},
		{name: "verify", synopsis: "[flags] proof.json", summary: "check a proof-of-compute chain (offline; on-chain with --algod or --localnet)",
			run: func(ctx context.Context, r runner, inv invocation) error {
				return r.runVerify(ctx, inv.cfg, inv.args)
			}},
		{name: "deploy", synopsis: deploySynopsis, summary: deploySummary,
			run: func(ctx context.Context, r runner, inv invocation) error {
				return r.runDeploy(ctx, inv.cfg, inv.log, inv.args)
			}},
		{name: "provide", synopsis: "--headless [--listen ADDR] [--price N] | --self-test", summary: "run the provider agent (or check this machine can)", run: runProvideCommand},
		{name: "submit", synopsis: "[--provider URL] [--max-price N] [--wait] job.json", summary: "pay a provider to run a job", run: runSubmitCommand},
		{name: "jobs", synopsis: "[--watch]", summary: "list the jobs paid for and run from this data dir", run: runJobsCommand},
		{name: "providers", synopsis: "[filters]", summary: "list registered providers, best first", run: runProvidersCommand},
		{name: "wallet", synopsis: walletSynopsis, summary: "create, import, show or (LocalNet) fund this data dir's account", run: runWalletCommand},
		{name: "help", summary: "show this text", run: runHelpCommand},
	}
}

// lookupCommand returns the command called name.
func lookupCommand(name string) (command, bool) {
	for _, c := range commandTable() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageText is printed for -h, `kinetic help` and a command line that does
// not parse, above the global flags.
func usageText() string {
	var b strings.Builder
	b.WriteString("Usage: kinetic [flags] [command]\n\nWith no command, kinetic opens its window.\n\nCommands:\n")
	table := commandTable()
	width := 0
	heads := make([]string, len(table))
	for i, c := range table {
		heads[i] = strings.TrimSpace(c.name + " " + c.synopsis)
		width = max(width, len(heads[i]))
	}
	for i, c := range table {
		fmt.Fprintf(&b, "  %-*s   %s\n", width, heads[i], c.summary)
	}
	b.WriteString("\nFlags (before the command):\n")
	return b.String()
}
