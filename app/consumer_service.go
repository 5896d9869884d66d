package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
)

// Automatic top-up: a job's lock is topped up when it covers less than
// topUpBelow seconds, by a quarter of the per-job cap each time. A job
// whose whole lock covers less is topped up from its start; what the bill
// does not use comes back at settlement, so a top-up costs its fee.
const (
	topUpBelow = 120
	topUpParts = 4
)

// autopilotOptions are the consumer autopilot's options from the data
// dir's preferences: automatic top-up within AutoTopUpMax per job (a
// warning in the log otherwise) and the spot-check share, the second
// provider found by discovery.
func autopilotOptions(env *marketEnv, prefs Preferences, log *slog.Logger) consumer.AutopilotOptions {
	o := consumer.AutopilotOptions{Log: log, Rescan: autopilotRescan, Funding: &consumer.Funding{Below: topUpBelow,
		Auto: prefs.AutoTopUp && prefs.AutoTopUpMax > 0, Total: prefs.AutoTopUpMax, Amount: max(prefs.AutoTopUpMax/topUpParts, 1)}}
	if share := prefs.SpotCheckShare(); share > 0 {
		o.SpotCheck = &consumer.SpotCheckOptions{Share: share,
			Provider: func(ctx context.Context, exclude types.Address) (contracts.Provider, error) {
				ps, err := bestProviders(ctx, env, discovery.Filter{}, exclude)
				if err != nil {
					return contracts.Provider{}, err
				}
				return ps[0], nil
			}}
	}
	return o
}

// newAutopilot is the consumer autopilot of env's account with the data
// dir's preferences, read again before each job step (liveOptions), so
// that a change saved in Settings applies without a restart. Its client
// refuses offers whose dispute window is under
// consumer.DefaultMinWindowRounds.
func newAutopilot(cfg Config, env *marketEnv, log *slog.Logger, tune func(*consumer.AutopilotOptions)) *consumer.Autopilot {
	o := liveOptions(cfg, env, log)
	if tune != nil {
		tune(&o)
	}
	c := newConsumerAgent(env).WithMinWindowRounds(consumer.DefaultMinWindowRounds)
	return consumer.NewAutopilot(c, env.db, o)
}

// liveOptions are autopilotOptions from the preferences as saved now (the
// defaults, logged, when they cannot be read), with a Live function that
// reads them again before each step: top-up and spot-check settings
// follow what Settings saves.
func liveOptions(cfg Config, env *marketEnv, log *slog.Logger) consumer.AutopilotOptions {
	store := NewPreferenceStore(cfg.DataDir)
	prefs, err := store.Load()
	if err != nil {
		log.Warn("consumer autopilot: using the default preferences", "err", err)
	}
	o := autopilotOptions(env, prefs, log)
	var mu sync.Mutex
	lastErr := ""
	o.Live = func(live *consumer.AutopilotOptions) {
		p, err := store.Load()
		if err != nil {
			mu.Lock()
			if why := err.Error(); why != lastErr {
				lastErr = why
				log.Warn("consumer autopilot: preferences unreadable; keeping the last ones read", "err", err)
			}
			mu.Unlock()
			return
		}
		fresh := autopilotOptions(env, p, log)
		live.Funding, live.SpotCheck = fresh.Funding, fresh.SpotCheck
	}
	return o
}

// errNoProvider: discovery found no provider for the job.
var errNoProvider = errors.New("no available provider matches the job (see 'kinetic providers'; blocked ones are left out)")

// bestProviders asks market/discovery for the online providers that pass
// f, best first, leaving out this account and the addresses in exclude.
func bestProviders(ctx context.Context, env *marketEnv, f discovery.Filter, exclude ...types.Address) ([]contracts.Provider, error) {
	d, err := discovery.New(ctx, env.algod, discovery.Options{Registry: env.chain.Apps().Registry, DB: env.db})
	if err != nil {
		return nil, fmt.Errorf("discover providers: %w", err)
	}
	f.Online = true
	res, err := d.Find(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("discover providers: %w", err)
	}
	skip := map[types.Address]bool{env.signer.Address(): true}
	for _, a := range exclude {
		skip[a] = true
	}
	var out []contracts.Provider
	for _, p := range res.Providers() {
		if !skip[p.Address] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errNoProvider
	}
	return out, nil
}

// autopilotRescan is how often the autopilot looks for jobs recorded by
// the Submit tab: soon after the payment, well inside a dispute window.
const autopilotRescan = 2 * time.Second

// autopilotRetry is how long the background autopilot waits before trying
// again to open the market (the wallet not open yet, the node down).
const autopilotRetry = 5 * time.Second

// startConsumerAutopilot runs the consumer autopilot in the background for
// the account conn has open, settling every job this data dir paid for
// (verify and release, dispute, refund after the deadline, top-ups and
// spot checks as the preferences allow) until ctx ends or stop is called.
// Until the wallet is open, and after the node goes away, it tries again
// every few seconds; when the active account changes it follows it. stop
// returns once the autopilot has stopped, so the store may then close.
// The desktop app calls it at start.
func startConsumerAutopilot(ctx context.Context, cfg Config, conn *marketConn, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		lastWhy := ""
		for ctx.Err() == nil {
			env, err := conn.open(ctx)
			if err != nil {
				if why := err.Error(); why != lastWhy {
					lastWhy = why
					log.Info("consumer autopilot waits for the market", "err", err)
				}
				sleepCtx(ctx, autopilotRetry)
				continue
			}
			runCtx, end := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = newAutopilot(cfg, env, log, nil).Run(runCtx)
			}()
			log.Info("consumer autopilot running", "account", env.signer.Address().String())
			for sleepCtx(ctx, autopilotRetry) {
				if now, err := conn.open(ctx); err == nil && now.signer.Address() != env.signer.Address() {
					log.Info("consumer autopilot follows the active account", "account", now.signer.Address().String())
					break
				}
			}
			end()
			<-done
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// sleepCtx waits d or until ctx ends (false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
