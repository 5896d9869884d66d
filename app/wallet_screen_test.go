package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

func TestHistoryEntryFromAccountsSide(t *testing.T) {
	const me, peer = "ME", "PEER"
	tests := []struct {
		name  string
		e     wallet.Entry
		want  int64
		fee   uint64
		other string
	}{
		{"received", wallet.Entry{Type: "pay", Sender: peer, Receiver: me, Amount: 5}, 5, 0, peer},
		{"sent", wallet.Entry{Type: "pay", Sender: me, Receiver: peer, Amount: 5, Fee: 1000}, -5, 1000, peer},
		{"close to me", wallet.Entry{Type: "pay", Sender: peer, Receiver: peer, CloseTo: me, CloseAmount: 7}, 7, 0, peer},
		{"asset transfer counts no ALGO", wallet.Entry{Type: "axfer", Sender: me, Receiver: peer, Amount: 9, Fee: 1000}, 0, 1000, peer},
		{"labelled counterparty", wallet.Entry{Type: "pay", Sender: "ESCROW", Receiver: me, Amount: 3, Counterparty: peer}, 3, 0, peer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := historyEntry(tt.e, me)
			if got.Amount != tt.want || got.Fee != tt.fee || got.Counterparty != tt.other {
				t.Errorf("amount %d fee %d counterparty %q; want %d %d %q", got.Amount, got.Fee, got.Counterparty, tt.want, tt.fee, tt.other)
			}
		})
	}
}

// TestWalletOpenerWithoutKeyring opens the wallet where no keyring
// answers: first an offer to create a key file, then (once created with a
// passphrase) the file in use, and on the next start the friendly locked
// state with the file's passphrase field.
func TestWalletOpenerWithoutKeyring(t *testing.T) {
	test.NewTempApp(t)
	db, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	screen := ui.NewWallet()
	o := &walletOpener{db: db, cfg: Config{DataDir: dir}, screen: screen,
		log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		endpoint: func() (string, string, error) { return "", "", errors.New("no node in this test") },
		probe:    func() error { return &wallet.NoKeyringError{Op: "timeout", Err: errors.New("no reply")} },
		spawn:    func(f func()) { f() }}
	ctx := context.Background()
	o.open(ctx, nil)
	if !showsLabel(screen, "No system keyring on this machine") {
		t.Fatal("no offer of a key file when no keyring answers")
	}
	o.open(ctx, []byte("a long passphrase"))
	if !showsLabel(screen, "Choose a network") {
		t.Fatal("the empty wallet opened on the key file does not show the first-run setup (its network step)")
	}
	fs, err := wallet.OpenFileStore(filepath.Join(dir, keystoreFile), []byte("a long passphrase"), wallet.KDFParams{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Put(ctx, "ADDR", make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	fs.Close()
	if _, err := os.Stat(filepath.Join(dir, keystoreFile)); err != nil {
		t.Fatalf("key file not written: %v", err)
	}
	o.open(ctx, nil)
	if !showsLabel(screen, "Your keyring is locked") {
		t.Error("with a key file, a silent keyring is not shown as a lock to undo")
	}
}

// TestWalletServiceOnRealWallet lists an account created in the real OS
// keyring through the Wallet screen's service.
func TestWalletServiceOnRealWallet(t *testing.T) {
	test.NewTempApp(t)
	db, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	w, err := wallet.Open(ctx, wallet.Options{DB: db})
	if err != nil {
		t.Fatalf("open wallet on the real keyring: %v", err)
	}
	acct, err := w.Create(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Delete(ctx, acct.Address, wallet.DeleteOptions{Confirm: true, Force: true}) })
	svc := newWalletService(w, db, func() (string, string, error) { return "", "", errors.New("no node in this test") })
	accts, err := svc.Accounts(ctx)
	if err != nil || len(accts) != 1 || accts[0].Address != acct.Address || !accts[0].Active {
		t.Fatalf("accounts = %+v, %v", accts, err)
	}
	days, err := svc.Activity(ctx, acct.Address, time.Now().AddDate(0, 0, -30))
	if err != nil || len(days) != 0 {
		t.Errorf("activity of a new account = %+v, %v", days, err)
	}
	if _, err := svc.Balance(ctx, acct.Address); err == nil || !strings.Contains(err.Error(), "no node in this test") {
		t.Errorf("balance without a node: %v", err)
	}
}

func showsLabel(w *ui.Wallet, text string) bool {
	for _, o := range test.LaidOutObjects(w.Content()) {
		if c, ok := o.(*widget.Card); ok && c.Title == text {
			return true
		}
	}
	return false
}

// TestWalletEarningsFromJobRecords: the Wallet's earnings come from the
// provider agent's job records when it ran jobs for the account (pending
// and settled apart), and from the wallet's history otherwise.
func TestWalletEarningsFromJobRecords(t *testing.T) {
	var me, other types.Address
	me[0], other[0] = 7, 8
	now := time.Now()
	db := earningsStore(t,
		recordedJob{ID: earnID(1), Consumer: other.String(), State: "settled", SettleTxID: "TXREL"},
		recordedJob{ID: earnID(4), Consumer: other.String(), State: "submitted"})
	chain := &fakeEarningsChain{
		boxes: map[jobid.ID]contracts.Job{earnID(4): {ID: earnID(4), Provider: me, Consumer: other, Status: contracts.JobSubmitted,
			Locked: 1_000_000, RatePerHour: 3_600_000, BilledSeconds: 90}},
		settled: map[jobid.ID]contracts.JobSettled{earnID(1): {ID: earnID(1), Outcome: contracts.OutcomeReleased, PaidProvider: 250_000}},
		at:      map[jobid.ID]time.Time{earnID(1): now},
		paid:    map[jobid.ID]string{earnID(1): me.String()},
	}
	svc := &walletService{hist: wallet.NewHistory(db), provider: func(ctx context.Context, addr string) (ui.ProviderEarnings, error) {
		return providerEarnings(ctx, db, chain, noHistory, addr, now)
	}}
	e, err := svc.Earnings(context.Background(), me.String())
	if err != nil || e.Settled != 250_000 || e.Pending != 90_000 || !e.PendingKnown || e.Jobs == nil ||
		e.Jobs.SettledJobs != 1 || e.Jobs.PendingJobs != 1 || e.Jobs.SettledToday != 250_000 {
		t.Fatalf("earnings %+v (jobs %+v), %v", e, e.Jobs, err)
	}
	// An account that ran nothing here: the history's (empty) answer.
	e, err = svc.Earnings(context.Background(), other.String())
	if err != nil || e.Settled != 0 || e.PendingKnown || e.Jobs != nil {
		t.Errorf("another account's earnings %+v, %v", e, err)
	}
}
