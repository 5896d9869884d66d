package provider_test

import (
	"reflect"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestDiscoverPerBoxMatchesPaged: with two registered providers, one of
// them with a reputation record from a job the consumer released, the
// per-box listing (forced) returns exactly the paged listing: same
// providers, terms and reputations, the one completed job counted.
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
	list := func(mode discovery.Mode) discovery.Listing {
		t.Helper()
		d, err := discovery.New(m.ctx, m.chain.Algod(), discovery.Options{Registry: m.apps.Registry, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		l, err := d.List(m.ctx)
		if err != nil {
			t.Fatalf("list (mode %d): %v", mode, err)
		}
		return l
	}
	paged, perBox := list(discovery.ModePaged), list(discovery.ModePerBox)
	if !paged.Paged || perBox.Paged {
		t.Fatalf("paged flags %t and %t, want true and false", paged.Paged, perBox.Paged)
	}
	if len(paged.Providers) != 2 || paged.Skipped != 0 || perBox.Skipped != 0 {
		t.Fatalf("paged listing has %d providers (%d and %d skipped), want 2 and none", len(paged.Providers), paged.Skipped, perBox.Skipped)
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
	if perBox.Round < paged.Round || !reflect.DeepEqual(perBox.Providers, paged.Providers) {
		t.Fatalf("per-box listing (round %d)\n%+v\ndiffers from the paged one (round %d)\n%+v", perBox.Round, perBox.Providers, paged.Round, paged.Providers)
	}
}
