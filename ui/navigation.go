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
	sh := NewShell(s.Dashboard)
	sh.Fill(s)
	return sh.Tabs
}

// Shell is the main window's navigation before its screens are built: the
// Dashboard is live at once and every other tab shows that it is loading
// until Fill. It lets the window paint its first frame before the heavier
// screens exist (the desktop's first-frame target).
type Shell struct {
	// Tabs is the window's content.
	Tabs *container.AppTabs
}

// NewShell returns the navigation with the Dashboard selected and the other
// tabs loading.
func NewShell(d *Dashboard) *Shell {
	dash := container.NewTabItemWithIcon(TabDashboard, theme.InfoIcon(), d.Content())
	tabs := container.NewAppTabs(
		container.NewTabItemWithIcon(TabMarketplace, theme.SearchIcon(), loading(TabMarketplace)),
		container.NewTabItemWithIcon(TabJobs, theme.ListIcon(), loading(TabJobs)),
		container.NewTabItemWithIcon(TabWallet, theme.AccountIcon(), loading(TabWallet)),
		container.NewTabItemWithIcon(TabProvide, theme.ComputerIcon(), loading(TabProvide)),
		dash,
		container.NewTabItemWithIcon(TabSettings, theme.SettingsIcon(), loading(TabSettings)),
	)
	tabs.SetTabLocation(container.TabLocationLeading)
	tabs.Select(dash)
	return &Shell{Tabs: tabs}
}

// Fill puts the screens in their tabs (s.Dashboard is ignored: the shell
// has it). A nil Marketplace or Jobs says what it needs; a nil Wallet,
// Provide or Settings keeps loading. Call it on the UI goroutine.
func (sh *Shell) Fill(s Screens) {
	if s.Marketplace == nil {
		s.Marketplace = notWired(TabMarketplace)
	}
	if s.Jobs == nil {
		s.Jobs = notWired(TabJobs)
	}
	for i, c := range []fyne.CanvasObject{s.Marketplace, s.Jobs, s.Wallet, s.Provide, nil, s.Settings} {
		if c != nil {
			sh.Tabs.Items[i].Content = c
		}
	}
	sh.Tabs.Refresh()
}

// Select opens the tab titled title (one of the Tab constants) and reports
// whether there is one; "" or an unknown title leaves the selection as it
// is. Call it on the UI goroutine.
func (sh *Shell) Select(title string) bool {
	for _, it := range sh.Tabs.Items {
		if it.Text == title {
			sh.Tabs.Select(it)
			return true
		}
	}
	return false
}

// loading stands in for a screen that is still being built.
func loading(title string) fyne.CanvasObject {
	return container.NewVBox(screen(title, "Loading…"))
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
