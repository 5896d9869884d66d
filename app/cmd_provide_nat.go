package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/market/nat"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// waitListening waits until the agent accepts connections on listen (at
// most 5 s); an error of the server that stopped meanwhile is returned.
func waitListening(ctx context.Context, listen string, served chan error) error {
	local := localDial(listen)
	for range 50 {
		select {
		case err := <-served:
			served <- err
			return err
		default:
		}
		if c, err := net.DialTimeout("tcp", local, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// localDial is the address this machine dials to reach listen: an
// unspecified host ("", 0.0.0.0, ::) means loopback.
func localDial(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// portMapping is a router port mapping in force; *nat.PortMapping is one.
type portMapping interface {
	Mapping() nat.Mapping
	Close(ctx context.Context) error
}

// portMapper opens a port mapping; openPortMapping (nat.Open) is the real one.
type portMapper func(ctx context.Context, cfg nat.Config) (portMapping, error)

func openPortMapping(ctx context.Context, cfg nat.Config) (portMapping, error) {
	pm, err := nat.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return pm, nil
}

// mappableListen refuses a --listen address a router mapping cannot reach:
// a loopback host, or no port.
func mappableListen(listen string) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--map-port: --listen %q is not HOST:PORT: %w", listen, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("--map-port: --listen %q has no port the router can forward", listen)
	}
	ip, err := netip.ParseAddr(host)
	if host == "localhost" || (err == nil && ip.IsLoopback()) {
		return fmt.Errorf("--map-port: the router forwards to this machine's LAN address, but --listen %s answers on this machine only; listen on 0.0.0.0:%s (or the LAN address)", listen, port)
	}
	return nil
}

func listenPort(listen string) uint16 {
	_, port, _ := net.SplitHostPort(listen)
	n, _ := strconv.ParseUint(port, 10, 16)
	return uint16(n)
}

// consentedMapping opens the port mapping when the user consented with
// --map-port; without it, it returns nil and contacts nothing.
func (r runner) consentedMapping(ctx context.Context, o provideOptions, log *slog.Logger) portMapping {
	if !o.mapPort {
		return nil
	}
	return r.mapPort(ctx, o, log)
}

// mapPort asks the router to forward the listen port (only with
// --map-port) and prints the external address it got; on failure it
// prints why and what to do instead, and returns nil: the agent still
// serves the consumers that reach it.
func (r runner) mapPort(ctx context.Context, o provideOptions, log *slog.Logger) portMapping {
	open := o.openMapping
	if open == nil {
		open = openPortMapping
	}
	port := listenPort(o.listen)
	pm, err := open(ctx, nat.Config{Consent: true, InternalPort: port, Logger: log})
	if err != nil {
		fmt.Fprintf(r.stdout, "port mapping failed: %v\n%s\n", err, nat.MappingAdvice(err, port))
		return nil
	}
	m := pm.Mapping()
	fmt.Fprintf(r.stdout, "port mapping: %s (%s) forwards TCP %s to %s; external address %s (lease %s, renewed while the agent runs)\n",
		m.Protocol, m.Gateway, netip.AddrPortFrom(m.ExternalIP, m.ExternalPort), netip.AddrPortFrom(m.InternalIP, m.InternalPort), m.Endpoint(), m.Lease)
	return pm
}

// unmapPort removes the mapping as the agent stops.
func (r runner) unmapPort(ctx context.Context, pm portMapping) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := pm.Close(cctx); err != nil {
		fmt.Fprintf(r.stdout, "port mapping not removed: %v; remove it on the router's port-forwarding page\n", err)
		return
	}
	fmt.Fprintf(r.stdout, "port mapping removed: %s no longer forwards to this machine\n", pm.Mapping().Endpoint())
}

// reachReport checks, as a consumer would, that GET /v1/info answers as
// this account on the endpoint the Registry advertises and on the
// router's mapped address, and prints the outcome of each.
func (r runner) reachReport(ctx context.Context, o provideOptions, advertised string, pm portMapping, addr types.Address) {
	client := o.client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	endpoints := []string{advertised}
	if pm != nil {
		if mapped := pm.Mapping().Endpoint(); mapped != strings.TrimSuffix(advertised, "/") {
			endpoints = append(endpoints, mapped)
			fmt.Fprintf(r.stdout, "the Registry advertises %s, not the mapped %s: consumers use the advertised one (run with --register --advertise %s to advertise the mapping)\n", advertised, mapped, mapped)
		}
	}
	for _, ep := range endpoints {
		if err := checkReach(ctx, client, ep, addr); err != nil {
			fmt.Fprintf(r.stdout, "not reachable: %v\n", err)
			continue
		}
		fmt.Fprintf(r.stdout, "reachable: GET /v1/info on %s answers, signed by the account\n", ep)
	}
}

// sigCapture keeps the /v1/info signature header of the response it
// passes on, for the identity check that follows.
type sigCapture struct {
	d   nat.Doer
	sig string
}

func (c *sigCapture) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.d.Do(req)
	if err == nil {
		c.sig = resp.Header.Get(provider.HeaderInfoSignature)
	}
	return resp, err
}

