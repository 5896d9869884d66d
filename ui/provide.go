package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// provideText says what the Provide screen will offer; it offers nothing yet.
const provideText = "Renting out this machine will be switched on here: registering its " +
	"hardware on-chain, setting a price and a policy, and seeing the jobs it accepts and " +
	"what they earned. Providing is not built yet; the Dashboard shows the hardware found."

// NewProvide builds the Provide screen.
func NewProvide() fyne.CanvasObject { return container.NewVBox(screen(TabProvide, provideText)) }
