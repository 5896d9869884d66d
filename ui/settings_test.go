package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeSettings keeps budget caps and preferences in memory.
type fakeSettings struct {
	caps      BudgetCaps
	readErr   error
	saves     int
	prefs     SettingsPrefs
	prefsErr  error
	saveErr   error
	prefSaves []SettingsPrefs
	tokens    []TokenChange
}

func (f *fakeSettings) Budget(context.Context) (BudgetCaps, error) { return f.caps, f.readErr }
func (f *fakeSettings) SetBudget(_ context.Context, c BudgetCaps) error {
	f.saves++
	f.caps = c
	return nil
}
func (f *fakeSettings) Preferences(context.Context) (SettingsPrefs, error) {
	return f.prefs, f.prefsErr
}
func (f *fakeSettings) SavePreferences(_ context.Context, p SettingsPrefs, tok TokenChange) error {
	if f.saveErr != nil {
		return f.saveErr
	}
	f.prefSaves = append(f.prefSaves, p)
	f.tokens = append(f.tokens, tok)
	f.prefs = p
	return nil
}

// defaultPrefs are the preferences of a new data directory.
func defaultPrefs() SettingsPrefs {
	return SettingsPrefs{Network: NetworkLocalNet, SpotCheckPercent: 10,
		Notify: NotifyPrefs{JobFinished: true, PaymentReceived: true, LowFunds: true, Errors: true}}
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

// loadedSettings is a Settings screen on LocalNet loaded from f.
func loadedSettings(t *testing.T, f *fakeSettings) *Settings {
	t.Helper()
	s, _ := newTestSettings(t, SettingsInfo{DataDir: "/d", Network: NetworkLocalNet}, f, nil)
	s.Load(context.Background())
	return s
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
			assertShows(t, s.Content(), append([]string{TabSettings, settingsText, dataDirHelp, networkHelp, urlHelp}, tt.want...)...)
		})
	}
}

func TestSettingsLoadingStateDisablesPreferences(t *testing.T) {
	s, w := newTestSettings(t, SettingsInfo{DataDir: "/d", Network: NetworkLocalNet}, &fakeSettings{prefs: defaultPrefs()}, nil)
	for _, l := range []string{s.budgetStatus.Text, s.netStatus.Text, s.autoStatus.Text, s.notifyStatus.Text, s.roleStatus.Text} {
		if l != loadingValue {
			t.Errorf("before loading a status reads %q", l)
		}
	}
	if !s.netSave.Disabled() || !s.autoSave.Disabled() || !s.network.Disabled() || !s.notifyJob.Disabled() {
		t.Error("the preference forms are enabled before they are loaded")
	}
	w.Resize(fyne.NewSize(900, 1850))
	test.AssertImageMatches(t, "settings_loading.png", w.Canvas().Capture())
}

func TestSettingsBudgetLoadsAndSaves(t *testing.T) {
	f := &fakeSettings{caps: BudgetCaps{PerJob: 2_500_000}, prefs: defaultPrefs()}
	s, w := newTestSettings(t, SettingsInfo{DataDir: "/d", Network: "LocalNet", LogFile: "/d/kinetic.log"}, f, nil)
	s.Load(context.Background())
	if s.perJob.entry.Text != "2.5" || s.daily.entry.Text != "" || s.budgetStatus.Text != "Per job: 2.500000 ALGO · per day: no cap" {
		t.Errorf("loaded: per job %q, daily %q, status %q", s.perJob.entry.Text, s.daily.entry.Text, s.budgetStatus.Text)
	}
	w.Resize(fyne.NewSize(900, 1850))
	test.AssertImageMatches(t, "settings.png", w.Canvas().Capture())
	s.daily.entry.SetText("")
	test.Type(s.daily.entry, "10")
	test.Tap(s.save)
	if f.saves != 1 || f.caps != (BudgetCaps{PerJob: 2_500_000, Daily: 10_000_000}) {
		t.Errorf("saved %d times: %+v", f.saves, f.caps)
	}
	if s.budgetStatus.Text != "Saved. Per job: 2.500000 ALGO · per day: 10.000000 ALGO" {
		t.Errorf("status = %q", s.budgetStatus.Text)
	}
}

