package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// testAddr returns a valid Algorand address made of the byte b.
func testAddr(b byte) string {
	var a types.Address
	for i := range a {
		a[i] = b
	}
	return a.String()
}

var (
	addrMain   = testAddr(1)
	addrSaving = testAddr(2)
	addrPeer   = testAddr(3)
)

// fakeWallet is a WalletService whose answers are function fields; it
// records the calls a test asserts on.
type fakeWallet struct {
	accounts func(context.Context) ([]WalletAccount, error)
	balance  func(context.Context, string) (WalletBalance, error)
	history  func(context.Context, string) ([]WalletEntry, error)
	activity func(context.Context, string, time.Time) ([]ActivityDay, error)
	earnings func(context.Context, string) (Earnings, error)
	quote    func(context.Context, string, string, uint64) (SendQuote, error)
	send     func(context.Context, SendQuote) (string, error)

	mu    sync.Mutex
	calls []string
}

func (f *fakeWallet) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeWallet) called(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeWallet) Accounts(ctx context.Context) ([]WalletAccount, error) {
	f.record("accounts")
	return f.accounts(ctx)
}
func (f *fakeWallet) Balance(ctx context.Context, a string) (WalletBalance, error) {
	f.record("balance %s", a)
	return f.balance(ctx, a)
}
func (f *fakeWallet) History(ctx context.Context, a string) ([]WalletEntry, error) {
	return f.history(ctx, a)
}
func (f *fakeWallet) Activity(ctx context.Context, a string, from time.Time) ([]ActivityDay, error) {
	return f.activity(ctx, a, from)
}
func (f *fakeWallet) Earnings(ctx context.Context, a string) (Earnings, error) {
	return f.earnings(ctx, a)
}
func (f *fakeWallet) Quote(ctx context.Context, from, to string, amount uint64) (SendQuote, error) {
	f.record("quote %s %s %d", from, to, amount)
	return f.quote(ctx, from, to, amount)
}
func (f *fakeWallet) Send(ctx context.Context, q SendQuote) (string, error) {
	f.record("send %s %s %d %v", q.From, q.To, q.Amount, q.Ref)
	return f.send(ctx, q)
}

var walletNow = time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC)

// populatedWallet has two accounts, the first active, with a balance,
// history, activity on two days and settled earnings.
func populatedWallet() *fakeWallet {
	return &fakeWallet{
		accounts: func(context.Context) ([]WalletAccount, error) {
			return []WalletAccount{{Name: "main", Address: addrMain, Active: true}, {Name: "savings", Address: addrSaving}}, nil
		},
		balance: func(_ context.Context, a string) (WalletBalance, error) {
			if a == addrSaving {
				return WalletBalance{Amount: 2_000_000, MinBalance: 100_000, Spendable: 1_900_000, Round: 99}, nil
			}
			return WalletBalance{Amount: 12_345_678, MinBalance: 100_000, Spendable: 12_245_678, Round: 4321}, nil
		},
		history: func(context.Context, string) ([]WalletEntry, error) {
			return []WalletEntry{
				{Time: walletNow.Add(-time.Hour), Label: "release received", Amount: 1_500_000, Counterparty: addrPeer, TxID: "TXRELEASE", JobID: "1a2b3c4d5e6f7a8b"},
				{Time: walletNow.Add(-26 * time.Hour), Label: "escrow lock", Amount: -700_000, Fee: 1000, Counterparty: addrPeer, TxID: "TXLOCK"},
			}, nil
		},
		activity: func(context.Context, string, time.Time) ([]ActivityDay, error) {
			return []ActivityDay{
				{Day: dayStart(walletNow.Add(-26 * time.Hour)), Spent: 701_000},
				{Day: dayStart(walletNow), Earned: 1_500_000},
			}, nil
		},
		earnings: func(context.Context, string) (Earnings, error) { return Earnings{Settled: 1_500_000}, nil },
		quote: func(_ context.Context, from, to string, amount uint64) (SendQuote, error) {
			return SendQuote{From: from, To: to, Amount: amount, Fee: 1000, After: 12_345_678 - amount - 1000, Ref: "priced"}, nil
		},
		send: func(context.Context, SendQuote) (string, error) { return "TXSENT", nil },
	}
}

