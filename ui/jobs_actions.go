package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// actionTimeout bounds one release, dispute, top-up or download request.
const actionTimeout = 2 * time.Minute

// show fills the pane with job. It runs on the UI goroutine.
func (d *jobDetail) show(job JobDetail) {
	d.job = job
	d.card.SetTitle("Job " + shortAddr(job.ID.String()))
	d.id.SetText(job.ID.String())
	d.card.SetSubTitle(job.Image)
	d.state.SetText(string(job.State))
	who := "provider "
	if job.Role == RoleProvider {
		who = "consumer "
	}
	d.peer.SetText(who + job.Peer)
	d.progress.SetValue(job.Progress)
	d.proof.set(job.Proof)
	d.showFunds(job)
	consumer := job.Role == RoleConsumer
	setVisible(d.release, consumer)
	setVisible(d.dispute, consumer)
	setVisible(d.download, consumer)
	setEnabled(d.release, job.CanRelease)
	setEnabled(d.dispute, job.CanDispute)
	setEnabled(d.download, job.OutputReady)
	d.txns.RemoveAll()
	if len(job.Txns) == 0 {
		d.txns.Add(widget.NewLabel("None yet"))
	}
	for _, tx := range job.Txns {
		l := widget.NewLabelWithStyle(fmt.Sprintf("%s · round %d · %s", tx.What, tx.Round, tx.TxID),
			fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		l.Wrapping = fyne.TextWrapBreak
		d.txns.Add(l)
	}
	d.body.Show()
	d.content.Refresh()
}

// showFunds says how long the locked funds last and offers a top-up while
// a submitted-from-here job runs.
func (d *jobDetail) showFunds(job JobDetail) {
	running := job.State == JobRunning || job.State == JobPending
	canTopUp := job.Role == RoleConsumer && running
	setVisible(d.topUp, canTopUp)
	setVisible(d.topUpBtn, canTopUp)
	text := fmtMicroAlgo(job.Locked) + " locked at " + fmtMicroAlgo(job.Rate) + "/h"
	d.funds.Importance = widget.MediumImportance
	if running && !job.FundsUntil.IsZero() {
		left := job.FundsUntil.Sub(d.now())
		if left <= 0 {
			text += " · the funds have run out"
		} else {
			text += " · funds run out " + fmtUntil(d.now(), job.FundsUntil)
		}
		if left <= LowFundsWarning {
			d.funds.Importance = widget.DangerImportance
		}
	}
	d.funds.SetText(text)
}

// act runs one of the job's calls off the UI goroutine and reports on it:
// call returns the message to show on success.
func (d *jobDetail) act(doing string, call func(context.Context, JobID) (string, error)) {
	id := d.job.ID
	d.result.Importance = widget.MediumImportance
	d.result.SetText(doing)
	d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		done, err := call(ctx, id)
		fyne.Do(func() { d.report(id, done, err) })
	})
}

// simple adapts a call without a result message to act.
func simple(call func(context.Context, JobID) error, done string) func(context.Context, JobID) (string, error) {
	return func(ctx context.Context, id JobID) (string, error) { return done, call(ctx, id) }
}

// report shows an action's outcome if its job is still the open one.
func (d *jobDetail) report(id JobID, done string, err error) {
	if d.job.ID != id {
		return
	}
	if err != nil {
		d.result.Importance = widget.DangerImportance
		d.result.SetText("Failed: " + err.Error())
		return
	}
	d.result.Importance = widget.SuccessImportance
	d.result.SetText(done)
}

func (d *jobDetail) doTopUp() {
	amount, err := parseAlgo(d.topUp.Text)
	if err != nil || amount == 0 {
		d.result.Importance = widget.DangerImportance
		d.result.SetText("Top-up must be an ALGO amount above 0, e.g. 0.5")
		return
	}
	d.act("Topping up "+fmtMicroAlgo(amount)+"…", simple(func(ctx context.Context, id JobID) error {
		return d.src.TopUp(ctx, id, amount)
	}, "Topped up "+fmtMicroAlgo(amount)+"."))
}

func (d *jobDetail) doDownload() {
	d.chooseDir(func(dir string) {
		d.act("Downloading the output…", func(ctx context.Context, id JobID) (string, error) {
			p, err := d.src.Download(ctx, id, dir)
			return "Output saved to " + p, err
		})
	})
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}
