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

// NewNavigation joins the screens in tabs down the leading edge of the
// window, with the Dashboard selected.
func NewNavigation(dashboard *Dashboard, settings SettingsInfo) *container.AppTabs {
	dash := container.NewTabItemWithIcon(TabDashboard, theme.InfoIcon(), dashboard.Content())
	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon(TabMarketplace, theme.SearchIcon(), NewMarketplace()),
		container.NewTabItemWithIcon(TabJobs, theme.ListIcon(), NewJobs()),
		container.NewTabItemWithIcon(TabWallet, theme.AccountIcon(), NewWallet()),
		container.NewTabItemWithIcon(TabProvide, theme.ComputerIcon(), NewProvide()),
		dash,
		container.NewTabItemWithIcon(TabSettings, theme.SettingsIcon(), NewSettings(settings)),
	)
	tabs.SetTabLocation(container.TabLocationLeading)
	tabs.Select(dash)
	return tabs
}

// screen lays out a titled card whose body is a wrapped paragraph.
func screen(title, body string) *widget.Card {
	text := widget.NewLabel(body)
	text.Wrapping = fyne.TextWrapWord
	return widget.NewCard(title, "", text)
}