// checkReach asks endpoint for GET /v1/info through client and checks the
// answer is signed by addr; the error says why not and what to do.
func checkReach(ctx context.Context, client nat.Doer, endpoint string, addr types.Address) error {
	sc := &sigCapture{d: client}
	_, err := nat.CheckInfo(ctx, sc, endpoint, 5*time.Second, func(_ context.Context, body []byte) error {
		sig, err := base64.StdEncoding.DecodeString(sc.sig)
		if err != nil || !sigframe.Verify(ed25519.PublicKey(addr[:]), provider.InfoDomain, body, sig) {
			return fmt.Errorf("its %s header is not %s's signature of the body", provider.HeaderInfoSignature, addr)
		}
		return nil
	})
	if err == nil {
		return nil
	}
	var re *nat.ReachError
	if !errors.As(err, &re) {
		return fmt.Errorf("%w (register the right one with --register --advertise http://HOST:PORT)", err)
	}
	port := ""
	if u, uerr := url.Parse(endpoint); uerr == nil {
		port = u.Port()
	}
	return fmt.Errorf("%w\n%s", err, nat.ReachAdvice(err, port))
}

// selfTestReach is the self-test's reachability check of the advertised
// endpoint and, with --map-port, of a mapping opened for the check and
// removed after it.
func (r runner) selfTestReach(ctx context.Context, o provideOptions, registered bool, advertised string, addr types.Address,
	report func(name string, err error, ok string)) {
	client := o.client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if registered {
		report("reach", checkReach(ctx, client, advertised, addr), "GET /v1/info on "+advertised+" (the advertised endpoint) answers, signed by the account")
	} else {
		fmt.Fprintln(r.stdout, "skip reach      not registered: no advertised endpoint to check")
	}
	if !o.mapPort {
		return
	}
	open := o.openMapping
	if open == nil {
		open = openPortMapping
	}
	port := listenPort(o.listen)
	pm, err := open(ctx, nat.Config{Consent: true, InternalPort: port})
	if err != nil {
		report("map-port", fmt.Errorf("%w\n%s", err, nat.MappingAdvice(err, port)), "")
		return
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := pm.Close(cctx); err != nil {
			report("unmap", err, "")
		}
	}()
	m := pm.Mapping()
	report("map-port", nil, fmt.Sprintf("%s (%s) forwards TCP %d to this machine at %s", m.Protocol, m.Gateway, m.ExternalPort, m.Endpoint()))
	report("reach", checkReach(ctx, client, m.Endpoint(), addr), "GET /v1/info on "+m.Endpoint()+" (the mapped address) answers, signed by the account")
}
