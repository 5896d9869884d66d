package nat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	natpmp "github.com/jackpal/go-nat-pmp"
)

// pmpGateway is a NAT-PMP server at the router's LAN address.
type pmpGateway struct {
	router  netip.Addr
	timeout time.Duration
}

// findNATPMP returns the NAT-PMP router (the configured address, or the
// default route's gateway) after it has answered an external-address request.
func findNATPMP(ctx context.Context, router netip.Addr, timeout time.Duration) (gateway, error) {
	if !router.IsValid() {
		gw, err := defaultGateway()
		if err != nil {
			return nil, noGateway("no router address to ask: %w", err)
		}
		router = gw
	}
	g := &pmpGateway{router: router, timeout: timeout}
	if _, _, err := g.ExternalIP(ctx); err != nil {
		if isResultCode(err) {
			return g, nil // it answers; Map will say what it refuses
		}
		return nil, noGateway("%s did not answer NAT-PMP on UDP port 5351: %w", router, err)
	}
	return g, nil
}

func (g *pmpGateway) Protocol() Protocol { return NATPMP }

func (g *pmpGateway) Name() string { return "the NAT-PMP router at " + g.router.String() }

// client returns a go-nat-pmp client whose retry budget ends by ctx's deadline.
func (g *pmpGateway) client(ctx context.Context) *natpmp.Client {
	d := g.timeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	return natpmp.NewClientWithTimeout(net.IP(g.router.AsSlice()), max(d, 10*time.Millisecond))
}

// call runs a blocking go-nat-pmp request, returning early when ctx ends;
// the request itself then stops at its own retry budget (see client).
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, pmpError(r.err)
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (g *pmpGateway) ExternalIP(ctx context.Context) (netip.Addr, string, error) {
	c := g.client(ctx)
	r, err := call(ctx, c.GetExternalAddress)
	var rc *resultCodeError
	switch {
	case errors.As(err, &rc) && rc.code == 3:
		return netip.Addr{}, "", &attemptError{KindNoExternalAddress, err}
	case errors.As(err, &rc):
		return netip.Addr{}, "", refused("%w", err)
	case err != nil:
		return netip.Addr{}, "", err
	}
	ip := netip.AddrFrom4(r.ExternalIPAddress)
	if ip.IsUnspecified() {
		return netip.Addr{}, ip.String(), nil
	}
	return ip, ip.String(), nil
}

func (g *pmpGateway) Map(ctx context.Context, internalPort, externalPort uint16, lease time.Duration, _ string) (grant, error) {
	local, err := g.localIP()
	if err != nil {
		return grant{}, err
	}
	c := g.client(ctx)
	r, err := call(ctx, func() (*natpmp.AddPortMappingResult, error) {
		return c.AddPortMapping("tcp", int(internalPort), int(externalPort), int(lease/time.Second))
	})
	if isResultCode(err) {
		return grant{}, refused("the router refused the mapping: %w", err)
	}
	if err != nil {
		return grant{}, err
	}
	if r.PortMappingLifetimeInSeconds == 0 {
		return grant{}, refused("the router refused the mapping: NAT-PMP granted a lifetime of 0 seconds")
	}
	return grant{
		externalPort: r.MappedExternalPort,
		internalIP:   local,
		lease:        time.Duration(r.PortMappingLifetimeInSeconds) * time.Second,
	}, nil
}

// Unmap deletes the mapping (RFC 6886 section 3.4: lifetime 0 and external
// port 0 for the internal port).
func (g *pmpGateway) Unmap(ctx context.Context, internalPort, _ uint16) error {
	c := g.client(ctx)
	_, err := call(ctx, func() (*natpmp.AddPortMappingResult, error) {
		return c.AddPortMapping("tcp", int(internalPort), 0, 0)
	})
	return err
}

// localIP is this host's source address towards the router.
func (g *pmpGateway) localIP() (netip.Addr, error) {
	c, err := net.Dial("udp4", netip.AddrPortFrom(g.router, 5351).String())
	if err != nil {
		return netip.Addr{}, fmt.Errorf("finding this host's LAN address towards %s: %w", g.router, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// pmpResult explains NAT-PMP result codes (RFC 6886 section 3.5).
func pmpResult(code int) string {
	switch code {
	case 1:
		return "unsupported version"
	case 2:
		return "not authorized: the router has NAT-PMP mapping disabled or refuses this host"
	case 3:
		return "network failure: the router has no external address (its WAN side may be down, or its address is not public)"
	case 4:
		return "out of resources: the router cannot create more mappings"
	case 5:
		return "unsupported opcode"
	}
	return "unknown result code"
}

// pmpError turns go-nat-pmp's "Non-zero result code N" into a
// *resultCodeError that names the code; other errors stay as they are.
func pmpError(err error) error {
	if err == nil {
		return nil
	}
	var code int
	if _, serr := fmt.Sscanf(err.Error(), "Non-zero result code %d", &code); serr == nil {
		return &resultCodeError{code: code, err: err}
	}
	return err
}

// resultCodeError is a NAT-PMP answer with a non-zero result code.
type resultCodeError struct {
	code int
	err  error
}

func (e *resultCodeError) Error() string {
	return fmt.Sprintf("NAT-PMP result code %d (%s)", e.code, pmpResult(e.code))
}

func (e *resultCodeError) Unwrap() error { return e.err }

func isResultCode(err error) bool {
	var rc *resultCodeError
	return errors.As(err, &rc)
}
