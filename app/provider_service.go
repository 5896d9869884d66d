package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/nat"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
)

// Provider service settings.
const (
	// policyBucket and policyKey keep the Provide screen's price and policy.
	policyBucket = "app/provider"
	policyKey    = "policy"
	// reasonsTTL is how long the chain and network checks behind "why no
	// jobs" are reused: the screen asks every two seconds.
	reasonsTTL = 15 * time.Second
	// guiHeartbeat is the time between Registry heartbeats while renting.
	guiHeartbeat = time.Hour
	// reachTimeout bounds the endpoint check.
	reachTimeout = 5 * time.Second
)

// providerService is the "Rent out my GPU" toggle over market/provider:
// Start registers this machine when it is not, recovers unfinished jobs,
// serves the agent on the listen address and marks the machine available;
// Stop marks it unavailable and shuts the agent down, leaving running jobs
// to the next start's recovery.
type providerService struct {
	conn   *marketConn
	market *marketplaceSource // the Registry listing, for the market's price range
	listen string
	nvml   func() compute.NVMLLibrary
	log    *slog.Logger
	// root bounds the serving agent: it ends when the app quits.
	root context.Context
	now  func() time.Time

	op      sync.Mutex // serialises Start and Stop
	mu      sync.Mutex // guards the fields below; never held across a network call
	serving *servingAgent
	checked time.Time // when cached was computed
	cached  []ui.NoJobsReason
	cacheOf types.Address
}

// servingAgent is a provider agent while it serves.
type servingAgent struct {
	env    *marketEnv
	agent  *providerAgent
	cancel context.CancelFunc
	// stopped closes when the agent stops serving; err is then why.
	stopped chan struct{}
	err     error
}

// ended reports whether the agent stopped serving.
func (a *servingAgent) ended() bool {
	select {
	case <-a.stopped:
		return true
	default:
		return false
	}
}

// newProviderService returns the service; root is the app's context, which
// ends the agent when the app quits.
func newProviderService(root context.Context, conn *marketConn, market *marketplaceSource, listen string, log *slog.Logger) *providerService {
	if listen == "" {
		listen = provider.DefaultListen
	}
	return &providerService{conn: conn, market: market, listen: listen, nvml: compute.DefaultNVML, log: log, root: root, now: time.Now}
}

