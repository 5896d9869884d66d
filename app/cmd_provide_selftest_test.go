package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestProvideSelfTest runs `kinetic provide --self-test` for real (the
// Docker engine, the test image in the sandbox, LocalNet, the endpoint
// served on loopback): an unregistered account gets a FAIL registry line,
// a skipped reachability check and an error; once registered every line
// passes, the advertised endpoint answering as the account, with the exact
// texts the command prints (this machine has no NVIDIA GPU).
func TestProvideSelfTest(t *testing.T) {
	ctx := testkit.Context(t, 3*time.Minute)
	testkit.Docker(t)
	testkit.TestImage(t)
	algod := testkit.Algod(t)
	creator := testkit.FundedAccount(t, 20_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	dep, err := contracts.EnsureDeployedWith(ctx, algod, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator}, store, contracts.DefaultDeployConfig())
	if err != nil {
		t.Fatal(err)
	}
	node := newServiceNode(t, ctx, dep, 5_000_000)
	env := &marketEnv{db: node.conn.db}
	if env.algod, env.chain, err = connectChain(ctx, node.cfg); err != nil {
		t.Fatal(err)
	}
	if env.signer, err = activeSigner(ctx, node.conn.wallet); err != nil {
		t.Fatal(err)
	}
	r, _, _ := testRunner(t)
	o, err := r.parseProvide([]string{"--self-test", "--image", testkit.TestImageRef, "--allow-image", "kinetic-test/", "--listen", freeListen(t)})
	if err != nil {
		t.Fatal(err)
	}
	addr := env.signer.Address().String()
	run := func() ([]string, error) {
		r, stdout, _ := testRunner(t)
		err := r.selfTest(ctx, env, o)
		return strings.Split(strings.TrimSpace(stdout.String()), "\n"), err
	}
	lines, err := run()
	if err == nil || err.Error() != "self-test: 1 checks failed" || lines[0] != "FAIL registry   "+addr+" is not registered: run kinetic provide --headless --register --advertise URL --price N" ||
		lines[len(lines)-1] != "skip reach      not registered: no advertised endpoint to check" {
		t.Fatalf("unregistered: %v, lines %q; want one failed check, the registry, and the reach check skipped", err, lines)
	}
	if _, err := env.chain.Register(ctx, env.signer.Address(), env.signer, contracts.ProviderInfo{Endpoint: "http://" + o.listen,
		GPUModel: "none", CPUCores: 2, RAMMB: 4096, PricePerHour: 3_600_000, MinJobSecs: 1, MaxJobSecs: 600}); err != nil {
		t.Fatalf("register: %v", err)
	}
	lines, err = run()
	if err != nil {
		t.Fatalf("registered self-test: %v\n%s", err, strings.Join(lines, "\n"))
	}
	gpus := "ok   gpus       no NVIDIA GPU: CPU-only jobs"
	_, gerr := compute.DetectGPUs(compute.DefaultNVML())
	exact := map[int]bool{0: true, 2: compute.IsNoGPU(gerr), 4: true, 5: true}
	if !exact[2] {
		gpus = "ok   gpus       GPU-" // a machine with GPUs lists their UUIDs
	}
	want := []string{
		"ok   registry   " + addr + " is registered",
		"ok   engine     ",
		gpus,
		"ok   sandbox    job ran in " + testkit.TestImageRef + ", output ",
		fmt.Sprintf("ok   endpoint   GET /v1/info on %s answers, signed by the account", o.listen),
		fmt.Sprintf("ok   reach      GET /v1/info on http://%s (the advertised endpoint) answers, signed by the account", o.listen),
	}
	if len(lines) != len(want) {
		t.Fatalf("self-test printed %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || (exact[i] && lines[i] != w) {
			t.Errorf("line %d %q, want %q", i+1, lines[i], w)
		}
	}
}
