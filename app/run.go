package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
)

// runner holds what Run writes to and the parts that tests replace.
type runner struct {
	stdout, stderr io.Writer
	// gui opens the window; runGUI unless a test replaces it.
	gui func(ctx context.Context, cfg Config, log *slog.Logger) error
	// newLocalNet returns the LocalNet manager of dir.
	newLocalNet func(dir string, progress io.Writer) localNetManager
	// apps deploys and finds the contracts on LocalNet.
	apps localNetApps
	// nvml opens the NVML library; compute.DefaultNVML when nil.
	nvml func() compute.NVMLLibrary
	// prefsKeyring holds the saved algod token; the OS keyring when nil.
	prefsKeyring tokenKeyring
}

// Run runs Kinetic with the command-line arguments args (without the
// program name): the GUI when there is no command, else the command.
// It returns when the GUI quits, the command ends or ctx is cancelled.
func Run(ctx context.Context, args []string) error {
	r := runner{
		stdout: os.Stdout,
		stderr: os.Stderr,
		gui:    runGUI,
		newLocalNet: func(dir string, progress io.Writer) localNetManager {
			return localnet.New(dir, progress)
		},
		apps: realLocalNetApps{},
	}
	return r.run(ctx, args)
}

func (r runner) run(ctx context.Context, args []string) error {
	cfg, rest, explicit, err := r.parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := EnsureDataDir(cfg.DataDir); err != nil {
		return err
	}
	stopCrash, err := keepCrashOutput(cfg.DataDir)
	if err != nil {
		return err
	}
	defer stopCrash()
	cmd, level := "", slog.LevelInfo
	if len(rest) > 0 {
		cmd, level = rest[0], slog.LevelWarn
	}
	log, logFile, err := openLog(cfg.DataDir, r.stderr, level)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cfg = r.applyPreferences(ctx, cfg, explicit, log)
	log.Info("start", "version", Version, "command", cmd, "data_dir", cfg.DataDir, "network", cfg.Network.String())

	if cmd == "" {
		if err := cfg.Validate(); err != nil {
			return err
		}
		return r.gui(ctx, cfg, log)
	}
	c, ok := lookupCommand(cmd)
	if !ok {
		return fmt.Errorf("unknown command %q (run 'kinetic help')", cmd)
	}
	return c.run(ctx, r, invocation{cfg: cfg, log: log, args: rest[1:]})
}

// parseFlags reads the global flags and returns the configuration, the
// remaining arguments (the command and its arguments) and the names of the
// flags given on the command line or through their environment variable.
func (r runner) parseFlags(args []string) (Config, []string, map[string]bool, error) {
	var cfg Config
	var network string
	fs := r.flagSet(&cfg, &network)
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, nil, err
	}
	n, err := ParseNetwork(network)
	if err != nil {
		return Config{}, nil, nil, err
	}
	cfg.Network = n
	if cfg.DataDir == "" {
		return Config{}, nil, nil, errors.New("no data directory: pass --data-dir")
	}
	explicit := map[string]bool{
		"algod-url":   os.Getenv(EnvAlgodURL) != "",
		"algod-token": os.Getenv(EnvAlgodToken) != "",
	}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	return cfg, fs.Args(), explicit, nil
}

// applyPreferences fills in what the command line left out from the data
// directory's saved preferences: the network unless --network was given;
// the saved algod URL (and its token, from the OS keyring) when the
// network in use is the saved one and --algod-url (or its environment
// variable) was not given. Flags always win. Preferences that cannot be
// read are logged and the defaults used; the file is left alone.
func (r runner) applyPreferences(ctx context.Context, cfg Config, explicit map[string]bool, log *slog.Logger) Config {
	store := NewPreferenceStore(cfg.DataDir)
	if r.prefsKeyring != nil {
		store.keyring = r.prefsKeyring
	}
	p, err := store.Load()
	if err != nil {
		log.Warn("saved preferences not used; running with the defaults", "err", err)
	}
	cfg.Prefs = p
	if !explicit["network"] {
		cfg.Network = p.Network
	}
	if explicit["algod-url"] || cfg.Network != p.Network || p.AlgodURL == "" {
		return cfg
	}
	cfg.AlgodURL = p.AlgodURL
	if explicit["algod-token"] {
		return cfg
	}
	if p.AlgodTokenSaved {
		tok, err := store.Token(ctx)
		if err != nil {
			log.Warn("saved algod token not read; connecting without one", "err", err)
		}
		cfg.AlgodToken = tok
	}
	return cfg
}

// flagSet declares the global flags into cfg and network.
func (r runner) flagSet(cfg *Config, network *string) *flag.FlagSet {
	fs := flag.NewFlagSet("kinetic", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() {
		fmt.Fprint(r.stderr, usageText())
		fs.PrintDefaults()
	}
	dataDir, _ := DefaultDataDir()
	lnDir, _ := localnet.DefaultDir()
	fs.StringVar(&cfg.DataDir, "data-dir", dataDir, "directory for the store, log and crash output")
	fs.StringVar(network, "network", string(LocalNet), "network preset: localnet, testnet, mainnet or custom")
	fs.StringVar(&cfg.AlgodURL, "algod-url", os.Getenv(EnvAlgodURL), "algod REST URL (required but for localnet; env "+EnvAlgodURL+")")
	secretVar(fs, &cfg.AlgodToken, "algod-token", EnvAlgodToken, "algod API token")
	fs.StringVar(&cfg.LocalNetDir, "localnet-dir", lnDir, "LocalNet network directory (env "+localnet.DirEnv+")")
	return fs
}
