package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestKeyringCreateReloadSign runs against the real Secret Service
// (scripts/with-keyring.sh / dbus-run-session): create → store → reload
// through a new Wallet → sign → verify, then delete.
func TestKeyringCreateReloadSign(t *testing.T) {
	testkit.Keyring(t)
	ctx := testkit.Context(t, time.Minute)
	if err := ProbeKeyring(); err != nil {
		t.Fatalf("ProbeKeyring with a working keyring: %v", err)
	}
	db := testkit.DB(t)
	w, err := Open(ctx, Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if b := w.Backend(); b.Kind != BackendKeyring {
		t.Fatalf("backend %+v, want the OS keyring", b)
	}
	a, err := w.Create(ctx, "keyring test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keyring.Delete(ServiceName, a.Address) })
	if a.Backend != BackendKeyring {
		t.Fatalf("account backend %s", a.Backend)
	}
	stored, err := keyring.Get(ServiceName, a.Address)
	if err != nil || stored == "" {
		t.Fatalf("secret not in the keyring under %q/%s: %v", ServiceName, a.Address, err)
	}
	_ = w.Close()

	w2, err := Open(ctx, Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	checkSigner(t, w2, a.Address)
	if _, err := w2.Reveal(ctx, a.Address, true); err != nil {
		t.Fatal(err)
	}
	if err := w2.Delete(ctx, a.Address, DeleteOptions{Confirm: true, Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(ServiceName, a.Address); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("secret still in the keyring after delete: %v", err)
	}
}

func TestOpenWithoutKeyringOrPassphrase(t *testing.T) {
	cause := errors.New("test: no secret service")
	_, err := Open(context.Background(), Options{
		DB:    openTestDB(t, t.TempDir()),
		Probe: func() error { return &NoKeyringError{Op: "set", Err: cause} },
	})
	if !errors.Is(err, ErrNoKeyring) || !errors.Is(err, cause) {
		t.Fatalf("err = %v, want ErrNoKeyring wrapping the cause", err)
	}
}
