package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// OnboardingService is what the first-run setup needs from the wallet.
// Every method may block and must honour ctx.
type OnboardingService interface {
	// Create makes a new account and returns its address and its 25-word
	// mnemonic, to be written down.
	Create(ctx context.Context, name string) (addr, mnemonic string, err error)
	// Import adds the account of a 25-word mnemonic.
	Import(ctx context.Context, name, mnemonic string) (addr string, err error)
	// Fund pays the new account from the LocalNet dispenser; ok is false
	// on other networks, where there is no dispenser.
	Fund(ctx context.Context, addr string) (txid string, ok bool, err error)
}

// Roles chosen in the first-run setup, as OnboardingChoices.SaveRole
// receives them.
const (
	SetupProvider = "provider" // rent out my GPU
	SetupConsumer = "consumer" // run jobs
	SetupBoth     = "both"
)

// Role choices as the setup shows them.
const (
	roleProvideText = "Rent out my GPU"
	roleConsumeText = "Run jobs"
	roleBothText    = "Both"
)

// NetworkChoice is the network picked in the first-run setup.
type NetworkChoice struct {
	// Network is one of the Network* presets.
	Network string
	// AlgodURL is the node's URL; empty on LocalNet means the local node.
	AlgodURL string
	// Token is the node's API token, a secret: the service keeps it only
	// in the OS keyring, never logs it and never writes it to a file.
	Token string
}

// OnboardingChoices saves the network and the role chosen in the
// first-run setup. A service that implements it besides
// OnboardingService gets the network and role steps. Every method may
// block and must honour ctx.
type OnboardingChoices interface {
	// Networks returns the network this instance runs on (a Network*
	// preset) and the saved choice, to start the form from.
	Networks(ctx context.Context) (running string, saved NetworkChoice, err error)
	// SaveNetwork saves the choice for the next start. A rejected field
	// is a *FieldError ("algod URL" or "algod token").
	SaveNetwork(ctx context.Context, c NetworkChoice) error
	// SaveRole saves SetupProvider, SetupConsumer or SetupBoth.
	SaveRole(ctx context.Context, role string) error
}

// OnboardingKeys says where the wallet keeps the keys; a service that
// implements it gets that said on the first step.
type OnboardingKeys interface {
	// KeyStorage describes where the keys are kept and why, e.g. "in the
	// OS keyring".
	KeyStorage() string
}

// backupChecks are the (1-based) word positions the backup step asks for.
var backupChecks = []int{3, 11, 24}

// Onboarding is the first-run setup: create or import an account, check
// the mnemonic backup, and fund the account on LocalNet. done is called
// with the new address when it ends.
type Onboarding struct {
	svc      OnboardingService
	choices  OnboardingChoices // nil: no network and role steps
	ctx      context.Context
	spawn    func(func())
	done     func(addr string)
	navigate func(tab string)

	running string        // the network this instance runs on
	chosen  NetworkChoice // as saved by the network step
	role    string

	root     *fyne.Container
	name     *widget.Entry
	phrase   *widget.Entry
	status   *widget.Label
	checks   []*widget.Entry
	mnemonic string
	addr     string

	netForm    *networkForm
	roleChoice *widget.RadioGroup
}

// NewOnboarding builds the setup's first step. When svc also implements
// OnboardingChoices the setup starts by choosing the network and, once
// the account exists, asks what the user will do here.
func NewOnboarding(ctx context.Context, svc OnboardingService, done func(addr string)) *Onboarding {
	return newOnboarding(ctx, svc, done, func(f func()) { go f() })
}

// NewOnboardingWith is NewOnboarding with spawn running each blocking
// call: NewOnboarding starts a goroutine; a caller that drives the screen
// with Fyne's test driver passes one that runs the call at once, so that
// no widget changes behind its back.
func NewOnboardingWith(ctx context.Context, svc OnboardingService, done func(addr string), spawn func(func())) *Onboarding {
	return newOnboarding(ctx, svc, done, spawn)
}

