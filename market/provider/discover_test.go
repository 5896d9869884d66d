package provider_test

import (
	"errors"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestDiscoverSelectAndOnline: market/discovery finds the running provider
// agent in the paged listing with its registered terms, filters and caches
// it; the agent's own signed /v1/info checks out and is refused against
// another address; a blocklisted provider is left out of Find; and
// SubmitFirst falls back from an unreachable provider to it.
func TestDiscoverSelectAndOnline(t *testing.T) {
	m := newMarket(t, provider.Config{})
	db := testkit.DB(t)
	d, err := discovery.New(m.ctx, m.chain.Algod(), discovery.Options{Registry: m.apps.Registry, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Find(m.ctx, discovery.Filter{})
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	l := res.Listing
	if !l.Paged || l.Round == 0 || len(l.Providers) != 1 || len(res.Candidates) != 1 {
		t.Fatalf("listing paged=%v round=%d with %d providers, %d candidates; want 1 paged", l.Paged, l.Round, len(l.Providers), len(res.Candidates))
	}
	p := l.Providers[0]
	if p.Address != m.prov.Address() || p.PricePerHour != testPrice || !p.Available || p.CPUCores != 2 || p.GPUCount != 0 {
		t.Fatalf("discovered %+v", p)
	}
	cases := []struct {
		name string
		f    discovery.Filter
		want int
	}{
		{"no filter", discovery.Filter{}, 1},
		{"price ok", discovery.Filter{MaxPricePerHour: testPrice}, 1},
		{"too dear", discovery.Filter{MaxPricePerHour: testPrice - 1}, 0},
		{"gpu model", discovery.Filter{GPUModel: "H100"}, 0},
		{"one gpu", discovery.Filter{MinGPUs: 1}, 0},
		{"reputation", discovery.Filter{MinReputation: 0.5, MinRatedJobs: 1}, 0},
	}
	for _, c := range cases {
		if got := len(discovery.Select(l, c.f, nil)); got != c.want {
			t.Errorf("%s: %d providers, want %d", c.name, got, c.want)
		}
	}
	cached, ok, err := d.Cached()
	if err != nil || !ok || len(cached.Providers) != 1 || cached.Providers[0].Address != p.Address || cached.Round != l.Round {
		t.Fatalf("cached listing %+v ok=%v err=%v", cached, ok, err)
	}
	p.Endpoint = m.url
	in, err := d.CheckInfo(m.ctx, p)
	if err != nil {
		t.Fatalf("online: %v", err)
	}
	if in.Provider != p.Address.String() || in.EscrowApp != m.apps.Escrow || in.PricePerHour != testPrice {
		t.Fatalf("info %+v", in)
	}
	impostor := p
	impostor.Address = m.cons.Address()
	if _, err := d.CheckInfo(m.ctx, impostor); !errors.Is(err, discovery.ErrInfoSignature) {
		t.Fatalf("info checked against another address: %v, want ErrInfoSignature", err)
	}
	if err := discovery.Block(db, p.Address, "test"); err != nil {
		t.Fatal(err)
	}
	if res, err := d.FindIn(m.ctx, l, discovery.Filter{}); err != nil || len(res.Candidates) != 0 {
		t.Fatalf("find after blocking the only provider: %d candidates, %v; want none", len(res.Candidates), err)
	}
	if blocked, err := consumer.Blocklist(db); err != nil || !blocked[p.Address] || len(blocked) != 1 {
		t.Fatalf("consumer.Blocklist %v (%v), want the blocked provider only", blocked, err)
	}
	// Fallback: an unreachable provider first, then the real one.
	dead := contracts.Provider{Address: p.Address, ProviderInfo: contracts.ProviderInfo{Endpoint: "http://127.0.0.1:1"}}
	job, err := m.consumer.SubmitFirst(m.ctx, []contracts.Provider{dead, p}, m.spec("echo f > /output/f"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit with fallback: %v", err)
	}
	if job.Endpoint != m.url || job.Provider != p.Address {
		t.Fatalf("job went to %s (%s), want %s", job.Endpoint, job.Provider, m.url)
	}
}
