package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/ui"
)

// fixedEndpoint returns an endpointFunc that always answers url and token.
func fixedEndpoint(url, token string) endpointFunc {
	return func() (string, string, error) { return url, token, nil }
}

// closedPort returns a local TCP address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestChainOnRealLocalNet(t *testing.T) {
	url, token := testkit.AlgodEndpoint(t)
	src := &statusSource{network: LocalNet, endpoint: fixedEndpoint(url, token)}
	st, err := src.Chain(testkit.Context(t, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Network != "LocalNet" || st.URL != url {
		t.Errorf("network, url = %q, %q", st.Network, st.URL)
	}
	if !strings.HasPrefix(st.GenesisID, "kinetic-local") {
		t.Errorf("genesis id = %q, want kinetic-local…", st.GenesisID)
	}
	if len(st.GenesisHash) != 44 {
		t.Errorf("genesis hash = %q, want 32 bytes in base64", st.GenesisHash)
	}
	if st.LastRound == 0 || st.Latency <= 0 {
		t.Errorf("round %d, latency %v: want both set", st.LastRound, st.Latency)
	}
	if st.Contracts != "not deployed on this network" {
		t.Errorf("contracts without a store = %q", st.Contracts)
	}
}

func TestChainNamesRecordedContracts(t *testing.T) {
	dep := contracts.Deployment{GenesisHash: "R0g=", Apps: contracts.AppIDs{Registry: 7, Escrow: 8, Badge: 9}}
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	if err := store.Save(dep); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		network Network
		gh      string
		want    string
	}{
		{"recorded", TestNet, "R0g=", "Registry 7 · Escrow 8 · BadgeMinter 9"},
		{"other network", TestNet, "b3RoZXI=", "not deployed on this network"},
		{"LocalNet before up", LocalNet, "b3RoZXI=", "not deployed yet (run 'kinetic localnet up')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &statusSource{network: tt.network, apps: store.Load}
			if got := src.contractsText(tt.gh); got != tt.want {
				t.Fatalf("contractsText = %q, want %q", got, tt.want)
			}
		})
	}
	broken := filepath.Join(t.TempDir(), "deployments.json")
	if err := os.WriteFile(broken, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := &statusSource{network: TestNet, apps: contracts.NewFileDeploymentStore(broken).Load}
	if got := src.contractsText("R0g="); !strings.HasPrefix(got, "unknown: ") {
		t.Fatalf("corrupt store: %q", got)
	}
}

func TestChainDown(t *testing.T) {
	refused := closedPort(t)
	badToken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"Invalid API Token"}`, http.StatusUnauthorized)
	}))
	defer badToken.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"boom"}`, http.StatusInternalServerError)
	}))
	defer broken.Close()
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hung.Close()

	tests := []struct {
		name        string
		endpoint    endpointFunc
		want        string
		unreachable bool
	}{
		{"connection refused", fixedEndpoint("http://"+refused, "t"), "algod unreachable at " + refused + ": connection refused", true},
		{"bad token", fixedEndpoint(badToken.URL, "wrong"), "algod at " + strings.TrimPrefix(badToken.URL, "http://") + " rejected the API token", false},
		{"server error", fixedEndpoint(broken.URL, "t"), "algod at " + strings.TrimPrefix(broken.URL, "http://") + ": HTTP 500", false},
		{"no answer", fixedEndpoint(hung.URL, "t"), "algod unreachable at " + strings.TrimPrefix(hung.URL, "http://") + ": no answer before the timeout", true},
		{"no endpoint", (Config{DataDir: "/d", Network: TestNet}).endpoint(nil), "no algod URL configured for TestNet", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &statusSource{network: LocalNet, endpoint: tt.endpoint}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			st, err := src.Chain(ctx)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q…", err, tt.want)
			}
			if IsUnreachable(err) != tt.unreachable {
				t.Errorf("IsUnreachable = %v, want %v", !tt.unreachable, tt.unreachable)
			}
			if st.Network != "LocalNet" {
				t.Errorf("a down node lost the network name: %+v", st)
			}
		})
	}
}

