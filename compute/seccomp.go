package compute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/system"
)

// ErrNoSeccomp: the engine would run jobs without a seccomp filter, so the
// sandbox refuses to run them.
var ErrNoSeccomp = errors.New("the Docker engine has no seccomp filter")

// seccompRecheck is how long a good seccomp report is trusted.
const seccompRecheck = time.Minute

// seccompCheck caches the last good seccomp report of the engine.
type seccompCheck struct {
	mu     sync.Mutex
	goodAt time.Time
}

// requireSeccomp asks the engine for its security options and returns an
// error wrapping ErrNoSeccomp when they lack seccomp or name the
// "unconfined" profile as the default: jobs (which never ask for a
// profile of their own) would then run unfiltered. A good answer is
// trusted for seccompRecheck.
func (e *Engine) requireSeccomp(ctx context.Context) error {
	c := &e.seccomp
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.goodAt.IsZero() && time.Since(c.goodAt) < seccompRecheck {
		return nil
	}
	info, err := e.cli.Info(ctx)
	if err != nil {
		return fmt.Errorf("docker info (seccomp check): %w", err)
	}
	if err := seccompVerdict(info.SecurityOptions); err != nil {
		return err
	}
	c.goodAt = time.Now()
	return nil
}

// seccompVerdict checks the engine's SecurityOptions
// ("name=seccomp,profile=default" and the like).
func seccompVerdict(opts []string) error {
	decoded, err := system.DecodeSecurityOptions(opts)
	if err != nil {
		return fmt.Errorf("%w: unreadable security options %q: %v", ErrNoSeccomp, opts, err)
	}
	for _, o := range decoded {
		if o.Name != "seccomp" {
			continue
		}
		for _, kv := range o.Options {
			if kv.Key == "profile" && strings.EqualFold(kv.Value, "unconfined") {
				return fmt.Errorf("%w: its default profile is unconfined; configure a seccomp profile (dockerd --seccomp-profile) to rent out this machine", ErrNoSeccomp)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: the engine reports no seccomp support (security options %q); use a kernel and engine with seccomp to rent out this machine", ErrNoSeccomp, opts)
}
