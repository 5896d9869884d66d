//go:build linux

package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/godbus/dbus/v5"

	"github.com/kinetic-compute/kinetic/internal/testkit"
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

// fakeTrayApp is a test app with a system tray.
type fakeTrayApp struct {
	fyne.App
	menu *fyne.Menu
	icon fyne.Resource
}

func (f *fakeTrayApp) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTrayApp) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }

// interceptWindow records the close intercept it is given.
type interceptWindow struct {
	fyne.Window
	intercept func()
	hidden    bool
}

func (w *interceptWindow) SetCloseIntercept(f func()) { w.intercept = f }
func (w *interceptWindow) Hide()                      { w.hidden = true }

func TestInstallTray(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name   string
		tray   bool
		trayOK bool
		want   bool
	}{
		{"tray available", true, true, true},
		{"no watcher", true, false, false},
		{"driver without tray", false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := test.NewTempApp(t)
			fake := &fakeTrayApp{App: base}
			var a fyne.App = base
			if tt.tray {
				a = fake
			}
			w := &interceptWindow{Window: test.NewTempWindow(t, nil)}
			if got := installTray(a, w, tt.trayOK, "no watcher", log); got != tt.want {
				t.Fatalf("installTray = %v, want %v", got, tt.want)
			}
			if !tt.want {
				if w.intercept != nil || fake.menu != nil {
					t.Fatal("without a tray, closing must quit: an intercept or menu was set")
				}
				return
			}
			if fake.icon == nil || fake.menu == nil || len(fake.menu.Items) != 2 {
				t.Fatalf("tray menu %+v, icon %v", fake.menu, fake.icon)
			}
			show, quit := fake.menu.Items[0], fake.menu.Items[1]
			if show.Label != "Show" || quit.Label != "Quit" || !quit.IsQuit {
				t.Fatalf("menu items %q, %q (quit %v)", show.Label, quit.Label, quit.IsQuit)
			}
			if w.intercept == nil {
				t.Fatal("no close intercept: closing would quit")
			}
			w.intercept()
			if !w.hidden {
				t.Fatal("closing the window did not hide it")
			}
		})
	}
}
