package ui

import (
	"context"
	"fmt"
	"image/color"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"
)

// The Wallet screen's account view: overview (balance, earnings, receive,
// activity chart) and history. Part of the Wallet screen (wallet.go).

// Chart colours: spent in red, earned in green, in both themes.
var (
	spentColor  = color.NRGBA{R: 0xe5, G: 0x48, B: 0x4d, A: 0xff}
	earnedColor = color.NRGBA{R: 0x30, G: 0xa4, B: 0x6c, A: 0xff}
)

const loadingValue = "loading…"

func (w *Wallet) buildOverview() {
	value := func() *widget.Label { return widget.NewLabel(loadingValue) }
	w.accountSel = widget.NewSelect(nil, nil)
	w.balance, w.spendable, w.minBalance, w.asOf = value(), value(), value(), value()
	w.settled, w.pending = value(), value()
	w.address = widget.NewLabel("")
	w.address.Wrapping = fyne.TextWrapBreak
	w.address.TextStyle.Monospace = true
	w.copyStatus = widget.NewLabel("")
	w.copyStatus.Importance = widget.LowImportance
	copyBtn := widget.NewButtonWithIcon("Copy address", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(w.selected)
		w.copyStatus.SetText("Address copied")
	})
	w.qr = canvas.NewImageFromImage(nil)
	w.qr.FillMode = canvas.ImageFillContain
	w.qr.ScaleMode = canvas.ImageScalePixels
	w.qr.SetMinSize(fyne.NewSize(168, 168))
	w.chart = NewDailyChart()
	w.activitySum = widget.NewLabel(loadingValue)
	w.activitySum.Wrapping = fyne.TextWrapWord

	balance := widget.NewCard("Balance", "", form(
		"Balance", w.balance, "Spendable", w.spendable,
		"Locked minimum", w.minBalance, "As of", w.asOf))
	w.settled.Wrapping, w.pending.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	earnings := widget.NewCard("Provider earnings", "", form(
		"Settled", w.settled, "Pending in escrow", w.pending))
	receive := widget.NewCard("Receive", "Send ALGO to this address",
		container.NewBorder(nil, container.NewHBox(copyBtn, w.copyStatus), nil, w.qr, w.address))
	activity := widget.NewCard("Last 30 days", "ALGO spent (fees included) and earned per day",
		container.NewVBox(w.chart, w.activitySum))
	w.overview = container.NewVBox(
		container.NewGridWithColumns(2, container.NewVBox(balance, earnings), receive),
		activity)

	w.historyMsg = widget.NewLabel(loadingValue)
	w.historyMsg.Wrapping = fyne.TextWrapWord
	w.history = widget.NewList(
		func() int { return len(w.entries) },
		func() fyne.CanvasObject {
			main := widget.NewLabel("")
			sub := widget.NewLabel("")
			sub.Importance = widget.LowImportance
			sub.TextStyle.Monospace = true
			return container.NewVBox(main, sub)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			box := o.(*fyne.Container)
			e := w.entries[id]
			box.Objects[0].(*widget.Label).SetText(historyLine(e))
			box.Objects[1].(*widget.Label).SetText(historyDetail(e))
		})
}

// historyLine is a history row's headline: when, what and how much.
func historyLine(e WalletEntry) string {
	s := e.Time.Local().Format("2006-01-02 15:04") + " · " + e.Label + " · " + formatSignedAlgo(e.Amount)
	if e.Fee > 0 {
		s += " · fee " + formatAlgo(e.Fee)
	}
	return s
}

// historyDetail names the counterparty, the job and the transaction.
func historyDetail(e WalletEntry) string {
	s := "tx " + e.TxID
	if e.Counterparty != "" {
		s = "with " + shortAddress(e.Counterparty) + " · " + s
	}
	if e.JobID != "" {
		s += " · job " + shortAddress(e.JobID)
	}
	return s
}

// accountSnapshot is one account's data, read off the UI goroutine.
type accountSnapshot struct {
	addr        string
	balance     WalletBalance
	balanceErr  error
	history     []WalletEntry
	historyErr  error
	activity    []ActivityDay
	activityErr error
	earnings    Earnings
	earningsErr error
	from        time.Time
}

// loadAccount reads addr's data concurrently and shows it. A newer load
// cancels an older one, so switching accounts quickly shows only the last.
func (w *Wallet) loadAccount(ctx context.Context, addr string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.mu.Lock()
	if w.cancelLoad != nil {
		w.cancelLoad()
	}
	w.cancelLoad = cancel
	w.mu.Unlock()

	fyne.Do(func() { w.showLoading(addr) })
	s := accountSnapshot{addr: addr, from: dayStart(w.now()).AddDate(0, 0, 1-activityDays)}
	var wg sync.WaitGroup
	wg.Go(func() { s.balance, s.balanceErr = w.svc.Balance(ctx, addr) })
	wg.Go(func() { s.history, s.historyErr = w.svc.History(ctx, addr) })
	wg.Go(func() { s.activity, s.activityErr = w.svc.Activity(ctx, addr, s.from) })
	wg.Go(func() { s.earnings, s.earningsErr = w.svc.Earnings(ctx, addr) })
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if w.selected == addr {
			w.applyAccount(s)
		}
	})
}

