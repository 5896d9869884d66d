package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Titles of the notifications the Jobs screen sends through its notify
// function, so that app/ can tell their kinds apart (Settings turns each
// kind on or off).
const (
	NoteFundsLow        = "Funds running low"
	NoteJobFinished     = "Job finished"
	NotePaymentReceived = "Payment received"
	NoteJobFailed       = "Job failed"
	NoteJobDisputed     = "Job disputed"
)

// LowFundsWarning is how long before a running job's funds run out the
// user is told (in the detail pane and by a notification).
const LowFundsWarning = 5 * time.Minute

// Role filter choices.
const (
	rolesAll      = "All jobs"
	rolesConsumer = "Submitted from here"
	rolesProvider = "Run on this machine"
)

// Jobs lists the jobs of both roles with status chips, and shows the
// selected one in a detail pane. Create it with NewJobs, place Content in a
// window and call Run from a goroutine.
type Jobs struct {
	src     JobSource
	now     func() time.Time
	notify  func(title, body string)
	content fyne.CanvasObject

	all, shown []JobSummary
	loaded     bool               // whether all holds an answer
	seen       map[JobID]JobState // states at the last poll, for notifications
	warned     map[JobID]bool     // low-funds notifications sent

	roles  *widget.Select
	status *widget.Label
	list   *widget.List
	detail *jobDetail
}

// NewJobs builds the Jobs screen over src. notify, when not nil, sends a
// system notification (title, body); the screen calls it when a job
// finishes, a payment arrives, funds run low or a job fails.
func NewJobs(src JobSource, notify func(title, body string)) *Jobs {
	j := &Jobs{src: src, now: time.Now, notify: notify, seen: map[JobID]JobState{}, warned: map[JobID]bool{}}
	j.status = widget.NewLabel("Loading jobs…")
	j.roles = widget.NewSelect([]string{rolesAll, rolesConsumer, rolesProvider}, func(string) { j.refilter() })
	j.list = widget.NewList(func() int { return len(j.shown) }, newJobRow, j.updateRow)
	j.detail = newJobDetail(src, j.now)
	j.list.OnSelected = func(id widget.ListItemID) { j.detail.open(j.shown[id].ID) }
	j.roles.SetSelectedIndex(0)
	split := container.NewHSplit(j.list, j.detail.content)
	split.SetOffset(0.4)
	j.content = container.NewBorder(container.NewBorder(nil, nil, nil, j.roles, j.status), nil, nil, nil, split)
	return j
}

// Content returns the screen's root object.
func (j *Jobs) Content() fyne.CanvasObject { return j.content }

// Close stops the detail pane's live stream.
func (j *Jobs) Close() { j.detail.close() }

// Run refreshes the list at once and then every interval until ctx ends.
func (j *Jobs) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		j.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh lists the jobs off the UI goroutine and applies the answer.
func (j *Jobs) Refresh(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	js, err := j.src.Jobs(qctx)
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if err != nil {
			j.status.Importance = widget.DangerImportance
			j.status.SetText("Could not list jobs: " + err.Error())
			return
		}
		j.status.Importance = widget.MediumImportance
		j.notifyChanges(js)
		j.all, j.loaded = js, true
		j.refilter()
	})
}

func (j *Jobs) refilter() {
	if j.list == nil || !j.loaded { // still being built, or nothing listed yet
		return
	}
	j.shown = j.shown[:0]
	for _, s := range j.all {
		switch j.roles.Selected {
		case rolesConsumer:
			if s.Role != RoleConsumer {
				continue
			}
		case rolesProvider:
			if s.Role != RoleProvider {
				continue
			}
		}
		j.shown = append(j.shown, s)
	}
	j.list.Refresh()
	switch {
	case len(j.all) == 0:
		j.status.SetText("No jobs yet: submit one from Submit job, or rent out your GPU to run others'.")
	default:
		j.status.SetText(fmt.Sprintf("%d of %d jobs", len(j.shown), len(j.all)))
	}
}