// newOnboarding is NewOnboarding with spawn running the blocking calls.
func newOnboarding(ctx context.Context, svc OnboardingService, done func(addr string), spawn func(func())) *Onboarding {
	o := &Onboarding{svc: svc, ctx: ctx, spawn: spawn, done: done}
	o.choices, _ = svc.(OnboardingChoices)
	o.root = container.NewStack()
	o.name = widget.NewEntry()
	o.name.SetText("main")
	o.phrase = widget.NewMultiLineEntry()
	o.phrase.SetPlaceHolder("the 25 words of an existing account, separated by spaces")
	o.phrase.Wrapping = fyne.TextWrapWord
	o.status = widget.NewLabel("")
	o.status.Wrapping = fyne.TextWrapWord
	if o.choices != nil {
		o.showNetworkLoading()
	} else {
		o.showStart()
	}
	return o
}

// SetNavigate lets the last step open a tab (TabProvide, TabMarketplace)
// after done; without it the step names the tab to open. Call it before
// the setup ends, on the UI goroutine.
func (o *Onboarding) SetNavigate(navigate func(tab string)) { o.navigate = navigate }

// Content returns the setup's root object.
func (o *Onboarding) Content() fyne.CanvasObject { return o.root }

func (o *Onboarding) show(title, sub string, body ...fyne.CanvasObject) {
	body = append(body, o.status)
	o.root.Objects = []fyne.CanvasObject{container.NewVScroll(widget.NewCard(title, sub, container.NewVBox(body...)))}
	o.root.Refresh()
}

func (o *Onboarding) showStart() {
	create := widget.NewButton("Create a new account", o.onCreate)
	create.Importance = widget.HighImportance
	imp := widget.NewButton("Import this account", o.onImport)
	body := []fyne.CanvasObject{widget.NewForm(widget.NewFormItem("Account name", o.name)), create,
		widget.NewSeparator(), widget.NewLabel("Or import an account you already have:"), o.phrase, imp}
	if k, ok := o.svc.(OnboardingKeys); ok {
		body = append([]fyne.CanvasObject{wrappedText("Your keys are kept " + k.KeyStorage() + ".")}, body...)
	}
	o.show("Set up your wallet", "Your keys stay on this machine", body...)
}

func (o *Onboarding) onCreate() {
	name := strings.TrimSpace(o.name.Text)
	if name == "" {
		warn(o.status, "Account name: give the account a name, e.g. main")
		return
	}
	o.status.SetText("Creating the account…")
	o.spawn(func() {
		addr, m, err := o.svc.Create(o.ctx, name)
		fyne.Do(func() {
			if err != nil {
				warn(o.status, "Could not create the account: "+err.Error())
				return
			}
			o.addr, o.mnemonic = addr, m
			o.status.SetText("")
			o.showBackup()
		})
	})
}

func (o *Onboarding) onImport() {
	name := strings.TrimSpace(o.name.Text)
	words := strings.Fields(o.phrase.Text)
	switch {
	case name == "":
		warn(o.status, "Account name: give the account a name, e.g. main")
		return
	case len(words) != 25:
		warn(o.status, fmt.Sprintf("Mnemonic: an Algorand mnemonic has 25 words; this one has %d", len(words)))
		return
	}
	o.status.SetText("Importing the account…")
	o.spawn(func() {
		addr, err := o.svc.Import(o.ctx, name, strings.Join(words, " "))
		fyne.Do(func() {
			if err != nil {
				warn(o.status, "Could not import: "+err.Error())
				return
			}
			o.addr = addr
			o.phrase.SetText("") // the words are in the keyring now, not left in a widget
			o.status.SetText("")
			o.next()
		})
	})
}

// showBackup shows the mnemonic and asks for a few of its words back.
func (o *Onboarding) showBackup() {
	words := widget.NewLabel(numberedWords(o.mnemonic))
	words.TextStyle.Monospace = true
	words.Wrapping = fyne.TextWrapWord
	o.checks = nil
	items := []*widget.FormItem{}
	for _, n := range backupChecks {
		e := widget.NewEntry()
		o.checks = append(o.checks, e)
		items = append(items, widget.NewFormItem(fmt.Sprintf("Word %d", n), e))
	}
	next := widget.NewButton("I wrote it down — check", o.onCheckBackup)
	next.Importance = widget.HighImportance
	o.show("Write down your recovery words", "Anyone with these words controls the account; Kinetic cannot recover them",
		words, widget.NewLabel("Then type these words to show you have them:"), widget.NewForm(items...), next)
}

