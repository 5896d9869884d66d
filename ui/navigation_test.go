package ui

import "testing"

func TestNavigationTabsInOrderWithDashboardSelected(t *testing.T) {
	d, _ := newTestDashboard(t, allUp())
	tabs := NewNavigation(d, SettingsInfo{DataDir: "/d", Network: "LocalNet"})
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
}
