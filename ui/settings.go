package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SettingsInfo is the configuration this instance runs with.
type SettingsInfo struct {
	// DataDir holds the store, the log and crash output.
	DataDir string
	// Network is the network preset, e.g. "LocalNet".
	Network string
	// AlgodURL is the configured algod endpoint; empty means "from LocalNet".
	AlgodURL string
	// LogFile is the path of the log file.
	LogFile string
}

// BudgetCaps are the consumer's spending caps in microAlgos; 0: no cap.
type BudgetCaps struct {
	PerJob, Daily uint64
}

// Network presets, as the network choices show them.
const (
	NetworkLocalNet = "LocalNet"
	NetworkTestNet  = "TestNet"
	NetworkMainNet  = "MainNet"
	NetworkCustom   = "Custom"
)

// networkChoices are the presets in the order the choices list them.
var networkChoices = []string{NetworkLocalNet, NetworkTestNet, NetworkMainNet, NetworkCustom}

// NotifyPrefs says which desktop notifications are wanted.
type NotifyPrefs struct {
	// JobFinished, PaymentReceived, LowFunds and Errors are the kinds.
	JobFinished, PaymentReceived, LowFunds, Errors bool
}

// SettingsPrefs are the saved preferences the Settings screen edits. They
// apply at the next start, where command-line flags win over them.
type SettingsPrefs struct {
	// Network is one of the Network* presets.
	Network string
	// AlgodURL is the saved algod endpoint; empty on LocalNet means "from
	// the LocalNet manager".
	AlgodURL string
	// TokenSaved says a token for AlgodURL is kept (in the OS keyring).
	// The screen never reads the token back.
	TokenSaved bool
	// AutoTopUp and AutoTopUpMax (microAlgos per job) bound the top-ups
	// the consumer may make on its own.
	AutoTopUp    bool
	AutoTopUpMax uint64
	// SpotCheckPercent is the share of jobs re-run to check them, 0–100.
	SpotCheckPercent int
	// Notify are the notifications wanted.
	Notify NotifyPrefs
	// Role is SetupProvider, SetupConsumer, SetupBoth, or "" before the
	// first-run setup asked.
	Role string
}

// TokenChange is what SavePreferences does with the saved algod token.
type TokenChange struct {
	// Token, when not empty, replaces the saved token. It is a secret:
	// never log it, never write it to disk in plaintext.
	Token string
	// Forget removes the saved token.
	Forget bool
}

