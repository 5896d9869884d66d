package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ErrKeyringLocked is wrapped by the error given to Wallet.SetUnavailable
// when the OS keyring holding the keys cannot be unlocked or does not
// answer: a state the user can fix, shown as such rather than as a failure.
var ErrKeyringLocked = errors.New("the system keyring is locked or not answering")

// WalletAccount is one account of the wallet.
type WalletAccount struct {
	// Name is the user's name for the account.
	Name string
	// Address is its Algorand address.
	Address string
	// Active marks the account used for jobs and payments.
	Active bool
}

// WalletBalance is an account's ALGO balance, in microAlgos.
type WalletBalance struct {
	// Amount is the whole balance; MinBalance the part the chain locks.
	Amount, MinBalance uint64
	// Spendable is Amount − MinBalance: what can be sent.
	Spendable uint64
	// Round is the round the balance was read at.
	Round uint64
}

// WalletEntry is one history entry, seen from the account shown.
type WalletEntry struct {
	// Time is the block time.
	Time time.Time
	// Label classifies the entry, e.g. "escrow lock" or "release received".
	Label string
	// Amount is the account's change in microAlgos, fee excluded: positive
	// when received, negative when sent.
	Amount int64
	// Fee is the network fee the account paid, in microAlgos.
	Fee uint64
	// Counterparty is the other side's address, when known.
	Counterparty string
	// TxID is the transaction id; JobID the job it belongs to, if any.
	TxID, JobID string
}

// ActivityDay is one day's ALGO flows of an account, in microAlgos.
type ActivityDay struct {
	// Day is the day's start, in local time.
	Day time.Time
	// Spent includes fees; Earned includes payouts, refunds and transfers in.
	Spent, Earned uint64
}

// Earnings are a provider's earnings, in microAlgos.
type Earnings struct {
	// Settled is what escrow releases and claims paid out.
	Settled uint64
	// Pending is what the results this provider submitted bill while
	// their dispute window is open; meaningful only when PendingKnown
	// (the provider agent's job records were read).
	Pending      uint64
	PendingKnown bool
	// Jobs holds the split by job when it comes from the provider agent's
	// job records; nil when Settled comes from the wallet's history.
	Jobs *ProviderEarnings
}

// SendQuote is a priced payment awaiting the user's confirmation.
type SendQuote struct {
	// From and To are the addresses; Amount and Fee in microAlgos.
	From, To    string
	Amount, Fee uint64
	// After is the sender's balance once sent.
	After uint64
	// Ref is the WalletService's own handle on the priced transaction.
	Ref any
}

// WalletService is what the Wallet screen needs from the wallet. Every
// method may block and must honour ctx.
type WalletService interface {
	// Accounts lists the live accounts.
	Accounts(ctx context.Context) ([]WalletAccount, error)
	// Balance reads an account's balance from the chain.
	Balance(ctx context.Context, addr string) (WalletBalance, error)
	// History lists an account's recorded transactions, newest first.
	History(ctx context.Context, addr string) ([]WalletEntry, error)
	// Activity sums an account's flows per day since from.
	Activity(ctx context.Context, addr string, from time.Time) ([]ActivityDay, error)
	// Earnings reports settled and pending provider earnings.
	Earnings(ctx context.Context, addr string) (Earnings, error)
	// Quote prices a payment without signing it.
	Quote(ctx context.Context, from, to string, amount uint64) (SendQuote, error)
	// Send signs and submits a quoted payment and returns its transaction id.
	Send(ctx context.Context, q SendQuote) (string, error)
}

// activityDays is how many days the activity chart covers.
const activityDays = 30

// Texts of the Wallet screen's states.
const (
	walletOpeningText = "Opening the wallet…"
	walletLoadingText = "Loading accounts…"
	walletEmptyText   = "This wallet has no account yet. Create or import one with the first-run setup; " +
		"its address will appear here to receive ALGO."
	walletLockedTitle = "Your keyring is locked"
	walletLockedText  = "Kinetic keeps your account keys in the system keyring, and it did not open. " +
		"Unlock it — on Linux, log in to your desktop session or unlock the “Login” keyring in " +
		"Passwords and Keys — then press Try again. On a machine without a keyring, use a " +
		"passphrase-protected key file instead."
)