func TestSettingsBudgetValidation(t *testing.T) {
	tests := []struct{ perJob, daily, wantPerJob, wantDaily string }{
		{"abc", "", "an amount is digits with an optional decimal point, e.g. 1.5", ""},
		{"1", "0.0000001", "", "at most 6 decimal places (1 microAlgo = 0.000001 ALGO)"},
		{"5", "2", "larger than the daily cap, which would always stop it first", ""},
		{"-1", "-0.5", "a cap cannot be negative; leave it empty for no cap", "a cap cannot be negative; leave it empty for no cap"},
	}
	for _, tt := range tests {
		t.Run(tt.perJob+"/"+tt.daily, func(t *testing.T) {
			f := &fakeSettings{prefs: defaultPrefs()}
			s := loadedSettings(t, f)
			s.perJob.entry.SetText(tt.perJob)
			s.daily.entry.SetText(tt.daily)
			test.Tap(s.save)
			if s.perJob.err.Text != tt.wantPerJob || s.daily.err.Text != tt.wantDaily || f.saves != 0 {
				t.Errorf("per job %q, daily %q; saves %d", s.perJob.err.Text, s.daily.err.Text, f.saves)
			}
			if s.perJob.err.Visible() != (tt.wantPerJob != "") {
				t.Errorf("per-job reason visible = %v", s.perJob.err.Visible())
			}
			if s.budgetStatus.Text != "Not saved: correct the fields marked above." {
				t.Errorf("status = %q", s.budgetStatus.Text)
			}
		})
	}
}

func TestSettingsBudgetReadError(t *testing.T) {
	s, _ := newTestSettings(t, SettingsInfo{}, &fakeSettings{readErr: errors.New("store closed"), prefs: defaultPrefs()}, nil)
	s.Load(context.Background())
	if s.budgetStatus.Text != "Could not read the budget: store closed" {
		t.Errorf("status = %q", s.budgetStatus.Text)
	}
}

func TestSettingsPreferencesReadErrorKeepsFormsDisabled(t *testing.T) {
	f := &fakeSettings{prefsErr: errors.New("preferences file /d/preferences.json is not valid JSON")}
	s := loadedSettings(t, f)
	want := "Could not read the saved preferences: preferences file /d/preferences.json is not valid JSON"
	if s.netStatus.Text != want || s.autoStatus.Text != want || s.notifyStatus.Text != want || s.roleStatus.Text != want {
		t.Errorf("statuses %q / %q / %q", s.netStatus.Text, s.autoStatus.Text, s.notifyStatus.Text)
	}
	if !s.netSave.Disabled() || !s.autoSave.Disabled() || !s.role.Disabled() {
		t.Error("a form that could not be read can be saved over the file")
	}
}

func TestSettingsPreferencesPopulated(t *testing.T) {
	f := &fakeSettings{prefs: SettingsPrefs{Network: NetworkTestNet, AlgodURL: "https://tn.example", TokenSaved: true,
		AutoTopUp: true, AutoTopUpMax: 1_500_000, SpotCheckPercent: 25, Notify: NotifyPrefs{JobFinished: true, Errors: true}}}
	s := loadedSettings(t, f)
	if s.network.Selected != NetworkTestNet || s.url.entry.Text != "https://tn.example" || s.token.entry.Text != "" ||
		s.token.entry.PlaceHolder != "a token is saved in the keyring" {
		t.Errorf("network form: %q %q token %q (%q)", s.network.Selected, s.url.entry.Text, s.token.entry.Text, s.token.entry.PlaceHolder)
	}
	if !s.autoTopUp.Checked || s.topUpMax.entry.Text != "1.5" || s.share.entry.Text != "25" {
		t.Errorf("autopilot form: %v %q %q", s.autoTopUp.Checked, s.topUpMax.entry.Text, s.share.entry.Text)
	}
	if !s.notifyJob.Checked || s.notifyPaid.Checked || s.notifyLow.Checked || !s.notifyErr.Checked {
		t.Error("notification checks do not match the saved ones")
	}
	if want := "Saved: TestNet at https://tn.example. Restart Kinetic to connect to it; this instance stays on LocalNet (a --network or --algod-url flag at start also keeps it there)."; s.netStatus.Text != want {
		t.Errorf("network status = %q", s.netStatus.Text)
	}
	if s.autoStatus.Text != "Auto top-up up to 1.500000 ALGO per job · spot-check 25 % of jobs" {
		t.Errorf("autopilot status = %q", s.autoStatus.Text)
	}
	if len(f.prefSaves) != 0 {
		t.Errorf("loading saved %d times", len(f.prefSaves))
	}
}