// FieldError is a rejected value of one field: the screen shows Reason
// next to the field that Field names (as the screen labels it).
type FieldError struct {
	// Field is the field's label, e.g. "algod URL".
	Field string
	// Reason says what is wrong and what would be right.
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// SettingsService keeps the settings the Settings screen edits. Every
// method may block and must honour ctx.
type SettingsService interface {
	// Budget reads the spending caps.
	Budget(ctx context.Context) (BudgetCaps, error)
	// SetBudget saves the spending caps; the consumer agent enforces them.
	SetBudget(ctx context.Context, caps BudgetCaps) error
	// Preferences reads the saved preferences.
	Preferences(ctx context.Context) (SettingsPrefs, error)
	// SavePreferences saves p and applies tok to the saved token. A
	// rejected field is reported as a *FieldError.
	SavePreferences(ctx context.Context, p SettingsPrefs, tok TokenChange) error
}

// Theme choices of the Settings screen.
const (
	ThemeSystem = "Follow the system"
	ThemeLight  = "Light"
	ThemeDark   = "Dark"
)

// settingsText explains where the connection settings come from.
const settingsText = "This instance runs with the settings below, taken from the command line " +
	"(--data-dir, --network, --algod-url, --algod-token) and the saved network settings when it started."

// Help texts of the Settings screen.
const (
	dataDirHelp = "Everything Kinetic keeps (store, log, preferences) is in this folder. " +
		"To use another one, start Kinetic with --data-dir DIR; each folder has its own accounts and preferences."
	networkHelp = "Saved settings apply at the next start of Kinetic. Command-line flags " +
		"(--network, --algod-url, --algod-token) and " + "KINETIC_ALGOD_URL / KINETIC_ALGOD_TOKEN win over them."
	urlHelp = "TestNet and MainNet have no built-in node: enter the URL of an algod you trust. " +
		"On LocalNet leave it empty to use the local node."
	tokenHelp = "Kept in the OS keyring, never in a file; empty keeps the saved one. " +
		"A new URL forgets the saved token unless you enter one."
	spotCheckHelp = "The share of your jobs re-run on another provider to check the result (default 10 %)."
	topUpHelp     = "Adds funds to a running job's escrow before it runs out, up to this much per job."
)

// Settings is the Settings screen: the configuration in use, the saved
// network, the budget caps, the consumer's autopilot, notifications and
// the theme.
type Settings struct {
	svc        SettingsService
	ctx        context.Context
	spawn      func(func())
	onTheme    func(string)
	openFolder func(dir string) error
	info       SettingsInfo

	content fyne.CanvasObject
	prefs   SettingsPrefs // as last loaded or saved

	dataDirStatus *widget.Label

	network            *widget.Select
	url, token         *field
	forgetToken        *widget.Check
	netSave            *widget.Button
	netStatus          *widget.Label
	perJob, daily      *field
	save               *widget.Button
	budgetStatus       *widget.Label
	autoTopUp          *widget.Check
	topUpMax, share    *field
	autoSave           *widget.Button
	autoStatus         *widget.Label
	notifyJob          *widget.Check
	notifyPaid         *widget.Check
	notifyLow          *widget.Check
	notifyErr          *widget.Check
	notifyStatus       *widget.Label
	role               *widget.RadioGroup
	roleStatus         *widget.Label
	theme              *widget.RadioGroup
	prefsControls      []fyne.Disableable
	prefsForms         []*widget.Form
	notifyControlsLive bool
}

// field is an entry with its reason shown under it when its value is
// rejected.
type field struct {
	entry *widget.Entry
	err   *widget.Label
	box   *fyne.Container
}

func newField(entry *widget.Entry, placeholder, help string) *field {
	entry.SetPlaceHolder(placeholder)
	f := &field{entry: entry, err: widget.NewLabel("")}
	f.err.Importance = widget.DangerImportance
	f.err.Wrapping = fyne.TextWrapWord
	f.err.Hide()
	f.box = container.NewVBox(entry, f.err)
	if help != "" {
		h := widget.NewLabel(help)
		h.Wrapping = fyne.TextWrapWord
		h.Importance = widget.LowImportance
		f.box.Add(h)
	}
	return f
}

// setError shows reason under the field; "" clears it.
func (f *field) setError(reason string) {
	f.err.SetText(reason)
	if reason == "" {
		f.err.Hide()
	} else {
		f.err.Show()
	}
}

// NewSettings builds the Settings screen showing info, editing the
// settings through svc, and calling onTheme when the user picks a theme
// (current is the choice in use). The editable parts stay disabled until
// Load has read them.
func NewSettings(info SettingsInfo, svc SettingsService, current string, onTheme func(string)) *Settings {
	s := &Settings{svc: svc, ctx: context.Background(), spawn: func(f func()) { go f() }, onTheme: onTheme, info: info,
		openFolder: func(dir string) error {
			return fyne.CurrentApp().OpenURL(&url.URL{Scheme: "file", Path: dir})
		}}
	endpoint := info.AlgodURL
	if endpoint == "" {
		endpoint = "from the LocalNet manager"
	}
	s.dataDirStatus = widget.NewLabel("")
	s.dataDirStatus.Wrapping = fyne.TextWrapWord
	s.dataDirStatus.Hide()
	openDir := widget.NewButton("Open folder", s.onOpenFolder)
	dirHelp := widget.NewLabel(dataDirHelp)
	dirHelp.Wrapping = fyne.TextWrapWord
	dirHelp.Importance = widget.LowImportance
	conn := screen(TabSettings, settingsText)
	conn.SetContent(container.NewVBox(conn.Content, form(
		"Data directory", container.NewVBox(wrapped(info.DataDir), container.NewHBox(openDir), dirHelp, s.dataDirStatus),
		"Network", wrapped(orNone(info.Network)),
		"algod endpoint", wrapped(endpoint),
		"Log file", wrapped(orNone(info.LogFile)),
	)))

	s.network = widget.NewSelect(networkChoices, nil)
	s.url = newField(widget.NewEntry(), "https://… (empty on LocalNet: the local node)", urlHelp)
	s.token = newField(widget.NewPasswordEntry(), "", tokenHelp)
	s.forgetToken = widget.NewCheck("Forget the saved token", nil)
	s.netSave = widget.NewButton("Save network", s.onSaveNetwork)
	s.netStatus = status(loadingValue)
	netHelp := widget.NewLabel(networkHelp)
	netHelp.Wrapping = fyne.TextWrapWord
	netForm := widget.NewForm(widget.NewFormItem("Network", s.network), widget.NewFormItem("algod URL", s.url.box),
		widget.NewFormItem("algod token", container.NewVBox(s.token.box, s.forgetToken)))
	network := widget.NewCard("Network", "Where Kinetic connects at its next start", container.NewVBox(netHelp,
		netForm, s.netSave, s.netStatus))

	s.perJob = newField(widget.NewEntry(), "ALGO, empty: no cap", "")
	s.daily = newField(widget.NewEntry(), "ALGO, empty: no cap", "")
	s.save = widget.NewButton("Save budget", s.onSave)
	s.budgetStatus = status(loadingValue)
	budget := widget.NewCard("Budget caps", "The most the jobs you submit may spend",
		container.NewVBox(widget.NewForm(
			widget.NewFormItem("Per job", s.perJob.box),
			widget.NewFormItem("Per day", s.daily.box)), s.save, s.budgetStatus))

	s.autoTopUp = widget.NewCheck("Top up a running job automatically", nil)
	s.topUpMax = newField(widget.NewEntry(), "ALGO per job", topUpHelp)
	s.share = newField(widget.NewEntry(), "0 to 100", spotCheckHelp)
	s.autoSave = widget.NewButton("Save autopilot", s.onSaveAutopilot)
	s.autoStatus = status(loadingValue)
	autoForm := widget.NewForm(
		widget.NewFormItem("Auto top-up", s.autoTopUp),
		widget.NewFormItem("Most per job", s.topUpMax.box),
		widget.NewFormItem("Spot-check share (%)", s.share.box))
	autopilot := widget.NewCard("Jobs you submit", "What Kinetic may do on its own while your jobs run",
		container.NewVBox(autoForm, s.autoSave, s.autoStatus))
	s.prefsForms = []*widget.Form{netForm, autoForm}

	s.notifyJob = widget.NewCheck("A job finished", nil)
	s.notifyPaid = widget.NewCheck("A payment was received", nil)
	s.notifyLow = widget.NewCheck("Funds are running low", nil)
	s.notifyErr = widget.NewCheck("Something failed", nil)
	s.notifyStatus = status(loadingValue)
	notify := widget.NewCard("Notifications", "Which desktop notifications to show",
		container.NewVBox(s.notifyJob, s.notifyPaid, s.notifyLow, s.notifyErr, s.notifyStatus))

	s.role = widget.NewRadioGroup([]string{roleProvideText, roleConsumeText, roleBothText}, nil)
	s.role.Horizontal = true
	s.roleStatus = status(loadingValue)
	role := widget.NewCard("What you do here", "Picks the tab Kinetic opens on and the steps it suggests",
		container.NewVBox(s.role, s.roleStatus))

	s.prefsControls = []fyne.Disableable{s.role, s.network, s.url.entry, s.token.entry, s.forgetToken, s.netSave,
		s.autoTopUp, s.topUpMax.entry, s.share.entry, s.autoSave, s.notifyJob, s.notifyPaid, s.notifyLow, s.notifyErr}
	s.setPrefsEnabled(false)

	s.theme = widget.NewRadioGroup([]string{ThemeSystem, ThemeLight, ThemeDark}, nil)
	s.theme.Horizontal = true
	s.theme.SetSelected(current)
	s.theme.OnChanged = func(v string) {
		if v != "" && s.onTheme != nil {
			s.onTheme(v)
		}
	}
	appearance := widget.NewCard("Appearance", "", s.theme)
	s.content = container.NewVScroll(container.NewVBox(conn, role, network, budget, autopilot, notify, appearance))
	return s
}

func status(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// Content returns the screen's root object.
func (s *Settings) Content() fyne.CanvasObject { return s.content }

func (s *Settings) setPrefsEnabled(on bool) {
	for _, c := range s.prefsControls {
		if on {
			c.Enable()
		} else {
			c.Disable()
		}
	}
	for _, f := range s.prefsForms {
		f.Refresh() // the labels follow their widget's state
	}
}

// Load reads the budget caps and the saved preferences into the forms.
// It blocks; run it off the UI goroutine.
func (s *Settings) Load(ctx context.Context) {
	fyne.Do(func() { s.ctx = ctx }) // read by the UI goroutine's handlers
	caps, err := s.svc.Budget(ctx)
	prefs, perr := s.svc.Preferences(ctx)
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if err != nil {
			warn(s.budgetStatus, "Could not read the budget: "+err.Error())
		} else {
			s.perJob.entry.SetText(capText(caps.PerJob))
			s.daily.entry.SetText(capText(caps.Daily))
			s.budgetStatus.Importance = widget.MediumImportance
			s.budgetStatus.SetText(budgetSummary(caps))
		}
		if perr != nil {
			msg := "Could not read the saved preferences: " + perr.Error()
			warn(s.netStatus, msg)
			warn(s.autoStatus, msg)
			warn(s.notifyStatus, msg)
			warn(s.roleStatus, msg)
			return // the forms stay disabled: saving them would overwrite what could not be read
		}
		s.showPrefs(prefs)
	})
}