// Wallet is the Wallet screen: accounts, balance, receive, send, history,
// activity charts and earnings. Build it with NewWallet; app/ then calls
// Open with the service, or SetUnavailable when the wallet cannot open.
type Wallet struct {
	svc   WalletService
	ctx   context.Context
	now   func() time.Time
	spawn func(func()) // runs long work off the UI goroutine; tests run it inline

	root     *fyne.Container
	stateBox *fyne.Container
	stateMsg *widget.Label
	accounts []WalletAccount
	selected string

	accountSel                            *widget.Select
	balance, spendable, minBalance, asOf  *widget.Label
	settled, pending, address, copyStatus *widget.Label
	activitySum                           *widget.Label
	qr                                    *canvas.Image
	chart                                 *DailyChart
	history                               *widget.List
	historyMsg                            *widget.Label
	entries                               []WalletEntry
	send                                  *sendForm
	overview                              fyne.CanvasObject

	// setup builds the first-run setup shown instead of the empty state;
	// it calls done when an account exists.
	setup func(done func()) fyne.CanvasObject

	mu         sync.Mutex
	cancelLoad context.CancelFunc
}

// SetSetup makes an empty wallet show the first-run setup that build
// returns instead of the empty-state text; the setup calls done once it
// has made an account, and the wallet then reloads. Call it before Open.
func (w *Wallet) SetSetup(build func(done func()) fyne.CanvasObject) { w.setup = build }

// NewWallet builds the Wallet screen in its "opening" state.
func NewWallet() *Wallet {
	w := &Wallet{ctx: context.Background(), now: time.Now, spawn: func(f func()) { go f() }}
	w.stateMsg = widget.NewLabel(walletOpeningText)
	w.stateMsg.Wrapping = fyne.TextWrapWord
	w.stateBox = container.NewVBox(w.stateMsg)
	w.buildOverview()
	w.send = newSendForm(w)
	w.root = container.NewStack(widget.NewCard(TabWallet, "", w.stateBox))
	return w
}

// Content returns the screen's root object.
func (w *Wallet) Content() fyne.CanvasObject { return w.root }

// SetUnavailable shows why the wallet could not open. A keyring error
// (wrapping ErrKeyringLocked) reads as a lock to undo, not as a failure.
// retry, if set, is offered as "Try again"; unlockFile, if set, as the
// passphrase-file alternative: a passphrase field whose text it receives.
// Call it on the UI goroutine.
func (w *Wallet) SetUnavailable(err error, retry func(), unlockFile func(passphrase string)) {
	title, text := TabWallet, "The wallet could not be opened: "+err.Error()
	if errors.Is(err, ErrKeyringLocked) {
		title, text = walletLockedTitle, walletLockedText
	}
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(msg)
	var buttons []fyne.CanvasObject
	if retry != nil {
		buttons = append(buttons, widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), retry))
	}
	if len(buttons) > 0 {
		box.Add(container.NewHBox(buttons...))
	}
	if unlockFile != nil {
		pass := widget.NewPasswordEntry()
		pass.SetPlaceHolder("Passphrase of the key file")
		unlock := widget.NewButton("Use a passphrase file", func() {
			if pass.Text == "" {
				warn(w.stateMsg, walletLockedText+"\n\nEnter the key file's passphrase first.")
				return
			}
			unlockFile(pass.Text)
		})
		box.Add(container.NewBorder(nil, nil, nil, unlock, pass))
	}
	w.stateMsg = msg
	w.root.Objects = []fyne.CanvasObject{widget.NewCard(title, "", box)}
	w.root.Refresh()
}

// Texts of the "no keyring, no key file yet" state.
const (
	walletNoKeyringTitle = "No system keyring on this machine"
	walletNoKeyringText  = "No system keyring (Secret Service) answered, so Kinetic cannot keep your keys there. " +
		"It can keep them in a file encrypted with a passphrase instead. Choose a passphrase of at least " +
		"8 characters and keep it safe: nobody can recover it."
	minPassphrase = 8
)

// OfferKeyFile shows that no keyring answered (reason says why) and offers
// a new passphrase-encrypted key file: create receives the passphrase,
// typed twice. retry, if set, is offered as "Try again". Call it on the UI
// goroutine.
func (w *Wallet) OfferKeyFile(reason string, retry func(), create func(passphrase string)) {
	msg := widget.NewLabel(walletNoKeyringText)
	msg.Wrapping = fyne.TextWrapWord
	why := widget.NewLabel("Why: " + reason)
	why.Wrapping = fyne.TextWrapWord
	why.Importance = widget.LowImportance
	pass, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	createBtn := widget.NewButton("Create the key file", func() {
		switch {
		case len(pass.Text) < minPassphrase:
			warn(status, fmt.Sprintf("The passphrase needs at least %d characters.", minPassphrase))
		case pass.Text != again.Text:
			warn(status, "The two passphrases differ.")
		default:
			status.SetText("Creating the key file…")
			create(pass.Text)
		}
	})
	createBtn.Importance = widget.HighImportance
	box := container.NewVBox(msg, why, widget.NewForm(
		widget.NewFormItem("Passphrase", pass), widget.NewFormItem("Again", again)), createBtn, status)
	if retry != nil {
		box.Add(container.NewHBox(widget.NewButtonWithIcon("Try the keyring again", theme.ViewRefreshIcon(), retry)))
	}
	w.stateMsg = status
	w.root.Objects = []fyne.CanvasObject{widget.NewCard(walletNoKeyringTitle, "", box)}
	w.root.Refresh()
}

