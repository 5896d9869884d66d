package ui

import (
	"testing"

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
