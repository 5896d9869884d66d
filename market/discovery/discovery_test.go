package discovery_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/x402"
)

// fleet is a deployment with five registered providers:
// 4090a (2.0 ALGO/h, honest /v1/info), 4090b (1.5, forged /v1/info),
// h100 (9.0, registered last, unreachable), 3060 (0.5, signed but asking
// more than registered), a100 (4.0, set unavailable).
type fleet struct {
	deployment
	a4090, b4090, h100, r3060, a100 contracts.Provider
	honestURL                       string
	accts                           []crypto.Account
}

// keyOf returns the account key of the fleet's i-th registered provider
// (0 4090a, 1 4090b, 2 h100, 3 3060, 4 a100).
func (f fleet) keyOf(t *testing.T, i int) crypto.Account {
	t.Helper()
	return f.accts[i]
}

func newFleet(t *testing.T) fleet {
	t.Helper()
	f := fleet{deployment: deploy(t, 3*time.Minute)}
	net := x402.Network(f.genesisB64(t))
	accts := make([]crypto.Account, 5)
	for i := range accts {
		accts[i] = crypto.GenerateAccount()
	}
	honest := infoServer(t, accts[0].Address, accts[0], net, 2_000_000)
	forged := infoServer(t, accts[1].Address, crypto.GenerateAccount(), net, 1_500_000)
	dear := infoServer(t, accts[3].Address, accts[3], net, 600_000)
	f.honestURL, f.accts = honest.URL, accts
	gpu := func(endpoint, model string, vram, price uint64) contracts.ProviderInfo {
		return contracts.ProviderInfo{Endpoint: endpoint, GPUModel: model, GPUCount: 1, VRAMMB: vram, CPUCores: 8,
			RAMMB: 32768, Driver: "550.54", CUDA: "12.4", PricePerHour: price, MinJobSecs: 1, MaxJobSecs: 3600}
	}
	f.a4090 = f.register(t, accts[0], gpu(honest.URL, "NVIDIA GeForce RTX 4090", 24564, 2_000_000))
	f.b4090 = f.register(t, accts[1], gpu(forged.URL, "NVIDIA RTX 4090 Laptop", 16376, 1_500_000))
	f.r3060 = f.register(t, accts[3], gpu(dear.URL, "NVIDIA GeForce RTX 3060", 12288, 500_000))
	f.a100 = f.register(t, accts[4], gpu("http://127.0.0.1:1", "NVIDIA A100-SXM4-40GB", 40960, 4_000_000))
	if _, err := f.chain.SetAvailable(f.ctx, accts[4].Address, transaction.BasicAccountTransactionSigner{Account: accts[4]}, false); err != nil {
		t.Fatalf("set_available: %v", err)
	}
	testkit.AdvanceRounds(t, 5)
	f.h100 = f.register(t, accts[2], gpu("http://127.0.0.1:1", "NVIDIA H100 80GB HBM3", 81559, 9_000_000))
	return f
}

