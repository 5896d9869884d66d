package app

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"

	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/ui"
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

// testSetup is a first-run setup running on running, saving in a fresh
// data directory with an in-memory keyring.
func testSetup(t *testing.T, running Network) (onboardingSetup, *memKeyring) {
	t.Helper()
	s := newOnboardingSetup(onboardingService{}, Config{DataDir: t.TempDir(), Network: running})
	kr := newMemKeyring()
	s.prefs.keyring = kr
	return s, kr
}

func TestOnboardingSetupSavesNetworkAndRole(t *testing.T) {
	s, kr := testSetup(t, LocalNet)
	ctx := context.Background()
	running, saved, err := s.Networks(ctx)
	if err != nil || running != ui.NetworkLocalNet || saved != (ui.NetworkChoice{Network: ui.NetworkLocalNet}) {
		t.Fatalf("networks = %q, %+v, %v", running, saved, err)
	}
	if err := s.SaveNetwork(ctx, ui.NetworkChoice{Network: ui.NetworkTestNet, AlgodURL: " https://tn.example ", Token: "tn-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRole(ctx, ui.SetupProvider); err != nil {
		t.Fatal(err)
	}
	p, err := NewPreferenceStore(s.prefs.dir).Load()
	want := DefaultPreferences()
	want.Network, want.AlgodURL, want.AlgodTokenSaved, want.Role = TestNet, "https://tn.example", true, RoleProvider
	if err != nil || p != want {
		t.Fatalf("saved %+v, %v; want %+v", p, err, want)
	}
	if tok, _ := s.prefs.Token(ctx); tok != "tn-secret" {
		t.Errorf("keyring token = %q", string(tok))
	}
	raw, _ := os.ReadFile(s.prefs.Path())
	if strings.Contains(string(raw), "tn-secret") {
		t.Fatal("the token is in the preferences file")
	}
	if _, saved, _ := s.Networks(ctx); saved != (ui.NetworkChoice{Network: ui.NetworkTestNet, AlgodURL: "https://tn.example"}) {
		t.Errorf("reread %+v", saved)
	}

	// Back to LocalNet: the token saved for the TestNet node is forgotten.
	if err := s.SaveNetwork(ctx, ui.NetworkChoice{Network: ui.NetworkLocalNet}); err != nil {
		t.Fatal(err)
	}
	if len(kr.m) != 0 {
		t.Errorf("keyring still holds %d entries", len(kr.m))
	}
	if p, _ := s.prefs.Load(); p.AlgodTokenSaved || p.Role != RoleProvider || p.Network != LocalNet {
		t.Errorf("after LocalNet: %+v", p)
	}
}

// TestOnboardingSetupStartsFromTheRunningNetwork: before anything is
// saved, an instance started with --network testnet --algod-url offers
// that, not the LocalNet default.
func TestOnboardingSetupStartsFromTheRunningNetwork(t *testing.T) {
	s := newOnboardingSetup(onboardingService{}, Config{DataDir: t.TempDir(), Network: TestNet, AlgodURL: "https://flag.example"})
	running, saved, err := s.Networks(context.Background())
	if err != nil || running != ui.NetworkTestNet || saved != (ui.NetworkChoice{Network: ui.NetworkTestNet, AlgodURL: "https://flag.example"}) {
		t.Errorf("networks = %q, %+v, %v", running, saved, err)
	}
	if err := os.WriteFile(s.prefs.Path(), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Networks(context.Background()); err == nil || !strings.Contains(err.Error(), "is not valid JSON") {
		t.Errorf("broken file: %v", err)
	}
}

func TestOnboardingSetupRejects(t *testing.T) {
	s, kr := testSetup(t, LocalNet)
	ctx := context.Background()
	var fe *ui.FieldError
	err := s.SaveNetwork(ctx, ui.NetworkChoice{Network: ui.NetworkMainNet})
	if !errors.As(err, &fe) || fe.Field != "algod URL" || !strings.HasPrefix(fe.Reason, "MainNet has no built-in node") {
		t.Errorf("mainnet without url: %v", err)
	}
	kr.fail = errors.New("no secret service")
	err = s.SaveNetwork(ctx, ui.NetworkChoice{Network: ui.NetworkCustom, AlgodURL: "http://n:8080", Token: "t"})
	if !errors.As(err, &fe) || fe.Field != "algod token" || !strings.Contains(fe.Reason, "never writes a token to disk") {
		t.Errorf("token without keyring: %v", err)
	}
	if err := s.SaveRole(ctx, "miner"); err == nil || err.Error() != `unknown role "miner" (want provider, consumer or both)` {
		t.Errorf("bad role: %v", err)
	}
	if _, err := os.Stat(s.prefs.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rejected choices wrote the file: %v", err)
	}
}

func TestStartTabFollowsRole(t *testing.T) {
	for role, want := range map[Role]string{RoleProvider: ui.TabProvide, RoleBoth: ui.TabProvide,
		RoleConsumer: ui.TabMarketplace, RoleUnset: ""} {
		if got := StartTab(role); got != want {
			t.Errorf("StartTab(%q) = %q, want %q", role, got, want)
		}
	}
}

// TestOnboardingKeyStorageSaysWhy opens the wallet on the encrypted file
// (no keyring used) and on the real keyring, and checks what the setup says.
func TestOnboardingKeyStorageSaysWhy(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w, err := wallet.Open(context.Background(), wallet.Options{DB: db, KeystorePath: dir + "/" + keystoreFile,
		Probe:      func() error { return errors.New("org.freedesktop.secrets was not provided") },
		Passphrase: func(context.Context) ([]byte, error) { return []byte("correct horse battery"), nil },
		KDF:        wallet.KDFParams{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	got := onboardingService{w: w}.KeyStorage()
	if !strings.HasPrefix(got, "in a passphrase-encrypted file (no usable OS keyring: org.freedesktop.secrets was not provided; using encrypted file ") {
		t.Errorf("file backend: %q", got)
	}
	if got := (onboardingService{w: newTestWalletStore(t)}).KeyStorage(); got != "in the OS keyring" {
		t.Errorf("keyring backend: %q", got)
	}
}
