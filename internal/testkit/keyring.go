package testkit

import (
	"fmt"
	"testing"

	"github.com/zalando/go-keyring"
)

var keyringOnce once[struct{}]

// Keyring checks that an OS keyring (here: the Secret Service) stores and
// returns a secret through go-keyring; Missing otherwise. Run keyring tests
// under scripts/with-keyring.sh (make test does).
func Keyring(t testing.TB) {
	t.Helper()
	_, err := keyringOnce.get(func() (struct{}, error) {
		const svc, user = "kinetic-testkit", "probe"
		if err := keyring.Set(svc, user, "probe-value"); err != nil {
			return struct{}{}, err
		}
		v, err := keyring.Get(svc, user)
		if err != nil {
			return struct{}{}, err
		}
		_ = keyring.Delete(svc, user)
		if v != "probe-value" {
			return struct{}{}, fmt.Errorf("keyring returned %q, want the stored value", v)
		}
		return struct{}{}, nil
	})
	if err != nil {
		Missing(t, "OS keyring (Secret Service)", err)
	}
}