// newTestWallet builds a Wallet whose background work runs inline, in a
// test window of a fixed size.
func newTestWallet(t *testing.T) (*Wallet, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := NewWallet()
	w.now = func() time.Time { return walletNow }
	w.spawn = func(f func()) { f() }
	w.chart.run = func(f func()) { f() }
	win := test.NewTempWindow(t, w.Content())
	win.Resize(fyne.NewSize(1000, 720))
	return w, win
}

func TestWalletOpening(t *testing.T) {
	w, _ := newTestWallet(t)
	assertShows(t, w.Content(), TabWallet, walletOpeningText)
}

func TestWalletKeyringLockedIsFriendly(t *testing.T) {
	w, win := newTestWallet(t)
	var retried, file int
	var pass string
	err := fmt.Errorf("%w: secret service: org.freedesktop.DBus.Error.ServiceUnknown", ErrKeyringLocked)
	w.SetUnavailable(err, func() { retried++ }, func(p string) { file++; pass = p })
	assertShows(t, w.Content(), walletLockedTitle, walletLockedText)
	for _, l := range labelTexts(w.Content()) {
		if strings.Contains(l, "DBus") {
			t.Errorf("the locked state shows the technical error %q", l)
		}
	}
	if w.stateMsg.Importance == widget.DangerImportance {
		t.Error("the locked state is shown as a danger")
	}
	test.Tap(findButton(t, w.Content(), "Try again"))
	test.Tap(findButton(t, w.Content(), "Use a passphrase file"))
	if file != 0 {
		t.Error("an empty passphrase was passed on")
	}
	for _, o := range test.LaidOutObjects(w.Content()) {
		if e, ok := o.(*widget.Entry); ok && e.Password {
			test.Type(e, "correct horse")
		}
	}
	test.Tap(findButton(t, w.Content(), "Use a passphrase file"))
	if retried != 1 || file != 1 || pass != "correct horse" {
		t.Errorf("retry called %d times, passphrase file %d times with %q; want 1, 1, \"correct horse\"", retried, file, pass)
	}
	test.AssertImageMatches(t, "wallet_locked.png", win.Canvas().Capture())
}

func TestWalletOpenFailure(t *testing.T) {
	w, _ := newTestWallet(t)
	w.SetUnavailable(errors.New("store is read-only"), nil, nil)
	assertShows(t, w.Content(), TabWallet, "The wallet could not be opened: store is read-only")
}

func TestWalletEmpty(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	f.accounts = func(context.Context) ([]WalletAccount, error) { return nil, nil }
	w.Open(context.Background(), f)
	assertShows(t, w.Content(), walletEmptyText)
	if n := f.called("balance"); n != 0 {
		t.Errorf("balance read %d times for an empty wallet", n)
	}
}

func TestWalletAccountsErrorRetries(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	ok := f.accounts
	f.accounts = func(context.Context) ([]WalletAccount, error) { return nil, errors.New("store closed") }
	w.Open(context.Background(), f)
	assertShows(t, w.Content(), "Could not list the accounts: store closed")
	f.accounts = ok
	test.Tap(findButton(t, w.Content(), "Try again"))
	if n := f.called("accounts"); n != 2 {
		t.Fatalf("accounts listed %d times, want 2", n)
	}
	if got := w.balance.Text; got != "12.345678 ALGO" {
		t.Errorf("balance after retry = %q", got)
	}
}

func TestWalletLoadingShowsLoading(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	var during string
	ok := f.balance
	f.balance = func(ctx context.Context, a string) (WalletBalance, error) {
		during = w.balance.Text // read before the answer is applied
		return ok(ctx, a)
	}
	w.Open(context.Background(), f)
	if during != loadingValue {
		t.Errorf("balance while loading = %q, want %q", during, loadingValue)
	}
}

