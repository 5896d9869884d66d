package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/nat"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/wallet"
)

// EnvPassphrase names the environment variable that unlocks the fallback
// keystore file when no OS keyring answers.
const EnvPassphrase = "KINETIC_PASSPHRASE"

// provideUsage is printed above the provide flags.
const provideUsage = "usage: kinetic provide --headless [--listen ADDR] [--price µALGO/h] [--register --advertise URL] [--allow-image PREFIX,…] [--map-port] | --self-test [--map-port]\n"

// marketEnv is what the market commands run with: the store, the node,
// the deployment's client and the active account's signer.
type marketEnv struct {
	db     *bbolt.DB
	algod  *algod.Client
	chain  *contracts.Client
	wallet *wallet.Wallet
	signer *wallet.Signer
}

func (e *marketEnv) Close() {
	if e.wallet != nil {
		e.wallet.Close()
	}
	e.db.Close()
}

// openMarket opens the data dir's store and wallet, the configured node and
// the contracts recorded for its network.
func openMarket(ctx context.Context, cfg Config) (*marketEnv, error) {
	db, err := OpenStore(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	env := &marketEnv{db: db}
	fail := func(err error) (*marketEnv, error) { env.Close(); return nil, err }
	if env.algod, env.chain, err = connectChain(ctx, cfg); err != nil {
		return fail(err)
	}
	env.wallet, err = wallet.Open(ctx, wallet.Options{DB: db, KeystorePath: filepath.Join(cfg.DataDir, "keystore.json"),
		Passphrase: func(context.Context) ([]byte, error) {
			p := os.Getenv(EnvPassphrase)
			if p == "" {
				return nil, fmt.Errorf("no OS keyring: set %s to unlock the keystore file", EnvPassphrase)
			}
			return []byte(p), nil
		}})
	if err != nil {
		return fail(err)
	}
	if env.signer, err = activeSigner(ctx, env.wallet); err != nil {
		return fail(err)
	}
	return env, nil
}

// provideOptions are the parsed flags of `kinetic provide`.
type provideOptions struct {
	headless, selfTest bool
	listen             string
	price              uint64
	allow              []string
	image              string
	register           bool
	advertise          string
	heartbeat          time.Duration
	// mapPort is the user's consent to ask the router (UPnP IGD or
	// NAT-PMP) to forward the listen port; without it the router is
	// never contacted.
	mapPort bool
	// openMapping and client replace nat.Open and the HTTP client of the
	// reachability check (tests); nil means the real ones.
	openMapping portMapper
	client      nat.Doer
}

func (r runner) parseProvide(args []string) (provideOptions, error) {
	fs := flag.NewFlagSet("kinetic provide", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprint(r.stderr, provideUsage); fs.PrintDefaults() }
	var o provideOptions
	fs.BoolVar(&o.headless, "headless", false, "run the provider agent without a window")
	fs.BoolVar(&o.selfTest, "self-test", false, "check the engine, GPUs, chain, account and endpoint, then exit")
	fs.StringVar(&o.listen, "listen", provider.DefaultListen, "address the agent listens on (a public one only when you mean it)")
	fs.Uint64Var(&o.price, "price", 0, "price in µALGO per hour (default: the registered price)")
	allow := fs.String("allow-image", "", "comma-separated image prefixes used from the local store")
	fs.StringVar(&o.image, "image", "", "with --self-test: run a small job in this image")
	fs.BoolVar(&o.register, "register", false, "register (or update) this account in the Registry from the detected hardware and --price")
	fs.StringVar(&o.advertise, "advertise", "", "with --register: the public URL consumers reach this agent at")
	fs.DurationVar(&o.heartbeat, "heartbeat", time.Hour, "time between Registry heartbeats (each costs a fee)")
	fs.BoolVar(&o.mapPort, "map-port", false, "ask the router (UPnP IGD or NAT-PMP) to forward the --listen port while the agent runs; without it the router is never contacted")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.mapPort {
		if err := mappableListen(o.listen); err != nil {
			return o, err
		}
	}
	if *allow != "" {
		o.allow = strings.Split(*allow, ",")
	}
	if fs.NArg() != 0 || o.headless == o.selfTest || (o.register && (o.advertise == "" || o.price == 0)) || o.heartbeat < time.Minute {
		return o, errors.New(strings.TrimSpace(provideUsage))
	}
	return o, nil
}

// runProvideCommand is the table entry of `kinetic provide`.
func runProvideCommand(ctx context.Context, r runner, inv invocation) error {
	o, err := r.parseProvide(inv.args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	env, err := openMarket(ctx, inv.cfg)
	if err != nil {
		return fmt.Errorf("provide: %w", err)
	}
	defer env.Close()
	if o.selfTest {
		return r.selfTest(ctx, env, o)
	}
	return r.provide(ctx, env, o, inv)
}

// provide runs the agent until ctx ends.
func (r runner) provide(ctx context.Context, env *marketEnv, o provideOptions, inv invocation) error {
	gpus, _ := compute.DetectGPUs(compute.DefaultNVML())
	if o.register {
		if err := r.register(ctx, env, o, gpus); err != nil {
			return fmt.Errorf("provide: %w", err)
		}
	}
	p, err := env.chain.Provider(ctx, env.signer.Address())
	if err != nil {
		return fmt.Errorf("provide: %s is not registered in the Registry (register it from the app first): %w", env.signer.Address(), err)
	}
	price := o.price
	if price == 0 {
		price = p.PricePerHour
	}
	if price < p.PricePerHour {
		return fmt.Errorf("provide: --price %d is below the registered price %d; update the registration first", price, p.PricePerHour)
	}
	agent, err := newProviderAgent(ctx, env, inv.cfg.DataDir, provider.Config{Price: price, GPUs: gpus, Version: Version, Logger: inv.log,
		Policy: compute.Policy{AllowedImagePrefixes: o.allow, MaxJobSeconds: int64(p.MaxJobSecs)}})
	if err != nil {
		return fmt.Errorf("provide: %w", err)
	}
	defer agent.Close()
	if agent.reaped > 0 {
		fmt.Fprintf(r.stdout, "removed %d expired job containers\n", agent.reaped)
	}
	srv := agent.srv
	rec, err := srv.Recover(ctx)
	if err != nil {
		return fmt.Errorf("provide: %w", err)
	}
	fmt.Fprintf(r.stdout, "recovered: %d re-attached, %d re-queued, %d failed (refundable)\n", len(rec.Reattached), len(rec.Requeued), len(rec.Failed))
	pm := r.consentedMapping(ctx, o, inv.log)
	if pm != nil {
		defer r.unmapPort(ctx, pm)
	}
	fmt.Fprintf(r.stdout, "provider %s serving on http://%s at %d µALGO/h (%d GPUs); Ctrl-C stops\n", env.signer.Address(), o.listen, price, len(gpus))
	go r.heartbeats(ctx, env, o.heartbeat, inv)
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe(ctx, o.listen) }()
	if err := waitListening(ctx, o.listen, served); err != nil {
		return err
	}
	if ctx.Err() == nil {
		r.reachReport(ctx, o, p.Endpoint, pm, env.signer.Address())
	}
	// Consumers skip an unavailable provider: mark this one available while
	// it serves, and unavailable again when it stops (Ctrl-C, SIGTERM; a
	// killed agent stays listed until its heartbeat ages out).
	if !p.Available && ctx.Err() == nil {
		if _, err := env.chain.SetAvailable(ctx, env.signer.Address(), env.signer, true); err != nil {
			fmt.Fprintf(r.stderr, "could not mark %s available in the Registry (consumers will skip it): %v\n", env.signer.Address(), err)
		} else {
			fmt.Fprintln(r.stdout, "marked available in the Registry")
		}
	}
	err = <-served
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if _, uerr := env.chain.SetAvailable(sctx, env.signer.Address(), env.signer, false); uerr != nil {
		fmt.Fprintf(r.stderr, "could not mark %s unavailable in the Registry; consumers may still try it: %v\n", env.signer.Address(), uerr)
	} else {
		fmt.Fprintln(r.stdout, "marked unavailable in the Registry; stopped")
	}
	return err
}

// register registers the account from the detected hardware, or updates
// its registration when it is already registered.
func (r runner) register(ctx context.Context, env *marketEnv, o provideOptions, gpus []compute.GPUInfo) error {
	info := providerInfo(o.advertise, o.price, compute.MaxJobSeconds, gpus)
	if err := registerProvider(ctx, env, info); err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "registered %s: %s x%d, %d µALGO/h at %s\n", env.signer.Address(), info.GPUModel, info.GPUCount, info.PricePerHour, info.Endpoint)
	return nil
}

