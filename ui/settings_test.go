package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeSettings keeps budget caps in memory.
type fakeSettings struct {
	caps    BudgetCaps
	readErr error
	saves   int
}

func (f *fakeSettings) Budget(context.Context) (BudgetCaps, error) { return f.caps, f.readErr }
func (f *fakeSettings) SetBudget(_ context.Context, c BudgetCaps) error {
	f.saves++
	f.caps = c
	return nil
}

func newTestSettings(t *testing.T, info SettingsInfo, svc SettingsService, onTheme func(string)) (*Settings, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	s := NewSettings(info, svc, ThemeSystem, onTheme)
	s.spawn = func(f func()) { f() }
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(800, 700))
	return s, w
}

func TestSettingsShowsConfiguration(t *testing.T) {
	tests := []struct {
		name string
		info SettingsInfo
		want []string
	}{{
		name: "localnet",
		info: SettingsInfo{DataDir: "/home/a/.config/kinetic", Network: "LocalNet", LogFile: "/home/a/.config/kinetic/kinetic.log"},
		want: []string{"/home/a/.config/kinetic", "LocalNet", "from the LocalNet manager", "/home/a/.config/kinetic/kinetic.log"},
	}, {
		name: "custom",
		info: SettingsInfo{DataDir: "/d", Network: "Custom", AlgodURL: "http://10.0.0.2:8080"},
		want: []string{"/d", "Custom", "http://10.0.0.2:8080", noValue},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSettings(t, tt.info, &fakeSettings{}, nil)
			assertShows(t, s.Content(), append([]string{TabSettings, settingsText}, tt.want...)...)
		})
	}
}

func TestSettingsBudgetLoadsAndSaves(t *testing.T) {
	f := &fakeSettings{caps: BudgetCaps{PerJob: 2_500_000}}
	s, w := newTestSettings(t, SettingsInfo{DataDir: "/d", Network: "LocalNet"}, f, nil)
	if s.budgetStatus.Text != loadingValue {
		t.Errorf("before loading: %q", s.budgetStatus.Text)
	}
	s.Load(context.Background())
	if s.perJob.Text != "2.5" || s.daily.Text != "" || s.budgetStatus.Text != "Per job: 2.500000 ALGO · per day: no cap" {
		t.Errorf("loaded: per job %q, daily %q, status %q", s.perJob.Text, s.daily.Text, s.budgetStatus.Text)
	}
	test.AssertImageMatches(t, "settings.png", w.Canvas().Capture())
	s.daily.SetText("")
	test.Type(s.daily, "10")
	test.Tap(s.save)
	if f.saves != 1 || f.caps != (BudgetCaps{PerJob: 2_500_000, Daily: 10_000_000}) {
		t.Errorf("saved %d times: %+v", f.saves, f.caps)
	}
	if s.budgetStatus.Text != "Saved. Per job: 2.500000 ALGO · per day: 10.000000 ALGO" {
		t.Errorf("status = %q", s.budgetStatus.Text)
	}
}

func TestSettingsBudgetValidation(t *testing.T) {
	tests := []struct{ perJob, daily, want string }{
		{"abc", "", "Per job: an amount is digits with an optional decimal point, e.g. 1.5"},
		{"1", "0.0000001", "Per day: at most 6 decimal places (1 microAlgo = 0.000001 ALGO)"},
		{"5", "2", "Per job: larger than the daily cap, which would always stop it first"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f := &fakeSettings{}
			s, _ := newTestSettings(t, SettingsInfo{}, f, nil)
			test.Type(s.perJob, tt.perJob)
			test.Type(s.daily, tt.daily)
			test.Tap(s.save)
			if s.budgetStatus.Text != tt.want || f.saves != 0 {
				t.Errorf("status %q, want %q; saves %d", s.budgetStatus.Text, tt.want, f.saves)
			}
		})
	}
}

func TestSettingsBudgetReadError(t *testing.T) {
	s, _ := newTestSettings(t, SettingsInfo{}, &fakeSettings{readErr: errors.New("store closed")}, nil)
	s.Load(context.Background())
	if s.budgetStatus.Text != "Could not read the budget: store closed" {
		t.Errorf("status = %q", s.budgetStatus.Text)
	}
}

func TestSettingsThemeChoice(t *testing.T) {
	var got []string
	s, _ := newTestSettings(t, SettingsInfo{}, &fakeSettings{}, func(v string) { got = append(got, v) })
	s.theme.SetSelected(ThemeDark)
	if len(got) != 1 || got[0] != ThemeDark {
		t.Errorf("theme callbacks = %v, want [%s]", got, ThemeDark)
	}
}
