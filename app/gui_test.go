package app

import (
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/kinetic-compute/kinetic/ui"
)

func TestNewMainWindow(t *testing.T) {
	a := test.NewTempApp(t)
	cfg := Config{DataDir: t.TempDir(), Network: TestNet, AlgodURL: "http://node:8080"}
	src := &statusSource{network: cfg.Network, endpoint: cfg.endpoint(nil)}
	w, dash := newMainWindow(a, cfg, src)
	defer w.Close()

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
}
