package app

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/discovery"
)

// TestMarketplaceSourceLocalNet lists providers registered on a fresh
// deployment on the LocalNet through the Marketplace's source: hardware,
// price and heartbeat time come from the chain, and health probes the
// registered endpoint.
func TestMarketplaceSourceLocalNet(t *testing.T) {
	ctx := testkit.Context(t, 2*time.Minute)
	c := testkit.Algod(t)
	url, token := testkit.AlgodEndpoint(t)
	dir := t.TempDir()
	creator := testkit.FundedAccount(t, 20_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(dir, "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, c, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator},
		store, contracts.DefaultDeployConfig())
	if err != nil {
		t.Fatal(err)
	}
	cc, err := contracts.NewClient(c, d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	a := testkit.FundedAccount(t, 1_000_000)
	if _, err := cc.Register(ctx, a.Address, transaction.BasicAccountTransactionSigner{Account: a}, contracts.ProviderInfo{
		Endpoint: "http://127.0.0.1:1", GPUModel: "NVIDIA GeForce RTX 4090", GPUCount: 2, VRAMMB: 24564,
		CPUCores: 16, RAMMB: 65536, PricePerHour: 1_500_000, MinJobSecs: 1, MaxJobSecs: 3600}); err != nil {
		t.Fatal(err)
	}

	src := newMarketplaceSource(Config{DataDir: dir, Network: LocalNet, AlgodURL: url, AlgodToken: Secret(token)})
	ps, err := src.Providers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("%d providers listed, want 1", len(ps))
	}
	p := ps[0]
	if p.Address != a.Address.String() || p.GPUModel != "NVIDIA GeForce RTX 4090" || p.GPUCount != 2 ||
		p.VRAMMB != 24564 || p.PricePerHour != 1_500_000 || p.MaxJobSecs != 3600 || p.Completed != 0 {
		t.Fatalf("listing %+v", p)
	}
	if p.LastHeartbeatRound == 0 || p.LastHeartbeat.IsZero() || time.Since(p.LastHeartbeat) > 10*time.Minute {
		t.Fatalf("heartbeat round %d at %v", p.LastHeartbeatRound, p.LastHeartbeat)
	}
	if _, err := src.Health(ctx, p); !errors.Is(err, discovery.ErrInfoUnreachable) {
		t.Fatalf("health of a closed port: %v, want ErrInfoUnreachable", err)
	}
}
