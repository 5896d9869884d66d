package app

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// serviceNode is one instance of the app's market services: its own data
// dir, store and wallet account on the shared LocalNet deployment.
type serviceNode struct {
	cfg  Config
	conn *marketConn
	addr types.Address
}

// newServiceNode opens a store and a wallet with one funded account in a
// fresh data dir that records dep.
func newServiceNode(t *testing.T, ctx context.Context, dep contracts.Deployment, fund uint64) *serviceNode {
	t.Helper()
	url, token := testkit.AlgodEndpoint(t)
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Network: LocalNet, AlgodURL: url, AlgodToken: Secret(token)}
	if err := contracts.NewFileDeploymentStore(filepath.Join(dir, "deployments.json")).Save(dep); err != nil {
		t.Fatal(err)
	}
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := initStore(db); err != nil {
		t.Fatal(err)
	}
	w, err := wallet.Open(ctx, wallet.Options{DB: db})
	if err != nil {
		t.Fatalf("open the wallet on the real keyring: %v", err)
	}
	acct, err := w.Create(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = w.Delete(context.Background(), acct.Address, wallet.DeleteOptions{Confirm: true, Force: true})
	})
	testkit.Fund(t, acct.Address, fund)
	conn := newMarketConn(cfg, db)
	conn.setWallet(w)
	addr, err := types.DecodeAddress(acct.Address)
	if err != nil {
		t.Fatal(err)
	}
	return &serviceNode{cfg: cfg, conn: conn, addr: addr}
}

