package nat

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock the test moves by hand; every After call is reported
// on added so a test can wait for the renewal loop to block.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	added   chan time.Duration
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), added: make(chan time.Duration, 16)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.waiters = append(c.waiters, fakeWaiter{c.now.Add(d), ch})
	c.mu.Unlock()
	c.added <- d
	return ch
}

// Advance moves the clock and fires the waiters that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// nextWait is the duration of the renewal loop's next After call.
func (c *fakeClock) nextWait(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.added:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("the renewal loop did not wait on the clock")
		return 0
	}
}

// mapCall is one Map request the fake gateway received.
type mapCall struct {
	internal, external uint16
	lease              time.Duration
}

// fakeGateway is a router whose answers the test sets.
type fakeGateway struct {
	proto  Protocol
	ext    netip.Addr
	extRaw string
	extErr error
	// mapFn answers the n-th Map call (0-based); nil grants what was asked.
	mapFn    func(n int, c mapCall) (grant, error)
	unmapErr error

	mu     sync.Mutex
	maps   []mapCall
	unmaps []uint16
	mapped chan mapCall
}

func newFakeGateway(p Protocol, ext string) *fakeGateway {
	g := &fakeGateway{proto: p, mapped: make(chan mapCall, 16)}
	if ext != "" {
		g.ext, g.extRaw = netip.MustParseAddr(ext), ext
	}
	return g
}

func (g *fakeGateway) Protocol() Protocol { return g.proto }
func (g *fakeGateway) Name() string       { return "the fake " + string(g.proto) + " router" }

func (g *fakeGateway) ExternalIP(context.Context) (netip.Addr, string, error) {
	return g.ext, g.extRaw, g.extErr
}

func (g *fakeGateway) Map(_ context.Context, internal, external uint16, lease time.Duration, _ string) (grant, error) {
	c := mapCall{internal, external, lease}
	g.mu.Lock()
	n := len(g.maps)
	g.maps = append(g.maps, c)
	g.mu.Unlock()
	defer func() { g.mapped <- c }()
	if g.mapFn != nil {
		return g.mapFn(n, c)
	}
	return grant{externalPort: external, internalIP: netip.MustParseAddr("192.168.7.20"), lease: lease}, nil
}

func (g *fakeGateway) Unmap(_ context.Context, _, external uint16) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.unmaps = append(g.unmaps, external)
	return g.unmapErr
}

func (g *fakeGateway) calls() ([]mapCall, []uint16) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]mapCall(nil), g.maps...), append([]uint16(nil), g.unmaps...)
}

// waitMap returns the next Map call, failing after five seconds.
func (g *fakeGateway) waitMap(t *testing.T) mapCall {
	t.Helper()
	select {
	case c := <-g.mapped:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no Map call")
		return mapCall{}
	}
}

// finders returns finders that hand out the given gateways (nil: none
// answered) and count how often each protocol was asked.
func finders(gws map[Protocol]*fakeGateway, asked map[Protocol]int) map[Protocol]finder {
	out := map[Protocol]finder{}
	for _, p := range []Protocol{UPnP, NATPMP} {
		out[p] = func(context.Context) (gateway, error) {
			asked[p]++
			if gw := gws[p]; gw != nil {
				return gw, nil
			}
			return nil, noGateway("nothing answered %s", p)
		}
	}
	return out
}
