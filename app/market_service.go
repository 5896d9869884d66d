package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/docker/docker/client"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// Construction shared by the CLI (`kinetic provide`, `kinetic submit`) and
// the window's services: the node and contracts, the active signer, the
// provider agent with its engine, the registration and the consumer agent.

// connectChain connects the configured node and the contracts recorded for
// its network.
func connectChain(ctx context.Context, cfg Config) (*algod.Client, *contracts.Client, error) {
	url, token, err := cfg.endpoint(localnet.New(cfg.LocalNetDir, io.Discard).Endpoint)()
	if err != nil {
		return nil, nil, err
	}
	c, err := algod.MakeClient(url, token)
	if err != nil {
		return nil, nil, fmt.Errorf("algod client for %s: %w", url, err)
	}
	v, err := c.Versions().Do(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("node %s does not answer: %w", url, err)
	}
	// The network's configured apps, accepted only when each runs the
	// committed bytecode (a lookalike app at a recorded id is refused).
	dep, err := contracts.ResolveDeployment(ctx, c, deploymentStore(cfg))
	if errors.Is(err, contracts.ErrNoDeployment) {
		return nil, nil, fmt.Errorf("no Kinetic contracts recorded for network %s (on LocalNet run 'kinetic localnet up'): %w", v.GenesisID, err)
	}
	if err != nil {
		return nil, nil, err
	}
	chain, err := contracts.NewClient(c, dep.Apps)
	if err != nil {
		return nil, nil, err
	}
	return c, chain, nil
}

// activeSigner is the signer of w's active account.
func activeSigner(ctx context.Context, w *wallet.Wallet) (*wallet.Signer, error) {
	acct, err := w.Active(ctx)
	if err != nil {
		return nil, fmt.Errorf("no active account (create or import one in the app's Wallet tab): %w", err)
	}
	return w.Signer(ctx, acct.Address)
}

// providerAgent is a provider agent over its own Docker connection.
type providerAgent struct {
	srv    *provider.Server
	docker *client.Client
	// reaped counts the expired job containers removed before it started.
	reaped int
}

// Close closes the agent's Docker connection.
func (a *providerAgent) Close() { a.docker.Close() }

// newProviderAgent connects Docker, removes expired job containers and
// builds the engine and the agent over env's store, chain and signer. The
// caller runs Recover before serving.
func newProviderAgent(ctx context.Context, env *marketEnv, dataDir string, pcfg provider.Config) (*providerAgent, error) {
	cli, err := compute.Connect(ctx)
	if err != nil {
		return nil, err
	}
	reaped, err := compute.ReapExpired(ctx, cli, time.Now(), extendedDeadlines(env.db, slog.Default())...)
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("reap expired containers: %w", err)
	}
	engine, err := compute.NewEngine(cli, env.db, compute.EngineOptions{OutputDir: filepath.Join(dataDir, "outputs"),
		AllowedImages: pcfg.Policy.AllowedImagePrefixes})
	if err != nil {
		cli.Close()
		return nil, err
	}
	srv, err := provider.New(pcfg, env.db, provider.AlgodChain{Client: env.chain}, env.signer, engine)
	if err != nil {
		cli.Close()
		return nil, err
	}
	return &providerAgent{srv: srv, docker: cli, reaped: len(reaped)}, nil
}

// providerInfo is the Registry entry of this machine: the detected
// hardware, the endpoint and the price.
func providerInfo(endpoint string, price uint64, maxJobSecs uint64, gpus []compute.GPUInfo) contracts.ProviderInfo {
	if maxJobSecs == 0 {
		maxJobSecs = compute.MaxJobSeconds
	}
	info := contracts.ProviderInfo{Endpoint: endpoint, GPUModel: "none", CPUCores: uint64(runtime.NumCPU()),
		RAMMB: memTotalMB(), PricePerHour: price, MinJobSecs: 1, MaxJobSecs: maxJobSecs}
	if len(gpus) > 0 {
		g := gpus[0]
		info.GPUModel, info.GPUCount, info.VRAMMB, info.Driver, info.CUDA = g.Name, uint64(len(gpus)), g.MemoryTotalMB, g.Driver, g.CUDA
	}
	return info
}

