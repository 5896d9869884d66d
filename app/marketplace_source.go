package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/ui"
)

// heartbeatLookups bounds the concurrent block-header reads that date
// heartbeat rounds.
const heartbeatLookups = 8

// marketplaceSource answers the Marketplace from market/discovery: the
// Registry's boxes read from algod, and each provider's signed /v1/info.
// It connects on first use, and again after a failure, so that a node or a
// LocalNet deployment that comes up after the window opens is picked up.
type marketplaceSource struct {
	cfg Config

	mu    sync.Mutex
	algod *algod.Client
	disc  *discovery.Discoverer
	times map[uint64]time.Time // block time per round; rounds never change
}

// newMarketplaceSource returns a source over the configured node and the
// Registry recorded for its network.
func newMarketplaceSource(cfg Config) *marketplaceSource {
	return &marketplaceSource{cfg: cfg, times: map[uint64]time.Time{}}
}

// open connects discovery unless it already is.
func (s *marketplaceSource) open(ctx context.Context) (*discovery.Discoverer, error) {
	s.mu.Lock()
	d := s.disc
	s.mu.Unlock()
	if d != nil {
		return d, nil
	}
	c, registry, err := openRegistry(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	d, err = discovery.New(ctx, c, discovery.Options{Registry: registry})
	if err != nil {
		return nil, fmt.Errorf("provider discovery: %w", err)
	}
	s.mu.Lock()
	s.algod, s.disc = c, d
	s.mu.Unlock()
	return d, nil
}

// Providers lists the Registry's providers with their reputation and the
// time of each one's last heartbeat.
func (s *marketplaceSource) Providers(ctx context.Context) ([]ui.ProviderListing, error) {
	d, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	l, err := d.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list providers: %w", err)
	}
	rounds := make([]uint64, 0, len(l.Providers))
	for _, p := range l.Providers {
		rounds = append(rounds, p.LastHeartbeatRound)
	}
	times := s.blockTimes(ctx, rounds)
	out := make([]ui.ProviderListing, 0, len(l.Providers))
	for _, p := range l.Providers {
		out = append(out, listingOf(p, times[p.LastHeartbeatRound]))
	}
	return out, ctx.Err()
}

// Health checks the provider's signed GET /v1/info against the Registry.
func (s *marketplaceSource) Health(ctx context.Context, p ui.ProviderListing) (ui.EndpointHealth, error) {
	cp, err := contractsProvider(p)
	if err != nil {
		return ui.EndpointHealth{}, err
	}
	d, err := s.open(ctx)
	if err != nil {
		return ui.EndpointHealth{}, err
	}
	start := time.Now()
	in, err := d.CheckInfo(ctx, cp)
	if err != nil {
		return ui.EndpointHealth{}, err
	}
	return ui.EndpointHealth{Latency: time.Since(start), Version: in.Version, Queue: in.Queue,
		Running: in.Running, SignatureChecked: true}, nil
}

// blockTimes returns the timestamp of each round's block, reading the ones
// not cached yet; a round whose header cannot be read is left out.
func (s *marketplaceSource) blockTimes(ctx context.Context, rounds []uint64) map[uint64]time.Time {
	s.mu.Lock()
	var missing []uint64
	seen := map[uint64]bool{}
	for _, r := range rounds {
		if _, ok := s.times[r]; !ok && r > 0 && !seen[r] {
			seen[r] = true
			missing = append(missing, r)
		}
	}
	c := s.algod
	s.mu.Unlock()
	sem := make(chan struct{}, heartbeatLookups)
	var wg sync.WaitGroup
	for _, r := range missing {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			blk, err := c.Block(r).Do(ctx)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.times[r] = time.Unix(blk.TimeStamp, 0)
			s.mu.Unlock()
		})
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uint64]time.Time, len(s.times))
	for r, t := range s.times {
		out[r] = t
	}
	return out
}

// listingOf converts a Registry provider for the Marketplace.
func listingOf(p contracts.Provider, heartbeat time.Time) ui.ProviderListing {
	return ui.ProviderListing{
		Address: p.Address.String(), Endpoint: p.Endpoint,
		GPUModel: p.GPUModel, GPUCount: p.GPUCount, VRAMMB: p.VRAMMB, CPUCores: p.CPUCores, RAMMB: p.RAMMB,
		Driver: p.Driver, CUDA: p.CUDA, PricePerHour: p.PricePerHour, MinJobSecs: p.MinJobSecs, MaxJobSecs: p.MaxJobSecs,
		Available: p.Available, RegisteredRound: p.RegisteredRound, LastHeartbeatRound: p.LastHeartbeatRound,
		LastHeartbeat: heartbeat,
		Completed:     p.Completed, Failed: p.Failed, Disputed: p.Disputed,
		ComputeSeconds: p.ComputeSeconds, TotalEarned: p.TotalEarned, BadgeTier: p.BadgeTier,
	}
}

// contractsProvider converts back what CheckInfo compares with /v1/info.
func contractsProvider(p ui.ProviderListing) (contracts.Provider, error) {
	addr, err := types.DecodeAddress(p.Address)
	if err != nil {
		return contracts.Provider{}, err
	}
	return contracts.Provider{Address: addr, ProviderInfo: contracts.ProviderInfo{
		Endpoint: p.Endpoint, GPUModel: p.GPUModel, GPUCount: p.GPUCount, VRAMMB: p.VRAMMB,
		CPUCores: p.CPUCores, RAMMB: p.RAMMB, Driver: p.Driver, CUDA: p.CUDA, PricePerHour: p.PricePerHour,
		MinJobSecs: p.MinJobSecs, MaxJobSecs: p.MaxJobSecs,
	}, Available: p.Available}, nil
}
