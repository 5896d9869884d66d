package wallet

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/zalando/go-keyring"
)

// BackendKind names where account secrets are kept.
type BackendKind string

// The keystore backends.
const (
	// BackendKeyring is the OS keyring: Secret Service (Linux/BSD),
	// Keychain (macOS) or Credential Manager (Windows), via go-keyring.
	BackendKeyring BackendKind = "os-keyring"
	// BackendFile is the passphrase-encrypted fallback file.
	BackendFile BackendKind = "encrypted-file"
)

// BackendInfo tells the user where secrets are stored and why.
type BackendInfo struct {
	Kind   BackendKind
	Reason string // why this backend was chosen, for display
}

// ErrSecretNotFound reports that a keystore holds no secret for an address.
var ErrSecretNotFound = errors.New("wallet: secret not found in keystore")

// Keystore stores account secrets (32-byte ed25519 seeds) by address.
// Implementations never log or persist a secret in plaintext.
type Keystore interface {
	// Put stores seed for addr, replacing any previous one.
	Put(ctx context.Context, addr string, seed []byte) error
	// Get returns a fresh copy of addr's seed; the caller zeroes it after use.
	// A missing secret is reported as ErrSecretNotFound.
	Get(ctx context.Context, addr string) ([]byte, error)
	// Delete removes addr's secret; deleting a missing one is not an error.
	Delete(ctx context.Context, addr string) error
	// Kind says which backend this is.
	Kind() BackendKind
}

// KeyringStore keeps each seed in the OS keyring under service ServiceName
// and user = the account address. The keyring only accepts strings, so the
// seed travels base64-encoded; that transient string cannot be zeroed.
// Every call is bounded by its context (30 s when the context has no
// deadline) and fails with a *KeyringTimeoutError when the keyring does not
// answer. The zero value uses the OS keyring.
type KeyringStore struct {
	kr keyringAPI // nil: the OS keyring
}

// api returns the keyring backend.
func (k KeyringStore) api() keyringAPI {
	if k.kr == nil {
		return osKeyring{}
	}
	return k.kr
}

// Kind implements Keystore.
func (KeyringStore) Kind() BackendKind { return BackendKeyring }

// Put implements Keystore.
func (k KeyringStore) Put(ctx context.Context, addr string, seed []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(seed)
	_, err := callKeyring(ctx, "store", addr, func() (string, error) { return "", k.api().Set(ServiceName, addr, enc) })
	if err != nil {
		return fmt.Errorf("wallet: keyring store %s: %w", addr, err)
	}
	return nil
}

// Get implements Keystore.
func (k KeyringStore) Get(ctx context.Context, addr string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := callKeyring(ctx, "load", addr, func() (string, error) { return k.api().Get(ServiceName, addr) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("wallet: keyring %s: %w", addr, ErrSecretNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("wallet: keyring load %s: %w", addr, err)
	}
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != seedSize {
		zero(seed)
		return nil, fmt.Errorf("wallet: keyring entry for %s is malformed", addr)
	}
	return seed, nil
}

// Delete implements Keystore.
func (k KeyringStore) Delete(ctx context.Context, addr string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := callKeyring(ctx, "delete", addr, func() (string, error) { return "", k.api().Delete(ServiceName, addr) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("wallet: keyring delete %s: %w", addr, err)
	}
	return nil
}

// zero overwrites b with zeros.
func zero(b []byte) {
	clear(b)
}
