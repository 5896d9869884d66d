package app

import (
	"context"
	"errors"
	"os"
	"strings"
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

// TestSettingsServicePreferencesRoundTrip saves the Settings screen's
// preferences into the data directory's file and the token into the
// keyring, keeps the role the setup chose, and reads them back.
func TestSettingsServicePreferencesRoundTrip(t *testing.T) {
	s := testSettings(t)
	kr := newMemKeyring()
	s.prefs.keyring = kr
	ctx := context.Background()
	got, err := s.Preferences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != settingsPrefs(DefaultPreferences()) || got.Network != ui.NetworkLocalNet {
		t.Fatalf("new data dir: %+v", got)
	}
	if _, err := s.prefs.Update(func(p *Preferences) { p.Role = RoleProvider }); err != nil {
		t.Fatal(err)
	}
	want := ui.SettingsPrefs{Network: ui.NetworkTestNet, AlgodURL: "https://tn.example", AutoTopUp: true, AutoTopUpMax: 3_000_000,
		SpotCheckPercent: 20, Notify: ui.NotifyPrefs{LowFunds: true}}
	if err := s.SavePreferences(ctx, want, ui.TokenChange{Token: "tn-token"}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Preferences(ctx)
	want.TokenSaved, want.Role = true, ui.SetupProvider // the role the setup chose is kept
	if err != nil || got != want {
		t.Fatalf("reloaded %+v, %v; want %+v", got, err, want)
	}
	p, err := NewPreferenceStore(s.prefs.dir).Load()
	if err != nil || p.Role != RoleProvider || p.Network != TestNet {
		t.Errorf("file: %+v, %v; want the provider role kept and TestNet", p, err)
	}
	want.Role = ui.SetupConsumer
	if err := s.SavePreferences(ctx, want, ui.TokenChange{}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.prefs.Load(); p.Role != RoleConsumer {
		t.Errorf("role after Settings chose consumer: %q", p.Role)
	}
	if tok, _ := s.prefs.Token(ctx); tok != "tn-token" {
		t.Errorf("token = %q", string(tok))
	}
	raw, _ := os.ReadFile(s.prefs.Path())
	if strings.Contains(string(raw), "tn-token") {
		t.Fatalf("token written to %s", s.prefs.Path())
	}

	// Another URL without a token forgets the old token.
	want.AlgodURL = "https://other.example"
	if err := s.SavePreferences(ctx, want, ui.TokenChange{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Preferences(ctx); got.TokenSaved {
		t.Error("the old token is still marked saved for a new URL")
	}
	if tok, _ := s.prefs.Token(ctx); tok != "" {
		t.Error("the old token is still in the keyring for a new URL")
	}
}

func TestSettingsServiceRejectsFields(t *testing.T) {
	s := testSettings(t)
	kr := newMemKeyring()
	s.prefs.keyring = kr
	ctx := context.Background()
	base := settingsPrefs(DefaultPreferences())
	tests := []struct {
		name   string
		change func(*ui.SettingsPrefs)
		tok    ui.TokenChange
		fail   error
		field  string
		reason string
	}{
		{"share 150", func(p *ui.SettingsPrefs) { p.SpotCheckPercent = 150 }, ui.TokenChange{}, nil,
			"Spot-check share", "150 % is not a share: pick 0 to 100 %"},
		{"mainnet without url", func(p *ui.SettingsPrefs) { p.Network = ui.NetworkMainNet }, ui.TokenChange{}, nil,
			"algod URL", "MainNet has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"},
		{"bad url", func(p *ui.SettingsPrefs) { p.Network, p.AlgodURL = ui.NetworkCustom, "node:80" }, ui.TokenChange{}, nil,
			"algod URL", "must start with http:// or https://, e.g. http://127.0.0.1:4001"},
		{"token without keyring", func(p *ui.SettingsPrefs) { p.Network, p.AlgodURL = ui.NetworkCustom, "http://n:80" },
			ui.TokenChange{Token: "t"}, errors.New("no secret service"), "algod token", ErrTokenNotSaved.Error() + " (no secret service)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr.fail = tt.fail
			p := base
			tt.change(&p)
			err := s.SavePreferences(ctx, p, tt.tok)
			var fe *ui.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.Reason != tt.reason {
				t.Fatalf("err = %#v (%v), want field %q: %q", fe, err, tt.field, tt.reason)
			}
			if _, err := os.Stat(s.prefs.Path()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a rejected save wrote the file: %v", err)
			}
		})
	}
}