func (w *Wallet) showLoading(addr string) {
	if w.selected != addr {
		return
	}
	for _, l := range []*widget.Label{w.balance, w.spendable, w.minBalance, w.asOf, w.settled, w.pending, w.activitySum, w.historyMsg} {
		l.Importance = widget.MediumImportance
		l.SetText(loadingValue)
	}
	w.showQR(addr)
}

func (w *Wallet) showQR(addr string) {
	q, err := qrcode.New("algorand://"+addr, qrcode.Medium)
	if err != nil {
		w.qr.Image = nil
	} else {
		q.DisableBorder = false
		w.qr.Image = q.Image(256)
	}
	w.qr.Refresh()
}

func (w *Wallet) applyAccount(s accountSnapshot) {
	if s.balanceErr != nil {
		warn(w.balance, "could not read: "+s.balanceErr.Error())
		for _, l := range []*widget.Label{w.spendable, w.minBalance, w.asOf} {
			l.SetText(noValue)
		}
	} else {
		w.balance.Importance = widget.MediumImportance
		w.balance.SetText(formatAlgo(s.balance.Amount))
		w.spendable.SetText(formatAlgo(s.balance.Spendable))
		w.minBalance.SetText(formatAlgo(s.balance.MinBalance))
		w.asOf.SetText("round " + itoa(s.balance.Round))
	}
	w.applyEarnings(s.earnings, s.earningsErr)
	w.applyActivity(s.activity, s.activityErr, s.from)
	switch {
	case s.historyErr != nil:
		w.entries = nil
		warn(w.historyMsg, "Could not read the history: "+s.historyErr.Error())
	case len(s.history) == 0:
		w.entries = nil
		w.historyMsg.SetText("No transactions recorded for this account yet.")
	default:
		w.entries = s.history
		if len(s.history) == 1 {
			w.historyMsg.SetText("1 transaction, newest first")
		} else {
			w.historyMsg.SetText(itoa(uint64(len(s.history))) + " transactions, newest first")
		}
	}
	w.history.Refresh()
}

func (w *Wallet) applyEarnings(e Earnings, err error) {
	if err != nil {
		warn(w.settled, "could not read: "+err.Error())
		w.pending.SetText(noValue)
		return
	}
	w.settled.Importance = widget.MediumImportance
	switch {
	case e.Jobs != nil:
		w.settled.SetText(fmt.Sprintf("%s from %d job%s", e.Jobs.settledText(false), e.Jobs.SettledJobs, plural(e.Jobs.SettledJobs)))
	default:
		w.settled.SetText(formatAlgo(e.Settled))
	}
	switch {
	case e.Jobs != nil:
		w.pending.SetText(e.Jobs.pendingText())
	case e.PendingKnown:
		w.pending.SetText(formatAlgo(e.Pending))
	default:
		w.pending.SetText("not tracked until the provider agent runs")
	}
}

func (w *Wallet) applyActivity(days []ActivityDay, err error, from time.Time) {
	if err != nil {
		w.chart.SetData(nil, nil)
		warn(w.activitySum, "Could not read the activity: "+err.Error())
		return
	}
	spent, earned := dailySeries(days, from, activityDays)
	dates := make([]time.Time, activityDays)
	for i := range dates {
		dates[i] = from.AddDate(0, 0, i)
	}
	w.chart.SetData(dates, []ChartSeries{
		{Name: "spent", Color: spentColor, Values: spent},
		{Name: "earned", Color: earnedColor, Values: earned}})
	var ts, te uint64
	for _, d := range days {
		ts += d.Spent
		te += d.Earned
	}
	w.activitySum.Importance = widget.MediumImportance
	if ts == 0 && te == 0 {
		w.activitySum.SetText("No ALGO moved in the last 30 days.")
		return
	}
	w.activitySum.SetText("Spent " + formatAlgo(ts) + " (fees included) · earned " + formatAlgo(te))
}

// dailySeries places days into n daily buckets starting at from, in ALGO.
func dailySeries(days []ActivityDay, from time.Time, n int) (spent, earned []float64) {
	spent, earned = make([]float64, n), make([]float64, n)
	for _, d := range days {
		i := int(dayStart(d.Day).Sub(from).Round(time.Hour).Hours() / 24)
		if i >= 0 && i < n {
			spent[i] += float64(d.Spent) / microPerAlgo
			earned[i] += float64(d.Earned) / microPerAlgo
		}
	}
	return spent, earned
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// warn shows text in a label as a warning.
func warn(l *widget.Label, text string) {
	l.Importance = widget.WarningImportance
	l.SetText(text)
}