func TestWalletPopulated(t *testing.T) {
	w, win := newTestWallet(t)
	w.Open(context.Background(), populatedWallet())

	want := map[string]struct {
		l    *widget.Label
		text string
	}{
		"balance":   {w.balance, "12.345678 ALGO"},
		"spendable": {w.spendable, "12.245678 ALGO"},
		"minimum":   {w.minBalance, "0.100000 ALGO"},
		"as of":     {w.asOf, "round 4321"},
		"settled":   {w.settled, "1.500000 ALGO"},
		"pending":   {w.pending, "not tracked until the provider agent runs"},
		"address":   {w.address, addrMain},
		"activity":  {w.activitySum, "Spent 0.701000 ALGO (fees included) · earned 1.500000 ALGO"},
		"history":   {w.historyMsg, "2 transactions, newest first"},
	}
	for name, c := range want {
		if c.l.Text != c.text {
			t.Errorf("%s = %q, want %q", name, c.l.Text, c.text)
		}
	}
	if got := w.accountSel.Selected; got != "main · "+shortAddress(addrMain)+" (active)" {
		t.Errorf("selected account = %q", got)
	}
	if w.qr.Image == nil {
		t.Error("no QR code for the address")
	}
	if len(w.chart.days) != activityDays || len(w.chart.series) != 2 {
		t.Fatalf("chart has %d days, %d series", len(w.chart.days), len(w.chart.series))
	}
	spent, earned := w.chart.series[0], w.chart.series[1]
	if spent.Name != "spent" || earned.Name != "earned" || spent.Values[28] != 0.701 || earned.Values[29] != 1.5 {
		t.Errorf("chart %s day 28 = %v, %s day 29 = %v", spent.Name, spent.Values[28], earned.Name, earned.Values[29])
	}
	if first, last := w.chart.days[0], w.chart.days[activityDays-1]; !first.Equal(dayStart(walletNow).AddDate(0, 0, 1-activityDays)) || !last.Equal(dayStart(walletNow)) {
		t.Errorf("chart covers %v to %v", first, last)
	}
	if w.chart.Image() == nil {
		t.Error("the activity chart was not rendered")
	}
	if got := historyLine(w.entries[0]); !strings.Contains(got, "release received · +1.500000 ALGO") {
		t.Errorf("history row = %q", got)
	}
	if got := historyDetail(w.entries[1]); got != "with "+shortAddress(addrPeer)+" · tx TXLOCK" {
		t.Errorf("history detail = %q", got)
	}
	test.AssertImageMatches(t, "wallet_overview.png", win.Canvas().Capture())
}

// TestWalletEarningsSplit shows the provider agent's split: settled and
// pending apart, with the job counts.
func TestWalletEarningsSplit(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	f.earnings = func(context.Context, string) (Earnings, error) {
		return Earnings{Settled: 650_000, Pending: 300_000, PendingKnown: true, Jobs: &ProviderEarnings{
			SettledToday: 250_000, SettledTotal: 650_000, SettledJobs: 3, Pending: 300_000, PendingJobs: 1}}, nil
	}
	w.Open(context.Background(), f)
	if w.settled.Text != "0.650000 ALGO from 3 jobs" || w.pending.Text != "0.300000 ALGO billed by 1 result in the dispute window" {
		t.Errorf("settled %q, pending %q", w.settled.Text, w.pending.Text)
	}
}

func TestWalletSwitchAccount(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	w.Open(context.Background(), f)
	w.accountSel.SetSelected("savings · " + shortAddress(addrSaving))
	if got := w.balance.Text; got != "2.000000 ALGO" {
		t.Errorf("balance after switching = %q, want 2.000000 ALGO", got)
	}
	if w.address.Text != addrSaving || f.called("balance "+addrSaving) != 1 {
		t.Errorf("address = %q, savings balance read %d times", w.address.Text, f.called("balance "+addrSaving))
	}
}

