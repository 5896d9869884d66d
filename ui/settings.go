package ui

import (
	"context"

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

// SettingsService keeps the settings the Settings screen edits. Every
// method may block and must honour ctx.
type SettingsService interface {
	// Budget reads the spending caps.
	Budget(ctx context.Context) (BudgetCaps, error)
	// SetBudget saves the spending caps; the consumer agent enforces them.
	SetBudget(ctx context.Context, caps BudgetCaps) error
}

// Theme choices of the Settings screen.
const (
	ThemeSystem = "Follow the system"
	ThemeLight  = "Light"
	ThemeDark   = "Dark"
)

// settingsText explains where the connection settings come from.
const settingsText = "This instance runs with the settings below, taken from the command line " +
	"(--data-dir, --network, --algod-url, --algod-token) when it started."

// Settings is the Settings screen: the configuration in use, the budget
// caps and the theme.
type Settings struct {
	svc     SettingsService
	ctx     context.Context
	spawn   func(func())
	onTheme func(string)

	content       fyne.CanvasObject
	perJob, daily *widget.Entry
	save          *widget.Button
	budgetStatus  *widget.Label
	theme         *widget.RadioGroup
}

// NewSettings builds the Settings screen showing info, editing the budget
// through svc, and calling onTheme when the user picks a theme (current
// is the choice in use).
func NewSettings(info SettingsInfo, svc SettingsService, current string, onTheme func(string)) *Settings {
	s := &Settings{svc: svc, ctx: context.Background(), spawn: func(f func()) { go f() }, onTheme: onTheme}
	url := info.AlgodURL
	if url == "" {
		url = "from the LocalNet manager"
	}
	conn := screen(TabSettings, settingsText)
	conn.SetContent(container.NewVBox(conn.Content, form(
		"Data directory", wrapped(info.DataDir),
		"Network", wrapped(orNone(info.Network)),
		"algod endpoint", wrapped(url),
		"Log file", wrapped(orNone(info.LogFile)),
	)))

	s.perJob, s.daily = widget.NewEntry(), widget.NewEntry()
	s.perJob.SetPlaceHolder("ALGO, empty: no cap")
	s.daily.SetPlaceHolder("ALGO, empty: no cap")
	s.save = widget.NewButton("Save budget", s.onSave)
	s.budgetStatus = widget.NewLabel(loadingValue)
	s.budgetStatus.Wrapping = fyne.TextWrapWord
	budget := widget.NewCard("Budget caps", "The most the jobs you submit may spend",
		container.NewVBox(widget.NewForm(
			widget.NewFormItem("Per job", s.perJob),
			widget.NewFormItem("Per day", s.daily)), s.save, s.budgetStatus))

	s.theme = widget.NewRadioGroup([]string{ThemeSystem, ThemeLight, ThemeDark}, nil)
	s.theme.Horizontal = true
	s.theme.SetSelected(current)
	s.theme.OnChanged = func(v string) {
		if v != "" && s.onTheme != nil {
			s.onTheme(v)
		}
	}
	appearance := widget.NewCard("Appearance", "", s.theme)
	s.content = container.NewVScroll(container.NewVBox(conn, budget, appearance))
	return s
}

// Content returns the screen's root object.
func (s *Settings) Content() fyne.CanvasObject { return s.content }

// Load reads the budget caps into the form. It blocks; run it off the UI
// goroutine.
func (s *Settings) Load(ctx context.Context) {
	fyne.Do(func() { s.ctx = ctx }) // read by the UI goroutine's handlers
	caps, err := s.svc.Budget(ctx)
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if err != nil {
			warn(s.budgetStatus, "Could not read the budget: "+err.Error())
			return
		}
		s.perJob.SetText(capText(caps.PerJob))
		s.daily.SetText(capText(caps.Daily))
		s.budgetStatus.Importance = widget.MediumImportance
		s.budgetStatus.SetText(budgetSummary(caps))
	})
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

// parseCap reads an optional cap: empty means no cap.
func parseCap(field, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := parseAlgoInput(s)
	if err != nil {
		return 0, fieldError{field, err}
	}
	return v, nil
}

func (s *Settings) onSave() {
	var caps BudgetCaps
	var err error
	if caps.PerJob, err = parseCap("Per job", s.perJob.Text); err != nil {
		warn(s.budgetStatus, err.Error())
		return
	}
	if caps.Daily, err = parseCap("Per day", s.daily.Text); err != nil {
		warn(s.budgetStatus, err.Error())
		return
	}
	if caps.PerJob > 0 && caps.Daily > 0 && caps.PerJob > caps.Daily {
		warn(s.budgetStatus, "Per job: larger than the daily cap, which would always stop it first")
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

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapBreak
	return l
}