func TestChainRecoversWhenNodeComesBack(t *testing.T) {
	url, token := testkit.AlgodEndpoint(t)
	var up atomic.Bool
	endpoint := func() (string, string, error) {
		if !up.Load() {
			return "", "", errors.New("algod.net: no such file")
		}
		return url, token, nil
	}
	src := &statusSource{network: LocalNet, endpoint: (Config{Network: LocalNet}).endpoint(endpoint)}
	ctx := testkit.Context(t, 30*time.Second)
	if _, err := src.Chain(ctx); err == nil || !strings.Contains(err.Error(), "LocalNet is not running") {
		t.Fatalf("down: err = %v", err)
	}
	up.Store(true)
	if st, err := src.Chain(ctx); err != nil || st.LastRound == 0 {
		t.Fatalf("after the node came back: %+v, %v", st, err)
	}
}

func TestEngineOnRealDocker(t *testing.T) {
	testkit.Docker(t)
	src := &statusSource{}
	defer src.Close()
	st, err := src.Engine(testkit.Context(t, 30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Version == "" || st.APIVersion == "" || st.Platform != "linux/amd64" && !strings.HasPrefix(st.Platform, "linux/") {
		t.Fatalf("engine status = %+v", st)
	}
}

func TestEngineDownThenBack(t *testing.T) {
	testkit.Docker(t)
	sock := t.TempDir() + "/nothing.sock"
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	src := &statusSource{}
	defer src.Close()
	ctx := testkit.Context(t, 30*time.Second)
	_, err := src.Engine(ctx)
	if want := "Docker engine unreachable at " + sock + ": no daemon answers (is dockerd running?)"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if !IsUnreachable(err) {
		t.Errorf("IsUnreachable(%v) = false", err)
	}
	t.Setenv("DOCKER_HOST", "")
	if st, err := src.Engine(ctx); err != nil || st.Version == "" {
		t.Fatalf("after the engine came back: %+v, %v", st, err)
	}
}

// h100 returns the DGX H100 NVML mock with the sensors it does not model
// answering "not supported".
func h100() nvml.Interface {
	s := dgxh100.New()
	for _, d := range s.Devices {
		dev := d.(*server.Device)
		dev.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
		dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
		dev.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
		dev.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{}, nvml.ERROR_NOT_SUPPORTED }
		dev.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED }
		dev.GetGraphicsRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED }
	}
	return s
}

func TestGPUsFromNVML(t *testing.T) {
	src := &statusSource{nvml: h100}
	gpus, err := src.GPUs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := ui.GPU{Name: "NVIDIA H100 80GB HBM3", MemoryMB: 81920, Driver: "550.54.15", CUDA: "12.4"}
	if len(gpus) != 8 || gpus[0] != want {
		t.Fatalf("gpus = %d, first %+v; want 8 of %+v", len(gpus), gpus[0], want)
	}
}

func TestKeyringProbeCachesAndRefreshes(t *testing.T) {
	var calls atomic.Int32
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	answer := errors.New("no keyring")
	k := newKeyringProbe(func() error { calls.Add(1); return answer })
	k.now = func() time.Time { return now }

	ctx := context.Background()
	if err := k.Check(ctx); err != answer {
		t.Fatalf("first check = %v", err)
	}
	answer = nil
	if err := k.Check(ctx); err == nil || calls.Load() != 1 {
		t.Fatalf("within the TTL: err %v after %d probes; want the cached error and 1 probe", err, calls.Load())
	}
	now = now.Add(keyringProbeTTL + time.Second)
	if err := k.Check(ctx); err != nil || calls.Load() != 2 {
		t.Fatalf("after the TTL: err %v after %d probes; want nil and 2 probes", err, calls.Load())
	}
}

func TestKeyringProbeSlowProbe(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	k := newKeyringProbe(func() error { calls.Add(1); <-release; return nil })

	for range 3 { // callers that give up do not start more probes
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := k.Check(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
	}
	close(release)
	if err := k.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d probes ran, want 1", n)
	}
}

func TestShortCause(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}), "connection refused"},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), "no answer before the timeout"},
		{errors.New("tls: bad certificate"), "tls: bad certificate"},
	}
	for _, tt := range tests {
		if got := shortCause(tt.err); got != tt.want {
			t.Errorf("shortCause(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