// heartbeats sends a Registry heartbeat every interval until ctx ends.
func (r runner) heartbeats(ctx context.Context, env *marketEnv, every time.Duration, inv invocation) {
	heartbeatLoop(ctx, env, every, inv.log)
}

// memTotalMB reads the machine's memory from /proc/meminfo (0 elsewhere).
func memTotalMB() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			var kb uint64
			fmt.Sscan(f[1], &kb)
			return kb / 1024
		}
	}
	return 0
}

// selfTest checks each part a provider needs and prints what passed and
// what to fix; it fails when any check failed.
func (r runner) selfTest(ctx context.Context, env *marketEnv, o provideOptions) error {
	failed := 0
	report := func(name string, err error, ok string) {
		if err != nil {
			failed++
			fmt.Fprintf(r.stdout, "FAIL %-10s %v\n", name, err)
			return
		}
		fmt.Fprintf(r.stdout, "ok   %-10s %s\n", name, ok)
	}
	prov, err := env.chain.Provider(ctx, env.signer.Address())
	registered := err == nil
	if errors.Is(err, contracts.ErrNotFound) {
		err = fmt.Errorf("%s is not registered: run kinetic provide --headless --register --advertise URL --price N", env.signer.Address())
	}
	report("registry", err, env.signer.Address().String()+" is registered")
	cli, err := compute.Connect(ctx)
	if err != nil {
		report("engine", err, "")
		return fmt.Errorf("self-test: %d checks failed", failed+1)
	}
	defer cli.Close()
	info, err := compute.EngineStatus(ctx, cli)
	report("engine", err, fmt.Sprintf("%+v", info))
	gpus, err := compute.DetectGPUs(compute.DefaultNVML())
	if compute.IsNoGPU(err) {
		report("gpus", nil, "no NVIDIA GPU: CPU-only jobs")
	} else {
		ids := make([]string, len(gpus))
		for i, g := range gpus {
			ids[i] = g.UUID
		}
		report("gpus", err, strings.Join(ids, ", "))
	}
	dir, err := os.MkdirTemp("", "kinetic-selftest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := bbolt.Open(filepath.Join(dir, "selftest.db"), 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	engine, err := compute.NewEngine(cli, db, compute.EngineOptions{OutputDir: dir, AllowedImages: o.allow})
	if err != nil {
		return err
	}
	if o.image != "" {
		spec := compute.Spec{Version: compute.SpecVersion, Image: o.image, Command: []string{"sh", "-c", "echo ok > /output/ok"},
			CPUs: 0.5, MemoryMB: 64, MaxSeconds: 30, Network: compute.NetworkNone, Outputs: "/output"}
		id := compute.JobID{0x5e, 0x1f}
		res, err := engine.Run(ctx, id, spec, compute.RunOptions{})
		if err == nil && (res.ExitCode != 0 || res.OutputBytes == 0) {
			err = fmt.Errorf("exit %d, %d output bytes", res.ExitCode, res.OutputBytes)
		}
		report("sandbox", err, fmt.Sprintf("job ran in %s, output %x…", o.image, res.OutputSHA256[:4]))
	} else {
		fmt.Fprintln(r.stdout, "skip sandbox    pass --image REF to run a small job")
	}
	srv, err := provider.New(provider.Config{Price: 1, GPUs: gpus, Version: Version}, db, provider.AlgodChain{Client: env.chain}, env.signer, engine)
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(sctx, o.listen) }()
	err = checkInfo(ctx, "http://"+localDial(o.listen), env.signer.Address().String())
	if err != nil {
		stop()
		if lerr := <-done; lerr != nil {
			err = lerr // the port is taken, say
		}
		report("endpoint", err, "")
	} else {
		report("endpoint", nil, "GET /v1/info on "+o.listen+" answers, signed by the account")
		r.selfTestReach(ctx, o, registered, prov.Endpoint, env.signer.Address(), report)
		stop()
		<-done
	}
	if failed > 0 {
		return fmt.Errorf("self-test: %d checks failed", failed)
	}
	return nil
}
