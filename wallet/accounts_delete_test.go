package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// failingDeleteStore wraps a Keystore whose Delete fails while fail is set.
type failingDeleteStore struct {
	Keystore
	fail bool
}

func (s *failingDeleteStore) Delete(ctx context.Context, addr string) error {
	if s.fail {
		return errors.New("test: keystore locked")
	}
	return s.Keystore.Delete(ctx, addr)
}

// fixedBalance is a BalanceChecker answering a fixed balance or error.
type fixedBalance struct {
	bal Balance
	err error
}

func (f fixedBalance) Balance(context.Context, string) (Balance, error) { return f.bal, f.err }

func TestDeleteRefusals(t *testing.T) {
	ctx := context.Background()
	checkErr := errors.New("test: node down")
	tests := []struct {
		name string
		opts DeleteOptions
		want error
	}{
		{"not confirmed", DeleteOptions{Force: true}, ErrDeleteNotConfirmed},
		{"no check, no force", DeleteOptions{Confirm: true}, ErrBalanceUnknown},
		{"holds ALGO", DeleteOptions{Confirm: true, Balance: fixedBalance{bal: Balance{Amount: 100_000}}}, ErrAccountNotEmpty},
		{"holds an asset", DeleteOptions{Confirm: true, Balance: fixedBalance{bal: Balance{Assets: []AssetHolding{{AssetID: 9, Amount: 1}}}}}, ErrAccountNotEmpty},
		{"check fails", DeleteOptions{Confirm: true, Balance: fixedBalance{err: checkErr}}, checkErr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
			a, err := w.Create(ctx, "a")
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Delete(ctx, a.Address, tc.opts); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got, _ := w.Account(ctx, a.Address); got.IsDeleted() {
				t.Fatal("refused delete marked the account deleted")
			}
			if _, err := w.Reveal(ctx, a.Address, true); err != nil {
				t.Fatalf("secret gone after a refused delete: %v", err)
			}
		})
	}
}

func TestDeleteAllowed(t *testing.T) {
	ctx := context.Background()
	for _, opts := range []DeleteOptions{
		{Confirm: true, Force: true},
		{Confirm: true, Balance: fixedBalance{bal: Balance{Assets: []AssetHolding{{AssetID: 9}}}}},
	} {
		dir := t.TempDir()
		w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
		a, _ := w.Create(ctx, "a")
		if err := w.Delete(ctx, a.Address, opts); err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		got, _ := w.Account(ctx, a.Address)
		if !got.IsDeleted() || got.SecretStored {
			t.Fatalf("after delete %+v", got)
		}
		if _, err := w.store.Get(ctx, a.Address); !errors.Is(err, ErrSecretNotFound) {
			t.Fatalf("secret still stored: %v", err)
		}
	}
}

// TestDeleteSecretRemovalFails: the account is marked deleted first; when
// the keystore then fails, the error is typed, the flag says the secret is
// still there, and PurgeSecret finishes the job later.
func TestDeleteSecretRemovalFails(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
	a, _ := w.Create(ctx, "a")
	b, _ := w.Create(ctx, "b")
	fs := &failingDeleteStore{Keystore: w.store, fail: true}
	w.store = fs
	err := w.Delete(ctx, a.Address, DeleteOptions{Confirm: true, Force: true})
	var sn *SecretNotRemovedError
	if !errors.As(err, &sn) || !errors.Is(err, ErrSecretNotRemoved) || sn.Address != a.Address {
		t.Fatalf("err = %v, want *SecretNotRemovedError", err)
	}
	got, _ := w.Account(ctx, a.Address)
	if !got.IsDeleted() || !got.SecretStored {
		t.Fatalf("account after failed removal %+v", got)
	}
	if act, _ := w.Active(ctx); act.Address != b.Address {
		t.Fatalf("active %s, want %s", act.Address, b.Address)
	}
	if _, err := w.Signer(ctx, a.Address); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("signer for deleted account: %v", err)
	}
	if err := w.PurgeSecret(ctx, b.Address); err == nil {
		t.Fatal("purged a live account's secret")
	}
	fs.fail = false
	if err := w.PurgeSecret(ctx, a.Address); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Account(ctx, a.Address); got.SecretStored {
		t.Fatal("flag not cleared after purge")
	}
	if _, err := fs.Get(ctx, a.Address); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("secret still stored after purge: %v", err)
	}
}

// TestDeleteChecksBalanceLocalNet uses the real chain as the checker: a
// funded account is refused, an account never funded is deleted.
func TestDeleteChecksBalanceLocalNet(t *testing.T) {
	c := testkit.Algod(t)
	ctx := testkit.Context(t, time.Minute)
	dir := t.TempDir()
	w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
	funded, _ := w.Create(ctx, "funded")
	empty, _ := w.Create(ctx, "empty")
	disp := testkit.Dispenser(t)
	pay(t, ctx, &Chain{Client: c}, transaction.BasicAccountTransactionSigner{Account: disp},
		disp.Address.String(), funded.Address, 300_000)
	opts := DeleteOptions{Confirm: true, Balance: &Chain{Client: c}}
	var ne *AccountNotEmptyError
	if err := w.Delete(ctx, funded.Address, opts); !errors.As(err, &ne) || ne.MicroAlgos != 300_000 {
		t.Fatalf("funded: err = %v", err)
	}
	if err := w.Delete(ctx, empty.Address, opts); err != nil {
		t.Fatalf("empty: %v", err)
	}
}
