package wallet

import (
	"errors"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
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

// TestProbeKeyringAgreesWithTestkit: in a session where testkit's own probe
// finds a working Secret Service (run under scripts/with-keyring.sh), the
// wallet's probe must succeed too and leave no probe entry behind.
func TestProbeKeyringAgreesWithTestkit(t *testing.T) {
	testkit.Keyring(t) // fails under CI=true, skips otherwise, when none answers
	rec := &recordingKeyring{inner: osKeyring{}}
	if err := probeKeyring(rec, probeTimeout); err != nil {
		t.Fatalf("testkit found a keyring but ProbeKeyring failed: %v", err)
	}
	if len(rec.users) != 1 {
		t.Fatalf("probe used %d entries, want 1", len(rec.users))
	}
	if _, err := (osKeyring{}).Get(ServiceName, rec.users[0]); err == nil {
		t.Fatal("probe entry left in the keyring")
	}
	if err := ProbeKeyring(); err != nil {
		t.Fatalf("ProbeKeyring: %v", err)
	}
}

// recordingKeyring passes calls through and remembers the users set.
type recordingKeyring struct {
	inner keyringAPI
	users []string
}

func (r *recordingKeyring) Set(s, u, v string) error {
	r.users = append(r.users, u)
	return r.inner.Set(s, u, v)
}
func (r *recordingKeyring) Get(s, u string) (string, error) { return r.inner.Get(s, u) }
func (r *recordingKeyring) Delete(s, u string) error        { return r.inner.Delete(s, u) }

// fakeKeyring fails at a chosen step.
type fakeKeyring struct {
	setErr, getErr, delErr error
	wrong                  bool          // Get returns a different secret
	hang                   chan struct{} // Set blocks until closed
	stored                 map[string]string
	deleted                []string
}

func (f *fakeKeyring) Set(_, u, v string) error {
	if f.hang != nil {
		<-f.hang
	}
	if f.setErr != nil {
		return f.setErr
	}
	f.stored[u] = v
	return nil
}

func (f *fakeKeyring) Get(_, u string) (string, error) {
	if f.getErr != nil {
		return "", f.getErr
	}
	if f.wrong {
		return f.stored[u] + "x", nil
	}
	return f.stored[u], nil
}

func (f *fakeKeyring) Delete(_, u string) error {
	f.deleted = append(f.deleted, u)
	if f.delErr != nil {
		return f.delErr
	}
	delete(f.stored, u)
	return nil
}

func TestProbeKeyringForcedFailures(t *testing.T) {
	cause := errors.New("org.freedesktop.DBus.Error.ServiceUnknown")
	tests := []struct {
		name    string
		kr      *fakeKeyring
		op      string
		cause   error
		cleaned bool // the probe entry was deleted again
	}{
		{"works", &fakeKeyring{}, "", nil, true},
		{"set fails", &fakeKeyring{setErr: cause}, "set", cause, false},
		{"get fails", &fakeKeyring{getErr: cause}, "get", cause, true},
		{"wrong secret", &fakeKeyring{wrong: true}, "compare", nil, true},
		{"delete fails", &fakeKeyring{delErr: cause}, "delete", cause, true},
		{"no answer", &fakeKeyring{hang: make(chan struct{})}, "timeout", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.kr.stored = map[string]string{}
			err := probeKeyring(tc.kr, 50*time.Millisecond)
			if tc.kr.hang != nil {
				close(tc.kr.hang)
			}
			if tc.op == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			} else {
				var nk *NoKeyringError
				if !errors.As(err, &nk) || nk.Op != tc.op || !IsNoKeyring(err) {
					t.Fatalf("err = %v, want *NoKeyringError{Op: %q}", err, tc.op)
				}
				if tc.cause != nil && !errors.Is(err, tc.cause) {
					t.Fatalf("err = %v does not wrap the cause", err)
				}
			}
			if tc.cleaned && len(tc.kr.deleted) != 1 {
				t.Fatalf("probe entry not deleted: %v", tc.kr.deleted)
			}
		})
	}
}