func TestWalletBalanceError(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	f.balance = func(context.Context, string) (WalletBalance, error) {
		return WalletBalance{}, errors.New("algod unreachable")
	}
	f.history = func(context.Context, string) ([]WalletEntry, error) { return nil, nil }
	w.Open(context.Background(), f)
	if w.balance.Text != "could not read: algod unreachable" || w.balance.Importance != widget.WarningImportance {
		t.Errorf("balance = %q (importance %v)", w.balance.Text, w.balance.Importance)
	}
	if w.spendable.Text != noValue {
		t.Errorf("spendable = %q, want %q", w.spendable.Text, noValue)
	}
	if got := w.historyMsg.Text; got != "No transactions recorded for this account yet." {
		t.Errorf("empty history says %q", got)
	}
}

// findButton returns the laid-out button labelled text.
func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q", text)
	return nil
}

func TestWalletSendValidation(t *testing.T) {
	tests := []struct {
		name, to, amount, want string
	}{
		{"no receiver", "", "1", "To: enter the receiver's Algorand address"},
		{"short address", "ABC", "1", "To: an Algorand address is 58 characters; this one has 3"},
		{"bad checksum", addrPeer[:57] + "A", "1", "To: not a valid Algorand address (its checksum does not match)"},
		{"own address", addrMain, "1", "To: that is this account's own address"},
		{"no amount", addrPeer, "", "Amount: enter an amount in ALGO, e.g. 1.5"},
		{"letters", addrPeer, "1.5a", "Amount: an amount is digits with an optional decimal point, e.g. 1.5"},
		{"too precise", addrPeer, "1.0000001", "Amount: at most 6 decimal places (1 microAlgo = 0.000001 ALGO)"},
		{"zero", addrPeer, "0.0", "Amount: enter an amount greater than zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := newTestWallet(t)
			f := populatedWallet()
			w.Open(context.Background(), f)
			test.Type(w.send.to, tt.to)
			test.Type(w.send.amount, tt.amount)
			test.Tap(w.send.review)
			if got := w.send.status.Text; got != tt.want {
				t.Errorf("status = %q, want %q", got, tt.want)
			}
			if n := f.called("quote"); n != 0 {
				t.Errorf("an invalid form was priced %d times", n)
			}
		})
	}
}

func TestWalletSendConfirmsThenSends(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	w.Open(context.Background(), f)
	test.Type(w.send.to, addrPeer)
	test.Type(w.send.amount, "1.5")
	test.Tap(w.send.review)
	if n := f.called(fmt.Sprintf("quote %s %s 1500000", addrMain, addrPeer)); n != 1 {
		t.Fatalf("quote calls = %v", f.calls)
	}
	if f.called("send") != 0 || !w.send.confirmBox.Visible() {
		t.Fatal("sent before confirmation, or no confirmation shown")
	}
	wantSummary := "Send 1.500000 ALGO to " + addrPeer + "?\nNetwork fee 0.001000 ALGO · balance afterwards 10.844678 ALGO"
	if got := w.send.summary.Text; got != wantSummary {
		t.Errorf("summary = %q, want %q", got, wantSummary)
	}
	test.Tap(w.send.confirm)
	if n := f.called(fmt.Sprintf("send %s %s 1500000 priced", addrMain, addrPeer)); n != 1 {
		t.Fatalf("send calls = %v", f.calls)
	}
	if got := w.send.status.Text; got != "Sent 1.500000 ALGO · transaction TXSENT" {
		t.Errorf("status = %q", got)
	}
	if n := f.called("balance " + addrMain); n != 2 {
		t.Errorf("balance read %d times, want 2 (reloaded after sending)", n)
	}
}

