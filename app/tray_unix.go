//go:build linux || freebsd || netbsd || openbsd || dragonfly

package app

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// statusNotifierWatcher is the D-Bus name a Linux/BSD tray host owns.
const statusNotifierWatcher = "org.kde.StatusNotifierWatcher"

// trayAvailable reports whether a system tray can show our icon: on
// Linux and the BSDs that needs a StatusNotifierWatcher on the session bus,
// which a bare X server (Xvfb) or a minimal window manager lacks. When it
// returns false, reason says why.
func trayAvailable(ctx context.Context) (ok bool, reason string) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Sprintf("no D-Bus session bus: %v", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false, fmt.Sprintf("D-Bus session bus: auth: %v", err)
	}
	if err := conn.Hello(); err != nil {
		return false, fmt.Sprintf("D-Bus session bus: hello: %v", err)
	}
	var owned bool
	call := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, statusNotifierWatcher)
	if err := call.Store(&owned); err != nil {
		return false, fmt.Sprintf("D-Bus session bus: NameHasOwner: %v", err)
	}
	if !owned {
		return false, "no " + statusNotifierWatcher + " on the D-Bus session bus"
	}
	return true, ""
}