// showPrefs fills the forms with p and enables them.
func (s *Settings) showPrefs(p SettingsPrefs) {
	s.prefs = p
	s.network.SetSelected(p.Network)
	s.url.entry.SetText(p.AlgodURL)
	s.token.entry.SetText("")
	s.token.entry.SetPlaceHolder(tokenPlaceholder(p.TokenSaved))
	s.forgetToken.SetChecked(false)
	s.autoTopUp.SetChecked(p.AutoTopUp)
	s.topUpMax.entry.SetText(capText(p.AutoTopUpMax))
	s.share.entry.SetText(strconv.Itoa(p.SpotCheckPercent))
	for _, f := range []*field{s.url, s.token, s.topUpMax, s.share} {
		f.setError("")
	}
	s.notifyControlsLive = false
	s.notifyJob.SetChecked(p.Notify.JobFinished)
	s.notifyPaid.SetChecked(p.Notify.PaymentReceived)
	s.notifyLow.SetChecked(p.Notify.LowFunds)
	s.notifyErr.SetChecked(p.Notify.Errors)
	for _, c := range []*widget.Check{s.notifyJob, s.notifyPaid, s.notifyLow, s.notifyErr} {
		c.OnChanged = func(bool) { s.onNotifyChanged() }
	}
	s.role.OnChanged = nil
	s.role.SetSelected(roleText[p.Role])
	s.role.OnChanged = s.onRoleChanged
	s.roleStatus.Importance = widget.MediumImportance
	s.roleStatus.SetText(roleSummary(p.Role))
	s.notifyControlsLive = true
	s.setPrefsEnabled(true)
	s.showNetworkStatus("")
	s.autoStatus.Importance = widget.MediumImportance
	s.autoStatus.SetText(autopilotSummary(p))
	s.notifyStatus.Importance = widget.MediumImportance
	s.notifyStatus.SetText("Changes are saved at once.")
}

