package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
)

// DefaultHeartbeat is the time between Registry heartbeats when Heartbeats
// is given none: each one costs a fee, so at most hourly.
const DefaultHeartbeat = time.Hour

// SetAvailable sends Registry.set_available for the provider's account
// (also a heartbeat): what the desktop's Provide toggle calls. It returns
// the confirmed call.
func (s *Server) SetAvailable(ctx context.Context, available bool) (contracts.Result, error) {
	res, err := s.chain.SetAvailable(ctx, s.signer.Address(), s.signer, available)
	if err != nil {
		return res, fmt.Errorf("provider: set_available(%t): %w", available, err)
	}
	return res, nil
}

// Heartbeats sends a Registry heartbeat every interval (DefaultHeartbeat
// when interval is not positive), the first one interval after the call,
// until ctx ends, and returns ctx's error then. A failed heartbeat is
// passed to onErr, when set, and the loop goes on.
func (s *Server) Heartbeats(ctx context.Context, interval time.Duration, onErr func(error)) error {
	if interval <= 0 {
		interval = DefaultHeartbeat
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if _, err := s.chain.Heartbeat(ctx, s.signer.Address(), s.signer); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(fmt.Errorf("provider: heartbeat: %w", err))
		}
	}
}
