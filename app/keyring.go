package app

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// keyringProbeTTL is how long a keyring probe's answer is reused. A probe
// writes and deletes a throwaway secret, so it is not repeated every refresh.
const keyringProbeTTL = time.Minute

// keyringProbe runs a keyring probe at most once per ttl and never more than
// one at a time. A caller whose context ends first gets that error while the
// probe finishes in the background for the next caller.
type keyringProbe struct {
	probe func() error
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	at      time.Time // when the last probe finished; zero before the first
	err     error     // its answer
	running chan struct{}
}

func newKeyringProbe(probe func() error) *keyringProbe {
	return &keyringProbe{probe: probe, ttl: keyringProbeTTL, now: time.Now}
}

// Check returns the keyring's last fresh answer, probing when it is stale.
func (k *keyringProbe) Check(ctx context.Context) error {
	k.mu.Lock()
	if !k.at.IsZero() && k.now().Sub(k.at) < k.ttl {
		err := k.err
		k.mu.Unlock()
		return err
	}
	if k.running == nil {
		k.running = make(chan struct{})
		go k.run(k.running)
	}
	done := k.running
	k.mu.Unlock()

	select {
	case <-done:
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.err
	case <-ctx.Done():
		return fmt.Errorf("keyring did not answer yet: %w", ctx.Err())
	}
}

func (k *keyringProbe) run(done chan struct{}) {
	err := k.probe()
	k.mu.Lock()
	k.at, k.err, k.running = k.now(), err, nil
	k.mu.Unlock()
	close(done)
}
