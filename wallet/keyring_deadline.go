package wallet

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// keyringTimeout bounds a keyring call whose context has no deadline of its
// own (the SDK's TransactionSigner interface carries none): a Secret Service
// waiting on a prompt nobody answers must not block signing forever.
const keyringTimeout = 30 * time.Second

// ErrKeyringTimeout matches *KeyringTimeoutError under errors.Is.
var ErrKeyringTimeout = errors.New("wallet: the OS keyring did not answer")

// KeyringTimeoutError reports a keyring call that did not return before
// the caller's deadline: typically a locked keyring showing an unlock
// prompt nobody answered.
type KeyringTimeoutError struct {
	Op     string        // "store", "load" or "delete"
	Addr   string        // the account whose secret was asked for
	Waited time.Duration // how long the call was given
	Err    error         // the context's error
}

// Error implements error; it says what to do.
func (e *KeyringTimeoutError) Error() string {
	return fmt.Sprintf("wallet: the OS keyring did not answer (%s %s) within %s: is it locked? "+
		"Unlock it (answer its password prompt, or unlock the login keyring in your desktop's "+
		"keyring manager) and try again", e.Op, e.Addr, e.Waited.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrKeyringTimeout) true.
func (e *KeyringTimeoutError) Is(target error) bool { return target == ErrKeyringTimeout }

// Unwrap returns the context's error.
func (e *KeyringTimeoutError) Unwrap() error { return e.Err }

// keyringResult is one keyring call's outcome.
type keyringResult struct {
	val string
	err error
}

// callKeyring runs fn, which may block indefinitely inside the keyring
// library, bounded by ctx (or keyringTimeout when ctx has no deadline). On
// timeout it returns a *KeyringTimeoutError; the call itself cannot be
// interrupted and finishes in the background, its result dropped.
func callKeyring(ctx context.Context, op, addr string, fn func() (string, error)) (string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, keyringTimeout)
		defer cancel()
	}
	start := time.Now()
	done := make(chan keyringResult, 1) // buffered: a late answer never blocks
	go func() {
		v, err := fn()
		done <- keyringResult{v, err}
	}()
	select {
	case r := <-done:
		return r.val, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", &KeyringTimeoutError{Op: op, Addr: addr, Waited: time.Since(start), Err: ctx.Err()}
		}
		return "", fmt.Errorf("wallet: keyring %s %s: %w", op, addr, ctx.Err())
	}
}
