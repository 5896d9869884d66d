package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeStatus is a StatusSource whose answers are function fields, so a test
// overrides only what it cares about.
type fakeStatus struct {
	chain   func(context.Context) (ChainStatus, error)
	engine  func(context.Context) (EngineStatus, error)
	gpus    func(context.Context) ([]GPU, error)
	keyring func(context.Context) error
}

func (f *fakeStatus) Chain(ctx context.Context) (ChainStatus, error)   { return f.chain(ctx) }
func (f *fakeStatus) Engine(ctx context.Context) (EngineStatus, error) { return f.engine(ctx) }
func (f *fakeStatus) GPUs(ctx context.Context) ([]GPU, error)          { return f.gpus(ctx) }
func (f *fakeStatus) Keyring(ctx context.Context) error                { return f.keyring(ctx) }

var upChain = ChainStatus{
	Network: "LocalNet", URL: "http://127.0.0.1:4001",
	GenesisID: "kinetic-local-v1", GenesisHash: "gH8QyWxEnbWTNgO5zsnTEJpDK1OkKn6MuUmBkvVdCvc=",
	LastRound: 1234, Latency: 2300 * time.Microsecond,
	Contracts: "Registry 1001 · Escrow 1002 · BadgeMinter 1003",
}

var upEngine = EngineStatus{Version: "20.10.24", APIVersion: "1.41", Platform: "linux/amd64"}

var errChainDown = errors.New("algod unreachable at 127.0.0.1:4001: connection refused")

// allUp answers as a healthy machine with one H100 would.
func allUp() *fakeStatus {
	return &fakeStatus{
		chain:  func(context.Context) (ChainStatus, error) { return upChain, nil },
		engine: func(context.Context) (EngineStatus, error) { return upEngine, nil },
		gpus: func(context.Context) ([]GPU, error) {
			return []GPU{{Name: "NVIDIA H100 80GB HBM3", MemoryMB: 81559, Driver: "550.54.15", CUDA: "12.4"}}, nil
		},
		keyring: func(context.Context) error { return nil },
	}
}

// newTestDashboard renders a Dashboard over src in a test window with a
// fixed clock.
func newTestDashboard(t *testing.T, src StatusSource) (*Dashboard, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	d := NewDashboard(src)
	d.now = func() time.Time { return time.Date(2026, 11, 25, 12, 30, 5, 0, time.UTC) }
	w := test.NewTempWindow(t, d.Content())
	w.Resize(fyne.NewSize(900, 560))
	return d, w
}

func TestDashboardBeforeFirstRefresh(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	if got := d.chainState.Text; got != "checking…" {
		t.Fatalf("chain state before refresh = %q, want checking…", got)
	}
	if got := d.updated.Text; got != "Not refreshed yet" {
		t.Fatalf("updated = %q", got)
	}
}

func TestDashboardAllUp(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	d.Refresh(context.Background())

	want := map[string]struct {
		label *widget.Label
		text  string
	}{
		"chain state":   {d.chainState, "connected"},
		"network":       {d.chainNetwork, "LocalNet"},
		"genesis id":    {d.chainGenesisID, "kinetic-local-v1"},
		"genesis hash":  {d.chainGenesisHash, upChain.GenesisHash},
		"round":         {d.chainRound, "1234"},
		"latency":       {d.chainLatency, "2.3 ms"},
		"endpoint":      {d.chainURL, "http://127.0.0.1:4001"},
		"contracts":     {d.chainApps, "Registry 1001 · Escrow 1002 · BadgeMinter 1003"},
		"engine state":  {d.engineState, "running"},
		"version":       {d.engineVersion, "20.10.24 (API 1.41, linux/amd64)"},
		"nvidia":        {d.engineRuntime, "absent (GPU jobs need the NVIDIA Container Toolkit)"},
		"gpus":          {d.gpus, "#0 NVIDIA H100 80GB HBM3 · 80 GiB · driver 550.54.15 · CUDA 12.4"},
		"keyring":       {d.keyring, "answers (a secret was stored, read back and deleted)"},
		"updated stamp": {d.updated, "Updated 12:30:05 · refreshes every few seconds"},
	}
	for name, w := range want {
		if w.label.Text != w.text {
			t.Errorf("%s = %q, want %q", name, w.label.Text, w.text)
		}
	}
	for _, l := range []*widget.Label{d.chainState, d.engineState, d.keyring} {
		if l.Importance != widget.SuccessImportance {
			t.Errorf("%q importance = %v, want success", l.Text, l.Importance)
		}
	}
}

