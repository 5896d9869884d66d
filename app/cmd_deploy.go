package app

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/mnemonic"
	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
)

// EnvDeployerMnemonic names the environment variable that holds the
// deploying account's 25-word mnemonic for `kinetic deploy` by default.
const EnvDeployerMnemonic = "KINETIC_DEPLOYER_MNEMONIC"

// deployOptions are the flags of `kinetic deploy`.
type deployOptions struct {
	mnemonicEnv string
	yes         bool
	badgePool   uint64
	tiers       [3]uint64
}

// deploySynopsis and deploySummary describe the command in the usage text.
const (
	deploySynopsis = "[--mnemonic-env VAR] [--badge-pool µALGO] [--tiers N,N,N] [--yes]"
	deploySummary  = "operator only: create a new Registry, Escrow and BadgeMinter on the --network and record them"
)

// runDeploy is `kinetic [--network N] deploy`: the only way the app
// creates contracts on a network other than LocalNet. It creates a new set
// of the three apps from the committed bytecode, funded and configured by
// the deploying account, records it in the network's deployment store
// (which ResolveDeployment then reads), and prints the ARC-56 networks
// entries to commit. TestNet and MainNet need --yes and a node on that
// network; the mnemonic is read from the environment and never printed.
func (r runner) runDeploy(ctx context.Context, cfg Config, log *slog.Logger, args []string) error {
	return deployTo(ctx, r.stdout, r.stderr, cfg, log, args, deploymentStore(cfg))
}

// deployTo is runDeploy recording into store.
func deployTo(ctx context.Context, stdout, stderr io.Writer, cfg Config, log *slog.Logger, args []string, store contracts.DeploymentStore) error {
	var o deployOptions
	fs := flag.NewFlagSet("kinetic deploy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: kinetic deploy %s\n%s (the global --network flag picks the network)\n", deploySynopsis, deploySummary)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.mnemonicEnv, "mnemonic-env", EnvDeployerMnemonic,
		"name of the environment variable holding the deploying account's 25-word mnemonic (LocalNet: the dispenser when unset)")
	fs.BoolVar(&o.yes, "yes", false, "confirm a deployment on TestNet or MainNet")
	fs.Uint64Var(&o.badgePool, "badge-pool", contracts.DefaultDeployConfig().BadgePool, "microAlgo given to the BadgeMinter to mint badges with")
	def := contracts.DefaultDeployConfig().Tiers
	tiers := fs.String("tiers", fmt.Sprintf("%d,%d,%d", def[0], def[1], def[2]), "completed jobs for badge tiers 1, 2 and 3, strictly increasing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var err error
	if o.tiers, err = parseTiers(*tiers); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("deploy: unexpected argument %q", fs.Arg(0))
	}
	public := cfg.Network == TestNet || cfg.Network == MainNet
	if public && !o.yes {
		return fmt.Errorf("deploy: creating a new market on %s needs --yes (every user of that network must then be configured with its app ids)", cfg.Network)
	}
	c, creator, err := deployEndpoint(ctx, cfg, o)
	if err != nil {
		return err
	}
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return fmt.Errorf("deploy: node params: %w", err)
	}
	if err := checkDeployNetwork(cfg.Network, sp.GenesisID, sp.GenesisHash); err != nil {
		return err
	}
	dc := contracts.DefaultDeployConfig()
	dc.BadgePool = o.badgePool
	dc.Tiers = o.tiers
	d, err := contracts.Deploy(ctx, c, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator}, store, dc)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	log.Info("contracts deployed", "network", d.Network, "registry", d.Apps.Registry, "escrow", d.Apps.Escrow,
		"badge", d.Apps.Badge, "creator", d.Creator, "program_hash", d.ProgramHash)
	printDeployment(stdout, d)
	return nil
}

