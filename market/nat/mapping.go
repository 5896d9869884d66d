package nat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Protocol names a port-mapping protocol.
type Protocol string

const (
	// UPnP is UPnP IGD (WANIPConnection2, WANIPConnection1, WANPPPConnection1).
	UPnP Protocol = "UPnP IGD"
	// NATPMP is NAT-PMP (RFC 6886).
	NATPMP Protocol = "NAT-PMP"
)

// Mapping is a port mapping the router has granted.
type Mapping struct {
	// Protocol is the protocol that made it.
	Protocol Protocol
	// Gateway names the router (its control URL or address).
	Gateway string
	// ExternalIP is the router's external address.
	ExternalIP netip.Addr
	// ExternalPort is the port open on ExternalIP.
	ExternalPort uint16
	// InternalIP is the LAN address the router forwards to.
	InternalIP netip.Addr
	// InternalPort is the provider's port on InternalIP.
	InternalPort uint16
	// Lease is the lifetime granted at the last renewal: NAT-PMP's answer,
	// or for UPnP the lifetime asked for, which the router accepted.
	Lease time.Duration
	// Renewed is when the router last granted the lease.
	Renewed time.Time
}

// Endpoint is the advertised base URL, http://ExternalIP:ExternalPort.
func (m Mapping) Endpoint() string {
	return "http://" + netip.AddrPortFrom(m.ExternalIP, m.ExternalPort).String()
}

// grant is what a gateway answered to a mapping request.
type grant struct {
	externalPort uint16
	internalIP   netip.Addr
	lease        time.Duration
}

// gateway is one protocol's client for the router that answered it.
type gateway interface {
	// Protocol names the protocol.
	Protocol() Protocol
	// Name identifies the router in messages.
	Name() string
	// ExternalIP asks the router for its external address; the string is
	// what the router said, for messages when it is not an address.
	ExternalIP(ctx context.Context) (netip.Addr, string, error)
	// Map asks for TCP externalPort to internalPort on this host for lease.
	Map(ctx context.Context, internalPort, externalPort uint16, lease time.Duration, description string) (grant, error)
	// Unmap removes the mapping of TCP externalPort.
	Unmap(ctx context.Context, internalPort, externalPort uint16) error
}

// finder finds the router answering one protocol; an error made by
// noGateway says none did.
type finder func(ctx context.Context) (gateway, error)

// Clock is the time source for lease renewal.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Config says what to map. The zero value maps nothing: Consent must be set.
type Config struct {
	// Consent is the user's explicit agreement to ask the router to open a
	// port. Without it Open sends nothing and returns KindNoConsent.
	Consent bool
	// InternalPort is the provider's TCP port on this host.
	InternalPort uint16
	// ExternalPort is the port asked for on the router; 0 asks for InternalPort.
	ExternalPort uint16
	// Lease is the lifetime asked for; 0 means one hour.
	Lease time.Duration
	// Description labels the mapping in the router's list; "" means "Kinetic provider".
	Description string
	// Timeout bounds each exchange with the router; 0 means 5 seconds.
	Timeout time.Duration
	// Order lists the protocols to try, first first; nil means UPnP, then NAT-PMP.
	Order []Protocol
	// NATPMPGateway is the router's LAN address for NAT-PMP; the zero value
	// means the default route's gateway (Linux; elsewhere it must be set).
	NATPMPGateway netip.Addr
	// Clock replaces the system clock (tests).
	Clock Clock
	// Logger receives renewal events; nil discards them.
	Logger *slog.Logger
	// OnRenew, when set, is called after every renewal attempt with the
	// mapping in force and the attempt's error (nil on success).
	OnRenew func(Mapping, error)

	// finders replaces the protocol clients in this package's tests; nil
	// uses the real ones.
	finders map[Protocol]finder
}

