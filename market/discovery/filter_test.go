package discovery_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/discovery"
)

func prov(b byte, price, completed, failed, disputed, heartbeat uint64) contracts.Provider {
	var a types.Address
	a[0] = b
	return contracts.Provider{Address: a, Available: true, LastHeartbeatRound: heartbeat,
		ProviderInfo: contracts.ProviderInfo{GPUModel: "gpu", PricePerHour: price},
		Reputation:   contracts.Reputation{Completed: completed, Failed: failed, Disputed: disputed}}
}

// TestReputationAndScore: the reputation share needs MinRatedJobs settled
// jobs; the score is the documented weighted sum; equal scores fall back
// to price, then address.
func TestReputationAndScore(t *testing.T) {
	if r, ok := discovery.Reputation(prov(1, 1, 8, 1, 1, 0), 3); !ok || r != 0.8 {
		t.Fatalf("8/10: %v %v", r, ok)
	}
	if r, ok := discovery.Reputation(prov(1, 1, 2, 0, 0, 0), 3); ok || r != 0 {
		t.Fatalf("2 jobs rated: %v %v", r, ok)
	}
	good := prov(1, 1000, 9, 1, 0, 100)  // rep 0.9, age 0
	cheap := prov(2, 499, 0, 0, 0, 100)  // unrated, age 0
	stale := prov(3, 1000, 10, 0, 0, 0)  // rep 1.0, age 100
	twinA := prov(5, 2000, 0, 0, 0, 100) // identical but for the address
	twinB := prov(4, 2000, 0, 0, 0, 100) //
	bad := prov(6, 1000, 1, 4, 5, 100)   // rep 0.1
	off := prov(7, 1, 100, 0, 0, 100)    // unavailable
	off.Available = false
	l := discovery.Listing{Round: 100, Providers: []contracts.Provider{good, cheap, stale, twinA, twinB, bad, off}}
	got := discovery.Select(l, discovery.Filter{MaxHeartbeatAge: 200}, nil)
	score := func(price, rep, age float64) float64 {
		return discovery.WeightPrice*(500/(price+1)) + discovery.WeightReputation*rep + discovery.WeightHeartbeat*(1-age/200)
	}
	want := []struct {
		a     types.Address
		score float64
	}{
		{cheap.Address, score(499, 0.5, 0)},
		{good.Address, score(1000, 0.9, 0)},
		{stale.Address, score(1000, 1, 100)},
		{bad.Address, score(1000, 0.1, 0)},
		{twinB.Address, score(2000, 0.5, 0)},
		{twinA.Address, score(2000, 0.5, 0)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d selected, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Address != w.a || math.Abs(got[i].Score-w.score) > 1e-12 {
			t.Errorf("#%d: %v score %v, want %v score %v", i, got[i].Address[0], got[i].Score, w.a[0], w.score)
		}
	}
	rated := discovery.Select(l, discovery.Filter{MinReputation: 0.85}, nil)
	if a := addrs(rated); !reflect.DeepEqual(a, []types.Address{stale.Address, good.Address}) { // window 2600: age 100 costs less than 0.1 of reputation
		t.Errorf("min reputation 0.85: %v", a)
	}
	twoGPUs := prov(8, 1000, 0, 0, 0, 100)
	twoGPUs.GPUCount = 2
	many := discovery.Select(discovery.Listing{Round: 100, Providers: []contracts.Provider{good, twoGPUs}}, discovery.Filter{MinGPUs: 2}, nil)
	if a := addrs(many); !reflect.DeepEqual(a, []types.Address{twoGPUs.Address}) {
		t.Errorf("min 2 GPUs: %v, want only the two-GPU provider", a)
	}
	blocked := discovery.Select(l, discovery.Filter{}, map[types.Address]bool{cheap.Address: true})
	if len(blocked) != 5 || blocked[0].Address == cheap.Address {
		t.Errorf("blocked provider selected: %v", addrs(blocked))
	}
}
