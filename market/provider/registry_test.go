package provider_test

import (
	"context"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestHeartbeatsAdvance: with a 300 ms interval the heartbeat loop moves
// the Registry's last_heartbeat_round past the registration round.
func TestHeartbeatsAdvance(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	before, err := m.chain.Provider(m.ctx, m.prov.Address())
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(m.ctx)
	done := make(chan error, 1)
	var failed []error
	go func() {
		done <- m.server.Heartbeats(ctx, 300*time.Millisecond, func(err error) { failed = append(failed, err) })
	}()
	deadline := time.Now().Add(20 * time.Second)
	beats := 0
	last := before.LastHeartbeatRound
	for beats < 2 {
		p, err := m.chain.Provider(m.ctx, m.prov.Address())
		if err != nil {
			t.Fatal(err)
		}
		if p.LastHeartbeatRound > last {
			beats, last = beats+1, p.LastHeartbeatRound
		}
		if time.Now().After(deadline) {
			t.Fatalf("last_heartbeat_round %d after 20 s, %d beats seen (registered at %d)", p.LastHeartbeatRound, beats, before.LastHeartbeatRound)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Heartbeats returned %v, want context.Canceled", err)
	}
	if len(failed) != 0 {
		t.Fatalf("heartbeat failures: %v", failed)
	}
}

// TestSetAvailableToggle: SetAvailable(false) and (true) flip the
// Registry record's available flag and count as heartbeats.
func TestSetAvailableToggle(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	for _, want := range []bool{false, true} {
		res, err := m.server.SetAvailable(m.ctx, want)
		if err != nil {
			t.Fatalf("SetAvailable(%t): %v", want, err)
		}
		p, err := m.chain.Provider(m.ctx, m.prov.Address())
		if err != nil {
			t.Fatal(err)
		}
		if p.Available != want || p.LastHeartbeatRound != res.Round {
			t.Fatalf("after SetAvailable(%t) in round %d: available %t, heartbeat round %d", want, res.Round, p.Available, p.LastHeartbeatRound)
		}
	}
}