// Start implements ui.ProviderService.
func (s *providerService) Start(ctx context.Context) error {
	s.op.Lock()
	defer s.op.Unlock()
	s.mu.Lock()
	serving := s.serving != nil
	s.mu.Unlock()
	if serving {
		return nil
	}
	env, err := s.conn.open(ctx)
	if err != nil {
		return fmt.Errorf("start renting: %w", err)
	}
	pol, err := loadPolicy(env.db)
	if err != nil {
		return fmt.Errorf("start renting: %w", err)
	}
	gpus, _ := compute.DetectGPUs(s.nvml()) // none: a CPU-only provider
	addr := env.signer.Address()
	p, err := env.chain.Provider(ctx, addr)
	switch {
	case errors.Is(err, contracts.ErrNotFound):
		if pol.PricePerHour == 0 {
			return errors.New("start renting: set a price under Price and policy first; it goes into the registration")
		}
		info := providerInfo("http://"+s.listen, pol.PricePerHour, maxJobSecs(pol), gpus)
		if err := registerProvider(ctx, env, info); err != nil {
			return fmt.Errorf("start renting: %w", err)
		}
		s.log.Info("registered", "provider", addr, "price", info.PricePerHour, "endpoint", info.Endpoint)
		if p, err = env.chain.Provider(ctx, addr); err != nil {
			return fmt.Errorf("start renting: read the registration: %w", err)
		}
	case err != nil:
		return fmt.Errorf("start renting: read the registration of %s: %w", addr, err)
	case pol.PricePerHour != 0 && pol.PricePerHour != p.PricePerHour:
		info := p.ProviderInfo
		info.PricePerHour = pol.PricePerHour
		if err := registerProvider(ctx, env, info); err != nil {
			return fmt.Errorf("start renting: update the price: %w", err)
		}
		p.ProviderInfo = info
	}
	pcfg := provider.Config{Price: p.PricePerHour, GPUs: gpus, Version: Version, Logger: s.log,
		Policy: agentPolicy(pol, p.MaxJobSecs), Blocklist: blocklist(pol)}
	serveCtx, cancel := context.WithCancel(s.root)
	agent, err := newProviderAgent(ctx, env, s.conn.cfg.DataDir, pcfg)
	if err != nil {
		cancel()
		return fmt.Errorf("start renting: %w", err)
	}
	fail := func(err error) error {
		cancel()
		agent.Close()
		return fmt.Errorf("start renting: %w", err)
	}
	rec, err := agent.srv.Recover(serveCtx)
	if err != nil {
		return fail(err)
	}
	s.log.Info("provider recovered", "reattached", len(rec.Reattached), "requeued", len(rec.Requeued), "failed", len(rec.Failed),
		"reaped", agent.reaped)
	sv := &servingAgent{env: env, agent: agent, cancel: cancel, stopped: make(chan struct{})}
	go func() {
		sv.err = agent.srv.ListenAndServe(serveCtx, s.listen)
		close(sv.stopped)
	}()
	if err := waitServing(ctx, "http://"+s.listen, addr.String(), sv); err != nil {
		return fail(err)
	}
	if !p.Available {
		if _, err := env.chain.SetAvailable(ctx, addr, env.signer, true); err != nil {
			return fail(fmt.Errorf("mark available: %w", err))
		}
	}
	go heartbeatLoop(serveCtx, env, guiHeartbeat, s.log)
	s.mu.Lock()
	s.serving = sv
	s.checked = time.Time{}
	s.mu.Unlock()
	s.log.Info("renting", "provider", addr, "listen", s.listen, "price", p.PricePerHour)
	return nil
}

// waitServing waits until the agent answers a signed GET /v1/info, or
// fails with the error that ended it.
func waitServing(ctx context.Context, endpoint, addr string, sv *servingAgent) error {
	checked := make(chan error, 1)
	go func() { checked <- checkInfo(ctx, endpoint, addr) }()
	select {
	case <-sv.stopped:
		err := sv.err
		if err == nil {
			err = errors.New("the agent stopped at once")
		}
		return err
	case err := <-checked:
		return err
	}
}

// Stop implements ui.ProviderService.
func (s *providerService) Stop(ctx context.Context) error {
	s.op.Lock()
	defer s.op.Unlock()
	s.mu.Lock()
	sv := s.serving
	s.mu.Unlock()
	var errs []error
	env := (*marketEnv)(nil)
	if sv != nil {
		env = sv.env
	} else if e, err := s.conn.open(ctx); err == nil {
		env = e
	}
	if env != nil {
		p, err := env.chain.Provider(ctx, env.signer.Address())
		switch {
		case err == nil && p.Available:
			if _, err := env.chain.SetAvailable(ctx, env.signer.Address(), env.signer, false); err != nil {
				errs = append(errs, fmt.Errorf("mark unavailable: %w", err))
			}
		case err != nil && !errors.Is(err, contracts.ErrNotFound):
			errs = append(errs, fmt.Errorf("read the registration: %w", err))
		}
	}
	if sv != nil {
		sv.cancel()
		select {
		case <-sv.stopped:
			if sv.err != nil {
				errs = append(errs, sv.err)
			}
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("agent shutdown: %w", ctx.Err()))
		}
		sv.agent.Close()
		s.mu.Lock()
		s.serving = nil
		s.mu.Unlock()
		s.log.Info("stopped renting; unfinished jobs are recovered at the next start")
	}
	s.mu.Lock()
	s.checked = time.Time{}
	s.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop renting: %w", err)
	}
	return nil
}