func (c Config) withDefaults() Config {
	if c.ExternalPort == 0 {
		c.ExternalPort = c.InternalPort
	}
	if c.Lease <= 0 {
		c.Lease = time.Hour
	}
	if c.Description == "" {
		c.Description = "Kinetic provider"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Order == nil {
		c.Order = []Protocol{UPnP, NATPMP}
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.finders == nil {
		c.finders = map[Protocol]finder{
			UPnP:   func(ctx context.Context) (gateway, error) { return findUPnP(ctx, c.Timeout) },
			NATPMP: func(ctx context.Context) (gateway, error) { return findNATPMP(ctx, c.NATPMPGateway, c.Timeout) },
		}
	}
	return c
}

// PortMapping is a mapping in force, renewed until Close.
type PortMapping struct {
	cfg     Config
	gw      gateway
	mu      sync.Mutex
	current Mapping
	ctx     context.Context // ends renewal; cancelled by Close
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// Open maps cfg.InternalPort with the first protocol in cfg.Order whose
// router grants it and reports a public external address, and starts
// renewing the lease until Close; ctx bounds Open itself, not the renewals.
// A failure to map is an *Error; an invalid Config is a plain error.
func Open(ctx context.Context, cfg Config) (*PortMapping, error) {
	if !cfg.Consent {
		return nil, &Error{Kind: KindNoConsent}
	}
	if cfg.InternalPort == 0 {
		return nil, errors.New("nat: Config.InternalPort is 0")
	}
	cfg = cfg.withDefaults()
	fail := &Error{}
	for _, p := range cfg.Order {
		find, ok := cfg.finders[p]
		if !ok {
			return nil, fmt.Errorf("nat: no client for protocol %q", p)
		}
		m, gw, err := tryProtocol(ctx, cfg, find)
		if err == nil {
			pm := &PortMapping{cfg: cfg, gw: gw, current: m, done: make(chan struct{})}
			pm.ctx, pm.cancel = context.WithCancel(context.WithoutCancel(ctx))
			go pm.renew()
			return pm, nil
		}
		k := classify(err)
		fail.Attempts = append(fail.Attempts, Attempt{Protocol: p, Kind: k, Err: err})
		if rank(k) > rank(fail.Kind) {
			fail.Kind = k
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fail
}

// tryProtocol finds one protocol's router, checks that its external address
// is public (before asking for anything, so a second NAT leaves no mapping
// behind) and maps the port.
func tryProtocol(ctx context.Context, cfg Config, find finder) (Mapping, gateway, error) {
	gw, err := find(ctx)
	if err != nil {
		return Mapping{}, nil, err
	}
	type ext struct {
		ip  netip.Addr
		raw string
	}
	e, err := withTimeout(ctx, cfg.Timeout, func(ctx context.Context) (ext, error) {
		ip, raw, err := gw.ExternalIP(ctx)
		return ext{ip, raw}, err
	})
	switch {
	case err != nil:
		return Mapping{}, nil, fmt.Errorf("%s did not say its external address: %w", gw.Name(), err)
	case !e.ip.IsValid():
		return Mapping{}, nil, noExternalAddress(e.raw)
	case isPrivate(e.ip):
		return Mapping{}, nil, doubleNAT(e.ip)
	}
	g, err := withTimeout(ctx, cfg.Timeout, func(ctx context.Context) (grant, error) {
		return gw.Map(ctx, cfg.InternalPort, cfg.ExternalPort, cfg.Lease, cfg.Description)
	})
	if err != nil {
		return Mapping{}, nil, err
	}
	return Mapping{Protocol: gw.Protocol(), Gateway: gw.Name(), ExternalIP: e.ip, ExternalPort: g.externalPort,
		InternalIP: g.internalIP, InternalPort: cfg.InternalPort, Lease: g.lease, Renewed: cfg.Clock.Now()}, gw, nil
}

func withTimeout[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return f(ctx)
}

// Mapping returns the mapping in force (as last granted).
func (pm *PortMapping) Mapping() Mapping {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	return pm.current
}

// renewIn is how long to wait before renewing a lease: half of it (RFC 6886
// section 3.3), and at least one second.
func renewIn(lease time.Duration) time.Duration {
	return max(lease/2, time.Second)
}

// retryIn is the wait after a failed renewal: a quarter of what is left of
// the lease, between one second and one minute.
func retryIn(left time.Duration) time.Duration {
	return min(max(left/4, time.Second), time.Minute)
}

func (pm *PortMapping) renew() {
	defer close(pm.done)
	wait := renewIn(pm.Mapping().Lease)
	for {
		select {
		case <-pm.ctx.Done():
			return
		case <-pm.cfg.Clock.After(wait):
		}
		m := pm.Mapping()
		g, err := withTimeout(pm.ctx, pm.cfg.Timeout, func(ctx context.Context) (grant, error) {
			return pm.gw.Map(ctx, m.InternalPort, m.ExternalPort, pm.cfg.Lease, pm.cfg.Description)
		})
		if pm.ctx.Err() != nil {
			return
		}
		now := pm.cfg.Clock.Now()
		if err == nil {
			if g.externalPort != m.ExternalPort {
				// The router moved the mapping: the new port is the one in
				// force, and the caller must advertise the new endpoint.
				err = fmt.Errorf("%s renewed the lease on external port %d instead of %d: the endpoint changed",
					pm.gw.Name(), g.externalPort, m.ExternalPort)
				m.ExternalPort = g.externalPort
			}
			m.Lease, m.Renewed = g.lease, now
			wait = renewIn(g.lease)
			pm.cfg.Logger.Info("nat: lease renewed", "protocol", m.Protocol, "external", m.Endpoint(), "lease", g.lease)
		} else {
			wait = retryIn(m.Renewed.Add(m.Lease).Sub(now))
			pm.cfg.Logger.Warn("nat: lease renewal failed", "protocol", m.Protocol, "error", err, "retry_in", wait)
		}
		pm.mu.Lock()
		pm.current = m
		pm.mu.Unlock()
		if pm.cfg.OnRenew != nil {
			pm.cfg.OnRenew(m, err)
		}
	}
}

// Close stops renewing and removes the mapping from the router.
func (pm *PortMapping) Close(ctx context.Context) error {
	var err error
	pm.once.Do(func() {
		pm.cancel()
		<-pm.done
		m := pm.Mapping()
		ctx, cancel := context.WithTimeout(ctx, pm.cfg.Timeout)
		defer cancel()
		if uerr := pm.gw.Unmap(ctx, m.InternalPort, m.ExternalPort); uerr != nil {
			err = fmt.Errorf("nat: removing %s mapping of external port %s: %w", m.Protocol, strconv.Itoa(int(m.ExternalPort)), uerr)
		}
	})
	return err
}
