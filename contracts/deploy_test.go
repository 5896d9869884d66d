package contracts_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
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
		t.Errorf("CheckNetwork against TestNet's genesis: %v, want ErrWrongNetwork", err)
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

// TestEnsureDeployedRedeploysOnProgramChange: a recorded deployment made
// from other programs (another ProgramHash, as every record written before
// v2) is replaced by a new set, with a log line saying why.
func TestEnsureDeployedRedeploysOnProgramChange(t *testing.T) {
	ctx := testkit.Context(t, time.Minute)
	c := testkit.Algod(t)
	creator := newActor(t, 20_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "d.json"))
	first, err := contracts.EnsureDeployed(ctx, c, creator.addr, creator.signer, store)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := contracts.ProgramHash()
	if err != nil || first.ProgramHash != hash || len(hash) != 64 {
		t.Fatalf("recorded program hash %q, want %q (%v)", first.ProgramHash, hash, err)
	}
	old := first
	old.ProgramHash = ""
	if err := store.Save(old); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cfg := contracts.DefaultDeployConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	d, err := contracts.EnsureDeployedWith(ctx, c, creator.addr, creator.signer, store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.Apps == first.Apps || d.ProgramHash != hash {
		t.Fatalf("kept %+v after a program change", d)
	}
	if !strings.Contains(logs.String(), "committed programs changed") || !strings.Contains(logs.String(), "program_hash="+hash) {
		t.Errorf("log %q lacks the redeploy line", logs.String())
	}
}

// TestResolveDeployment: a configured deployment resolves when its apps
// run the committed programs; an Escrow id pointing at other code (the v1
// Escrow here, a lookalike) fails with ErrProgramMismatch; a network with
// nothing configured (LocalNet is in no ARC-56 networks map) fails with
// ErrNoDeployment. Nothing is deployed by resolving.
func TestResolveDeployment(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{10, 20, 30}))
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "d.json"))
	if _, err := contracts.ResolveDeployment(e.ctx, e.c.Algod(), store); !errors.Is(err, contracts.ErrNoDeployment) {
		t.Fatalf("empty store: %v, want ErrNoDeployment", err)
	}
	if err := store.Save(e.d); err != nil {
		t.Fatal(err)
	}
	d, err := contracts.ResolveDeployment(e.ctx, e.c.Algod(), store)
	if err != nil || d != e.d {
		t.Fatalf("resolved %+v %v, want %+v", d, err, e.d)
	}
	look := e.d
	look.Apps.Escrow = e.deployV1().esc
	if err := store.Save(look); err != nil {
		t.Fatal(err)
	}
	if _, err := contracts.ResolveDeployment(e.ctx, e.c.Algod(), store); !errors.Is(err, contracts.ErrProgramMismatch) {
		t.Fatalf("lookalike Escrow: %v, want ErrProgramMismatch", err)
	}
	if _, ok, err := contracts.SpecDeployment(e.d.GenesisHash); ok || err != nil {
		t.Fatalf("LocalNet found in the committed networks maps (%v)", err)
	}
	if name := contracts.PublicNetworks()["wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8="]; name != "mainnet-v1.0" {
		t.Fatalf("MainNet genesis maps to %q", name)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
