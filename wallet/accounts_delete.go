package wallet

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Errors about deleting an account.
var (
	// ErrDeleteNotConfirmed: Delete was called without Confirm.
	ErrDeleteNotConfirmed = errors.New("wallet: delete not confirmed")
	// ErrBalanceUnknown: Delete had neither a BalanceChecker nor Force.
	ErrBalanceUnknown = errors.New("wallet: account balance unknown; pass a balance checker or Force")
	// ErrAccountNotEmpty matches *AccountNotEmptyError under errors.Is.
	ErrAccountNotEmpty = errors.New("wallet: account still holds funds")
	// ErrSecretNotRemoved matches *SecretNotRemovedError under errors.Is.
	ErrSecretNotRemoved = errors.New("wallet: account deleted but its secret is still stored")
)

// AccountNotEmptyError refuses to delete an account that holds ALGO or
// assets: deleting the only copy of its key would lose them.
type AccountNotEmptyError struct {
	Address     string
	MicroAlgos  uint64 // balance, minimum balance included
	AssetsHeld  int    // assets with a non-zero amount
	BalanceSeen uint64 // the round the balance was read at
}

// Error implements error.
func (e *AccountNotEmptyError) Error() string {
	return fmt.Sprintf("wallet: account %s still holds %d µALGO and %d asset(s) (round %d); empty it or delete with Force",
		e.Address, e.MicroAlgos, e.AssetsHeld, e.BalanceSeen)
}

// Is makes errors.Is(err, ErrAccountNotEmpty) true.
func (e *AccountNotEmptyError) Is(target error) bool { return target == ErrAccountNotEmpty }

// SecretNotRemovedError reports that an account was marked deleted but the
// keystore refused to remove its secret; the account keeps SecretStored.
type SecretNotRemovedError struct {
	Address string
	Err     error
}

// Error implements error.
func (e *SecretNotRemovedError) Error() string {
	return fmt.Sprintf("wallet: account %s is deleted but its secret is still stored: %v", e.Address, e.Err)
}

// Is makes errors.Is(err, ErrSecretNotRemoved) true.
func (e *SecretNotRemovedError) Is(target error) bool { return target == ErrSecretNotRemoved }

// Unwrap returns the keystore's error.
func (e *SecretNotRemovedError) Unwrap() error { return e.Err }

// BalanceChecker reads an account's balance; *Chain implements it.
type BalanceChecker interface {
	Balance(ctx context.Context, addr string) (Balance, error)
}

// DeleteOptions guard Delete, which destroys the only copy of a key.
type DeleteOptions struct {
	// Confirm must be set by an explicit user action.
	Confirm bool
	// Balance, if set, is asked for the account's balance; Delete refuses
	// (*AccountNotEmptyError) while it holds any ALGO or asset.
	Balance BalanceChecker
	// Force deletes without a balance check (the user accepts losing what
	// the account holds). Without Force, Balance is required.
	Force bool
}

// Delete marks an account deleted and then removes its secret from the
// keystore; its address and history remain. If it was active, the oldest
// remaining account becomes active. It refuses without opts.Confirm
// (ErrDeleteNotConfirmed), without a balance check or Force
// (ErrBalanceUnknown), and while the account holds funds
// (*AccountNotEmptyError). If the keystore fails to remove the secret, the
// account stays deleted with SecretStored set and the error is a
// *SecretNotRemovedError; PurgeSecret retries.
func (w *Wallet) Delete(ctx context.Context, addr string, opts DeleteOptions) error {
	if !opts.Confirm {
		return ErrDeleteNotConfirmed
	}
	if err := w.checkEmpty(ctx, addr, opts); err != nil {
		return err
	}
	err := w.modify(ctx, addr, func(b *bolt.Bucket, a *Account) error {
		wasActive := a.Active
		a.Deleted, a.Active, a.SecretStored = w.now().UTC(), false, true
		if !wasActive {
			return nil
		}
		live, err := liveAccounts(b)
		if err != nil {
			return err
		}
		for _, o := range live {
			if o.Address != addr {
				o.Active = true
				return putAccount(b, o)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.PurgeSecret(ctx, addr)
}

func (w *Wallet) checkEmpty(ctx context.Context, addr string, opts DeleteOptions) error {
	if opts.Force {
		return nil
	}
	if opts.Balance == nil {
		return ErrBalanceUnknown
	}
	bal, err := opts.Balance.Balance(ctx, addr)
	if err != nil {
		return fmt.Errorf("wallet: delete %s: balance check: %w", addr, err)
	}
	held := 0
	for _, a := range bal.Assets {
		if a.Amount > 0 {
			held++
		}
	}
	if bal.Amount > 0 || held > 0 {
		return &AccountNotEmptyError{Address: addr, MicroAlgos: bal.Amount, AssetsHeld: held, BalanceSeen: bal.Round}
	}
	return nil
}

// PurgeSecret removes the secret of a deleted account that still has one
// (SecretStored) and clears the flag. It does nothing for other deleted
// accounts and refuses live ones, whose deletion goes through Delete.
func (w *Wallet) PurgeSecret(ctx context.Context, addr string) error {
	acct, err := w.Account(ctx, addr)
	if err != nil {
		return err
	}
	if !acct.IsDeleted() {
		return fmt.Errorf("wallet: purge secret of live account %s: use Delete", addr)
	}
	if !acct.SecretStored {
		return nil
	}
	if err := w.store.Delete(ctx, addr); err != nil {
		return &SecretNotRemovedError{Address: addr, Err: err}
	}
	return w.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		a, err := getAccount(b, addr)
		if err != nil {
			return err
		}
		a.SecretStored = false
		return putAccount(b, a)
	})
}
