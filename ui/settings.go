package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SettingsInfo is the configuration this instance runs with.
type SettingsInfo struct {
	// DataDir holds the store, the log and crash output.
	DataDir string
	// Network is the network preset, e.g. "LocalNet".
	Network string
	// AlgodURL is the configured algod endpoint; empty means "from LocalNet".
	AlgodURL string
	// LogFile is the path of the log file.
	LogFile string
}

// settingsText explains where the settings come from today.
const settingsText = "This instance runs with the settings below, taken from the command line " +
	"(--data-dir, --network, --algod-url, --algod-token). Changing them from here is not built yet."

// NewSettings builds the Settings screen showing info.
func NewSettings(info SettingsInfo) fyne.CanvasObject {
	url := info.AlgodURL
	if url == "" {
		url = "from the LocalNet manager"
	}
	rows := form(
		"Data directory", wrapped(info.DataDir),
		"Network", wrapped(orNone(info.Network)),
		"algod endpoint", wrapped(url),
		"Log file", wrapped(orNone(info.LogFile)),
	)
	card := screen(TabSettings, settingsText)
	card.SetContent(container.NewVBox(card.Content, rows))
	return container.NewVBox(card)
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapBreak
	return l
}
