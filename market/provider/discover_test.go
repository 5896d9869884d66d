package provider_test

import (
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestDiscoverSelectAndOnline: the registered provider is found in the
// paged listing with its registered terms and reputation, filtered and
// cached; its signed /v1/info checks out, and a mismatched one does not.
func TestDiscoverSelectAndOnline(t *testing.T) {
	m := newMarket(t, provider.Config{})
	l, err := consumer.Discover(m.ctx, m.chain.Algod(), m.apps.Registry)
	if err != nil {
		t.Fatalf("discover: %v", err)
	}
	if !l.Paged || l.Round == 0 || len(l.Providers) != 1 {
		t.Fatalf("listing paged=%v round=%d with %d providers, want 1 paged", l.Paged, l.Round, len(l.Providers))
	}
	p := l.Providers[0]
	if p.Address != m.prov.Address() || p.PricePerHour != testPrice || !p.Available || p.CPUCores != 2 {
		t.Fatalf("discovered %+v", p)
	}
	cases := []struct {
		name string
		f    consumer.Filter
		want int
	}{
		{"no filter", consumer.Filter{}, 1},
		{"price ok", consumer.Filter{MaxPricePerHour: testPrice}, 1},
		{"too dear", consumer.Filter{MaxPricePerHour: testPrice - 1}, 0},
		{"gpu model", consumer.Filter{GPUModel: "H100"}, 0},
		{"blocklisted", consumer.Filter{Exclude: map[types.Address]bool{p.Address: true}}, 0},
		{"reputation", consumer.Filter{MinCompleted: 1}, 0},
	}
	for _, c := range cases {
		if got := len(consumer.Select(l, c.f)); got != c.want {
			t.Errorf("%s: %d providers, want %d", c.name, got, c.want)
		}
	}
	db := testkit.DB(t)
	if err := consumer.SaveListing(db, l); err != nil {
		t.Fatal(err)
	}
	cached, ok, err := consumer.CachedListing(db)
	if err != nil || !ok || len(cached.Providers) != 1 || cached.Providers[0].Address != p.Address || cached.Round != l.Round {
		t.Fatalf("cached listing %+v ok=%v err=%v", cached, ok, err)
	}
	p.Endpoint = m.url
	in, err := m.consumer.Online(m.ctx, p)
	if err != nil {
		t.Fatalf("online: %v", err)
	}
	if in.Provider != p.Address.String() || in.EscrowApp != m.apps.Escrow || in.PricePerHour != testPrice {
		t.Fatalf("info %+v", in)
	}
	impostor := p
	impostor.Address = m.cons.Address()
	if _, err := m.consumer.Online(m.ctx, impostor); err == nil || !strings.Contains(err.Error(), "not signed by its registered key") {
		t.Fatalf("info checked against another address: %v", err)
	}
	// Fallback: an unreachable provider first, then the real one.
	dead := contracts.Provider{Address: p.Address, ProviderInfo: contracts.ProviderInfo{Endpoint: "http://127.0.0.1:1"}}
	job, err := m.consumer.SubmitFirst(m.ctx, []contracts.Provider{dead, p}, m.spec("echo f > /output/f"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit with fallback: %v", err)
	}
	if job.Endpoint != m.url {
		t.Fatalf("job went to %s, want %s", job.Endpoint, m.url)
	}
}