func TestSettingsNetworkValidation(t *testing.T) {
	tests := []struct{ network, url, want string }{
		{NetworkTestNet, "", "TestNet has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"},
		{NetworkMainNet, "", "MainNet has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net"},
		{NetworkCustom, "node.example:8080", "must start with http:// or https://, e.g. http://127.0.0.1:4001"},
		{NetworkCustom, "ftp://node.example", "must start with http:// or https://, e.g. http://127.0.0.1:4001"},
		{NetworkCustom, "http://", "has no host, e.g. http://127.0.0.1:4001"},
		{NetworkTestNet, "http://user:pw@node", "must not carry a user name or password; put the token in the token field"},
		{NetworkCustom, "http://a b", "not a URL: check for spaces or stray characters"},
	}
	for _, tt := range tests {
		t.Run(tt.network+" "+tt.url, func(t *testing.T) {
			f := &fakeSettings{prefs: defaultPrefs()}
			s := loadedSettings(t, f)
			s.network.SetSelected(tt.network)
			s.url.entry.SetText(tt.url)
			test.Tap(s.netSave)
			if s.url.err.Text != tt.want || !s.url.err.Visible() || len(f.prefSaves) != 0 {
				t.Errorf("url reason %q (visible %v), want %q; saves %d", s.url.err.Text, s.url.err.Visible(), tt.want, len(f.prefSaves))
			}
			if s.netStatus.Text != "Not saved: correct the fields marked above." {
				t.Errorf("status = %q", s.netStatus.Text)
			}
		})
	}
}

func TestSettingsNetworkSaveSaysNextStart(t *testing.T) {
	f := &fakeSettings{prefs: defaultPrefs()}
	s := loadedSettings(t, f)
	s.network.SetSelected(NetworkCustom)
	s.url.entry.SetText(" http://10.0.0.2:8080 ")
	test.Type(s.token.entry, "tok-secret")
	test.Tap(s.netSave)
	if len(f.prefSaves) != 1 {
		t.Fatalf("saves = %d", len(f.prefSaves))
	}
	got := f.prefSaves[0]
	if got.Network != NetworkCustom || got.AlgodURL != "http://10.0.0.2:8080" || !got.TokenSaved || f.tokens[0] != (TokenChange{Token: "tok-secret"}) {
		t.Errorf("saved %+v with %+v", got, f.tokens[0])
	}
	if got.SpotCheckPercent != 10 || !got.Notify.Errors {
		t.Errorf("saving the network changed other preferences: %+v", got)
	}
	want := "Saved. Saved: Custom at http://10.0.0.2:8080. Restart Kinetic to connect to it; this instance stays on LocalNet (a --network or --algod-url flag at start also keeps it there)."
	if s.netStatus.Text != want {
		t.Errorf("status = %q", s.netStatus.Text)
	}
	if s.token.entry.Text != "" || s.token.entry.PlaceHolder != "a token is saved in the keyring" {
		t.Errorf("token field after saving: %q (%q)", s.token.entry.Text, s.token.entry.PlaceHolder)
	}
	if strings.Contains(s.netStatus.Text, "tok-secret") {
		t.Error("the token is shown")
	}

	// A new URL without a new token forgets the saved one.
	s.url.entry.SetText("http://10.0.0.3:8080")
	test.Tap(s.netSave)
	if len(f.prefSaves) != 2 || f.prefSaves[1].TokenSaved || f.tokens[1] != (TokenChange{}) {
		t.Errorf("second save %+v with %+v", f.prefSaves[len(f.prefSaves)-1], f.tokens[len(f.tokens)-1])
	}
	// Forgetting and entering a token at once is refused.
	s.forgetToken.SetChecked(true)
	test.Type(s.token.entry, "x")
	test.Tap(s.netSave)
	if s.token.err.Text != "either enter a new token or forget the saved one, not both" || len(f.prefSaves) != 2 {
		t.Errorf("token reason %q; saves %d", s.token.err.Text, len(f.prefSaves))
	}
}

