package app

import (
	"log/slog"

	"fyne.io/fyne/v2"
)

// trayApp is the part of desktop.App that the tray menu needs.
type trayApp interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// installTray puts Show and Quit in the system tray and makes closing the
// window hide it, so the app keeps running in the background. Without a
// tray (trayOK false, or a driver with none) it only logs why: closing the
// window then quits. It reports whether the tray was installed.
func installTray(a fyne.App, w fyne.Window, trayOK bool, reason string, log *slog.Logger) bool {
	desk, ok := a.(trayApp)
	if !ok {
		log.Info("no system tray: the driver has none; closing the window quits")
		return false
	}
	if !trayOK {
		log.Warn("no system tray; closing the window quits", "reason", reason)
		return false
	}
	show := fyne.NewMenuItem("Show", func() {
		w.Show()
		w.RequestFocus()
	})
	quit := fyne.NewMenuItem("Quit", a.Quit)
	quit.IsQuit = true
	desk.SetSystemTrayMenu(fyne.NewMenu(AppName, show, quit))
	desk.SetSystemTrayIcon(iconResource())
	w.SetCloseIntercept(w.Hide)
	log.Info("system tray installed; closing the window hides it")
	return true
}