// registerProvider registers env's account with info, or updates its
// registration when it is already registered.
func registerProvider(ctx context.Context, env *marketEnv, info contracts.ProviderInfo) error {
	addr := env.signer.Address()
	_, err := env.chain.Provider(ctx, addr)
	switch {
	case errors.Is(err, contracts.ErrNotFound):
		_, err = env.chain.Register(ctx, addr, env.signer, info)
	case err == nil:
		_, err = env.chain.Update(ctx, addr, env.signer, info)
	}
	if err != nil {
		return fmt.Errorf("register %s: %w", addr, err)
	}
	return nil
}

// heartbeatLoop sends a Registry heartbeat every interval until ctx ends.
func heartbeatLoop(ctx context.Context, env *marketEnv, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := env.chain.Heartbeat(ctx, env.signer.Address(), env.signer); err != nil {
				log.Warn("registry heartbeat", "err", err)
			}
		}
	}
}

// newConsumerAgent is the consumer agent of env's account, paying through
// the wallet's budget.
func newConsumerAgent(env *marketEnv) *consumer.Client {
	return consumer.New(env.chain, env.signer, nil).WithBudget(wallet.NewBudget(env.db, nil))
}

// marketConn is the window's connection to the market: the store the
// window opened, the wallet once the Wallet screen has opened it, and the
// node and contracts, connected on first use and again after a failure, so
// that a node or deployment that comes up after the window is picked up.
type marketConn struct {
	cfg Config
	db  *bbolt.DB

	mu     sync.Mutex
	wallet *wallet.Wallet
	env    *marketEnv
}

// newMarketConn returns a connection over the window's store.
func newMarketConn(cfg Config, db *bbolt.DB) *marketConn {
	return &marketConn{cfg: cfg, db: db}
}

// setWallet hands over the wallet the Wallet screen opened.
func (m *marketConn) setWallet(w *wallet.Wallet) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wallet, m.env = w, nil
}

// open returns the environment, connecting it unless it is (or the
// active account changed since). The environment shares the window's store and wallet: it must not be closed.
func (m *marketConn) open(ctx context.Context) (*marketEnv, error) {
	m.mu.Lock()
	env, w := m.env, m.wallet
	m.mu.Unlock()
	if env != nil {
		// The same account is still the active one: keep the connection.
		if a, err := w.Active(ctx); err == nil && a.Address == env.signer.Address().String() {
			return env, nil
		}
	}
	if w == nil {
		return nil, errors.New("the wallet is not open yet (unlock or create it in the Wallet tab)")
	}
	c, chain, err := connectChain(ctx, m.cfg)
	if err != nil {
		return nil, err
	}
	signer, err := activeSigner(ctx, w)
	if err != nil {
		return nil, err
	}
	env = &marketEnv{db: m.db, algod: c, chain: chain, wallet: w, signer: signer}
	m.mu.Lock()
	if m.wallet == w {
		m.env = env
	}
	m.mu.Unlock()
	return env, nil
}

// marketServices are the market's services for the window; a nil one
// leaves its screen saying what it needs.
type marketServices struct {
	conn      *marketConn
	market    *marketplaceSource
	provider  ui.ProviderService
	jobs      ui.JobSource
	submitter ui.JobSubmitter
	// stop ends renting on quit; nil when there is no provider service.
	stop func(ctx context.Context) error
}

// newMarketServices builds the window's market services over its store;
// ctx is the app's context.
func newMarketServices(ctx context.Context, cfg Config, db *bbolt.DB, log *slog.Logger) marketServices {
	conn := newMarketConn(cfg, db)
	market := newMarketplaceSource(cfg)
	prov := newProviderService(ctx, conn, market, provider.DefaultListen, log)
	jobs := newJobsSource(conn)
	return marketServices{conn: conn, market: market, provider: prov, jobs: jobs, submitter: jobs, stop: prov.shutdown}
}

// stopProviding stops the agent serving at quit, if it does.
func (m marketServices) stopProviding(log *slog.Logger) {
	if m.stop == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.stop(ctx); err != nil {
		log.Warn("stop renting at quit", "err", err)
	}
}
