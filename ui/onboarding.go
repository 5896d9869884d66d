package ui

import (
	"context"
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

// backupChecks are the (1-based) word positions the backup step asks for.
var backupChecks = []int{3, 11, 24}

// Onboarding is the first-run setup: create or import an account, check
// the mnemonic backup, and fund the account on LocalNet. done is called
// with the new address when it ends.
type Onboarding struct {
	svc   OnboardingService
	ctx   context.Context
	spawn func(func())
	done  func(addr string)

	root     *fyne.Container
	name     *widget.Entry
	phrase   *widget.Entry
	status   *widget.Label
	checks   []*widget.Entry
	mnemonic string
	addr     string
}

// NewOnboarding builds the setup's first step.
func NewOnboarding(ctx context.Context, svc OnboardingService, done func(addr string)) *Onboarding {
	o := &Onboarding{svc: svc, ctx: ctx, spawn: func(f func()) { go f() }, done: done}
	o.root = container.NewStack()
	o.name = widget.NewEntry()
	o.name.SetText("main")
	o.phrase = widget.NewMultiLineEntry()
	o.phrase.SetPlaceHolder("the 25 words of an existing account, separated by spaces")
	o.phrase.Wrapping = fyne.TextWrapWord
	o.status = widget.NewLabel("")
	o.status.Wrapping = fyne.TextWrapWord
	o.showStart()
	return o
}

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
	o.show("Set up your wallet", "Your keys stay on this machine",
		widget.NewForm(widget.NewFormItem("Account name", o.name)), create,
		widget.NewSeparator(), widget.NewLabel("Or import an account you already have:"), o.phrase, imp)
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
			o.status.SetText("")
			o.showFund()
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
	o.showFund()
}

// showFund funds the account on LocalNet, or finishes elsewhere.
func (o *Onboarding) showFund() {
	o.show("Your account is ready", o.addr, widget.NewLabel("Checking for a LocalNet dispenser…"))
	o.spawn(func() {
		txid, ok, err := o.svc.Fund(o.ctx, o.addr)
		fyne.Do(func() {
			finish := widget.NewButton("Open the wallet", func() { o.done(o.addr) })
			finish.Importance = widget.HighImportance
			var msg string
			switch {
			case err != nil:
				msg = "Could not fund it from the LocalNet dispenser: " + err.Error()
			case !ok:
				msg = "This network has no dispenser: send ALGO to the address above to start."
			default:
				msg = "Funded from the LocalNet dispenser · transaction " + txid
			}
			l := widget.NewLabel(msg)
			l.Wrapping = fyne.TextWrapWord
			o.show("Your account is ready", o.addr, l, finish)
		})
	})
}
