package nat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/huin/goupnp"
	"github.com/huin/goupnp/dcps/internetgateway2"
	"github.com/huin/goupnp/soap"
)

// igdService is what the three WAN connection services of
// internetgateway2 have in common.
type igdService interface {
	AddPortMappingCtx(ctx context.Context, remoteHost string, externalPort uint16, protocol string,
		internalPort uint16, internalClient string, enabled bool, description string, lease uint32) error
	DeletePortMappingCtx(ctx context.Context, remoteHost string, externalPort uint16, protocol string) error
	GetExternalIPAddressCtx(ctx context.Context) (string, error)
	GetServiceClient() *goupnp.ServiceClient
}

// upnpGateway is a WAN connection service of an IGD found by SSDP.
type upnpGateway struct {
	svc     igdService
	service string // the service type, e.g. WANIPConnection:2
	local   netip.Addr
}

// findUPnP searches the LAN for Internet Gateway Devices (IGD v2 and v1 at
// once) and returns the first WAN connection service, preferring
// WANIPConnection2, then WANIPConnection1, then WANPPPConnection1.
func findUPnP(ctx context.Context, timeout time.Duration) (gateway, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		mu    sync.Mutex
		roots []goupnp.MaybeRootDevice
		errs  []error
		wg    sync.WaitGroup
	)
	for _, st := range []string{"urn:schemas-upnp-org:device:InternetGatewayDevice:2", "urn:schemas-upnp-org:device:InternetGatewayDevice:1"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found, err := goupnp.DiscoverDevicesCtx(ctx, st)
			mu.Lock()
			defer mu.Unlock()
			roots = append(roots, found...)
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	var probeErrs []error
	for _, r := range roots {
		if r.Err != nil {
			probeErrs = append(probeErrs, r.Err)
			continue
		}
		if gw := gatewayFromRoot(r); gw != nil {
			return gw, nil
		}
	}
	switch {
	case len(probeErrs) > 0:
		return nil, noGateway("a device answered SSDP but its description could not be read: %w", errors.Join(probeErrs...))
	case len(roots) > 0:
		return nil, noGateway("%d device(s) answered SSDP, none with a WAN connection service", len(roots))
	case len(errs) > 0:
		return nil, noGateway("SSDP search failed: %w", errors.Join(errs...))
	}
	// goupnp listens for SSDP answers for 2 seconds at most.
	return nil, noGateway("no Internet Gateway Device answered SSDP discovery within %s", min(timeout, 2*time.Second))
}

func gatewayFromRoot(r goupnp.MaybeRootDevice) *upnpGateway {
	local, _ := netip.AddrFromSlice(r.LocalAddr.To4())
	if v2, _ := internetgateway2.NewWANIPConnection2ClientsFromRootDevice(r.Root, r.Location); len(v2) > 0 {
		return &upnpGateway{svc: v2[0], service: "WANIPConnection:2", local: local}
	}
	if v1, _ := internetgateway2.NewWANIPConnection1ClientsFromRootDevice(r.Root, r.Location); len(v1) > 0 {
		return &upnpGateway{svc: v1[0], service: "WANIPConnection:1", local: local}
	}
	if ppp, _ := internetgateway2.NewWANPPPConnection1ClientsFromRootDevice(r.Root, r.Location); len(ppp) > 0 {
		return &upnpGateway{svc: ppp[0], service: "WANPPPConnection:1", local: local}
	}
	return nil
}

func (g *upnpGateway) Protocol() Protocol { return UPnP }

func (g *upnpGateway) Name() string {
	return fmt.Sprintf("the UPnP router at %s (%s)", g.controlURL().Host, g.service)
}

func (g *upnpGateway) controlURL() *url.URL {
	return &g.svc.GetServiceClient().SOAPClient.EndpointURL
}

func (g *upnpGateway) ExternalIP(ctx context.Context) (netip.Addr, string, error) {
	raw, err := g.svc.GetExternalIPAddressCtx(ctx)
	if err != nil {
		return netip.Addr{}, "", upnpError(err)
	}
	ip, perr := netip.ParseAddr(raw)
	if perr != nil {
		return netip.Addr{}, raw, nil
	}
	return ip.Unmap(), raw, nil
}

// internalIP is the address this host reaches the router from: the one
// discovery saw, or else the source address the kernel picks for it.
func (g *upnpGateway) internalIP() (netip.Addr, error) {
	if g.local.IsValid() {
		return g.local, nil
	}
	host := g.controlURL().Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "80")
	}
	c, err := net.Dial("udp4", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("finding this host's LAN address towards %s: %w", host, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

func (g *upnpGateway) Map(ctx context.Context, internalPort, externalPort uint16, lease time.Duration, description string) (grant, error) {
	ip, err := g.internalIP()
	if err != nil {
		return grant{}, err
	}
	secs := uint32(lease / time.Second)
	if err := g.svc.AddPortMappingCtx(ctx, "", externalPort, "TCP", internalPort, ip.String(), true, description, secs); err != nil {
		return grant{}, upnpError(err)
	}
	return grant{externalPort: externalPort, internalIP: ip, lease: time.Duration(secs) * time.Second}, nil
}

func (g *upnpGateway) Unmap(ctx context.Context, _, externalPort uint16) error {
	if err := g.svc.DeletePortMappingCtx(ctx, "", externalPort, "TCP"); err != nil {
		return upnpError(err)
	}
	return nil
}

// upnpError turns a SOAP fault into a refusal that names the UPnP error;
// transport errors stay as they are.
func upnpError(err error) error {
	var fault *soap.SOAPFaultError
	if !errors.As(err, &fault) {
		return err
	}
	code := fault.Detail.UPnPError.Errorcode
	desc := fault.Detail.UPnPError.ErrorDescription
	text := fmt.Sprintf("the router refused the mapping: UPnP error %d %s", code, desc)
	if known := upnpErrorText(code); known != "" {
		text += " (" + known + ")"
	}
	return &attemptError{KindRefused, &faultError{text: text, fault: fault}}
}

// faultError is a SOAP fault said in words; the fault stays in the chain.
type faultError struct {
	text  string
	fault *soap.SOAPFaultError
}

func (e *faultError) Error() string { return e.text }
func (e *faultError) Unwrap() error { return e.fault }

// upnpErrorText explains the WANIPConnection error codes a user can act on.
func upnpErrorText(code int) string {
	switch code {
	case 501:
		return "the router could not carry out the action; it may have port forwarding disabled or no public WAN address"
	case 606:
		return "the router does not allow this host to add mappings"
	case 718:
		return "the external port is already mapped to another host"
	case 724:
		return "the router needs the external and internal port to be equal"
	case 725:
		return "the router only supports permanent leases"
	case 728:
		return "the router's mapping table is full"
	case 729:
		return "the port conflicts with another mechanism on the router"
	}
	return ""
}