// Status implements ui.ProviderService.
func (s *providerService) Status(ctx context.Context) (ui.ProviderStatus, error) {
	s.mu.Lock()
	sv := s.serving
	if sv != nil && sv.ended() {
		s.serving = nil // it stopped on its own: say so once
		s.mu.Unlock()
		sv.cancel()
		sv.agent.Close()
		return ui.ProviderStatus{}, fmt.Errorf("the provider agent stopped: %v", sv.err)
	}
	s.mu.Unlock()
	var st ui.ProviderStatus
	env, err := s.conn.open(ctx)
	if err != nil {
		return st, err
	}
	st.Providing = sv != nil
	running := false
	if sv != nil {
		jobs, err := sv.agent.srv.Jobs()
		if err != nil {
			return st, fmt.Errorf("provider jobs: %w", err)
		}
		for _, j := range jobs {
			if j.State == "running" || j.State == "paid" {
				running = true
				st.CurrentJob = fmt.Sprintf("job %s for %s (%s)", shortHex(j.ID.String()), shortAddr(j.Consumer), j.State)
				break
			}
		}
	}
	addr := env.signer.Address()
	p, err := env.chain.Provider(ctx, addr)
	registered := err == nil
	if err != nil && !errors.Is(err, contracts.ErrNotFound) {
		return st, fmt.Errorf("read the registration of %s: %w", addr, err)
	}
	if registered {
		st.EarnedTotal = p.TotalEarned
	}
	if st.Earnings, err = s.earnings(ctx, env); err != nil {
		return st, err
	}
	st.EarnedToday = st.Earnings.SettledToday
	if running {
		return st, nil // a job is running: nothing holds jobs back
	}
	if st.Reasons, err = s.reasons(ctx, env, p, registered, st.Providing); err != nil {
		return st, err
	}
	return st, nil
}

// reasons computes why no jobs arrive. The chain and network checks are
// reused for reasonsTTL; the local ones are read every time.
func (s *providerService) reasons(ctx context.Context, env *marketEnv, p contracts.Provider, registered, providing bool) ([]ui.NoJobsReason, error) {
	if !registered {
		return []ui.NoJobsReason{{Kind: ui.ReasonNotRegistered}}, nil
	}
	var out []ui.NoJobsReason
	if !p.Available {
		out = append(out, ui.NoJobsReason{Kind: ui.ReasonUnavailable})
	}
	pol, err := loadPolicy(env.db)
	if err != nil {
		return nil, err
	}
	cp := agentPolicy(pol, 0)
	now := s.now()
	if len(cp.Schedule) > 0 && !inWindows(cp.Schedule, now) {
		out = append(out, ui.NoJobsReason{Kind: ui.ReasonOutsideSchedule, Detail: pol.ScheduleStart + "–" + pol.ScheduleEnd})
	}
	if gpus, err := compute.DetectGPUs(s.nvml()); err == nil {
		for _, g := range gpus {
			if pol.ThermalLimitC > 0 && g.TemperatureC >= pol.ThermalLimitC {
				out = append(out, ui.NoJobsReason{Kind: ui.ReasonTooHot,
					Detail: fmt.Sprintf("GPU %d at %.0f°C, limit %.0f°C", g.Index, g.TemperatureC, pol.ThermalLimitC)})
			}
			if f := g.ForeignProcesses(); len(f) > 0 {
				out = append(out, ui.NoJobsReason{Kind: ui.ReasonGPUBusy, Detail: fmt.Sprintf("GPU %d: %d other process(es)", g.Index, len(f))})
			}
		}
	}
	remote, err := s.remoteReasons(ctx, p, providing)
	if err != nil {
		return nil, err
	}
	return append(out, remote...), nil
}

