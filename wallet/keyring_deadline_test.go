package wallet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/zalando/go-keyring"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// blockingKeyring is a keyring whose every call waits for release, as a
// Secret Service showing an unanswered unlock prompt does.
type blockingKeyring struct{ release chan struct{} }

func (b blockingKeyring) Set(string, string, string) error { <-b.release; return nil }
func (b blockingKeyring) Get(string, string) (string, error) {
	<-b.release
	return "", keyring.ErrNotFound
}
func (b blockingKeyring) Delete(string, string) error { <-b.release; return nil }

// TestSignerGivesUpOnAKeyringThatDoesNotAnswer signs with a Signer whose
// keyring never answers: the call returns when the caller's deadline
// passes, with a *KeyringTimeoutError that names the account and says
// what to do, instead of blocking forever.
func TestSignerGivesUpOnAKeyringThatDoesNotAnswer(t *testing.T) {
	b := blockingKeyring{release: make(chan struct{})}
	defer close(b.release)
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var addr types.Address
	copy(addr[:], pub)
	s := &Signer{store: KeyringStore{kr: b}, addr: addr, pub: pub}
	tx := types.Transaction{Type: types.PaymentTx}
	tx.Sender = addr
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.SignTransactionsContext(ctx, []types.Transaction{tx}, []int{0})
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("signing took %s with a 300ms deadline", took)
	}
	var te *KeyringTimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrKeyringTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *KeyringTimeoutError", err)
	}
	if te.Op != "load" || te.Addr != addr.String() || te.Waited < 250*time.Millisecond {
		t.Fatalf("timeout error %+v", te)
	}
	if msg := err.Error(); !strings.Contains(msg, "did not answer") || !strings.Contains(msg, "is it locked?") || !strings.Contains(msg, "Unlock it") {
		t.Fatalf("the error does not say what happened and what to do: %s", msg)
	}
	// The same for storing and deleting, and a cancelled (not expired)
	// context is reported as the cancellation, not as a locked keyring.
	ks := KeyringStore{kr: b}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if err := ks.Put(ctx2, "A", make([]byte, seedSize)); !errors.As(err, &te) || te.Op != "store" {
		t.Fatalf("Put = %v", err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel3()
	if err := ks.Delete(ctx3, "A"); !errors.As(err, &te) || te.Op != "delete" {
		t.Fatalf("Delete = %v", err)
	}
	ctx4, cancel4 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel4)
	if _, err := ks.Get(ctx4, "A"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrKeyringTimeout) {
		t.Fatalf("Get on a cancelled context = %v", err)
	}
}

// TestKeyringStoreWithDeadlineOnRealKeyring runs Put, Get and Delete with
// a deadline on the real Secret Service: the bound does not get in the
// way of a keyring that answers.
func TestKeyringStoreWithDeadlineOnRealKeyring(t *testing.T) {
	testkit.Keyring(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ks := KeyringStore{}
	addr := "deadline-test-" + time.Now().Format("150405.000000000")
	seed := bytes.Repeat([]byte{0x42}, seedSize)
	t.Cleanup(func() { _ = keyring.Delete(ServiceName, addr) })
	if err := ks.Put(ctx, addr, seed); err != nil {
		t.Fatal(err)
	}
	got, err := ks.Get(ctx, addr)
	if err != nil || !bytes.Equal(got, seed) {
		t.Fatalf("Get = %x, %v", got, err)
	}
	if err := ks.Delete(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Get(ctx, addr); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrSecretNotFound", err)
	}
}