func tokenPlaceholder(saved bool) string {
	if saved {
		return "a token is saved in the keyring"
	}
	return "none saved; only if the node wants one"
}

// showNetworkStatus says what the saved network is and when it applies.
func (s *Settings) showNetworkStatus(prefix string) {
	p := s.prefs
	saved := p.Network
	if p.AlgodURL != "" {
		saved += " at " + p.AlgodURL
	}
	var msg string
	if p.Network == s.info.Network && p.AlgodURL == s.info.AlgodURL {
		msg = "Saved: " + saved + " (in use now)."
	} else {
		msg = "Saved: " + saved + ". Restart Kinetic to connect to it; this instance stays on " + orNone(s.info.Network) +
			" (a --network or --algod-url flag at start also keeps it there)."
	}
	s.netStatus.Importance = widget.MediumImportance
	if prefix != "" {
		s.netStatus.Importance = widget.SuccessImportance
	}
	s.netStatus.SetText(prefix + msg)
}

func autopilotSummary(p SettingsPrefs) string {
	top := "auto top-up off"
	if p.AutoTopUp {
		top = "auto top-up up to " + formatAlgo(p.AutoTopUpMax) + " per job"
	}
	return fmt.Sprintf("%s · spot-check %d %% of jobs", strings.ToUpper(top[:1])+top[1:], p.SpotCheckPercent)
}

func capText(micro uint64) string {
	if micro == 0 {
		return ""
	}
	return trimAlgo(micro)
}