// remoteReasons are the checks that ask the network: the market's price
// range and whether the registered endpoint answers.
func (s *providerService) remoteReasons(ctx context.Context, p contracts.Provider, providing bool) ([]ui.NoJobsReason, error) {
	s.mu.Lock()
	if s.cacheOf == p.Address && !s.checked.IsZero() && s.now().Sub(s.checked) < reasonsTTL {
		out := s.cached
		s.mu.Unlock()
		return out, nil
	}
	s.mu.Unlock()
	var out []ui.NoJobsReason
	if s.market != nil {
		d, err := s.market.open(ctx)
		if err != nil {
			return nil, err
		}
		l, err := d.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("list providers: %w", err)
		}
		lo, hi, n := uint64(0), uint64(0), 0
		for _, o := range l.Providers {
			if o.Address == p.Address || !o.Available {
				continue
			}
			if n == 0 || o.PricePerHour < lo {
				lo = o.PricePerHour
			}
			hi = max(hi, o.PricePerHour)
			n++
		}
		if n > 0 && p.PricePerHour > hi {
			out = append(out, ui.NoJobsReason{Kind: ui.ReasonPriceAbove, Detail: fmt.Sprintf("yours %s/h, %d other providers ask %s–%s/h",
				algoText(p.PricePerHour), n, algoText(lo), algoText(hi))})
		}
	}
	if providing {
		if why := s.unreachable(ctx, p); why != "" {
			out = append(out, ui.NoJobsReason{Kind: ui.ReasonUnreachable, Detail: why})
		}
	}
	s.mu.Lock()
	s.cached, s.checked, s.cacheOf = out, s.now(), p.Address
	s.mu.Unlock()
	return out, nil
}

// unreachable checks that the registered endpoint answers GET /v1/info
// as this account's agent and says why not, "" when it does. A loopback endpoint is only
// reachable from this machine, which is enough on LocalNet alone.
func (s *providerService) unreachable(ctx context.Context, p contracts.Provider) string {
	u, err := url.Parse(p.Endpoint)
	if err != nil || u.Host == "" {
		return fmt.Sprintf("registered endpoint %q is not a URL", p.Endpoint)
	}
	if ip := net.ParseIP(u.Hostname()); (ip != nil && ip.IsLoopback() || u.Hostname() == "localhost") && s.conn.cfg.Network != LocalNet {
		return "the registered endpoint " + p.Endpoint + " is a loopback address, which only this machine reaches"
	}
	_, err = nat.CheckInfo(ctx, http.DefaultClient, p.Endpoint, reachTimeout, func(_ context.Context, body []byte) error {
		var in provider.Info
		if err := json.Unmarshal(body, &in); err != nil {
			return fmt.Errorf("GET /v1/info is not the agent's: %w", err)
		}
		if in.Provider != p.Address.String() {
			return fmt.Errorf("GET /v1/info names %s, not this account", in.Provider)
		}
		return nil
	})
	if err != nil {
		return err.Error()
	}
	return ""
}

// SetPolicy implements ui.ProviderService: the price and policy are kept
// in the store and apply from the next start of renting (the price is
// written into the registration then).
func (s *providerService) SetPolicy(ctx context.Context, p ui.ProviderPolicy) error {
	if _, err := parseSchedule(p); err != nil {
		return err
	}
	for _, a := range p.BlockedConsumers {
		if _, err := types.DecodeAddress(a); err != nil {
			return fmt.Errorf("blocked consumer %q: %w", a, err)
		}
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.checked = time.Time{}
	s.mu.Unlock()
	return s.conn.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(policyBucket))
		if err != nil {
			return err
		}
		return b.Put([]byte(policyKey), raw)
	})
}

