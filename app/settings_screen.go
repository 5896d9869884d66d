package app

import (
	"context"
	"errors"
	"image/color"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// themePref is the preference key of the chosen theme.
const themePref = "theme"

// settingsService keeps the Settings screen's budget caps in the wallet's
// budget, which the consumer enforces, and its preferences in the data
// directory's PreferenceStore.
type settingsService struct {
	b     *wallet.Budget
	prefs *PreferenceStore
}

// newSettingsService serves the Settings screen of the store db; the
// preferences are those of db's data directory (OpenStore keeps the store
// at the top of it).
func newSettingsService(db *bbolt.DB) settingsService {
	return settingsService{b: wallet.NewBudget(db, nil), prefs: NewPreferenceStore(filepath.Dir(db.Path()))}
}

// Preferences implements ui.SettingsService.
func (s settingsService) Preferences(ctx context.Context) (ui.SettingsPrefs, error) {
	if err := ctx.Err(); err != nil {
		return ui.SettingsPrefs{}, err
	}
	p, err := s.prefs.Load()
	if err != nil {
		return ui.SettingsPrefs{}, err
	}
	return settingsPrefs(p), nil
}

// settingsPrefs is the part of p that Settings edits.
func settingsPrefs(p Preferences) ui.SettingsPrefs {
	return ui.SettingsPrefs{
		Network: p.Network.String(), AlgodURL: p.AlgodURL, TokenSaved: p.AlgodTokenSaved,
		AutoTopUp: p.AutoTopUp, AutoTopUpMax: p.AutoTopUpMax, SpotCheckPercent: p.SpotCheckPercent,
		Notify: ui.NotifyPrefs{JobFinished: p.Notify.JobFinished, PaymentReceived: p.Notify.PaymentReceived,
			LowFunds: p.Notify.LowFunds, Errors: p.Notify.Errors},
		Role: string(p.Role),
	}
}

// SavePreferences implements ui.SettingsService: the fields Settings edits
// are saved over the stored preferences (anything else is kept; an empty
// role keeps the saved one). The token goes to the OS keyring first; without one it is not
// saved anywhere and the error says so next to the token field. A new URL
// without a new token forgets the old token, so that it is never sent to
// another node.
func (s settingsService) SavePreferences(ctx context.Context, sp ui.SettingsPrefs, tok ui.TokenChange) error {
	n, err := ParseNetwork(sp.Network)
	if err != nil {
		return &ui.FieldError{Field: "Network", Reason: err.Error()}
	}
	old, err := s.prefs.Load()
	if err != nil {
		return err
	}
	p := old
	p.Network, p.AlgodURL = n, sp.AlgodURL
	p.AutoTopUp, p.AutoTopUpMax, p.SpotCheckPercent = sp.AutoTopUp, sp.AutoTopUpMax, sp.SpotCheckPercent
	p.Notify = Notifications{JobFinished: sp.Notify.JobFinished, PaymentReceived: sp.Notify.PaymentReceived,
		LowFunds: sp.Notify.LowFunds, Errors: sp.Notify.Errors}
	if sp.Role != "" { // "": the screen never chose one; keep the setup's
		p.Role = Role(sp.Role)
	}
	if err := p.Validate(); err != nil {
		return uiFieldError(err)
	}
	switch {
	case tok.Token != "":
		if err := s.prefs.SetToken(ctx, Secret(tok.Token)); err != nil {
			return &ui.FieldError{Field: "algod token", Reason: err.Error()}
		}
		p.AlgodTokenSaved = true
	case tok.Forget || (old.AlgodTokenSaved && p.AlgodURL != old.AlgodURL):
		if err := s.prefs.SetToken(ctx, ""); err != nil {
			return &ui.FieldError{Field: "algod token", Reason: "the saved token could not be removed: " + err.Error()}
		}
		p.AlgodTokenSaved = false
	}
	return uiFieldError(s.prefs.Save(p))
}

// uiFieldError turns a *PreferenceError into the screen's *ui.FieldError.
func uiFieldError(err error) error {
	var pe *PreferenceError
	if errors.As(err, &pe) {
		return &ui.FieldError{Field: pe.Field, Reason: pe.Reason}
	}
	return err
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
