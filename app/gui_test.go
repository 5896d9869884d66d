package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/ui"
)

func TestNewMainWindow(t *testing.T) {
	a := test.NewTempApp(t)
	cfg := Config{DataDir: t.TempDir(), Network: TestNet, AlgodURL: "http://node:8080"}
	src := &statusSource{network: cfg.Network, endpoint: cfg.endpoint(nil)}
	w, screens := newMainWindow(a, cfg, src, telemetry{s: testSampler(t)}, testSettings(t), marketServices{})
	defer w.Close()
	dash := screens.dash

	if w.Title() != AppName {
		t.Errorf("title = %q, want %q", w.Title(), AppName)
	}
	tabs, ok := w.Content().(*container.AppTabs)
	if !ok {
		t.Fatalf("content is %T, want *container.AppTabs", w.Content())
	}
	if len(tabs.Items) != 6 || tabs.Selected().Text != ui.TabDashboard {
		t.Fatalf("%d tabs, %q selected", len(tabs.Items), tabs.Selected().Text)
	}
	if tabs.Selected().Content != dash.Content() {
		t.Fatal("the Dashboard tab does not show the returned Dashboard")
	}
	if tabs.Items[2].Content != screens.wallet.Content() {
		t.Fatal("the Wallet tab does not show the returned Wallet")
	}
}

// TestDashboardOnRealComponents renders the main window over the real
// status source: the live LocalNet node and the Docker engine.
func TestDashboardOnRealComponents(t *testing.T) {
	url, token := testkit.AlgodEndpoint(t)
	testkit.Docker(t)
	a := test.NewTempApp(t)
	cfg := Config{DataDir: t.TempDir(), Network: LocalNet, AlgodURL: url, AlgodToken: Secret(token)}
	src := newStatusSource(cfg)
	defer src.Close()
	w, screens := newMainWindow(a, cfg, src, telemetry{s: testSampler(t)}, testSettings(t), marketServices{})
	defer w.Close()
	dash := screens.dash
	w.Resize(fyne.NewSize(1100, 720))

	dash.Refresh(testkit.Context(t, 30*time.Second))
	var texts []string
	for _, o := range test.LaidOutObjects(w.Content()) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"connected", "running", "kinetic-local", url, "API 1."} {
		if !strings.Contains(all, want) {
			t.Errorf("dashboard lacks %q; labels:\n%s", want, all)
		}
	}
	if !strings.Contains(all, "no NVIDIA GPU/driver") && !strings.Contains(all, "#0 NVIDIA") {
		t.Errorf("dashboard shows neither GPUs nor their absence; labels:\n%s", all)
	}
}

// testSampler samples a machine without GPUs.
func testSampler(t *testing.T) *compute.Sampler {
	t.Helper()
	s, err := compute.NewSampler(func() ([]compute.GPUInfo, error) { return nil, compute.ErrNoGPU }, time.Second, 4)
	if err != nil {
		t.Fatal(err)
	}
	s.SampleNow()
	return s
}

// testSettings keeps settings in a temporary store.
func testSettings(t *testing.T) settingsService {
	t.Helper()
	db, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newSettingsService(db)
}
