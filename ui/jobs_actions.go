package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
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
	setVisible(d.extract, consumer)
	setEnabled(d.release, job.CanRelease)
	setEnabled(d.dispute, job.CanDispute)
	setEnabled(d.download, job.OutputReady)
	if job.OutputReady {
		d.extract.Enable()
	} else {
		d.extract.Disable()
	}
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
	switch job.State {
	case JobReleased, JobClaimed, JobDisputed, JobRefunded, JobSettled:
		// The escrow box is gone with its rate: say what is known.
		text = fmtMicroAlgo(job.Locked) + " was locked; settled (" + string(job.State) + ")"
		switch {
		case job.State == JobSettled:
			text = fmtMicroAlgo(job.Locked) + " was locked; settled by a transaction this node no longer serves"
		case job.Paid > 0 && job.Role == RoleProvider:
			text += " · " + fmtMicroAlgo(job.Paid) + " paid to you"
		case job.Paid > 0:
			text += " · " + fmtMicroAlgo(job.Paid) + " paid to the provider"
		}
	}
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

// doDownload asks for a folder, then saves the output there: the tar, or
// its files unpacked into a new folder when "Unpack the files" is ticked.
func (d *jobDetail) doDownload() {
	extract := d.extract.Checked
	d.chooseDir(func(dir string) {
		doing, done := "Downloading the output archive…", "Output archive saved to "
		if extract {
			doing, done = "Downloading and unpacking the output…", "Output files unpacked into "
		}
		d.act(doing, func(ctx context.Context, id JobID) (string, error) {
			p, err := d.src.SaveOutput(ctx, id, dir, extract)
			return done + p, err
		})
	})
}

// pickFolder shows Fyne's folder dialog, starting in the user's Downloads
// folder when there is one, and passes the chosen folder to fn.
func (d *jobDetail) pickFolder(fn func(dir string)) {
	win := d.window()
	if win == nil {
		d.report(d.job.ID, "", errors.New("the Jobs screen is not in a window"))
		return
	}
	fd := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		switch {
		case err != nil:
			d.report(d.job.ID, "", fmt.Errorf("choose a folder: %w", err))
		case u == nil: // cancelled
		case u.Scheme() != "file":
			d.report(d.job.ID, "", fmt.Errorf("%s is not a folder on this computer; choose a local folder", u))
		default:
			fn(u.Path())
		}
	}, win)
	if home, err := os.UserHomeDir(); err == nil {
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Join(home, "Downloads"))); err == nil {
			fd.SetLocation(l)
		}
	}
	fd.SetConfirmText("Save here")
	fd.Show()
}

// window is the window showing the Jobs screen, for its dialogs.
func (d *jobDetail) window() fyne.Window {
	app := fyne.CurrentApp()
	if app == nil {
		return nil
	}
	c := app.Driver().CanvasForObject(d.content)
	for _, w := range app.Driver().AllWindows() {
		if c != nil && w.Canvas() == c {
			return w
		}
	}
	return nil
}

// Confirmation texts of the two irreversible settlements.
const (
	releaseTitle = "Release the payment?"
	disputeTitle = "Dispute this job?"
)

// releaseText says exactly what a release moves, and to whom.
func releaseText(id JobID, s JobSettlement) string {
	return fmt.Sprintf("Job %s\n\n"+
		"The escrow pays %s to the provider %s\n(%s billed at %s per hour).\n\n"+
		"It returns %s to your account %s\n(the %s of the locked %s the bill leaves, plus the %s box deposit).\n\n"+
		"The network fee of the call is paid from your account.\nA release cannot be undone.",
		shortAddr(id.String()), formatAlgo(s.Bill), s.Provider, fmtSeconds(s.BilledSeconds), formatAlgo(s.RatePerHour),
		formatAlgo(s.ReleaseRefund()), s.Consumer, formatAlgo(s.Locked-min(s.Bill, s.Locked)), formatAlgo(s.Locked), formatAlgo(s.BoxDeposit))
}

// disputeText says what the Escrow does on a dispute.
func disputeText(id JobID, s JobSettlement) string {
	return fmt.Sprintf("Job %s\n\n"+
		"The escrow returns everything to your account %s: %s\n(the locked %s plus the %s box deposit).\n\n"+
		"The provider %s is paid nothing for its %s billed (%s),\nand the registry records a dispute against it.\n\n"+
		"Dispute only a result that is wrong. The network fee of the call is paid from your account.\nA dispute cannot be undone.",
		shortAddr(id.String()), s.Consumer, formatAlgo(s.DisputeRefund()), formatAlgo(s.Locked), formatAlgo(s.BoxDeposit),
		s.Provider, fmtSeconds(s.BilledSeconds), formatAlgo(s.Bill))
}

// doRelease reads what a release would move, asks, and releases on "Release".
func (d *jobDetail) doRelease() {
	d.settle(releaseTitle, "Release", releaseText, func() {
		d.act("Releasing payment…", simple(d.src.Release, "Payment released."))
	})
}

// doDispute reads what a dispute would return, asks, and disputes on "Dispute".
func (d *jobDetail) doDispute() {
	d.settle(disputeTitle, "Dispute", disputeText, func() {
		d.act("Opening a dispute…", simple(d.src.Dispute, "Dispute opened."))
	})
}

// settle reads the open job's settlement off the UI goroutine and asks the
// user to confirm it; yes runs only on confirmation.
func (d *jobDetail) settle(title, confirm string, text func(JobID, JobSettlement) string, yes func()) {
	id := d.job.ID
	d.result.Importance = widget.MediumImportance
	d.result.SetText("Reading the escrow…")
	d.spawn(func() {
		ctx, cancel := context.WithTimeout(context.Background(), actionTimeout)
		defer cancel()
		s, err := d.src.Settlement(ctx, id)
		fyne.Do(func() {
			if d.job.ID != id {
				return
			}
			if err != nil {
				d.report(id, "", fmt.Errorf("could not read what the escrow would pay: %w", err))
				return
			}
			d.result.SetText("")
			d.confirm(title, text(id, s), confirm, func(ok bool) {
				if ok && d.job.ID == id {
					yes()
					return
				}
				d.result.SetText("Nothing was sent.")
			})
		})
	})
}

// confirmDialog asks with Fyne's confirmation dialog.
func (d *jobDetail) confirmDialog(title, text, confirm string, fn func(bool)) {
	win := d.window()
	if win == nil {
		fn(false)
		return
	}
	msg := widget.NewLabel(text) // its lines are broken where they should be
	c := dialog.NewCustomConfirm(title, confirm, "Cancel", msg, fn, win)
	c.SetConfirmImportance(widget.DangerImportance)
	c.Show()
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