func TestSettingsServiceFieldErrorShownByTheField(t *testing.T) {
	f := &fakeSettings{prefs: defaultPrefs(), saveErr: &FieldError{Field: "algod token", Reason: "not saved: no OS keyring answered"}}
	s := loadedSettings(t, f)
	test.Type(s.token.entry, "tok")
	test.Tap(s.netSave)
	if s.token.err.Text != "not saved: no OS keyring answered" || s.netStatus.Text != "Not saved: correct the fields marked above." {
		t.Errorf("token reason %q; status %q", s.token.err.Text, s.netStatus.Text)
	}
	f.saveErr = errors.New("disk full")
	test.Tap(s.autoSave)
	if s.autoStatus.Text != "Not saved: disk full" {
		t.Errorf("autopilot status %q", s.autoStatus.Text)
	}
}

func TestSettingsAutopilotValidationAndSave(t *testing.T) {
	tests := []struct {
		name, max, share   string
		topUp              bool
		wantMax, wantShare string
	}{
		{"share 150", "", "150", false, "", "150 % is not a share: pick 0 to 100 %"},
		{"share negative", "", "-5", false, "", "-5 % is not a share: pick 0 to 100 %"},
		{"share not a number", "", "ten", false, "", `"ten" is not a whole number of percent, e.g. 10`},
		{"share empty", "", "", false, "", "enter a share from 0 to 100 %, e.g. 10"},
		{"top-up without limit", "", "10", true, "set the most auto top-up may add per job, or turn it off", ""},
		{"negative limit", "-2", "10", true, "a cap cannot be negative; leave it empty for no cap", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSettings{prefs: defaultPrefs()}
			s := loadedSettings(t, f)
			s.autoTopUp.SetChecked(tt.topUp)
			s.topUpMax.entry.SetText(tt.max)
			s.share.entry.SetText(tt.share)
			test.Tap(s.autoSave)
			if s.topUpMax.err.Text != tt.wantMax || s.share.err.Text != tt.wantShare || len(f.prefSaves) != 0 {
				t.Errorf("max reason %q, share reason %q; saves %d", s.topUpMax.err.Text, s.share.err.Text, len(f.prefSaves))
			}
		})
	}
	f := &fakeSettings{prefs: defaultPrefs()}
	s := loadedSettings(t, f)
	s.autoTopUp.SetChecked(true)
	s.topUpMax.entry.SetText("0.75")
	s.share.entry.SetText("100 %")
	test.Tap(s.autoSave)
	if len(f.prefSaves) != 1 || !f.prefSaves[0].AutoTopUp || f.prefSaves[0].AutoTopUpMax != 750_000 || f.prefSaves[0].SpotCheckPercent != 100 {
		t.Fatalf("saved %+v", f.prefSaves)
	}
	if s.autoStatus.Text != "Saved. Auto top-up up to 0.750000 ALGO per job · spot-check 100 % of jobs" {
		t.Errorf("status = %q", s.autoStatus.Text)
	}
}

