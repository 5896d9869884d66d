package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Tab titles, in the order the navigation shows them.
const (
	TabMarketplace = "Marketplace"
	TabJobs        = "Jobs"
	TabWallet      = "Wallet"
	TabProvide     = "Provide"
	TabDashboard   = "Dashboard"
	TabSettings    = "Settings"
)

// Screens are the main window's screens. Marketplace and Jobs may be nil
// until the market is wired; their tabs then say what they will show.
type Screens struct {
	// Marketplace and Jobs are optional (see above).
	Marketplace, Jobs fyne.CanvasObject
	// Wallet, Provide and Settings are the screens' root objects.
	Wallet, Provide, Settings fyne.CanvasObject
	// Dashboard is selected when the window opens.
	Dashboard *Dashboard
}

// NewNavigation joins the screens in tabs down the leading edge of the
// window, with the Dashboard selected.
func NewNavigation(s Screens) *container.AppTabs {
	if s.Marketplace == nil {
		s.Marketplace = notWired(TabMarketplace)
	}
	if s.Jobs == nil {
		s.Jobs = notWired(TabJobs)
	}
	dash := container.NewTabItemWithIcon(TabDashboard, theme.InfoIcon(), s.Dashboard.Content())
	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon(TabMarketplace, theme.SearchIcon(), s.Marketplace),
		container.NewTabItemWithIcon(TabJobs, theme.ListIcon(), s.Jobs),
		container.NewTabItemWithIcon(TabWallet, theme.AccountIcon(), s.Wallet),
		container.NewTabItemWithIcon(TabProvide, theme.ComputerIcon(), s.Provide),
		dash,
		container.NewTabItemWithIcon(TabSettings, theme.SettingsIcon(), s.Settings),
	)
	tabs.SetTabLocation(container.TabLocationLeading)
	tabs.Select(dash)
	return tabs
}

// notWired stands in for a screen that app/ did not pass.
func notWired(title string) fyne.CanvasObject {
	return container.NewVBox(screen(title, title+" needs the market, which this build does not start."))
}

// screen lays out a titled card whose body is a wrapped paragraph.
func screen(title, body string) *widget.Card {
	text := widget.NewLabel(body)
	text.Wrapping = fyne.TextWrapWord
	return widget.NewCard(title, "", text)
}
