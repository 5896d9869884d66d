//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

package app

import "context"

// trayAvailable reports true: Windows and macOS always have a tray (menu bar).
func trayAvailable(context.Context) (ok bool, reason string) { return true, "" }
