package app

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// themePref is the preference key of the chosen theme.
const themePref = "theme"

// settingsService keeps the Settings screen's budget caps in the wallet's
// budget, which the consumer enforces.
type settingsService struct{ b *wallet.Budget }

func newSettingsService(db *bbolt.DB) settingsService {
	return settingsService{b: wallet.NewBudget(db, nil)}
}

// Budget implements ui.SettingsService.
func (s settingsService) Budget(ctx context.Context) (ui.BudgetCaps, error) {
	u, err := s.b.Usage(ctx, wallet.JobID{})
	if err != nil {
		return ui.BudgetCaps{}, err
	}
	return ui.BudgetCaps{PerJob: u.Limits.PerJob, Daily: u.Limits.Daily}, nil
}

// SetBudget implements ui.SettingsService.
func (s settingsService) SetBudget(ctx context.Context, c ui.BudgetCaps) error {
	return s.b.SetLimits(ctx, wallet.BudgetLimits{PerJob: c.PerJob, Daily: c.Daily})
}

// variantTheme is the default theme forced to one variant.
type variantTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

// Color implements fyne.Theme.
func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.v)
}

// applyTheme sets the theme chosen in Settings and remembers it.
func applyTheme(a fyne.App, choice string) {
	a.Preferences().SetString(themePref, choice)
	switch choice {
	case ui.ThemeLight:
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantLight})
	case ui.ThemeDark:
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}
