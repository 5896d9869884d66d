package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/kinetic-compute/kinetic/ui"
)

// trayRefreshInterval is how often the tray menu re-reads the provider
// agent's status.
const trayRefreshInterval = 10 * time.Second

// Tray menu labels.
const (
	trayStart = "Start renting my GPU"
	trayStop  = "Stop renting my GPU"
	trayOpen  = "Open Kinetic"
	trayQuit  = "Quit"
)

// trayApp is the part of desktop.App that the tray menu needs.
type trayApp interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// tray is the system tray menu and the window's close behaviour: while
// this machine provides, closing the window hides it and the app keeps
// earning in the background.
type tray struct {
	app  fyne.App
	win  fyne.Window
	svc  ui.ProviderService // nil when the provider agent is not wired
	quit func()             // cancels the root context, then quits
	log  *slog.Logger
	// spawn runs background work: a goroutine, or inline in tests (the
	// test driver runs fyne.Do at once, on the calling goroutine).
	spawn func(func())

	menu                   *fyne.Menu
	status, earned, toggle *fyne.MenuItem
	mu                     sync.Mutex // guards the fields below, read by the close intercept
	providing, toldHidden  bool
	lastErr                string
	// notify shows a notification of a kind the user may turn off in
	// Settings; nil: always shown.
	notify func(kind NotifyKind, title, body string)
}

// send shows a notification of kind through notify, or directly.
func (t *tray) send(kind NotifyKind, title, body string) {
	if t.notify != nil {
		t.notify(kind, title, body)
		return
	}
	t.app.SendNotification(fyne.NewNotification(title, body))
}

// installTray puts the menu in the system tray and takes over the window's
// close button. Without a tray (trayOK false, or a driver with none) it
// says so once, in the log and as a notification, and leaves the window
// as it is: closing it quits. It returns the tray, or nil without one.
func installTray(a fyne.App, w fyne.Window, trayOK bool, reason string, svc ui.ProviderService, quit func(), log *slog.Logger) *tray {
	desk, ok := a.(trayApp)
	if !ok || !trayOK {
		if !ok {
			reason = "the driver has none"
		}
		log.Warn("no system tray; the window stays open and closing it quits", "reason", reason)
		a.SendNotification(fyne.NewNotification("No system tray",
			"Kinetic keeps its window open: closing it quits and stops renting ("+reason+")."))
		return nil
	}
	t := &tray{app: a, win: w, svc: svc, quit: quit, log: log, spawn: func(f func()) { go f() }}
	t.status = fyne.NewMenuItem("Not renting", nil)
	t.status.Disabled = true
	t.earned = fyne.NewMenuItem("Earned today: —", nil)
	t.earned.Disabled = true
	t.toggle = fyne.NewMenuItem(trayStart, t.flip)
	open := fyne.NewMenuItem(trayOpen, func() {
		w.Show()
		w.RequestFocus()
	})
	q := fyne.NewMenuItem(trayQuit, quit)
	q.IsQuit = true
	items := []*fyne.MenuItem{t.status, t.earned, t.toggle, fyne.NewMenuItemSeparator(), open, q}
	if svc == nil {
		t.status.Label = "Renting needs the provider agent, which this build does not start"
		items = []*fyne.MenuItem{t.status, fyne.NewMenuItemSeparator(), open, q}
	}
	t.menu = fyne.NewMenu(AppName, items...)
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(iconResource())
	w.SetCloseIntercept(t.onClose)
	log.Info("system tray installed; closing the window hides it while renting")
	return t
}

// onClose hides the window while renting and quits otherwise.
func (t *tray) onClose() {
	t.mu.Lock()
	providing, told := t.providing, t.toldHidden
	t.toldHidden = t.toldHidden || providing
	t.mu.Unlock()
	if !providing {
		t.quit()
		return
	}
	t.win.Hide()
	if !told {
		t.app.SendNotification(fyne.NewNotification("Kinetic is still renting",
			"The window is hidden; the tray icon opens it, shows today's earnings and stops renting."))
	}
}

// Run refreshes the menu from the provider agent at once and then every
// interval until ctx ends.
func (t *tray) Run(ctx context.Context, interval time.Duration) {
	if t == nil || t.svc == nil {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		t.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Refresh reads the agent's status off the UI goroutine and shows it.
func (t *tray) Refresh(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := t.svc.Status(qctx)
	if ctx.Err() != nil {
		return
	}
	t.mu.Lock()
	if err == nil {
		t.providing = st.Providing
	}
	t.mu.Unlock()
	fyne.Do(func() { t.show(st, err) })
}

// show writes a status into the menu; it runs on the UI goroutine.
func (t *tray) show(st ui.ProviderStatus, err error) {
	switch {
	case err != nil:
		t.status.Label = "Provider agent: " + err.Error()
		t.notifyError(err.Error())
	case !st.Providing:
		t.status.Label = "Not renting"
	case st.CurrentJob != "":
		t.status.Label = "Renting · running " + st.CurrentJob
	case len(st.Reasons) > 0:
		t.status.Label = "Renting · no jobs: " + reasonsText(st.Reasons)
	default:
		t.status.Label = "Renting · waiting for jobs"
	}
	if err == nil {
		t.earned.Label = "Earned today: " + algoText(st.EarnedToday)
		t.toggle.Label = trayStart
		if st.Providing {
			t.toggle.Label = trayStop
		}
	}
	t.menu.Refresh()
}

// notifyError tells the user about an agent error once per distinct error.
func (t *tray) notifyError(msg string) {
	t.mu.Lock()
	repeat := msg == t.lastErr
	t.lastErr = msg
	t.mu.Unlock()
	if !repeat {
		t.send(NotifyErrors, "Kinetic needs you", "The provider agent reports: "+msg)
	}
}

// flip starts or stops renting off the UI goroutine.
func (t *tray) flip() {
	t.mu.Lock()
	on := !t.providing
	t.mu.Unlock()
	t.toggle.Disabled = true
	t.menu.Refresh()
	t.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		if on {
			err = t.svc.Start(ctx)
		} else {
			err = t.svc.Stop(ctx)
		}
		fyne.Do(func() {
			t.toggle.Disabled = false
			t.menu.Refresh()
		})
		if err != nil {
			t.log.Warn("tray: renting toggle failed", "start", on, "err", err)
			fyne.Do(func() { t.notifyError(err.Error()) })
		}
		t.Refresh(ctx)
	})
}

// reasonsText joins why no jobs arrive.
func reasonsText(rs []ui.NoJobsReason) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, r.Text())
	}
	return strings.Join(parts, "; ")
}

// algoText writes microAlgo as ALGO with up to six decimals.
func algoText(micro uint64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%06d", micro/1e6, micro%1e6), "0"), ".")
	return s + " ALGO"
}