func numberedWords(m string) string {
	ws := strings.Fields(m)
	var b strings.Builder
	for i, w := range ws {
		fmt.Fprintf(&b, "%2d. %-10s", i+1, w)
		if i%5 == 4 {
			b.WriteString("\n")
		}
	}
	return strings.TrimRight(b.String(), "\n ")
}

func (o *Onboarding) onCheckBackup() {
	ws := strings.Fields(o.mnemonic)
	for i, n := range backupChecks {
		if n > len(ws) || !strings.EqualFold(strings.TrimSpace(o.checks[i].Text), ws[n-1]) {
			warn(o.status, fmt.Sprintf("Word %d does not match; look at your copy again.", n))
			return
		}
	}
	o.mnemonic = ""
	o.status.SetText("")
	o.next()
}

// next follows the account step: the role, then funding.
func (o *Onboarding) next() {
	if o.choices != nil {
		o.showRole()
		return
	}
	o.showFund()
}

// showFund funds the account on LocalNet, or finishes elsewhere.
func (o *Onboarding) showFund() {
	if o.choices != nil && o.chosen.Network != o.running {
		o.showFinish(fmt.Sprintf("Kinetic connects to %s at its next start: restart it now, then send ALGO on %s to the address above to start.",
			o.chosen.Network, o.chosen.Network))
		return
	}
	o.show("Your account is ready", o.addr, widget.NewLabel("Checking for a LocalNet dispenser…"))
	o.spawn(func() {
		txid, ok, err := o.svc.Fund(o.ctx, o.addr)
		fyne.Do(func() {
			var msg string
			switch {
			case err != nil:
				msg = "Could not fund it from the LocalNet dispenser: " + err.Error()
			case !ok:
				msg = "This network has no dispenser: send ALGO to the address above to start."
			default:
				msg = "Funded from the LocalNet dispenser · transaction " + txid
			}
			o.showFinish(msg)
		})
	})
}

// showFinish ends the setup with msg and, after a role step, the next
// step that role calls for.
func (o *Onboarding) showFinish(msg string) {
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	body := []fyne.CanvasObject{l}
	open := func(tab string) func() {
		return func() {
			o.done(o.addr)
			if o.navigate != nil && tab != "" {
				o.navigate(tab)
			}
		}
	}
	var buttons []*widget.Button
	switch o.role {
	case SetupProvider, SetupBoth:
		body = append(body, wrappedText("Next: register this machine as a provider on the "+TabProvide+
			" tab: check the GPU, set your price and switch renting on."))
		buttons = append(buttons, widget.NewButton("Register on the "+TabProvide+" tab", open(TabProvide)))
		if o.role == SetupBoth {
			buttons = append(buttons, widget.NewButton("Browse the "+TabMarketplace, open(TabMarketplace)))
		}
	case SetupConsumer:
		body = append(body, wrappedText("Next: pick a provider on the "+TabMarketplace+" and submit a job from the "+TabJobs+" tab."))
		buttons = append(buttons, widget.NewButton("Browse the "+TabMarketplace, open(TabMarketplace)))
	default:
		buttons = append(buttons, widget.NewButton("Open the wallet", open("")))
	}
	buttons[0].Importance = widget.HighImportance
	for _, b := range buttons {
		body = append(body, b)
	}
	o.show("Your account is ready", o.addr, body...)
}

func wrappedText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// Texts of the network step.
const (
	networkStepText = "LocalNet is a private chain on this machine for trying Kinetic with free ALGO. " +
		"TestNet uses test ALGO; MainNet uses real ALGO. TestNet and MainNet have no built-in node: " +
		"enter the URL of an algod you trust (and its token, if it wants one)."
	networkTokenHelp = "Kept in the OS keyring, never in a file. Leave it empty if the node needs none."
)

// showNetworkLoading reads the saved network, then shows the network step.
func (o *Onboarding) showNetworkLoading() {
	o.show("Choose a network", "Where your account and jobs live", widget.NewLabel("Reading the saved network…"))
	o.spawn(func() {
		running, saved, err := o.choices.Networks(o.ctx)
		if o.ctx.Err() != nil {
			return
		}
		fyne.Do(func() {
			if err != nil {
				warn(o.status, "Could not read the saved network: "+err.Error())
				retry := widget.NewButton("Try again", o.showNetworkLoading)
				o.show("Choose a network", "Where your account and jobs live", retry)
				return
			}
			o.running = running
			if saved.Network == "" {
				saved.Network = running
			}
			o.status.SetText("")
			o.showNetwork(saved)
		})
	})
}