// deployEndpoint connects to cfg's node and returns the deploying account:
// the mnemonic in the environment, or on LocalNet the dispenser.
func deployEndpoint(ctx context.Context, cfg Config, o deployOptions) (*algod.Client, crypto.Account, error) {
	words := strings.TrimSpace(os.Getenv(o.mnemonicEnv))
	if cfg.Network == LocalNet && cfg.AlgodURL == "" {
		m := localnet.New(cfg.LocalNetDir, nil)
		c, err := m.Client()
		if err != nil {
			return nil, crypto.Account{}, fmt.Errorf("deploy: %w", err)
		}
		if words == "" {
			d, err := m.Dispenser(ctx)
			if err != nil {
				return nil, crypto.Account{}, fmt.Errorf("deploy: %w", err)
			}
			return c, d, nil
		}
		acct, err := accountFromMnemonic(words, o.mnemonicEnv)
		return c, acct, err
	}
	if cfg.AlgodURL == "" {
		return nil, crypto.Account{}, fmt.Errorf("deploy: %w: %s needs --algod-url (env %s)", ErrNoEndpoint, cfg.Network, EnvAlgodURL)
	}
	if words == "" {
		return nil, crypto.Account{}, fmt.Errorf("deploy: no deploying account: set %s to its 25-word mnemonic", o.mnemonicEnv)
	}
	acct, err := accountFromMnemonic(words, o.mnemonicEnv)
	if err != nil {
		return nil, crypto.Account{}, err
	}
	c, err := algod.MakeClient(cfg.AlgodURL, string(cfg.AlgodToken))
	if err != nil {
		return nil, crypto.Account{}, fmt.Errorf("deploy: algod client: %w", err)
	}
	return c, acct, nil
}

// accountFromMnemonic decodes the deploying account; its error never
// repeats the words.
func accountFromMnemonic(words, env string) (crypto.Account, error) {
	key, err := mnemonic.ToPrivateKey(words)
	if err != nil {
		return crypto.Account{}, fmt.Errorf("deploy: %s does not hold a valid 25-word mnemonic", env)
	}
	acct, err := crypto.AccountFromPrivateKey(key)
	if err != nil {
		return crypto.Account{}, fmt.Errorf("deploy: %s: %w", env, err)
	}
	return acct, nil
}

// errDeployNetwork reports a node that is not on the --network asked for.
var errDeployNetwork = errors.New("deploy: the node is not on the network asked for")

// checkDeployNetwork refuses a TestNet or MainNet deployment on a node of
// another network, and a LocalNet one on a public network.
func checkDeployNetwork(n Network, genesisID string, genesisHash []byte) error {
	gh := base64.StdEncoding.EncodeToString(genesisHash)
	known, public := contracts.PublicNetworks()[gh]
	want := map[Network]string{TestNet: "testnet-v1.0", MainNet: "mainnet-v1.0"}[n]
	switch {
	case want != "" && known != want:
		return fmt.Errorf("%w: --network %s, node on %s (%s)", errDeployNetwork, n, genesisID, gh)
	case n == LocalNet && public:
		return fmt.Errorf("%w: --network localnet, node on %s", errDeployNetwork, known)
	}
	return nil
}

// printDeployment writes the new app ids and the ARC-56 networks entries.
func printDeployment(w io.Writer, d contracts.Deployment) {
	fmt.Fprintln(w, describeApps(d))
	fmt.Fprintf(w, "recorded for genesis %s; program hash %s\n", d.GenesisHash, d.ProgramHash)
	fmt.Fprintln(w, "ARC-56 \"networks\" entries (contracts/arc56/*.arc56.json):")
	for _, a := range []struct {
		name string
		id   uint64
	}{{"Registry", d.Apps.Registry}, {"Escrow", d.Apps.Escrow}, {"BadgeMinter", d.Apps.Badge}} {
		fmt.Fprintf(w, "  %s: {%q: {\"appID\": %d}}\n", a.name, d.GenesisHash, a.id)
	}
}

// parseTiers reads --tiers: three strictly increasing completed-job counts,
// the first at least 1 (the Registry's configure refuses anything else).
func parseTiers(v string) ([3]uint64, error) {
	var t [3]uint64
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return t, fmt.Errorf("deploy: --tiers %q: want three counts, e.g. 10,100,1000", v)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 64)
		if err != nil || n == 0 || (i > 0 && n <= t[i-1]) {
			return t, fmt.Errorf("deploy: --tiers %q: want three strictly increasing counts of at least 1, e.g. 10,100,1000", v)
		}
		t[i] = n
	}
	return t, nil
}