func TestWalletSendCancelAndErrors(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	f.quote = func(context.Context, string, string, uint64) (SendQuote, error) {
		return SendQuote{}, errors.New("insufficient spendable balance")
	}
	w.Open(context.Background(), f)
	test.Type(w.send.to, addrPeer)
	test.Type(w.send.amount, "100")
	test.Tap(w.send.review)
	if got := w.send.status.Text; got != "Cannot send: insufficient spendable balance" {
		t.Errorf("status = %q", got)
	}
	f.quote = populatedWallet().quote
	f.send = func(context.Context, SendQuote) (string, error) { return "", errors.New("node rejected: overspend") }
	test.Tap(w.send.review)
	test.Tap(w.send.confirm)
	if got := w.send.status.Text; got != "Not sent: node rejected: overspend" {
		t.Errorf("status = %q", got)
	}
	test.Tap(w.send.cancel)
	if w.send.confirmBox.Visible() || w.send.quote != nil {
		t.Error("cancel left the confirmation pending")
	}
}

func TestWalletEmptyShowsSetupThenReloads(t *testing.T) {
	w, _ := newTestWallet(t)
	f := populatedWallet()
	full := f.accounts
	f.accounts = func(context.Context) ([]WalletAccount, error) { return nil, nil }
	var done func()
	setup := widget.NewLabel("first-run setup")
	w.SetSetup(func(d func()) fyne.CanvasObject { done = d; return setup })
	w.Open(context.Background(), f)
	if len(w.root.Objects) != 1 || w.root.Objects[0] != setup {
		t.Fatal("an empty wallet does not show the setup")
	}
	f.accounts = full
	done()
	if got := w.balance.Text; got != "12.345678 ALGO" || f.called("accounts") != 2 {
		t.Errorf("after setup: balance %q, accounts listed %d times", got, f.called("accounts"))
	}
}

func TestWalletOfferKeyFile(t *testing.T) {
	w, win := newTestWallet(t)
	var got []string
	w.OfferKeyFile("wallet: no OS keyring available (timeout)", nil, func(p string) { got = append(got, p) })
	assertShows(t, w.Content(), walletNoKeyringTitle, walletNoKeyringText, "Why: wallet: no OS keyring available (timeout)")
	var entries []*widget.Entry
	for _, o := range test.LaidOutObjects(w.Content()) {
		if e, ok := o.(*widget.Entry); ok {
			entries = append(entries, e)
		}
	}
	if len(entries) != 2 {
		t.Fatalf("%d passphrase fields, want 2", len(entries))
	}
	create := findButton(t, w.Content(), "Create the key file")
	test.Type(entries[0], "short")
	test.Tap(create)
	if w.stateMsg.Text != "The passphrase needs at least 8 characters." {
		t.Errorf("short passphrase: %q", w.stateMsg.Text)
	}
	entries[0].SetText("long enough phrase")
	test.Type(entries[1], "long enough phrasE")
	test.Tap(create)
	if w.stateMsg.Text != "The two passphrases differ." || len(got) != 0 {
		t.Errorf("mismatch: %q, created %v", w.stateMsg.Text, got)
	}
	entries[1].SetText("long enough phrase")
	test.Tap(create)
	if len(got) != 1 || got[0] != "long enough phrase" {
		t.Errorf("created with %v", got)
	}
	test.AssertImageMatches(t, "wallet_no_keyring.png", win.Canvas().Capture())
}

func TestWalletRefreshHistory(t *testing.T) {
	w, _ := newTestWallet(t)
	w.RefreshHistory(context.Background()) // nothing open yet: nothing read
	f := populatedWallet()
	var entries []WalletEntry
	f.history = func(context.Context, string) ([]WalletEntry, error) { return entries, nil }
	w.Open(context.Background(), f)
	if got := w.historyMsg.Text; got != "No transactions recorded for this account yet." {
		t.Fatalf("history before the follower recorded anything: %q", got)
	}
	entries = []WalletEntry{{Time: walletNow, Label: "transfer", Amount: 100_000_000, Counterparty: addrPeer, TxID: "TXFUND"}}
	w.RefreshHistory(context.Background())
	if got := w.historyMsg.Text; got != "1 transaction, newest first" {
		t.Errorf("history after RefreshHistory: %q", got)
	}
}
