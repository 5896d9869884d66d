package contracts_test

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestEnsureDeployedIsIdempotent(t *testing.T) {
	ctx := testkit.Context(t, time.Minute)
	c := testkit.Algod(t)
	creator := newActor(t, 10_000_000)
	path := filepath.Join(t.TempDir(), "deployments.json")
	store := contracts.NewFileDeploymentStore(path)
	first, err := contracts.EnsureDeployed(ctx, c, creator.addr, creator.signer, store)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Network != sp.GenesisID || first.Creator != creator.addr.String() || first.Apps.Registry == 0 ||
		first.Apps.Escrow == 0 || first.Apps.Badge == 0 {
		t.Fatalf("deployment %+v", first)
	}
	info, err := c.AccountInformation(creator.addr.String()).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A second call, through a fresh store on the same file, finds it.
	again, err := contracts.EnsureDeployed(ctx, c, creator.addr, creator.signer, contracts.NewFileDeploymentStore(path))
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatalf("second deploy %+v, want %+v", again, first)
	}
	after, err := c.AccountInformation(creator.addr.String()).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Amount-after.Rewards != info.Amount-info.Rewards {
		t.Error("the second EnsureDeployed spent funds")
	}
	if err := contracts.CheckNetwork(ctx, c, first); err != nil {
		t.Errorf("CheckNetwork on its own network: %v", err)
	}
	other := first
	other.GenesisHash = "SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI="
	if err := contracts.CheckNetwork(ctx, c, other); !errors.Is(err, contracts.ErrWrongNetwork) {
		t.Errorf("CheckNetwork against MainNet's genesis: %v, want ErrWrongNetwork", err)
	}
}

func TestEnsureDeployedReplacesVanishedApps(t *testing.T) {
	ctx := testkit.Context(t, time.Minute)
	c := testkit.Algod(t)
	creator := newActor(t, 10_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "d.json"))
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stale := contracts.Deployment{Network: sp.GenesisID, GenesisHash: b64(sp.GenesisHash),
		Apps: contracts.AppIDs{Registry: 1 << 40, Escrow: 1<<40 + 1, Badge: 1<<40 + 2}}
	if err := store.Save(stale); err != nil {
		t.Fatal(err)
	}
	d, err := contracts.EnsureDeployed(ctx, c, creator.addr, creator.signer, store)
	if err != nil {
		t.Fatal(err)
	}
	if d.Apps == stale.Apps {
		t.Fatal("kept app ids that do not exist")
	}
	got, ok, err := store.Load(d.GenesisHash)
	if err != nil || !ok || got != d {
		t.Fatalf("store holds %+v %v %v", got, ok, err)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
