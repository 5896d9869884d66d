package provider_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/mnemonic"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
)

// Environment of the crashing provider process TestCrashReattach starts.
const (
	envCrashDB   = "KINETIC_TEST_CRASH_DB"
	envCrashAddr = "KINETIC_TEST_CRASH_ADDR"
	envCrashApps = "KINETIC_TEST_CRASH_APPS"
	envCrashKey  = "KINETIC_TEST_CRASH_KEY"
)

// crashConfig is the provider configuration both processes use.
func crashConfig() provider.Config {
	cfg := provider.Config{Price: testPrice, WindowRounds: 50, ClaimInterval: 300 * time.Millisecond}
	cfg.Policy.AllowedImagePrefixes = []string{"kinetic-test/"}
	return cfg
}

// openAgent opens a provider agent, with its own engine, on the store at
// dir/provider.db, the way the app does at start.
func openAgent(t *testing.T, dir string, cc *contracts.Client, acct keyAccount) (*provider.Server, *bbolt.DB) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "provider.db"), 0o600, &bbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := compute.NewEngine(testkit.Docker(t), db, compute.EngineOptions{OutputDir: filepath.Join(dir, "out"), AllowedImages: []string{"kinetic-test/"}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := provider.New(crashConfig(), db, provider.AlgodChain{Client: cc}, acct, engine)
	if err != nil {
		t.Fatal(err)
	}
	return srv, db
}

// TestCrashHelperProvider is the provider process that TestCrashReattach
// kills: it does nothing unless started by it.
func TestCrashHelperProvider(t *testing.T) {
	dir := os.Getenv(envCrashDB)
	if dir == "" {
		return
	}
	var apps contracts.AppIDs
	if err := json.Unmarshal([]byte(os.Getenv(envCrashApps)), &apps); err != nil {
		t.Fatal(err)
	}
	key, err := mnemonic.ToPrivateKey(os.Getenv(envCrashKey))
	if err != nil {
		t.Fatal(err)
	}
	a, err := crypto.AccountFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := contracts.NewClient(testkit.Algod(t), apps)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := openAgent(t, dir, cc, newKeyAccount(a))
	ln, err := net.Listen("tcp", os.Getenv(envCrashAddr))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = http.Serve(ln, srv.Handler()) }()
	_ = srv.Run(testkit.Context(t, 3*time.Minute)) // until killed
}

var errStarted = errors.New("execution started")

// TestCrashReattach: a provider process is killed (SIGKILL) while its job's
// container runs; a new agent on the same store finds the live container
// (Recover reports it re-attached), the job completes and its proof of
// eight steps verifies against the Escrow, with the output the job wrote.
func TestCrashReattach(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	dir, url, cmd := startCrashProvider(t, m)
	job, err := m.consumer.Submit(m.ctx, url, m.spec("sleep 6; echo survived > /output/s.txt"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	awaitExecutionStarted(t, m, job)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := m.containersOf(job.ID); n != 1 {
		t.Fatalf("%d containers of the job after the crash, want its live one", n)
	}
	srv, _ := openAgent(t, dir, m.chain, m.prov)
	rec, err := srv.Recover(m.ctx)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if len(rec.Reattached) != 1 || rec.Reattached[0] != job.ID || len(rec.Failed) != 0 {
		t.Fatalf("recovered %+v, want the job re-attached", rec)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	go func() { _ = srv.Run(m.ctx) }()
	job.Endpoint = hs.URL
	esc, _, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("await after the restart: %v", err)
	}
	m.waitSteps(job, 8)
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify after the restart: %v", err)
	}
	if len(v.Proof.Steps) != 8 || esc.BilledSeconds < 6 || !strings.Contains(string(v.Output), "survived") {
		t.Fatalf("proof of %d steps, billed %d s, output %q", len(v.Proof.Steps), esc.BilledSeconds, v.Output)
	}
}

// startCrashProvider starts the provider process TestCrashHelperProvider
// runs, on a new store dir and a free loopback port, and returns the dir,
// its URL and the process (killed at the test's end) once it serves.
func startCrashProvider(t *testing.T, m *market) (dir, url string, cmd *exec.Cmd) {
	t.Helper()
	dir = t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	apps, _ := json.Marshal(m.apps)
	phrase, err := mnemonic.FromPrivateKey(m.prov.Account.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.CommandContext(m.ctx, os.Args[0], "-test.run=^TestCrashHelperProvider$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDB+"="+dir, envCrashAddr+"="+addr, envCrashApps+"="+string(apps), envCrashKey+"="+phrase)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url = "http://" + addr
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(url + "/v1/info"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(end) {
			t.Fatal("the provider process did not serve within 30 s")
		}
	}
	return dir, url, cmd
}

// awaitExecutionStarted follows job's events until its execution_started
// proof step.
func awaitExecutionStarted(t *testing.T, m *market, job consumer.Job) {
	t.Helper()
	_, err := m.consumer.Events(m.ctx, job, 0, func(ev sse.Event) error {
		if ev.Type == "proof" && strings.Contains(string(ev.Data), string(proof.KindExecutionStarted)) {
			return errStarted
		}
		return nil
	})
	if !errors.Is(err, errStarted) {
		t.Fatalf("events before the crash: %v", err)
	}
}
