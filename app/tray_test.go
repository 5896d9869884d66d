//go:build linux

package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/godbus/dbus/v5"

	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/ui"
)

// startSessionBus starts a private D-Bus session daemon for the test and
// points DBUS_SESSION_BUS_ADDRESS at it.
func startSessionBus(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("dbus-daemon")
	if err != nil {
		testkit.Missing(t, "dbus-daemon (Debian package dbus)", err)
	}
	cmd := exec.Command(path, "--session", "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	addr = strings.TrimSpace(addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

func TestTrayAvailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	if ok, reason := trayAvailable(ctx); ok || !strings.HasPrefix(reason, "no D-Bus session bus") {
		t.Fatalf("without a bus: %v, %q", ok, reason)
	}

	addr := startSessionBus(t)
	if ok, reason := trayAvailable(ctx); ok || reason != "no org.kde.StatusNotifierWatcher on the D-Bus session bus" {
		t.Fatalf("bus without a watcher: %v, %q", ok, reason)
	}

	watcher, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	if reply, err := watcher.RequestName(statusNotifierWatcher, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claim watcher name: %v, %v", reply, err)
	}
	if ok, reason := trayAvailable(ctx); !ok {
		t.Fatalf("bus with a watcher: no tray: %q", reason)
	}
}

// fakeTrayApp is a test app with a system tray that records notifications.
type fakeTrayApp struct {
	fyne.App
	menu *fyne.Menu
	icon fyne.Resource
	sent []string
	mu   sync.Mutex
}

func (f *fakeTrayApp) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTrayApp) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }
func (f *fakeTrayApp) SendNotification(n *fyne.Notification) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, n.Title+": "+n.Content)
}

// interceptWindow records the close intercept it is given.
type interceptWindow struct {
	fyne.Window
	intercept func()
	hidden    bool
	shown     bool
}

func (w *interceptWindow) SetCloseIntercept(f func()) { w.intercept = f }
func (w *interceptWindow) Hide()                      { w.hidden = true }
func (w *interceptWindow) Show()                      { w.shown = true }

// fakeProvider is a ui.ProviderService whose state the test sets; Start
// and Stop record their calls.
type fakeProvider struct {
	ui.ProviderService
	mu     sync.Mutex
	status ui.ProviderStatus
	err    error
	calls  []string
}

func (f *fakeProvider) Status(context.Context) (ui.ProviderStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status, f.err
}

func (f *fakeProvider) Start(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Start")
	f.status.Providing = true
	return nil
}

func (f *fakeProvider) Stop(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "Stop")
	f.status.Providing = false
	return nil
}

func labels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if it.IsSeparator {
			out = append(out, "---")
			continue
		}
		out = append(out, it.Label)
	}
	return out
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestInstallTrayWithoutTraySaysSoAndKeepsTheWindow(t *testing.T) {
	for _, name := range []string{"no watcher", "driver without tray"} {
		t.Run(name, func(t *testing.T) {
			base := test.NewTempApp(t)
			var a fyne.App = base
			if name == "no watcher" {
				a = &fakeTrayApp{App: base}
			}
			w := &interceptWindow{Window: test.NewTempWindow(t, nil)}
			want := "Kinetic keeps its window open: closing it quits and stops renting (no org.kde.StatusNotifierWatcher on the D-Bus session bus)."
			if name != "no watcher" {
				want = "Kinetic keeps its window open: closing it quits and stops renting (the driver has none)."
			}
			var tr *tray
			if name == "no watcher" {
				tr = installTray(a, w, false, "no org.kde.StatusNotifierWatcher on the D-Bus session bus", &fakeProvider{}, func() {}, discardLog())
				if got := a.(*fakeTrayApp).sent; len(got) != 1 || got[0] != "No system tray: "+want {
					t.Fatalf("notifications %q", got)
				}
			} else {
				test.AssertNotificationSent(t, fyne.NewNotification("No system tray", want), func() {
					tr = installTray(a, w, true, "", &fakeProvider{}, func() {}, discardLog())
				})
			}
			if tr != nil || w.intercept != nil {
				t.Fatal("without a tray, closing must quit: a tray or an intercept was set")
			}
		})
	}
}

