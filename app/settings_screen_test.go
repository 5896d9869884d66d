package app

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/kinetic-compute/kinetic/ui"
)

// TestSettingsServiceBudgetRoundTrip saves caps through the Settings
// screen's service and reads them back from the wallet's budget in the store.
func TestSettingsServiceBudgetRoundTrip(t *testing.T) {
	s := testSettings(t)
	ctx := context.Background()
	if c, err := s.Budget(ctx); err != nil || c != (ui.BudgetCaps{}) {
		t.Fatalf("new store caps = %+v, %v; want none", c, err)
	}
	want := ui.BudgetCaps{PerJob: 2_000_000, Daily: 9_000_000}
	if err := s.SetBudget(ctx, want); err != nil {
		t.Fatal(err)
	}
	u, err := s.b.Usage(ctx, [32]byte{})
	if err != nil || u.Limits.PerJob != want.PerJob || u.Limits.Daily != want.Daily {
		t.Errorf("budget limits = %+v, %v; want %+v", u.Limits, err, want)
	}
}

func TestApplyThemeForcesVariantAndRemembers(t *testing.T) {
	a := test.NewTempApp(t)
	applyTheme(a, ui.ThemeLight)
	if got := a.Preferences().String(themePref); got != ui.ThemeLight {
		t.Errorf("remembered theme = %q", got)
	}
	light := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight)
	if got := a.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantDark); got != light {
		t.Errorf("background under the light choice = %v, want %v", got, light)
	}
}