// trimAlgo prints microAlgos as a plain ALGO number for an entry field.
func trimAlgo(micro uint64) string {
	s := formatAlgo(micro)
	s = s[:len(s)-len(" ALGO")]
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func budgetSummary(c BudgetCaps) string {
	text := func(v uint64) string {
		if v == 0 {
			return "no cap"
		}
		return formatAlgo(v)
	}
	return "Per job: " + text(c.PerJob) + " · per day: " + text(c.Daily)
}

// errNegativeCap rejects a cap typed with a minus sign.
var errNegativeCap = errors.New("a cap cannot be negative; leave it empty for no cap")

// parseCap reads an optional cap: empty means no cap.
func parseCap(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, errNegativeCap
	}
	return parseAlgoInput(s)
}

// checkField sets f's reason from err and reports whether it was valid.
func checkField(f *field, err error) bool {
	if err != nil {
		f.setError(err.Error())
		return false
	}
	f.setError("")
	return true
}

func (s *Settings) onSave() {
	var caps BudgetCaps
	var err error
	caps.PerJob, err = parseCap(s.perJob.entry.Text)
	ok := checkField(s.perJob, err)
	caps.Daily, err = parseCap(s.daily.entry.Text)
	ok = checkField(s.daily, err) && ok
	if ok && caps.PerJob > 0 && caps.Daily > 0 && caps.PerJob > caps.Daily {
		s.perJob.setError("larger than the daily cap, which would always stop it first")
		ok = false
	}
	if !ok {
		warn(s.budgetStatus, "Not saved: correct the fields marked above.")
		return
	}
	s.save.Disable()
	s.spawn(func() {
		err := s.svc.SetBudget(s.ctx, caps)
		fyne.Do(func() {
			s.save.Enable()
			if err != nil {
				warn(s.budgetStatus, "Not saved: "+err.Error())
				return
			}
			s.budgetStatus.Importance = widget.SuccessImportance
			s.budgetStatus.SetText("Saved. " + budgetSummary(caps))
		})
	})
}

// checkAlgodURL checks an algod URL for a preset: every preset but
// LocalNet needs one, and it must be an http(s) URL with a host.
func checkAlgodURL(network, raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if network == NetworkLocalNet {
			return nil
		}
		return fmt.Errorf("%s has no built-in node: enter the URL of an algod you trust, e.g. https://testnet-api.example.net", network)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URL: check for spaces or stray characters")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must start with http:// or https://, e.g. http://127.0.0.1:4001")
	case u.Hostname() == "":
		return errors.New("has no host, e.g. http://127.0.0.1:4001")
	case u.User != nil:
		return errors.New("must not carry a user name or password; put the token in the token field")
	}
	return nil
}

// fieldOf returns the screen's field that a service's *FieldError names.
func (s *Settings) fieldOf(err error) *field {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return nil
	}
	switch fe.Field {
	case "algod URL":
		return s.url
	case "algod token":
		return s.token
	case "Top-up limit":
		return s.topUpMax
	case "Spot-check share":
		return s.share
	}
	return nil
}

// savePrefs saves p (with tok) off the UI goroutine; done runs on the UI
// goroutine with the outcome, after a field error was shown by its field.
func (s *Settings) savePrefs(p SettingsPrefs, tok TokenChange, btn *widget.Button, statusLabel *widget.Label, done func()) {
	btn.Disable()
	s.spawn(func() {
		err := s.svc.SavePreferences(s.ctx, p, tok)
		fyne.Do(func() {
			btn.Enable()
			if err != nil {
				var fe *FieldError
				if f := s.fieldOf(err); f != nil && errors.As(err, &fe) {
					f.setError(fe.Reason)
					warn(statusLabel, "Not saved: correct the fields marked above.")
					return
				}
				warn(statusLabel, "Not saved: "+err.Error())
				return
			}
			s.prefs = p
			done()
		})
	})
}

func (s *Settings) onSaveNetwork() {
	p := s.prefs
	p.Network = s.network.Selected
	p.AlgodURL = strings.TrimSpace(s.url.entry.Text)
	tok := TokenChange{Token: s.token.entry.Text, Forget: s.forgetToken.Checked}
	ok := checkField(s.url, checkAlgodURL(p.Network, p.AlgodURL))
	var tokErr error
	if tok.Forget && tok.Token != "" {
		tokErr = errors.New("either enter a new token or forget the saved one, not both")
	}
	ok = checkField(s.token, tokErr) && ok
	if !ok {
		warn(s.netStatus, "Not saved: correct the fields marked above.")
		return
	}
	switch {
	case tok.Token != "":
		p.TokenSaved = true
	case tok.Forget, p.AlgodURL != s.prefs.AlgodURL:
		p.TokenSaved = false
	}
	s.savePrefs(p, tok, s.netSave, s.netStatus, func() {
		s.token.entry.SetText("")
		s.token.entry.SetPlaceHolder(tokenPlaceholder(p.TokenSaved))
		s.forgetToken.SetChecked(false)
		s.showNetworkStatus("Saved. ")
	})
}

