package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
)

// localNetAppsFile is where LocalNet's contract app ids are recorded, inside
// the LocalNet directory: every instance (provider and consumer, each with
// its own data dir) on this machine shares one deployment, and a reset,
// which deletes the directory, forgets it with the chain.
const localNetAppsFile = "kinetic-apps.json"

// localNetApps deploys and looks up the contracts on a LocalNet.
type localNetApps interface {
	// Ensure deploys the Registry, Escrow and BadgeMinter unless a live
	// deployment is recorded, funded by the LocalNet dispenser.
	Ensure(ctx context.Context, dir string) (contracts.Deployment, error)
	// Lookup returns the deployment recorded for genesisHash, if any.
	Lookup(dir, genesisHash string) (contracts.Deployment, bool, error)
}

// realLocalNetApps implements localNetApps with the contracts package.
// log, when set, gets the line EnsureDeployed writes when it replaces a
// recorded deployment (committed programs changed, or apps gone).
type realLocalNetApps struct{ log *slog.Logger }

func localNetAppsStore(dir string) contracts.DeploymentStore {
	return contracts.NewFileDeploymentStore(filepath.Join(dir, localNetAppsFile))
}

// Ensure implements localNetApps.
func (a realLocalNetApps) Ensure(ctx context.Context, dir string) (contracts.Deployment, error) {
	m := localnet.New(dir, nil)
	c, err := m.Client()
	if err != nil {
		return contracts.Deployment{}, err
	}
	d, err := m.Dispenser(ctx)
	if err != nil {
		return contracts.Deployment{}, err
	}
	cfg := contracts.DefaultDeployConfig()
	cfg.Logger = a.log
	dep, err := contracts.EnsureDeployedWith(ctx, c, d.Address, transaction.BasicAccountTransactionSigner{Account: d}, localNetAppsStore(dir), cfg)
	if err != nil {
		return contracts.Deployment{}, fmt.Errorf("deploy contracts on LocalNet: %w", err)
	}
	return dep, nil
}

// Lookup implements localNetApps.
func (realLocalNetApps) Lookup(dir, genesisHash string) (contracts.Deployment, bool, error) {
	return localNetAppsStore(dir).Load(genesisHash)
}

// describeApps renders a deployment for the CLI.
func describeApps(d contracts.Deployment) string {
	return fmt.Sprintf("contracts on %s: Registry app %d, Escrow app %d, BadgeMinter app %d (creator %s)",
		d.Network, d.Apps.Registry, d.Apps.Escrow, d.Apps.Badge, d.Creator)
}

// deploymentStore returns where cfg's network records its contract app ids:
// LocalNet's own directory (shared by every instance on this machine), or
// deployments.json in the data dir for the other networks.
func deploymentStore(cfg Config) contracts.DeploymentStore {
	if cfg.Network == LocalNet && cfg.AlgodURL == "" {
		return localNetAppsStore(cfg.LocalNetDir)
	}
	return contracts.NewFileDeploymentStore(filepath.Join(cfg.DataDir, "deployments.json"))
}

// startLocalNet brings LocalNet up and deploys the contracts for the GUI,
// so that `kinetic` alone gives a working chain. It logs instead of failing:
// the Dashboard shows the node's state either way.
func startLocalNet(ctx context.Context, cfg Config, apps localNetApps, log *slog.Logger) {
	m := localnet.New(cfg.LocalNetDir, slogWriter{log})
	st, err := m.Up(ctx)
	if err != nil {
		log.Error("LocalNet did not start", "dir", cfg.LocalNetDir, "err", err)
		return
	}
	if ra, ok := apps.(realLocalNetApps); ok && ra.log == nil {
		ra.log = log
		apps = ra
	}
	d, err := apps.Ensure(ctx, cfg.LocalNetDir)
	if err != nil {
		log.Error("contracts not deployed on LocalNet", "err", err)
		return
	}
	log.Info("LocalNet ready", "round", st.LastRound, "registry", d.Apps.Registry, "escrow", d.Apps.Escrow, "badge", d.Apps.Badge)
}

// slogWriter turns progress lines into log records.
type slogWriter struct{ log *slog.Logger }

// Write logs each call as one record.
func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Info(strings.TrimSpace(string(p)))
	return len(p), nil
}
