package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"

	"github.com/kinetic-compute/kinetic/ui"
)

// Low-funds thresholds of the active account's spendable balance, in
// microAlgos: below lowFundsBelow the user is told once; the warning is
// armed again when the balance is back above lowFundsRearm.
const (
	lowFundsBelow = 1_000_000
	lowFundsRearm = 2_000_000
	lowFundsEvery = time.Minute
)

// notifier sends the desktop notifications the user keeps on in Settings;
// it reads the preferences afresh for each, so a change applies at once.
type notifier struct {
	app   fyne.App
	prefs *PreferenceStore // nil: every kind is on
	log   *slog.Logger
}

// send shows title and body unless the user turned kind off.
func (n notifier) send(kind NotifyKind, title, body string) {
	if n.prefs != nil && !n.prefs.Wants(kind) {
		n.log.Debug("notification off in Settings", "title", title)
		return
	}
	n.app.SendNotification(fyne.NewNotification(title, body))
}

// jobNoteKind is the Settings kind of a notification the Jobs screen sends
// (by its title, one of the ui.Note constants).
func jobNoteKind(title string) NotifyKind {
	switch title {
	case ui.NoteFundsLow:
		return NotifyLowFunds
	case ui.NotePaymentReceived:
		return NotifyPaymentReceived
	}
	return NotifyJobFinished // finished, failed, disputed
}

// lowFunds tells the user once when the spendable balance of an account
// falls under lowFundsBelow, and again only after it has risen above
// lowFundsRearm.
type lowFunds struct {
	warned bool
}

// check looks at one reading of addr's spendable balance and returns the
// notification to show, if any.
func (l *lowFunds) check(addr string, spendable uint64) (title, body string, ok bool) {
	switch {
	case spendable < lowFundsBelow && !l.warned:
		l.warned = true
		return "Account balance low", fmt.Sprintf("%s has %s spendable: top it up (Wallet → Receive) before jobs or fees are refused.",
			addr, algoText(spendable)), true
	case spendable > lowFundsRearm:
		l.warned = false
	}
	return "", "", false
}

// watchLowFunds reads the active account's spendable balance every
// lowFundsEvery until ctx ends and notifies when it runs low. A node or
// wallet that is not available yet is tried again at the next reading.
func watchLowFunds(ctx context.Context, conn *marketConn, n notifier) {
	var l lowFunds
	last := ""
	for {
		if env, err := conn.open(ctx); err == nil {
			addr := env.signer.Address().String()
			if addr != last {
				l, last = lowFunds{}, addr
			}
			if info, err := env.algod.AccountInformation(addr).Do(ctx); err == nil {
				spendable := uint64(0)
				if info.Amount > info.MinBalance {
					spendable = info.Amount - info.MinBalance
				}
				if title, body, ok := l.check(addr, spendable); ok {
					n.send(NotifyLowFunds, title, body)
				}
			}
		}
		if !sleepCtx(ctx, lowFundsEvery) {
			return
		}
	}
}
