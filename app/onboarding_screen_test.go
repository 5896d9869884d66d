package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"

	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/wallet"
)

// newTestWalletStore opens a wallet over the real OS keyring in a fresh store.
func newTestWalletStore(t *testing.T) *wallet.Wallet {
	t.Helper()
	db, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w, err := wallet.Open(context.Background(), wallet.Options{DB: db})
	if err != nil {
		t.Fatalf("open wallet on the real keyring: %v", err)
	}
	return w
}

// TestOnboardingServiceOnLocalNet creates an account in the real keyring,
// shows its mnemonic, and funds it from the real LocalNet dispenser.
func TestOnboardingServiceOnLocalNet(t *testing.T) {
	url, token := testkit.AlgodEndpoint(t)
	disp := testkit.Dispenser(t)
	ctx := testkit.Context(t, 60*time.Second)
	w := newTestWalletStore(t)
	s := onboardingService{w: w,
		client:    func() (*algod.Client, error) { return algod.MakeClient(url, token) },
		dispenser: func(context.Context) (crypto.Account, error) { return disp, nil }}
	addr, m, err := s.Create(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Delete(context.Background(), addr, wallet.DeleteOptions{Confirm: true, Force: true}) })
	if n := len(strings.Fields(m)); n != 25 {
		t.Fatalf("mnemonic has %d words, want 25", n)
	}
	txid, ok, err := s.Fund(ctx, addr)
	if err != nil || !ok || txid == "" {
		t.Fatalf("fund = %q, %v, %v", txid, ok, err)
	}
	c, _ := s.client()
	info, err := c.AccountInformation(addr).Do(ctx)
	if err != nil || info.Amount != onboardingFunding {
		t.Errorf("funded balance = %d, %v; want %d", info.Amount, err, onboardingFunding)
	}
}

func TestOnboardingServiceImportAndNoDispenser(t *testing.T) {
	w := newTestWalletStore(t)
	s := onboardingService{w: w}
	ctx := context.Background()
	_, err := s.Import(ctx, "x", strings.TrimSpace(strings.Repeat("abandon ", 25)))
	if err == nil || !strings.HasPrefix(err.Error(), "those words are not a valid mnemonic (") {
		t.Errorf("bad mnemonic: %v", err)
	}
	if txid, ok, err := s.Fund(ctx, "ANY"); ok || err != nil || txid != "" {
		t.Errorf("fund off LocalNet = %q, %v, %v; want nothing", txid, ok, err)
	}
}
