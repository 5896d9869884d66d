// Package testkit is Kinetic's integration-test harness: it hands a test the
// real LocalNet algod (with a dispenser and freshly funded accounts), the
// real Docker engine with the offline busybox test image, a real container
// registry on a loopback port (StartRegistry, which a test starts and
// stops itself), a Secret Service probe and a temporary bbolt store.
//
// The harness never starts a node or an engine itself: `make test` does that
// once for the whole run (its docker and localnet targets: scripts/dockerd.sh
// and `kinetic localnet up`) and every package's tests
// share it. When a part is missing, Missing fails the test under CI=true and
// skips it, with the reason, otherwise.
package testkit

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// InCI reports whether the tests run under CI=true, where a missing
// harness is a failure.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing stops the test because the harness part what is unavailable:
// a failure under CI=true, a skip otherwise.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("test harness: %s unavailable (CI=true, so this fails): %v", what, err)
	}
	t.Skipf("test harness: %s unavailable: %v (run 'make test' to start it)", what, err)
}

// Context returns a context cancelled when the test ends or after limit.
func Context(t testing.TB, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}

// DB returns a bbolt store in a temporary directory, closed when the test ends.
func DB(t testing.TB) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "test.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("testkit: open bbolt: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// once memoises a harness probe per test binary.
type once[T any] struct {
	o   sync.Once
	v   T
	err error
}

func (o *once[T]) get(f func() (T, error)) (T, error) {
	o.o.Do(func() { o.v, o.err = f() })
	return o.v, o.err
}
