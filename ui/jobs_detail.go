package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// maxLogLines caps the lines the log view keeps; older ones are dropped.
const maxLogLines = 10_000

// jobDetail is the Jobs screen's pane for the selected job.
type jobDetail struct {
	src     JobSource
	now     func() time.Time
	spawn   func(func()) // a goroutine; inline in tests
	content fyne.CanvasObject

	// chooseDir picks the folder the output is saved in (Fyne's folder
	// dialog); confirm asks before a release or a dispute (Fyne's
	// confirmation dialog). Tests may replace them.
	chooseDir func(func(dir string))
	confirm   func(title, text, confirm string, fn func(bool))

	card                       *widget.Card
	id, state, peer, funds     *widget.Label
	result                     *widget.Label
	progress                   *widget.ProgressBar
	topUp                      *widget.Entry
	topUpBtn, release, dispute *widget.Button
	download                   *widget.Button
	extract                    *widget.Check
	txns                       *fyne.Container
	proof                      *proofView
	logs                       []string
	logList                    *widget.List
	body                       *fyne.Container

	job    JobDetail
	cancel context.CancelFunc // the open job's stream and requests
}

func newJobDetail(src JobSource, now func() time.Time) *jobDetail {
	d := &jobDetail{src: src, now: now, spawn: func(f func()) { go f() }}
	d.card = widget.NewCard("Select a job", "Its progress, live log, proof chain and payments show here.", nil)
	d.state, d.peer, d.funds, d.result = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	d.funds.Wrapping, d.result.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	d.id = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	d.id.Wrapping = fyne.TextWrapBreak
	d.peer.Wrapping = fyne.TextWrapBreak
	d.progress = widget.NewProgressBar()
	d.topUp = widget.NewEntry()
	d.topUp.SetPlaceHolder("ALGO")
	d.topUpBtn = widget.NewButton("Top up", d.doTopUp)
	d.release = widget.NewButton("Release payment", d.doRelease)
	d.release.Importance = widget.HighImportance
	d.dispute = widget.NewButton("Dispute", d.doDispute)
	d.dispute.Importance = widget.DangerImportance
	d.download = widget.NewButton("Download output…", d.doDownload)
	d.extract = widget.NewCheck("Unpack the files", nil)
	d.txns = container.NewVBox()
	d.proof = newProofView()
	d.logList = widget.NewList(func() int { return len(d.logs) },
		func() fyne.CanvasObject {
			return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(d.logs[id]) })

	actions := container.NewHBox(d.release, d.dispute, d.download, d.extract)
	funds := container.NewBorder(nil, nil, nil, container.NewHBox(container.NewGridWrap(fyne.NewSize(100, 36), d.topUp), d.topUpBtn), d.funds)
	logs := container.NewGridWrap(fyne.NewSize(560, 160), d.logList)
	d.body = container.NewVBox(
		form("Job id", d.id, "State", d.state, "Other party", d.peer), d.progress, funds, actions, d.result,
		widget.NewLabelWithStyle("Proof of compute", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.proof.content,
		widget.NewLabelWithStyle("On-chain transactions", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.txns,
		widget.NewLabelWithStyle("Live log", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), logs)
	d.body.Hide()
	d.content = container.NewVScroll(container.NewVBox(d.card, d.body))
	d.chooseDir, d.confirm = d.pickFolder, d.confirmDialog
	return d
}

// close stops the open job's stream and requests.
func (d *jobDetail) close() {
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
	}
}

// open loads job id and follows its live events; the previously open
// job's stream is cancelled. It runs on the UI goroutine.
func (d *jobDetail) open(id JobID) {
	d.close()
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.card.SetTitle("Job " + shortAddr(id.String()))
	d.card.SetSubTitle("Loading…")
	d.logs = nil
	d.logList.Refresh()
	d.spawn(func() {
		job, err := d.src.Job(ctx, id)
		if ctx.Err() != nil {
			return
		}
		fyne.Do(func() {
			if err != nil {
				d.card.SetSubTitle("Could not load the job: " + err.Error())
				d.body.Hide()
				return
			}
			d.show(job)
		})
		if err == nil && (job.State == JobRunning || job.State == JobPending) {
			d.follow(ctx, id)
		}
	})
}

// follow feeds the job's live events through a coalescer, so the widgets
// are touched at most once per CoalesceInterval. It blocks until the
// stream ends or ctx does.
func (d *jobDetail) follow(ctx context.Context, id JobID) {
	var c coalescer
	cctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(cctx, CoalesceInterval, func(b []JobEvent) { fyne.Do(func() { d.applyEvents(id, b) }) })
	}()
	err := d.src.Follow(ctx, id, c.add)
	stop()
	<-done
	if err != nil && ctx.Err() == nil {
		fyne.Do(func() {
			if d.job.ID == id {
				d.card.SetSubTitle("Live stream ended: " + err.Error())
			}
		})
	}
}

// applyEvents applies one batch of live events. It runs on the UI goroutine.
func (d *jobDetail) applyEvents(id JobID, batch []JobEvent) {
	if d.job.ID != id {
		return
	}
	for _, ev := range batch {
		if ev.Log != "" {
			d.logs = append(d.logs, ev.Log)
		}
		if ev.Progress > 0 {
			d.job.Progress = ev.Progress
		}
		if ev.Step != nil {
			d.job.Proof = append(d.job.Proof, *ev.Step)
		}
		if ev.State != "" {
			d.job.State = ev.State
		}
	}
	if n := len(d.logs) - maxLogLines; n > 0 {
		d.logs = append([]string(nil), d.logs[n:]...)
	}
	d.logList.Refresh()
	d.logList.ScrollToBottom()
	d.show(d.job)
}
