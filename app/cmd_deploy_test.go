package app

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/mnemonic"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestDeployCreatesAndRecordsANewSet: `deploy` against the real LocalNet
// with the deploying account's mnemonic in the environment creates three
// apps running the committed programs, records them in the network's
// store (so ResolveDeployment finds them), prints their ids and never
// prints the mnemonic; a second deploy creates another set.
func TestDeployCreatesAndRecordsANewSet(t *testing.T) {
	m := testkit.LocalNet(t)
	acct := testkit.FundedAccount(t, 20_000_000)
	words, err := mnemonic.FromPrivateKey(acct.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("KINETIC_TEST_DEPLOYER", words)
	// The shared node, but a store of the test's own: the LocalNet
	// directory's record belongs to the automatic deployment.
	cfg := Config{Network: LocalNet, DataDir: t.TempDir(), LocalNetDir: m.Dir()}
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	ctx := testkit.Context(t, 2*time.Minute)
	var out, logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	args := []string{"--mnemonic-env", "KINETIC_TEST_DEPLOYER", "--badge-pool", "0"}
	if err := deployTo(ctx, &out, &out, cfg, log, args, store); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out.String())
	}
	d, err := contracts.ResolveDeployment(ctx, testkit.Algod(t), store)
	if err != nil {
		t.Fatalf("resolve the recorded deployment: %v", err)
	}
	if d.Creator != acct.Address.String() || d.Apps.Registry == 0 {
		t.Fatalf("deployment %+v", d)
	}
	for _, want := range []string{fmt.Sprintf("Registry app %d", d.Apps.Registry), fmt.Sprintf("Escrow app %d", d.Apps.Escrow),
		fmt.Sprintf(`{%q: {"appID": %d}}`, d.GenesisHash, d.Apps.Badge)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String()+logs.String(), strings.Fields(words)[0]+" "+strings.Fields(words)[1]) {
		t.Error("the mnemonic was printed")
	}
	out.Reset()
	if err := deployTo(ctx, &out, &out, cfg, log, append(args, "--tiers", "1,5,9"), store); err != nil {
		t.Fatal(err)
	}
	again, err := contracts.ResolveDeployment(ctx, testkit.Algod(t), store)
	if err != nil || again.Apps == d.Apps {
		t.Fatalf("second deploy %+v %v: want a new set", again, err)
	}
	if got := registryTiers(t, again.Apps.Registry); got != [3]uint64{1, 5, 9} {
		t.Errorf("second set's Registry tiers %v, want --tiers 1,5,9", got)
	}
	if got := registryTiers(t, d.Apps.Registry); got != contracts.DefaultDeployConfig().Tiers {
		t.Errorf("first set's Registry tiers %v, want the defaults", got)
	}
}

// registryTiers reads the badge tiers from a Registry's global state.
func registryTiers(t *testing.T, app uint64) [3]uint64 {
	t.Helper()
	info, err := testkit.Algod(t).GetApplicationByID(app).Do(testkit.Context(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range info.Params.GlobalState {
		if k, _ := base64.StdEncoding.DecodeString(kv.Key); string(k) == "tiers" {
			v, _ := base64.StdEncoding.DecodeString(kv.Value.Bytes)
			if len(v) != 24 {
				t.Fatalf("tiers value of %d bytes", len(v))
			}
			return [3]uint64{binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:]), binary.BigEndian.Uint64(v[16:])}
		}
	}
	t.Fatalf("Registry %d has no tiers in its global state", app)
	return [3]uint64{}
}

func TestParseTiers(t *testing.T) {
	if got, err := parseTiers("1, 5,9"); err != nil || got != [3]uint64{1, 5, 9} {
		t.Fatalf("parseTiers(1, 5,9) = %v, %v", got, err)
	}
	for _, bad := range []string{"", "1,2", "1,2,3,4", "0,1,2", "5,5,6", "3,2,1", "a,b,c", "-1,2,3"} {
		if _, err := parseTiers(bad); err == nil || !strings.Contains(err.Error(), "--tiers") {
			t.Errorf("parseTiers(%q) = %v, want a --tiers error", bad, err)
		}
	}
}

// TestDeployRefusals: TestNet and MainNet need --yes; a --network that
// is not the node's network (the real LocalNet node here) is refused; a
// bad mnemonic is refused without echoing it.
func TestDeployRefusals(t *testing.T) {
	ctx := testkit.Context(t, time.Minute)
	var out bytes.Buffer
	r := runner{stdout: &out, stderr: &out}
	log := slog.New(slog.NewTextHandler(&out, nil))
	cfg := Config{Network: MainNet, DataDir: t.TempDir(), LocalNetDir: testkit.LocalNet(t).Dir()}
	err := r.runDeploy(ctx, cfg, log, nil)
	if err == nil || !strings.Contains(err.Error(), "needs --yes") {
		t.Fatalf("mainnet without --yes: %v", err)
	}
	sp, err := testkit.Algod(t).SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []Network{MainNet, TestNet} {
		if err := checkDeployNetwork(n, sp.GenesisID, sp.GenesisHash); !errors.Is(err, errDeployNetwork) {
			t.Errorf("--network %s against the LocalNet node: %v, want errDeployNetwork", n, err)
		}
	}
	if err := checkDeployNetwork(LocalNet, sp.GenesisID, sp.GenesisHash); err != nil {
		t.Errorf("--network localnet against LocalNet: %v", err)
	}
	mainnet, _ := base64.StdEncoding.DecodeString("wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8=")
	if err := checkDeployNetwork(LocalNet, "mainnet-v1.0", mainnet); !errors.Is(err, errDeployNetwork) {
		t.Errorf("--network localnet on MainNet: %v", err)
	}
	if err := checkDeployNetwork(MainNet, "mainnet-v1.0", mainnet); err != nil {
		t.Errorf("--network mainnet on MainNet: %v", err)
	}
	t.Setenv("KINETIC_TEST_DEPLOYER", "not a mnemonic at all")
	cfg.Network = LocalNet
	err = deployTo(ctx, &out, &out, cfg, log, []string{"--mnemonic-env", "KINETIC_TEST_DEPLOYER"},
		contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "d.json")))
	if err == nil || strings.Contains(err.Error(), "not a mnemonic") || !strings.Contains(err.Error(), "KINETIC_TEST_DEPLOYER") {
		t.Fatalf("bad mnemonic: %v", err)
	}
}
