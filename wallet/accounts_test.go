package wallet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/mnemonic"
	"github.com/algorand/go-algorand-sdk/v2/types"
	bolt "go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

// Known vector: seed[i] = 7i+3, derived once with the SDK and hard-coded.
const (
	knownMnemonic = "document during metal giggle fog snack balcony enable tube junk crawl cycle visual cake labor notable neck purse sun argue moon inhale trade absorb fox"
	knownAddress  = "OVOEZOJFNST43RFM7XDM73W2QSIBPZNZ7FIU5GIZDPLH4CYNIJ3MC5OHIA"
)

// fastKDF keeps tests quick; production uses DefaultKDFParams().
var fastKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func openTestDB(t *testing.T, dir string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "kinetic.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openFileWallet opens a wallet on the fallback keystore in dir.
func openFileWallet(t *testing.T, dir string, db *bolt.DB, pass string) *Wallet {
	t.Helper()
	w, err := Open(context.Background(), Options{
		DB:           db,
		KeystorePath: filepath.Join(dir, "keystore.kks"),
		Passphrase:   func(context.Context) ([]byte, error) { return []byte(pass), nil },
		KDF:          fastKDF,
		Probe:        func() error { return &NoKeyringError{Op: "set", Err: errors.New("test: no keyring")} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func TestKnownVector(t *testing.T) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i*7 + 3)
	}
	m, err := mnemonic.FromPrivateKey(ed25519.NewKeyFromSeed(seed))
	if err != nil || m != knownMnemonic {
		t.Fatalf("SDK mnemonic of fixed seed = %q, %v", m, err)
	}
	dir := t.TempDir()
	w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
	a, err := w.Import(context.Background(), "known", "  "+strings.ToUpper(knownMnemonic)+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if a.Address != knownAddress {
		t.Fatalf("imported address %s, want %s", a.Address, knownAddress)
	}
	if _, err := w.Import(context.Background(), "again", knownMnemonic); !errors.Is(err, ErrAccountExists) {
		t.Fatalf("second import: %v, want ErrAccountExists", err)
	}
}

func TestImportBadMnemonic(t *testing.T) {
	words := strings.Fields(knownMnemonic)
	swapped := append([]string{"abandon"}, words[1:]...)
	tests := []struct {
		name, phrase, reason string
	}{
		{"one word changed", strings.Join(swapped, " "), ReasonChecksum},
		{"checksum word changed", strings.Join(append(append([]string{}, words[:24]...), "abandon"), " "), ReasonChecksum},
		{"unknown word", strings.Join(append([]string{"notaword"}, words[1:]...), " "), ReasonUnknownWord},
		{"too short", strings.Join(words[:24], " "), ReasonLength},
		{"empty", "", ReasonLength},
	}
	dir := t.TempDir()
	w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.Import(context.Background(), "x", tc.phrase)
			if !errors.Is(err, ErrBadMnemonic) {
				t.Fatalf("err = %v, want ErrBadMnemonic", err)
			}
			if r, _ := IsBadMnemonic(err); r != tc.reason {
				t.Fatalf("reason %q, want %q (%v)", r, tc.reason, err)
			}
			if strings.Contains(err.Error(), words[3]) {
				t.Fatal("error message leaks mnemonic words")
			}
		})
	}
}

func TestAccountLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openTestDB(t, dir)
	w := openFileWallet(t, dir, db, "correct horse")
	if b := w.Backend(); b.Kind != BackendFile || !strings.Contains(b.Reason, "no usable OS keyring") {
		t.Fatalf("backend %+v", b)
	}
	a1, err := w.Create(ctx, "first")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := w.Create(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	if !a1.Active || a2.Active {
		t.Fatalf("active flags %v %v, want first only", a1.Active, a2.Active)
	}
	if err := w.SetActive(ctx, a2.Address); err != nil {
		t.Fatal(err)
	}
	if act, _ := w.Active(ctx); act.Address != a2.Address {
		t.Fatalf("active = %s, want %s", act.Address, a2.Address)
	}
	if err := w.Rename(ctx, a1.Address, "renamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Reveal(ctx, a1.Address, false); !errors.Is(err, ErrRevealNotConfirmed) {
		t.Fatalf("unconfirmed reveal: %v", err)
	}
	phrase, err := w.Reveal(ctx, a1.Address, true)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := mnemonic.ToPrivateKey(phrase)
	if err != nil {
		t.Fatal(err)
	}
	if acc, _ := crypto.AccountFromPrivateKey(sk); acc.Address.String() != a1.Address {
		t.Fatal("revealed mnemonic is not the account's")
	}
	if err := w.Delete(ctx, a2.Address, DeleteOptions{Confirm: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	live, _ := w.Accounts(ctx, false)
	all, _ := w.Accounts(ctx, true)
	if len(live) != 1 || live[0].Name != "renamed" || !live[0].Active || len(all) != 2 {
		t.Fatalf("after delete: live %+v all %d", live, len(all))
	}
	if watch, _ := w.WatchAddresses(ctx); len(watch) != 1 || watch[0] != a1.Address {
		t.Fatalf("watch list after delete %v", watch)
	}
	if _, err := w.Signer(ctx, a2.Address); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("signer of deleted account: %v", err)
	}
	if _, err := w.Reveal(ctx, a2.Address, true); err == nil {
		t.Fatal("revealed a deleted account")
	}
	// Reopen with the same passphrase: the secret survives, signs and verifies.
	_ = w.Close()
	w2 := openFileWallet(t, dir, db, "correct horse")
	checkSigner(t, w2, a1.Address)
}

// checkSigner signs a message and a transaction with addr and verifies both.
func checkSigner(t *testing.T, w *Wallet, addr string) {
	t.Helper()
	s, err := w.Signer(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Address().String() != addr {
		t.Fatalf("signer address %s", s.Address())
	}
	sig, err := s.SignMessage("request", []byte("GET /v1/info"))
	if err != nil {
		t.Fatal(err)
	}
	if !sigframe.Verify(s.PublicKey(), "request", []byte("GET /v1/info"), sig) {
		t.Fatal("message signature does not verify")
	}
	tx := types.Transaction{Type: types.PaymentTx}
	tx.Sender = s.Address()
	tx.Receiver = s.Address()
	tx.Fee = 1000
	tx.FirstValid, tx.LastValid = 1, 100
	stxs, err := s.SignTransactions([]types.Transaction{tx}, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	var stx types.SignedTxn
	if err := msgpack.Decode(stxs[0], &stx); err != nil {
		t.Fatal(err)
	}
	signed := append([]byte("TX"), msgpack.Encode(tx)...)
	if !ed25519.Verify(s.PublicKey(), signed, stx.Sig[:]) {
		t.Fatal("transaction signature does not verify")
	}
	if !s.Equals(s) || s.Equals(nil) {
		t.Fatal("Equals")
	}
}
