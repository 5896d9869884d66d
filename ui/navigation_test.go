package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

func TestNavigationTabsInOrderWithDashboardSelected(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	wallet := NewWallet()
	provide := widget.NewLabel("provide")
	settings := widget.NewLabel("settings")
	tabs := NewNavigation(Screens{Dashboard: d, Wallet: wallet.Content(), Provide: provide, Settings: settings})
	renderScreen(t, tabs)

	want := []string{TabMarketplace, TabJobs, TabWallet, TabProvide, TabDashboard, TabSettings}
	if len(tabs.Items) != len(want) {
		t.Fatalf("%d tabs, want %d", len(tabs.Items), len(want))
	}
	for i, w := range want {
		if got := tabs.Items[i].Text; got != w {
			t.Errorf("tab %d = %q, want %q", i, got, w)
		}
	}
	if got := tabs.Selected().Text; got != TabDashboard {
		t.Errorf("selected tab = %q, want %q", got, TabDashboard)
	}
	if tabs.Selected().Content != d.Content() {
		t.Error("the Dashboard tab does not hold the Dashboard")
	}
	if tabs.Items[2].Content != wallet.Content() || tabs.Items[3].Content != provide || tabs.Items[5].Content != settings {
		t.Error("the Wallet, Provide and Settings tabs do not hold the screens given")
	}
}

func TestShellLoadsUntilFilled(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	sh := NewShell(d)
	renderScreen(t, sh.Tabs)
	if got := sh.Tabs.Selected().Text; got != TabDashboard {
		t.Fatalf("selected tab = %q, want %q", got, TabDashboard)
	}
	for _, i := range []int{0, 1, 2, 3, 5} {
		if !hasText(sh.Tabs.Items[i].Content, "Loading…") {
			t.Errorf("tab %q does not say it is loading before Fill", sh.Tabs.Items[i].Text)
		}
	}
	provide := widget.NewLabel("provide")
	sh.Fill(Screens{Provide: provide})
	if sh.Tabs.Items[3].Content != provide {
		t.Error("Fill did not put the Provide screen in its tab")
	}
	if !hasText(sh.Tabs.Items[0].Content, "needs the market") {
		t.Error("a nil Marketplace does not say it needs the market after Fill")
	}
	if !hasText(sh.Tabs.Items[2].Content, "Loading…") {
		t.Error("a nil Wallet stopped loading after Fill")
	}
	if sh.Tabs.Items[4].Content != d.Content() {
		t.Error("Fill replaced the Dashboard")
	}
}

// hasText reports whether a label or card title laid out in o contains sub.
func hasText(o fyne.CanvasObject, sub string) bool {
	for _, s := range labelTexts(o) {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestShellSelect(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	sh := NewShell(d)
	if !sh.Select(TabProvide) || sh.Tabs.Selected().Text != TabProvide {
		t.Fatalf("Select(%q) did not open it (selected %q)", TabProvide, sh.Tabs.Selected().Text)
	}
	if sh.Select("") || sh.Select("Nope") || sh.Tabs.Selected().Text != TabProvide {
		t.Errorf("an empty or unknown title changed the selection to %q", sh.Tabs.Selected().Text)
	}
}