// notifyChanges sends a notification for each change worth the user's
// attention since the previous poll; the first poll only records states.
func (j *Jobs) notifyChanges(js []JobSummary) {
	first := len(j.seen) == 0
	for _, s := range js {
		before, known := j.seen[s.ID]
		j.seen[s.ID] = s.State
		if j.notify == nil || first {
			continue
		}
		id := shortAddr(s.ID.String())
		if s.Role == RoleConsumer && s.State == JobRunning && !s.FundsUntil.IsZero() &&
			s.FundsUntil.Sub(j.now()) <= LowFundsWarning && !j.warned[s.ID] {
			j.warned[s.ID] = true
			j.notify(NoteFundsLow, fmt.Sprintf("Job %s runs out of locked funds %s; top it up in Jobs.", id, fmtUntil(j.now(), s.FundsUntil)))
		}
		if known && before == s.State {
			continue
		}
		switch {
		case s.Role == RoleConsumer && s.State == JobSubmitted:
			j.notify(NoteJobFinished, fmt.Sprintf("Job %s finished: its output and proof are checked before the payment is released.", id))
		case s.Role == RoleProvider && (s.State == JobReleased || s.State == JobClaimed):
			j.notify(NotePaymentReceived, fmt.Sprintf("Job %s was %s: %s is in your account.", id, s.State, fmtMicroAlgo(s.Paid)))
		case s.Role == RoleProvider && s.State == JobSettled:
			// Not "payment received": the settlement may have been a dispute.
			j.notify(NoteJobFinished, fmt.Sprintf("Job %s was settled, but this node no longer serves the blocks that say how: see Provide for what it paid.", id))
		case s.State == JobFailed:
			j.notify(NoteJobFailed, fmt.Sprintf("Job %s failed; open Jobs for the log and the escrow state.", id))
		case s.Role == RoleConsumer && s.State == JobDisputed:
			j.notify(NoteJobDisputed, fmt.Sprintf("Job %s was disputed: its locked funds went back to your account and nothing was paid.", id))
		case s.Role == RoleProvider && s.State == JobDisputed:
			j.notify(NoteJobDisputed, fmt.Sprintf("Job %s was disputed by its consumer: it paid you nothing. Open Jobs for its proof.", id))
		}
	}
}

// fmtUntil says how long from now until t: "in 4 min (at 12:04)".
func fmtUntil(now, t time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return "now"
	}
	return fmt.Sprintf("in %s (at %s)", fmtSeconds(uint64(d/time.Second)), t.Local().Format("15:04"))
}

// chip is a coloured rounded label naming a job's state.
type chip struct {
	bg   *canvas.Rectangle
	text *canvas.Text
	box  *fyne.Container
}

func newChip() *chip {
	c := &chip{bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("submitted", color.White)}
	c.bg.CornerRadius = 8
	c.text.TextSize = theme.CaptionTextSize()
	c.text.Alignment = fyne.TextAlignCenter
	c.box = container.NewStack(c.bg, container.NewPadded(c.text))
	return c
}

// set shows state s in its colour.
func (c *chip) set(s JobState) {
	c.text.Text = string(s)
	c.bg.FillColor = stateColor(s)
	c.text.Refresh()
	c.bg.Refresh()
}

// stateColor is each state's chip colour.
func stateColor(s JobState) color.Color {
	switch s {
	case JobRunning:
		return color.NRGBA{0x1e, 0x6f, 0xd9, 0xff}
	case JobSubmitted:
		return color.NRGBA{0x8a, 0x5c, 0xd6, 0xff}
	case JobReleased, JobClaimed:
		return color.NRGBA{0x2e, 0x8b, 0x57, 0xff}
	case JobFailed, JobDisputed:
		return color.NRGBA{0xc0, 0x39, 0x2b, 0xff}
	}
	return color.NRGBA{0x6b, 0x6b, 0x6b, 0xff}
}

// jobRow is the template of one Jobs list row.
type jobRow struct {
	widget.BaseWidget
	chip        *chip
	title, meta *widget.Label
	box         fyne.CanvasObject
}

func newJobRow() fyne.CanvasObject {
	r := &jobRow{chip: newChip(), title: widget.NewLabel("job"), meta: widget.NewLabel("meta")}
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.meta.Importance = widget.LowImportance
	r.meta.Truncation = fyne.TextTruncateEllipsis
	r.box = container.NewBorder(nil, nil, container.NewCenter(r.chip.box), nil, container.NewVBox(r.title, r.meta))
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer draws the row.
func (r *jobRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (j *Jobs) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(j.shown) {
		return
	}
	s, r := j.shown[id], o.(*jobRow)
	r.chip.set(s.State)
	r.title.SetText(shortAddr(s.ID.String()) + " · " + s.Image)
	r.meta.SetText(rowMeta(s))
}

// rowMeta is a row's second line: who the job is with (worded so that it
// never reads as a state: the chip shows that), what the escrow holds or,
// once settled, what went to the provider where it is known, and when the
// job was created or settled.
func rowMeta(s JobSummary) string {
	parts := []string{"to provider " + shortAddr(s.Peer)}
	if s.Role == RoleProvider {
		parts[0] = "for consumer " + shortAddr(s.Peer)
	}
	switch s.State {
	case JobPending, JobRunning, JobSubmitted:
		parts = append(parts, fmtMicroAlgo(s.Locked)+" locked")
	case JobReleased, JobClaimed:
		if s.Paid > 0 {
			parts = append(parts, fmtMicroAlgo(s.Paid)+" paid")
		}
	}
	switch {
	case !s.Settled.IsZero():
		parts = append(parts, "settled "+s.Settled.Local().Format("Jan 2 15:04"))
	case !s.Created.IsZero():
		parts = append(parts, "created "+s.Created.Local().Format("Jan 2 15:04"))
	}
	return strings.Join(parts, " · ")
}