// testLog writes the agent's warnings and errors into the test's log.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// freeListen is a loopback address no one listens on.
func freeListen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitJob polls src until job id reaches want in the role's row.
func waitJob(t *testing.T, ctx context.Context, src ui.JobSource, id ui.JobID, role ui.JobRole, want ui.JobState, limit time.Duration) ui.JobSummary {
	t.Helper()
	end := time.Now().Add(limit)
	var last ui.JobSummary
	for time.Now().Before(end) {
		js, err := src.Jobs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			if j.ID == id && j.Role == role {
				last = j
			}
		}
		if last.State == want {
			return last
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("job %s (role %d) is %q after %v, want %q", id, role, last.State, limit, want)
	return last
}

// newServiceMarket deploys a contract set of its own on the real LocalNet
// (with Docker, the keyring and the test image there) and makes a provider
// and a consumer node on it, each funded with 10 ALGO.
func newServiceMarket(t *testing.T) (context.Context, contracts.Deployment, *serviceNode, *serviceNode) {
	t.Helper()
	ctx := testkit.Context(t, 4*time.Minute)
	testkit.Keyring(t)
	testkit.Docker(t)
	testkit.TestImage(t)
	creator := testkit.FundedAccount(t, 20_000_000)
	dep, err := contracts.EnsureDeployedWith(ctx, testkit.Algod(t), creator.Address, transaction.BasicAccountTransactionSigner{Account: creator},
		contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json")), contracts.DefaultDeployConfig())
	if err != nil {
		t.Fatal(err)
	}
	prov := newServiceNode(t, ctx, dep, 10_000_000)
	cons := newServiceNode(t, ctx, dep, 10_000_000)
	return ctx, dep, prov, cons
}

// TestProviderServiceAndJobsLocalNet drives the window's market services on
// the real LocalNet and Docker: the toggle registers this machine, serves
// the agent and marks it available; a job submitted through the Submit
// tab's service runs on it, shows in both roles' Jobs and settles on
// Release; Stop marks the machine unavailable and stops the agent.
func TestProviderServiceAndJobsLocalNet(t *testing.T) {
	ctx, dep, prov, cons := newServiceMarket(t)
	listen := freeListen(t)
	svc := newProviderService(ctx, prov.conn, newMarketplaceSource(prov.cfg), listen, testLog(t))
	chain, err := contracts.NewClient(testkit.Algod(t), dep.Apps)
	if err != nil {
		t.Fatal(err)
	}

	// A cheaper provider elsewhere on the market.
	other := testkit.FundedAccount(t, 1_000_000)
	if _, err := chain.Register(ctx, other.Address, transaction.BasicAccountTransactionSigner{Account: other}, contracts.ProviderInfo{
		Endpoint: "http://127.0.0.1:1", GPUModel: "none", CPUCores: 4, RAMMB: 4096, PricePerHour: 1_800_000,
		MinJobSecs: 1, MaxJobSecs: 3600}); err != nil {
		t.Fatal(err)
	}

	// Not registered yet: that is the one reason, and renting is off.
	st, err := svc.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Providing || !reasonKinds(st, ui.ReasonNotRegistered) {
		t.Fatalf("status before start: %+v", st)
	}
	if err := svc.Start(ctx); err == nil {
		t.Fatal("start without a price registered the machine at price 0")
	}
	const price = 3_600_000
	if err := svc.SetPolicy(ctx, ui.ProviderPolicy{PricePerHour: price, AllowedImages: []string{"kinetic-test/"}}); err != nil {
		t.Fatal(err)
	}

	// (a) Start: registered, available, serving a signed /v1/info.
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	p, err := chain.Provider(ctx, prov.addr)
	if err != nil {
		t.Fatalf("registration after start: %v", err)
	}
	if !p.Available || p.PricePerHour != price || p.Endpoint != "http://"+listen {
		t.Fatalf("registration after start: available %v, price %d, endpoint %s", p.Available, p.PricePerHour, p.Endpoint)
	}
	if err := checkInfo(ctx, "http://"+listen, prov.addr.String()); err != nil {
		t.Fatalf("/v1/info after start: %v", err)
	}
	if st, err = svc.Status(ctx); err != nil || !st.Providing || !reasonKinds(st, ui.ReasonPriceAbove) || st.CurrentJob != "" {
		t.Fatalf("status while renting above the market's range: %+v, %v", st, err)
	}

	// (b) A job through the Submit tab's service, to this provider.
	jobs := newJobsSource(cons.conn)
	budget, err := jobs.Budget(ctx)
	if err != nil || budget == 0 {
		t.Fatalf("budget: %d, %v", budget, err)
	}
	id, err := jobs.Submit(ctx, ui.JobRequest{Image: testkit.TestImageRef, Command: []string{"sh", "-c", "sleep 2; echo kinetic > /output/hello.txt"},
		CPUs: 0.5, MemoryMB: 64, MaxSeconds: 20, Provider: prov.addr.String()})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	sum := waitJob(t, ctx, jobs, id, ui.RoleConsumer, ui.JobSubmitted, 90*time.Second)
	if sum.Peer != prov.addr.String() || sum.Rate != price || sum.Locked == 0 {
		t.Fatalf("consumer row: %+v", sum)
	}
	d, err := jobs.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != ui.JobSubmitted || !d.CanRelease || !d.CanDispute || !d.OutputReady || len(d.Proof) == 0 ||
		slices.ContainsFunc(d.Proof, func(s ui.ProofStep) bool { return s.Mark != ui.ProofVerified }) {
		t.Fatalf("detail of the submitted job: %+v", d)
	}
	provJobs := newJobsSource(prov.conn)
	waitJob(t, ctx, provJobs, id, ui.RoleProvider, ui.JobSubmitted, 10*time.Second)

	if err := jobs.Release(ctx, id); err != nil {
		t.Fatalf("release: %v", err)
	}
	waitJob(t, ctx, jobs, id, ui.RoleConsumer, ui.JobReleased, 5*time.Second)
	waitJob(t, ctx, provJobs, id, ui.RoleProvider, ui.JobReleased, 60*time.Second)
	if p, err = chain.Provider(ctx, prov.addr); err != nil || p.Completed != 1 {
		t.Fatalf("reputation after release: completed %d, %v", p.Completed, err)
	}
	if st, err = svc.Status(ctx); err != nil || st.EarnedTotal != p.TotalEarned || st.EarnedTotal == 0 {
		t.Fatalf("earnings after release: %+v (registry total %d), %v", st, p.TotalEarned, err)
	}

	// Stop: unavailable on-chain, and the agent no longer answers.
	if err := svc.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if p, err = chain.Provider(ctx, prov.addr); err != nil || p.Available {
		t.Fatalf("registration after stop: available %v, %v", p.Available, err)
	}
	if c, err := net.DialTimeout("tcp", listen, time.Second); err == nil {
		c.Close()
		t.Fatal("the agent still listens after stop")
	}
	st, err = svc.Status(ctx)
	if err != nil || st.Providing || !reasonKinds(st, ui.ReasonUnavailable, ui.ReasonPriceAbove) {
		t.Fatalf("status after stop: %+v, %v", st, err)
	}

	// Renting again recovers and serves on the same store and port.
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if err := checkInfo(ctx, "http://"+listen, prov.addr.String()); err != nil {
		t.Fatalf("/v1/info after the second start: %v", err)
	}
	if err := svc.shutdown(ctx); err != nil {
		t.Fatalf("shutdown at quit: %v", err)
	}
	if p, err = chain.Provider(ctx, prov.addr); err != nil || p.Available {
		t.Fatalf("registration after shutdown: available %v, %v", p.Available, err)
	}
}

// reasonKinds reports whether st's reasons are exactly kinds, in order.
func reasonKinds(st ui.ProviderStatus, kinds ...ui.ReasonKind) bool {
	got := make([]ui.ReasonKind, len(st.Reasons))
	for i, r := range st.Reasons {
		got[i] = r.Kind
	}
	return slices.Equal(got, kinds)
}
