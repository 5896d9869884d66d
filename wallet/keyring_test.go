package wallet

import (
	"errors"
	"testing"
)

func TestNoKeyringErrorMatches(t *testing.T) {
	cause := errors.New("dbus: no session bus")
	var err error = &NoKeyringError{Op: "set", Err: cause}
	if !errors.Is(err, ErrNoKeyring) || !IsNoKeyring(err) {
		t.Fatal("NoKeyringError does not match ErrNoKeyring")
	}
	if !errors.Is(err, cause) {
		t.Fatal("NoKeyringError does not unwrap to its cause")
	}
	if IsNoKeyring(cause) {
		t.Fatal("plain error matched ErrNoKeyring")
	}
}

func TestProbeKeyringResultIsTyped(t *testing.T) {
	err := ProbeKeyring()
	if err != nil && !IsNoKeyring(err) {
		t.Fatalf("ProbeKeyring returned an untyped error: %v", err)
	}
	t.Logf("ProbeKeyring: %v", err)
}
