package wallet

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	bolt "go.etcd.io/bbolt"
)

// bucketAccounts holds account metadata (JSON Account) keyed by address.
var bucketAccounts = []byte("wallet/accounts")

// Errors about accounts.
var (
	ErrNoAccount          = errors.New("wallet: no such account")
	ErrAccountExists      = errors.New("wallet: account already exists")
	ErrRevealNotConfirmed = errors.New("wallet: reveal not confirmed")
	ErrBadName            = errors.New("wallet: account name must be 1 to 64 characters")
)

// Account is an account's metadata. Its secret lives only in the keystore.
type Account struct {
	Name    string      `json:"name"`
	Address string      `json:"address"`
	Created time.Time   `json:"created"`
	Active  bool        `json:"active"`
	Backend BackendKind `json:"backend"`
	// Deleted is set when the account was removed; its address stays so
	// that history keeps naming it. Deleted accounts have no secret, unless
	// SecretStored says that removing it failed.
	Deleted time.Time `json:"deleted,omitzero"`
	// SecretStored is set on a deleted account whose secret could not be
	// removed from the keystore; PurgeSecret retries.
	SecretStored bool `json:"secretStored,omitempty"`
}

// IsDeleted reports whether the account was deleted.
func (a Account) IsDeleted() bool { return !a.Deleted.IsZero() }

// Create makes a new ed25519 account named name, stores its secret in the
// keystore and its metadata in the DB. The first live account becomes active.
func (w *Wallet) Create(ctx context.Context, name string) (Account, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Account{}, fmt.Errorf("wallet: generate key: %w", err)
	}
	defer zero(priv)
	seed := priv.Seed()
	defer zero(seed)
	return w.add(ctx, name, seed)
}

// Import adds the account whose 25-word mnemonic is phrase. A malformed
// phrase gives a *BadMnemonicError (length, unknown word or checksum).
func (w *Wallet) Import(ctx context.Context, name, phrase string) (Account, error) {
	seed, err := seedFromMnemonic(phrase)
	if err != nil {
		return Account{}, err
	}
	defer zero(seed)
	return w.add(ctx, name, seed)
}

func (w *Wallet) add(ctx context.Context, name string, seed []byte) (Account, error) {
	if err := checkName(name); err != nil {
		return Account{}, err
	}
	priv := ed25519.NewKeyFromSeed(seed)
	defer zero(priv)
	var addr types.Address
	copy(addr[:], priv.Public().(ed25519.PublicKey))
	acct := Account{Name: name, Address: addr.String(), Created: w.now().UTC(), Backend: w.store.Kind()}
	if old, err := w.Account(ctx, acct.Address); err == nil && !old.IsDeleted() {
		return Account{}, fmt.Errorf("%w: %s", ErrAccountExists, acct.Address)
	}
	if err := w.store.Put(ctx, acct.Address, seed); err != nil {
		return Account{}, err
	}
	err := w.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketAccounts)
		if err != nil {
			return err
		}
		live, err := liveAccounts(b)
		if err != nil {
			return err
		}
		acct.Active = len(live) == 0
		return putAccount(b, acct)
	})
	if err != nil {
		_ = w.store.Delete(ctx, acct.Address)
		return Account{}, fmt.Errorf("wallet: save account: %w", err)
	}
	return acct, nil
}

func checkName(name string) error {
	if n := len([]rune(name)); n == 0 || n > 64 {
		return ErrBadName
	}
	return nil
}

// Reveal returns the account's 25-word mnemonic. It is the only way a
// secret leaves the wallet, and only with confirm set by an explicit user
// action; otherwise it returns ErrRevealNotConfirmed. The returned string
// cannot be zeroed: show it, never log or store it.
func (w *Wallet) Reveal(ctx context.Context, addr string, confirm bool) (string, error) {
	if !confirm {
		return "", ErrRevealNotConfirmed
	}
	acct, err := w.Account(ctx, addr)
	if err != nil {
		return "", err
	}
	if acct.IsDeleted() {
		return "", fmt.Errorf("%w: %s was deleted", ErrNoAccount, addr)
	}
	seed, err := w.store.Get(ctx, addr)
	if err != nil {
		return "", err
	}
	defer zero(seed)
	return mnemonicFromSeed(seed)
}

// Rename changes an account's display name.
func (w *Wallet) Rename(ctx context.Context, addr, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return w.modify(ctx, addr, func(_ *bolt.Bucket, a *Account) error {
		a.Name = name
		return nil
	})
}

// SetActive makes addr the one active account.
func (w *Wallet) SetActive(ctx context.Context, addr string) error {
	return w.modify(ctx, addr, func(b *bolt.Bucket, a *Account) error {
		live, err := liveAccounts(b)
		if err != nil {
			return err
		}
		for _, o := range live {
			if o.Active && o.Address != addr {
				o.Active = false
				if err := putAccount(b, o); err != nil {
					return err
				}
			}
		}
		a.Active = true
		return nil
	})
}

// modify loads a live account, applies fn and stores it, in one transaction.
func (w *Wallet) modify(ctx context.Context, addr string, fn func(*bolt.Bucket, *Account) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		if b == nil {
			return fmt.Errorf("%w: %s", ErrNoAccount, addr)
		}
		a, err := getAccount(b, addr)
		if err != nil {
			return err
		}
		if a.IsDeleted() {
			return fmt.Errorf("%w: %s was deleted", ErrNoAccount, addr)
		}
		if err := fn(b, &a); err != nil {
			return err
		}
		return putAccount(b, a)
	})
}

// Account returns one account's metadata, deleted or not.
func (w *Wallet) Account(ctx context.Context, addr string) (Account, error) {
	var a Account
	err := w.view(ctx, func(b *bolt.Bucket) error {
		var err error
		a, err = getAccount(b, addr)
		return err
	})
	return a, err
}

// Accounts lists live accounts, oldest first; with deleted set it also
// lists deleted ones (whose addresses history still refers to).
func (w *Wallet) Accounts(ctx context.Context, deleted bool) ([]Account, error) {
	var out []Account
	err := w.view(ctx, func(b *bolt.Bucket) error {
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if deleted || !a.IsDeleted() {
				out = append(out, a)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

// WatchAddresses lists the live accounts' addresses; it fits Follower.Watch.
func (w *Wallet) WatchAddresses(ctx context.Context) ([]string, error) {
	live, err := w.Accounts(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(live))
	for i, a := range live {
		out[i] = a.Address
	}
	return out, nil
}

// Active returns the active account, or ErrNoAccount if there is none.
func (w *Wallet) Active(ctx context.Context) (Account, error) {
	live, err := w.Accounts(ctx, false)
	if err != nil {
		return Account{}, err
	}
	for _, a := range live {
		if a.Active {
			return a, nil
		}
	}
	return Account{}, ErrNoAccount
}

func (w *Wallet) view(ctx context.Context, fn func(*bolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return w.db.View(func(tx *bolt.Tx) error {
		return fn(tx.Bucket(bucketAccounts)) // nil before the first account
	})
}
