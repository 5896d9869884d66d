package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// proofKinds are the nine proof steps in order.
var proofKinds = [9]string{
	"job_received", "escrow_locked", "image_verified", "resources_allocated", "execution_started",
	"execution_finished", "output_hashed", "result_anchored", "payment_released",
}

// proofView draws the nine-step proof chain as linked steps, each with its
// hash and a verified, failed or waiting mark.
type proofView struct {
	content fyne.CanvasObject
	icons   [9]*widget.Icon
	titles  [9]*widget.Label
	hashes  [9]*widget.Label
	marks   [9]*widget.Label
	links   [8]*canvas.Rectangle
}

func newProofView() *proofView {
	v := &proofView{}
	box := container.NewVBox()
	for i := range proofKinds {
		v.icons[i] = widget.NewIcon(theme.RadioButtonIcon())
		v.titles[i] = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		v.hashes[i] = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		v.hashes[i].Truncation = fyne.TextTruncateEllipsis
		v.marks[i] = widget.NewLabel("")
		head := container.NewBorder(nil, nil, v.icons[i], v.marks[i], v.titles[i])
		box.Add(container.NewVBox(head, v.hashes[i]))
		if i < len(v.links) {
			v.links[i] = canvas.NewRectangle(theme.Color(theme.ColorNameDisabled))
			v.links[i].SetMinSize(fyne.NewSize(3, 14))
			box.Add(container.NewHBox(widget.NewLabel(""), v.links[i]))
		}
	}
	v.content = box
	v.set(nil)
	return v
}

// set shows steps (any subset of 1..9); the others show as waiting. It
// runs on the UI goroutine.
func (v *proofView) set(steps []ProofStep) {
	var byIndex [9]*ProofStep
	for i := range steps {
		if n := steps[i].Index; n >= 1 && n <= 9 {
			byIndex[n-1] = &steps[i]
		}
	}
	for i, kind := range proofKinds {
		v.titles[i].SetText(fmt.Sprintf("%d · %s", i+1, kind))
		s := byIndex[i]
		switch {
		case s == nil || s.Mark == ProofPending && s.Hash == "":
			v.icons[i].SetResource(theme.RadioButtonIcon())
			v.hashes[i].SetText("—")
			v.marks[i].Importance = widget.LowImportance
			v.marks[i].SetText("waiting")
		case s.Mark == ProofFailed:
			v.icons[i].SetResource(theme.NewErrorThemedResource(theme.CancelIcon()))
			v.hashes[i].SetText(s.Hash)
			v.marks[i].Importance = widget.DangerImportance
			v.marks[i].SetText("failed: " + s.Reason)
		case s.Mark == ProofVerified:
			v.icons[i].SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
			v.hashes[i].SetText(s.Hash)
			v.marks[i].Importance = widget.SuccessImportance
			v.marks[i].SetText("verified")
		default:
			v.icons[i].SetResource(theme.RadioButtonIcon())
			v.hashes[i].SetText(s.Hash)
			v.marks[i].Importance = widget.WarningImportance
			v.marks[i].SetText("not verified yet")
		}
		if i < len(v.links) {
			next := byIndex[i+1]
			c := theme.Color(theme.ColorNameDisabled)
			if s != nil && s.Mark == ProofVerified && next != nil && next.Mark == ProofVerified {
				c = theme.Color(theme.ColorNameSuccess)
			}
			v.links[i].FillColor = c
			v.links[i].Refresh()
		}
	}
}