func (f fleet) discoverer(t *testing.T, c *algod.Client, opts discovery.Options) *discovery.Discoverer {
	t.Helper()
	opts.Registry = f.apps.Registry
	d, err := discovery.New(f.ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func addrs(cs []discovery.Candidate) []types.Address {
	out := []types.Address{}
	for _, c := range cs {
		out = append(out, c.Address)
	}
	return out
}

func names(ps ...contracts.Provider) []types.Address {
	out := []types.Address{}
	for _, p := range ps {
		out = append(out, p.Address)
	}
	return out
}

// TestListFilterRank: the paged listing decodes every registered provider
// exactly; each filter selects exactly the expected providers, best first.
func TestListFilterRank(t *testing.T) {
	f := newFleet(t)
	d := f.discoverer(t, f.algod, discovery.Options{PageSize: 2})
	l, err := d.List(f.ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if !l.Paged || l.Round < f.h100.LastHeartbeatRound || len(l.Providers) != 5 || l.Skipped != 0 {
		t.Fatalf("listing paged=%v round=%d providers=%d", l.Paged, l.Round, len(l.Providers))
	}
	byAddr := map[types.Address]contracts.Provider{}
	for _, p := range l.Providers {
		byAddr[p.Address] = p
	}
	for _, want := range []contracts.Provider{f.a4090, f.b4090, f.h100, f.r3060} {
		if got := byAddr[want.Address]; !reflect.DeepEqual(got, want) {
			t.Errorf("decoded %+v\nregistered %+v", got, want)
		}
	}
	if byAddr[f.a100.Address].Available {
		t.Error("a100 listed as available")
	}
	cases := []struct {
		name string
		f    discovery.Filter
		want []types.Address
	}{
		{"all available, cheapest first", discovery.Filter{}, names(f.r3060, f.b4090, f.a4090, f.h100)},
		{"gpu substring any case", discovery.Filter{GPUModel: "rtx 4090"}, names(f.b4090, f.a4090)},
		{"min vram", discovery.Filter{MinVRAMMB: 20000}, names(f.a4090, f.h100)},
		{"max price", discovery.Filter{MaxPricePerHour: 1_500_000}, names(f.r3060, f.b4090)},
		{"min reputation: all unrated", discovery.Filter{MinReputation: 0.01}, names()},
		{"recent heartbeat", discovery.Filter{MaxHeartbeatAge: l.Round - f.h100.LastHeartbeatRound + 1}, names(f.h100)},
	}
	for _, c := range cases {
		if got := addrs(discovery.Select(l, c.f, nil)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// TestFallbackIdentical: the per-box fallback, forced and detected behind
// a node that rejects include= with 400 (as nodes without value paging
// do), yields the paged listing's providers exactly; a 500 on the same
// request is an error, not a fallback.
func TestFallbackIdentical(t *testing.T) {
	f := newFleet(t)
	paged, err := f.discoverer(t, f.algod, discovery.Options{}).List(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	forced, err := f.discoverer(t, f.algod, discovery.Options{Mode: discovery.ModePerBox, Concurrency: 3}).List(f.ctx)
	if err != nil {
		t.Fatalf("per-box: %v", err)
	}
	if forced.Paged || !reflect.DeepEqual(forced.Providers, paged.Providers) {
		t.Fatalf("per-box listing differs (paged=%v):\n%+v\n%+v", forced.Paged, forced.Providers, paged.Providers)
	}
	old := oldNode(t, http.StatusBadRequest, `{"message":"Unknown parameter detected: include"}`)
	auto, err := f.discoverer(t, old, discovery.Options{}).List(f.ctx)
	if err != nil {
		t.Fatalf("auto behind an old node: %v", err)
	}
	if auto.Paged || !reflect.DeepEqual(auto.Providers, paged.Providers) {
		t.Fatalf("auto fallback differs (paged=%v)", auto.Paged)
	}
	if _, err := f.discoverer(t, old, discovery.Options{Mode: discovery.ModePaged}).List(f.ctx); !errors.Is(err, discovery.ErrNoValuePaging) {
		t.Fatalf("paged-only behind an old node: %v, want ErrNoValuePaging", err)
	}
	broken := oldNode(t, http.StatusInternalServerError, `{"message":"internal"}`)
	if _, err := f.discoverer(t, broken, discovery.Options{}).List(f.ctx); err == nil || errors.Is(err, discovery.ErrNoValuePaging) {
		t.Fatalf("500 on include=values: %v, want a plain error", err)
	}
}

// oldNode proxies the LocalNet's algod, answering status and body to any
// request carrying include=.
func oldNode(t *testing.T, status int, body string) *algod.Client {
	t.Helper()
	u, token := testkit.AlgodEndpoint(t)
	target, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "include=") {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := algod.MakeClient(srv.URL, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
