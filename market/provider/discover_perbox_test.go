package provider_test

import (
	"reflect"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestDiscoverPerBoxMatchesPaged: with two registered providers, one of
// them with a reputation record from a released job, the per-box fallback
// (forced) returns exactly the paged listing: same round, same providers,
// terms and reputations.
func TestDiscoverPerBoxMatchesPaged(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 50})
	other := newKeyAccount(testkit.FundedAccount(t, 2_000_000))
	if _, err := m.chain.Register(m.ctx, other.Address(), other, contracts.ProviderInfo{Endpoint: "http://127.0.0.1:9",
		GPUModel: "RTX 4090", GPUCount: 1, VRAMMB: 24576, CPUCores: 16, RAMMB: 65536, PricePerHour: 7_200_000, MinJobSecs: 1, MaxJobSecs: 600}); err != nil {
		t.Fatalf("register the second provider: %v", err)
	}
	job, _ := m.runToResult("echo r > /output/r")
	if _, err := m.consumer.Release(m.ctx, job); err != nil {
		t.Fatalf("release: %v", err)
	}
	paged, err := consumer.Discover(m.ctx, m.chain.Algod(), m.apps.Registry)
	if err != nil {
		t.Fatal(err)
	}
	perBox, err := consumer.DiscoverPerBox(m.ctx, m.chain.Algod(), m.apps.Registry)
	if err != nil {
		t.Fatal(err)
	}
	if !paged.Paged || perBox.Paged {
		t.Fatalf("paged flags %t and %t, want true and false", paged.Paged, perBox.Paged)
	}
	if len(paged.Providers) != 2 {
		t.Fatalf("paged listing has %d providers, want 2", len(paged.Providers))
	}
	var rep contracts.Reputation
	for _, p := range paged.Providers {
		if p.Address == m.prov.Address() {
			rep = p.Reputation
		}
	}
	if rep.Completed != 1 {
		t.Fatalf("provider's reputation %+v, want one completed job", rep)
	}
	if perBox.Round != paged.Round || !reflect.DeepEqual(perBox.Providers, paged.Providers) {
		t.Fatalf("per-box listing (round %d)\n%+v\ndiffers from the paged one (round %d)\n%+v", perBox.Round, perBox.Providers, paged.Round, paged.Providers)
	}
}