// parseShare reads a spot-check share in whole percent, 0 to 100.
func parseShare(text string) (int, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), "%"))
	n, err := strconv.Atoi(t)
	switch {
	case t == "":
		return 0, errors.New("enter a share from 0 to 100 %, e.g. 10")
	case err != nil:
		return 0, fmt.Errorf("%q is not a whole number of percent, e.g. 10", text)
	case n < 0 || n > 100:
		return 0, fmt.Errorf("%d %% is not a share: pick 0 to 100 %%", n)
	}
	return n, nil
}

func (s *Settings) onSaveAutopilot() {
	p := s.prefs
	p.AutoTopUp = s.autoTopUp.Checked
	var err error
	p.AutoTopUpMax, err = parseCap(s.topUpMax.entry.Text)
	if err == nil && p.AutoTopUp && p.AutoTopUpMax == 0 {
		err = errors.New("set the most auto top-up may add per job, or turn it off")
	}
	ok := checkField(s.topUpMax, err)
	p.SpotCheckPercent, err = parseShare(s.share.entry.Text)
	ok = checkField(s.share, err) && ok
	if !ok {
		warn(s.autoStatus, "Not saved: correct the fields marked above.")
		return
	}
	s.savePrefs(p, TokenChange{}, s.autoSave, s.autoStatus, func() {
		s.autoStatus.Importance = widget.SuccessImportance
		s.autoStatus.SetText("Saved. " + autopilotSummary(p))
	})
}

func (s *Settings) onNotifyChanged() {
	if !s.notifyControlsLive {
		return
	}
	p := s.prefs
	p.Notify = NotifyPrefs{JobFinished: s.notifyJob.Checked, PaymentReceived: s.notifyPaid.Checked,
		LowFunds: s.notifyLow.Checked, Errors: s.notifyErr.Checked}
	s.notifyStatus.Importance = widget.MediumImportance
	s.notifyStatus.SetText("Saving…")
	s.spawn(func() {
		err := s.svc.SavePreferences(s.ctx, p, TokenChange{})
		fyne.Do(func() {
			if err != nil {
				warn(s.notifyStatus, "Not saved: "+err.Error())
				return
			}
			s.prefs.Notify = p.Notify
			s.notifyStatus.Importance = widget.SuccessImportance
			s.notifyStatus.SetText("Saved.")
		})
	})
}

// roleText is how the choices show each role.
var roleText = map[string]string{SetupProvider: roleProvideText, SetupConsumer: roleConsumeText, SetupBoth: roleBothText}

func roleSummary(role string) string {
	switch role {
	case SetupProvider, SetupBoth:
		return "Kinetic opens on the " + TabProvide + " tab. Changes are saved at once and apply at the next start."
	case SetupConsumer:
		return "Kinetic opens on the " + TabMarketplace + ". Changes are saved at once and apply at the next start."
	}
	return "Not chosen yet. Changes are saved at once and apply at the next start."
}

func (s *Settings) onRoleChanged(choice string) {
	var role string
	for r, text := range roleText {
		if text == choice {
			role = r
		}
	}
	if role == "" {
		return // a radio group can be cleared; that is no choice
	}
	p := s.prefs
	p.Role = role
	s.roleStatus.Importance = widget.MediumImportance
	s.roleStatus.SetText("Saving…")
	s.spawn(func() {
		err := s.svc.SavePreferences(s.ctx, p, TokenChange{})
		fyne.Do(func() {
			if err != nil {
				warn(s.roleStatus, "Not saved: "+err.Error())
				return
			}
			s.prefs.Role = role
			s.roleStatus.Importance = widget.SuccessImportance
			s.roleStatus.SetText("Saved. " + roleSummary(role))
		})
	})
}

func (s *Settings) onOpenFolder() {
	if err := s.openFolder(s.info.DataDir); err != nil {
		warn(s.dataDirStatus, "Could not open the folder: "+err.Error()+". Its path is shown above.")
		s.dataDirStatus.Show()
		return
	}
	s.dataDirStatus.Hide()
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapBreak
	return l
}
