package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// jobsText says what the Jobs screen will show; no job exists yet.
const jobsText = "Jobs you submit, and jobs this machine runs as a provider, will appear here " +
	"with live progress, their proof of compute and the state of their escrow payment. " +
	"Submitting and running jobs is not built yet, so there are none."

// NewJobs builds the Jobs screen.
func NewJobs() fyne.CanvasObject { return container.NewVBox(screen(TabJobs, jobsText)) }