// SelfTest implements ui.ProviderService with `kinetic provide
// --self-test`'s checks, on a free loopback port.
func (s *providerService) SelfTest(ctx context.Context) (string, error) {
	env, err := s.conn.open(ctx)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("self-test: pick a port: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out strings.Builder
	pol, err := loadPolicy(env.db)
	if err != nil {
		return "", err
	}
	err = runner{stdout: &out, stderr: &out}.selfTest(ctx, env, provideOptions{listen: addr, allow: pol.AllowedImages})
	return strings.TrimSpace(out.String()), err
}

// loadPolicy reads the saved price and policy (zero when none is saved).
func loadPolicy(db *bbolt.DB) (ui.ProviderPolicy, error) {
	var p ui.ProviderPolicy
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(policyBucket))
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(policyKey))
		if raw == nil {
			return nil
		}
		return json.Unmarshal(raw, &p)
	})
	if err != nil {
		return p, fmt.Errorf("read the provider policy: %w", err)
	}
	return p, nil
}

// maxJobSecs is the policy's job length cap in seconds (0: none).
func maxJobSecs(p ui.ProviderPolicy) uint64 { return uint64(p.MaxJobHours * 3600) }

// agentPolicy is the compute policy of p; registered caps the job length
// at the Registry's maximum when p sets none.
func agentPolicy(p ui.ProviderPolicy, registered uint64) compute.Policy {
	cp := compute.Policy{AllowedImagePrefixes: p.AllowedImages, ThermalSoftC: p.ThermalLimitC, MaxJobSeconds: int64(registered)}
	if secs := maxJobSecs(p); secs > 0 && (registered == 0 || secs < registered) {
		cp.MaxJobSeconds = int64(secs)
	}
	cp.Schedule, _ = parseSchedule(p) // SetPolicy stores only valid ones
	return cp
}

// blocklist is the policy's blocked consumers for the agent.
func blocklist(p ui.ProviderPolicy) map[types.Address]bool {
	m := map[types.Address]bool{}
	for _, a := range p.BlockedConsumers {
		if addr, err := types.DecodeAddress(a); err == nil {
			m[addr] = true
		}
	}
	return m
}

// parseSchedule turns the daily "HH:MM" window into the agent's weekly
// windows; none when both ends are empty.
func parseSchedule(p ui.ProviderPolicy) ([]compute.Window, error) {
	if p.ScheduleStart == "" && p.ScheduleEnd == "" {
		return nil, nil
	}
	start, err := clockTime(p.ScheduleStart)
	if err != nil {
		return nil, fmt.Errorf("schedule start: %w", err)
	}
	end, err := clockTime(p.ScheduleEnd)
	if err != nil {
		return nil, fmt.Errorf("schedule end: %w", err)
	}
	days := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	return []compute.Window{{Days: days, Start: start, End: end}}, nil
}

// clockTime parses "HH:MM".
func clockTime(s string) (compute.ClockTime, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, herr := strconv.Atoi(hh)
	m, merr := strconv.Atoi(mm)
	if !ok || herr != nil || merr != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return compute.Clock(h, m), nil
}

// inWindows reports whether t falls in any window.
func inWindows(ws []compute.Window, t time.Time) bool {
	for _, w := range ws {
		if w.Contains(t) {
			return true
		}
	}
	return false
}

// earnings are the active account's earnings from the agent's job
// records (provide_screen.go), settled today and in all, and pending.
func (s *providerService) earnings(ctx context.Context, env *marketEnv) (ui.ProviderEarnings, error) {
	return providerEarnings(ctx, env.db, algodEarnings{c: env.chain}, walletPayouts(env.db), env.signer.Address().String(), s.now())
}

// shortHex abbreviates a hex id.
func shortHex(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// shortAddr abbreviates an address.
func shortAddr(s string) string {
	if len(s) > 10 {
		return s[:6] + "…" + s[len(s)-4:]
	}
	return s
}

// shutdown stops renting if the agent serves: at quit, the machine is
// marked unavailable and the agent shut down.
func (s *providerService) shutdown(ctx context.Context) error {
	s.mu.Lock()
	serving := s.serving != nil
	s.mu.Unlock()
	if !serving {
		return nil
	}
	return s.Stop(ctx)
}
