package wallet

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/zalando/go-keyring"
)

// ServiceName is the service under which every Kinetic secret is stored in
// the OS keyring (Secret Service, macOS Keychain, Windows Credential Manager).
const ServiceName = "kinetic"

// probeTimeout bounds one keyring probe: a Secret Service that waits on a
// password prompt nobody can answer must not hang the caller.
const probeTimeout = 10 * time.Second

// ErrNoKeyring reports that no usable OS keyring answered. Match it with
// errors.Is; the concrete error is a *NoKeyringError carrying the cause.
var ErrNoKeyring = errors.New("wallet: no OS keyring available")

// NoKeyringError is returned when the OS keyring cannot be used. It matches
// ErrNoKeyring under errors.Is and unwraps to the underlying cause.
type NoKeyringError struct {
	Op  string // the keyring step that failed: "set", "get", "compare", "delete", "timeout"
	Err error  // the cause reported by the keyring library, if any
}

// Error implements error.
func (e *NoKeyringError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("wallet: no OS keyring available (%s)", e.Op)
	}
	return fmt.Sprintf("wallet: no OS keyring available (%s): %v", e.Op, e.Err)
}

// Is makes errors.Is(err, ErrNoKeyring) true.
func (e *NoKeyringError) Is(target error) bool { return target == ErrNoKeyring }

// Unwrap returns the cause.
func (e *NoKeyringError) Unwrap() error { return e.Err }

// IsNoKeyring reports whether err says that no OS keyring is available.
func IsNoKeyring(err error) bool { return errors.Is(err, ErrNoKeyring) }

// ProbeKeyring round-trips a throwaway random secret through the OS keyring
// under ServiceName (set, get, compare, delete). It returns nil when the
// keyring works and a *NoKeyringError (errors.Is ErrNoKeyring) otherwise.
// The probe entry is deleted again; it never holds a real secret.
func ProbeKeyring() error {
	done := make(chan error, 1)
	go func() { done <- probeOnce() }()
	select {
	case err := <-done:
		return err
	case <-time.After(probeTimeout):
		return &NoKeyringError{Op: "timeout", Err: fmt.Errorf("keyring did not answer within %s", probeTimeout)}
	}
}

func probeOnce() error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("wallet: probe keyring: %w", err)
	}
	user := "probe-" + hex.EncodeToString(raw[:8])
	secret := hex.EncodeToString(raw[8:])
	if err := keyring.Set(ServiceName, user, secret); err != nil {
		return &NoKeyringError{Op: "set", Err: err}
	}
	got, err := keyring.Get(ServiceName, user)
	if err != nil {
		_ = keyring.Delete(ServiceName, user)
		return &NoKeyringError{Op: "get", Err: err}
	}
	if got != secret {
		_ = keyring.Delete(ServiceName, user)
		return &NoKeyringError{Op: "compare", Err: errors.New("keyring returned a different secret")}
	}
	if err := keyring.Delete(ServiceName, user); err != nil {
		return &NoKeyringError{Op: "delete", Err: err}
	}
	return nil
}