func TestTrayMenuAndCloseWhileRenting(t *testing.T) {
	base := test.NewTempApp(t)
	fake := &fakeTrayApp{App: base}
	w := &interceptWindow{Window: test.NewTempWindow(t, nil)}
	svc := &fakeProvider{status: ui.ProviderStatus{Providing: true, CurrentJob: "job 3f2a…91c0 (busybox:1.36)", EarnedToday: 1_250_000}}
	quits := 0
	tr := installTray(fake, w, true, "", svc, func() { quits++ }, discardLog())
	if tr == nil || fake.icon == nil {
		t.Fatal("no tray installed")
	}
	tr.Refresh(context.Background())
	want := []string{"Renting · running job 3f2a…91c0 (busybox:1.36)", "Earned today: 1.25 ALGO", trayStop, "---", trayOpen, trayQuit}
	if got := labels(fake.menu); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("menu %q\nwant %q", got, want)
	}
	if !fake.menu.Items[0].Disabled || !fake.menu.Items[1].Disabled || !fake.menu.Items[5].IsQuit {
		t.Error("status and earnings must be disabled items, Quit the quit item")
	}

	// Closing while renting hides the window and says so once.
	w.intercept()
	w.intercept()
	if !w.hidden || quits != 0 {
		t.Fatalf("close while renting: hidden %v, quits %d", w.hidden, quits)
	}
	if len(fake.sent) != 1 || !strings.HasPrefix(fake.sent[0], "Kinetic is still renting: ") {
		t.Fatalf("notifications %q", fake.sent)
	}
	fake.menu.Items[4].Action()
	if !w.shown {
		t.Error("Open did not show the window")
	}

	// Stop renting from the tray: the agent's Stop is called and the menu follows.
	tr.spawn = func(f func()) { f() }
	fake.menu.Items[2].Action()
	if len(svc.calls) != 1 || tr.providing {
		t.Fatalf("toggle: calls %q, providing %v", svc.calls, tr.providing)
	}
	if svc.calls[0] != "Stop" {
		t.Fatalf("calls %q", svc.calls)
	}
	tr.Refresh(context.Background())
	if got := fake.menu.Items[2].Label; got != trayStart || fake.menu.Items[0].Label != "Not renting" {
		t.Fatalf("after stop: %q, %q", fake.menu.Items[0].Label, got)
	}
	// Not renting: closing the window quits (cancelling the root context).
	w.hidden = false
	w.intercept()
	if w.hidden || quits != 1 {
		t.Fatalf("close while not renting: hidden %v, quits %d", w.hidden, quits)
	}
	fake.menu.Items[5].Action()
	if quits != 2 {
		t.Fatalf("Quit item: quits %d", quits)
	}
}

func TestTrayAgentErrorNotifiesOnce(t *testing.T) {
	fake := &fakeTrayApp{App: test.NewTempApp(t)}
	w := &interceptWindow{Window: test.NewTempWindow(t, nil)}
	svc := &fakeProvider{err: errors.New("registry: provider box missing; re-register")}
	tr := installTray(fake, w, true, "", svc, func() {}, discardLog())
	tr.Refresh(context.Background())
	tr.Refresh(context.Background())
	if got := fake.menu.Items[0].Label; got != "Provider agent: registry: provider box missing; re-register" {
		t.Fatalf("status %q", got)
	}
	if len(fake.sent) != 1 || fake.sent[0] != "Kinetic needs you: The provider agent reports: registry: provider box missing; re-register" {
		t.Fatalf("notifications %q", fake.sent)
	}
}

func TestTrayWithoutAgent(t *testing.T) {
	fake := &fakeTrayApp{App: test.NewTempApp(t)}
	w := &interceptWindow{Window: test.NewTempWindow(t, nil)}
	quits := 0
	installTray(fake, w, true, "", nil, func() { quits++ }, discardLog())
	want := []string{"Renting needs the provider agent, which this build does not start", "---", trayOpen, trayQuit}
	if got := labels(fake.menu); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("menu %q", got)
	}
	w.intercept()
	if w.hidden || quits != 1 {
		t.Fatalf("close without the agent: hidden %v, quits %d", w.hidden, quits)
	}
}