func TestDashboardDown(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(*fakeStatus)
		label  func(*Dashboard) *widget.Label
		want   string
		blank  func(*Dashboard) []*widget.Label
	}{{
		name: "node down",
		break_: func(f *fakeStatus) {
			f.chain = func(context.Context) (ChainStatus, error) {
				return ChainStatus{Network: "LocalNet", URL: "http://127.0.0.1:4001"}, errChainDown
			}
		},
		label: func(d *Dashboard) *widget.Label { return d.chainState },
		want:  errChainDown.Error(),
		blank: func(d *Dashboard) []*widget.Label {
			return []*widget.Label{d.chainGenesisID, d.chainGenesisHash, d.chainRound, d.chainLatency, d.chainApps}
		},
	}, {
		name: "engine down",
		break_: func(f *fakeStatus) {
			f.engine = func(context.Context) (EngineStatus, error) {
				return EngineStatus{}, errors.New("Docker engine unreachable at unix:///var/run/docker.sock: connection refused")
			}
		},
		label: func(d *Dashboard) *widget.Label { return d.engineState },
		want:  "Docker engine unreachable at unix:///var/run/docker.sock: connection refused",
		blank: func(d *Dashboard) []*widget.Label { return []*widget.Label{d.engineVersion, d.engineRuntime} },
	}, {
		name: "no gpu",
		break_: func(f *fakeStatus) {
			f.gpus = func(context.Context) ([]GPU, error) {
				return nil, fmt.Errorf("%w: nvml init: Library Not Found", ErrNoGPU)
			}
		},
		label: func(d *Dashboard) *widget.Label { return d.gpus },
		want:  "no NVIDIA GPU/driver: nvml init: Library Not Found — jobs run on the CPU",
	}, {
		name:   "no gpu listed",
		break_: func(f *fakeStatus) { f.gpus = func(context.Context) ([]GPU, error) { return nil, nil } },
		label:  func(d *Dashboard) *widget.Label { return d.gpus },
		want:   "no NVIDIA GPU/driver — jobs run on the CPU",
	}, {
		name: "nvml fails",
		break_: func(f *fakeStatus) {
			f.gpus = func(context.Context) ([]GPU, error) { return nil, errors.New("nvml device 0: Unknown Error") }
		},
		label: func(d *Dashboard) *widget.Label { return d.gpus },
		want:  "NVML error: nvml device 0: Unknown Error",
	}, {
		name: "no keyring",
		break_: func(f *fakeStatus) {
			f.keyring = func(context.Context) error { return errors.New("no OS keyring available (set): no D-Bus session") }
		},
		label: func(d *Dashboard) *widget.Label { return d.keyring },
		want:  "unavailable: no OS keyring available (set): no D-Bus session",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := allUp()
			tt.break_(src)
			d, _ := newTestDashboard(t, src)
			d.Refresh(context.Background())
			if got := tt.label(d).Text; got != tt.want {
				t.Fatalf("text = %q, want %q", got, tt.want)
			}
			if tt.blank == nil {
				return
			}
			if imp := tt.label(d).Importance; imp != widget.DangerImportance {
				t.Errorf("importance = %v, want danger", imp)
			}
			for _, l := range tt.blank(d) {
				if l.Text != noValue {
					t.Errorf("field of a down component = %q, want %q", l.Text, noValue)
				}
			}
		})
	}
}

func TestDashboardRecovers(t *testing.T) {
	src := allUp()
	up := src.chain
	src.chain = func(context.Context) (ChainStatus, error) { return ChainStatus{Network: "LocalNet"}, errChainDown }
	d, _ := newTestDashboard(t, src)

	d.Refresh(context.Background())
	if got := d.chainState.Text; got != errChainDown.Error() {
		t.Fatalf("while down: state = %q", got)
	}
	src.chain = up
	d.Refresh(context.Background())
	if got := d.chainState.Text; got != "connected" {
		t.Fatalf("after recovery: state = %q, want connected", got)
	}
	if got := d.chainRound.Text; got != "1234" {
		t.Fatalf("after recovery: round = %q, want 1234", got)
	}
}

func TestDashboardRefreshBoundsAHungSource(t *testing.T) {
	src := allUp()
	src.keyring = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	d, _ := newTestDashboard(t, src)
	d.timeout = 50 * time.Millisecond

	start := time.Now()
	d.Refresh(context.Background())
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("refresh took %v with a hung keyring", took)
	}
	if got := d.keyring.Text; !strings.Contains(got, context.DeadlineExceeded.Error()) {
		t.Fatalf("keyring = %q, want the deadline", got)
	}
	if got := d.chainState.Text; got != "connected" {
		t.Fatalf("a hung keyring hid the chain: %q", got)
	}
}

func TestDashboardRefreshAfterCancelAppliesNothing(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d.Refresh(ctx)
	if got := d.chainState.Text; got != "checking…" {
		t.Fatalf("cancelled refresh changed the screen: %q", got)
	}
}

func TestDashboardRunRefreshesUntilCancelled(t *testing.T) {
	src := allUp()
	calls := make(chan struct{}, 16)
	src.keyring = func(context.Context) error { calls <- struct{}{}; return nil }
	d, _ := newTestDashboard(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx, 10*time.Millisecond) }()
	for range 3 {
		select {
		case <-calls:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not refresh repeatedly")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestDashboardImage(t *testing.T) {
	tests := []struct {
		name   string
		golden string
		src    func() *fakeStatus
	}{
		{"up", "dashboard_up.png", allUp},
		{"down", "dashboard_down.png", func() *fakeStatus {
			f := allUp()
			f.chain = func(context.Context) (ChainStatus, error) {
				return ChainStatus{Network: "LocalNet", URL: "http://127.0.0.1:4001"}, errChainDown
			}
			f.gpus = func(context.Context) ([]GPU, error) {
				return nil, fmt.Errorf("%w: nvml init: Library Not Found", ErrNoGPU)
			}
			return f
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, w := newTestDashboard(t, tt.src())
			d.Refresh(context.Background())
			settle(w)
			test.AssertImageMatches(t, tt.golden, w.Canvas().Capture())
		})
	}
}

// settle lays the window out again. The GLFW driver re-lays out, frame by
// frame, every container whose content's minimum size changed (a wrapped
// label grows taller once it knows its width); the test canvas lays out only
// on resize, so settle resizes away and back to imitate the next frames.
func settle(w fyne.Window) {
	size := w.Canvas().Size()
	for range 2 {
		w.Resize(size.AddWidthHeight(0, 1))
		w.Resize(size)
	}
}