// Open shows svc's accounts. It blocks while loading (start it off the UI
// goroutine); later loads run under ctx, so cancelling ctx stops them.
func (w *Wallet) Open(ctx context.Context, svc WalletService) {
	w.svc, w.ctx = svc, ctx
	fyne.Do(func() { w.showState(walletLoadingText, nil) })
	w.Reload(ctx)
}

// Reload reads the accounts again and the selected account's data.
func (w *Wallet) Reload(ctx context.Context) {
	accts, err := w.svc.Accounts(ctx)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		fyne.Do(func() {
			w.showState("Could not list the accounts: "+err.Error(), func() { w.spawn(func() { w.Reload(w.ctx) }) })
		})
		return
	}
	var pick string
	for _, a := range accts {
		if a.Address == w.selected || pick == "" && a.Active {
			pick = a.Address
		}
	}
	if pick == "" && len(accts) > 0 {
		pick = accts[0].Address
	}
	fyne.Do(func() { w.applyAccounts(accts, pick) })
	if pick != "" {
		w.loadAccount(ctx, pick)
	}
}

// showState replaces the screen with a message and an optional retry.
func (w *Wallet) showState(text string, retry func()) {
	w.stateMsg = widget.NewLabel(text)
	w.stateMsg.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(w.stateMsg)
	if retry != nil {
		box.Add(container.NewHBox(widget.NewButtonWithIcon("Try again", theme.ViewRefreshIcon(), retry)))
	}
	w.root.Objects = []fyne.CanvasObject{widget.NewCard(TabWallet, "", box)}
	w.root.Refresh()
}

func (w *Wallet) applyAccounts(accts []WalletAccount, pick string) {
	w.accounts = accts
	if len(accts) == 0 {
		if w.setup != nil {
			w.root.Objects = []fyne.CanvasObject{w.setup(func() { w.spawn(func() { w.Reload(w.ctx) }) })}
			w.root.Refresh()
			return
		}
		w.showState(walletEmptyText, nil)
		return
	}
	opts := make([]string, len(accts))
	sel := ""
	for i, a := range accts {
		opts[i] = accountOption(a)
		if a.Address == pick {
			sel = opts[i]
		}
	}
	w.selected = pick
	w.accountSel.OnChanged = nil
	w.accountSel.SetOptions(opts)
	w.accountSel.SetSelected(sel)
	w.accountSel.OnChanged = w.onAccountChosen
	w.address.SetText(pick)
	w.showAccountView()
}

func accountOption(a WalletAccount) string {
	s := a.Name + " · " + shortAddress(a.Address)
	if a.Active {
		s += " (active)"
	}
	return s
}

func (w *Wallet) onAccountChosen(opt string) {
	for _, a := range w.accounts {
		if accountOption(a) == opt && a.Address != w.selected {
			w.selected = a.Address
			w.address.SetText(a.Address)
			addr := a.Address
			w.spawn(func() { w.loadAccount(w.ctx, addr) })
		}
	}
}

func (w *Wallet) showAccountView() {
	tabs := container.NewAppTabs(
		container.NewTabItem("Overview", container.NewVScroll(w.overview)),
		container.NewTabItem("Send", container.NewVScroll(w.send.content)),
		container.NewTabItem("History", container.NewBorder(w.historyMsg, nil, nil, nil, w.history)),
	)
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), func() {
		w.spawn(func() { w.Reload(w.ctx) })
	})
	top := container.NewBorder(nil, nil, widget.NewLabel("Account"), refresh, w.accountSel)
	w.root.Objects = []fyne.CanvasObject{container.NewBorder(top, nil, nil, nil, tabs)}
	w.root.Refresh()
}

// RefreshHistory reads the shown account's balance and history again, for
// when the app has recorded new entries; it does nothing while no account
// is shown (the first-run setup, say). Call it from any goroutine.
func (w *Wallet) RefreshHistory(ctx context.Context) {
	fyne.Do(func() {
		addr := w.selected
		if w.svc == nil || addr == "" {
			return
		}
		w.spawn(func() { w.loadAccount(ctx, addr) })
	})
}