// networkForm is the network step's fields.
type networkForm struct {
	network    *widget.RadioGroup
	url, token *field
}

func (o *Onboarding) showNetwork(saved NetworkChoice) {
	f := &networkForm{network: widget.NewRadioGroup(networkChoices, nil),
		url:   newField(widget.NewEntry(), "https://… (empty on LocalNet: the local node)", ""),
		token: newField(widget.NewPasswordEntry(), "", networkTokenHelp)}
	f.network.Horizontal = true
	f.network.Required = true
	f.network.SetSelected(saved.Network)
	f.url.entry.SetText(saved.AlgodURL)
	next := widget.NewButton("Continue", func() { o.onNetwork(f) })
	next.Importance = widget.HighImportance
	o.show("Choose a network", "Where your account and jobs live", wrappedText(networkStepText),
		widget.NewForm(widget.NewFormItem("Network", f.network), widget.NewFormItem("algod URL", f.url.box),
			widget.NewFormItem("algod token", f.token.box)), next)
	o.netForm = f
}

func (o *Onboarding) onNetwork(f *networkForm) {
	c := NetworkChoice{Network: f.network.Selected, AlgodURL: strings.TrimSpace(f.url.entry.Text), Token: f.token.entry.Text}
	if !checkField(f.url, checkAlgodURL(c.Network, c.AlgodURL)) {
		warn(o.status, "Correct the fields marked above.")
		return
	}
	f.token.setError("")
	o.status.Importance = widget.MediumImportance
	o.status.SetText("Saving the network…")
	o.spawn(func() {
		err := o.choices.SaveNetwork(o.ctx, c)
		fyne.Do(func() {
			var fe *FieldError
			switch {
			case errors.As(err, &fe) && fe.Field == "algod token":
				f.token.setError(fe.Reason)
				warn(o.status, "Correct the fields marked above, or leave the token empty.")
				return
			case errors.As(err, &fe) && fe.Field == "algod URL":
				f.url.setError(fe.Reason)
				warn(o.status, "Correct the fields marked above.")
				return
			case err != nil:
				warn(o.status, "Could not save the network: "+err.Error())
				return
			}
			c.Token = "" // kept by the service only
			o.chosen = c
			o.status.SetText("")
			o.showStart()
			if c.Network != o.running {
				o.status.Importance = widget.MediumImportance
				o.status.SetText(fmt.Sprintf("Saved: Kinetic connects to %s at its next start; it runs on %s until then.", c.Network, o.running))
			}
		})
	})
}

// showRole asks what the user will do here.
func (o *Onboarding) showRole() {
	o.roleChoice = widget.NewRadioGroup([]string{roleProvideText, roleConsumeText, roleBothText}, nil)
	o.roleChoice.Required = true
	next := widget.NewButton("Continue", o.onRole)
	next.Importance = widget.HighImportance
	o.show("What will you do with Kinetic?", "You can do the other later too; this picks where you start",
		o.roleChoice,
		wrappedText(roleProvideText+": earn ALGO running other people's jobs on this machine's GPU."),
		wrappedText(roleConsumeText+": rent GPUs from providers on the market for your own jobs."), next)
}

func (o *Onboarding) onRole() {
	role := map[string]string{roleProvideText: SetupProvider, roleConsumeText: SetupConsumer, roleBothText: SetupBoth}[o.roleChoice.Selected]
	if role == "" {
		warn(o.status, "Choose one: "+roleProvideText+", "+roleConsumeText+" or "+roleBothText+".")
		return
	}
	o.status.Importance = widget.MediumImportance
	o.status.SetText("Saving…")
	o.spawn(func() {
		err := o.choices.SaveRole(o.ctx, role)
		fyne.Do(func() {
			if err != nil {
				warn(o.status, "Could not save the choice: "+err.Error())
				return
			}
			o.role = role
			o.status.SetText("")
			o.showFund()
		})
	})
}
