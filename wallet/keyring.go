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
func ProbeKeyring() error { return probeKeyring(osKeyring{}, probeTimeout) }

// keyringAPI is the part of go-keyring the probe uses; tests substitute a
// failing one.
type keyringAPI interface {
	Set(service, user, secret string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// osKeyring is the OS keyring through go-keyring.
type osKeyring struct{}

func (osKeyring) Set(service, user, secret string) error   { return keyring.Set(service, user, secret) }
func (osKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

func probeKeyring(kr keyringAPI, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- probeOnce(kr) }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return &NoKeyringError{Op: "timeout", Err: fmt.Errorf("keyring did not answer within %s", timeout)}
	}
}

func probeOnce(kr keyringAPI) error {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("wallet: probe keyring: %w", err)
	}
	user := "probe-" + hex.EncodeToString(raw[:8])
	secret := hex.EncodeToString(raw[8:])
	if err := kr.Set(ServiceName, user, secret); err != nil {
		return &NoKeyringError{Op: "set", Err: err}
	}
	got, err := kr.Get(ServiceName, user)
	if err != nil {
		_ = kr.Delete(ServiceName, user)
		return &NoKeyringError{Op: "get", Err: err}
	}
	if got != secret {
		_ = kr.Delete(ServiceName, user)
		return &NoKeyringError{Op: "compare", Err: errors.New("keyring returned a different secret")}
	}
	if err := kr.Delete(ServiceName, user); err != nil {
		return &NoKeyringError{Op: "delete", Err: err}
	}
	return nil
}