func TestSettingsNotificationsSaveAtOnce(t *testing.T) {
	f := &fakeSettings{prefs: defaultPrefs()}
	s := loadedSettings(t, f)
	test.Tap(s.notifyPaid)
	if len(f.prefSaves) != 1 || f.prefSaves[0].Notify != (NotifyPrefs{JobFinished: true, LowFunds: true, Errors: true}) {
		t.Fatalf("saved %+v", f.prefSaves)
	}
	if s.notifyStatus.Text != "Saved." {
		t.Errorf("status = %q", s.notifyStatus.Text)
	}
	test.Tap(s.notifyLow)
	if len(f.prefSaves) != 2 || f.prefSaves[1].Notify != (NotifyPrefs{JobFinished: true, Errors: true}) {
		t.Fatalf("second save %+v", f.prefSaves)
	}
	s.Load(context.Background()) // reloading sets the checks without saving them again
	if len(f.prefSaves) != 2 {
		t.Errorf("reloading saved: %d saves", len(f.prefSaves))
	}
}

func TestSettingsRoleSavesAtOnce(t *testing.T) {
	p := defaultPrefs()
	p.Role = SetupConsumer
	f := &fakeSettings{prefs: p}
	s := loadedSettings(t, f)
	if s.role.Selected != roleConsumeText || s.roleStatus.Text != "Kinetic opens on the Marketplace. Changes are saved at once and apply at the next start." {
		t.Errorf("loaded role %q, status %q", s.role.Selected, s.roleStatus.Text)
	}
	if len(f.prefSaves) != 0 {
		t.Fatalf("loading saved: %+v", f.prefSaves)
	}
	s.role.SetSelected(roleProvideText)
	if len(f.prefSaves) != 1 || f.prefSaves[0].Role != SetupProvider || f.prefSaves[0].Network != NetworkLocalNet {
		t.Fatalf("saved %+v", f.prefSaves)
	}
	if s.roleStatus.Text != "Saved. Kinetic opens on the Provide tab. Changes are saved at once and apply at the next start." {
		t.Errorf("status = %q", s.roleStatus.Text)
	}
}

func TestSettingsOpenFolder(t *testing.T) {
	s := loadedSettings(t, &fakeSettings{prefs: defaultPrefs()})
	var opened []string
	s.openFolder = func(dir string) error { opened = append(opened, dir); return nil }
	test.Tap(findButton(t, s.Content(), "Open folder"))
	if len(opened) != 1 || opened[0] != "/d" || s.dataDirStatus.Visible() {
		t.Errorf("opened %v; status visible %v", opened, s.dataDirStatus.Visible())
	}
	s.openFolder = func(string) error { return errors.New("no file manager") }
	test.Tap(findButton(t, s.Content(), "Open folder"))
	if s.dataDirStatus.Text != "Could not open the folder: no file manager. Its path is shown above." || !s.dataDirStatus.Visible() {
		t.Errorf("status %q", s.dataDirStatus.Text)
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

// TestSettingsFieldReasonsGolden shows each rejected field's reason next
// to it: a TestNet without URL, a negative cap and a 150 % share.
func TestSettingsFieldReasonsGolden(t *testing.T) {
	f := &fakeSettings{prefs: defaultPrefs()}
	s, w := newTestSettings(t, SettingsInfo{DataDir: "/d", Network: NetworkLocalNet, LogFile: "/d/kinetic.log"}, f, nil)
	s.Load(context.Background())
	s.network.SetSelected(NetworkTestNet)
	test.Tap(s.netSave)
	s.perJob.entry.SetText("-1")
	test.Tap(s.save)
	s.share.entry.SetText("150")
	test.Tap(s.autoSave)
	if len(f.prefSaves) != 0 || f.saves != 0 {
		t.Fatalf("saved %d preferences, %d budgets", len(f.prefSaves), f.saves)
	}
	w.Resize(fyne.NewSize(900, 2000))
	test.AssertImageMatches(t, "settings_errors.png", w.Canvas().Capture())
}
