package nat

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/huin/goupnp/soap"
)

func openFake(t *testing.T, cfg Config, gws map[Protocol]*fakeGateway) (*PortMapping, map[Protocol]int, error) {
	t.Helper()
	asked := map[Protocol]int{}
	cfg.finders = finders(gws, asked)
	pm, err := Open(context.Background(), cfg)
	if pm != nil {
		t.Cleanup(func() { _ = pm.Close(context.Background()) })
	}
	return pm, asked, err
}

func TestOpenWithoutConsentAsksNoRouter(t *testing.T) {
	up := newFakeGateway(UPnP, "203.0.113.9")
	_, asked, err := openFake(t, Config{InternalPort: 8402}, map[Protocol]*fakeGateway{UPnP: up})
	if KindOf(err) != KindNoConsent || err.Error() != "port mapping is off: the user has not agreed to let Kinetic ask the router to open a port" {
		t.Fatalf("err = %v (kind %d), want KindNoConsent", err, KindOf(err))
	}
	if len(asked) != 0 {
		t.Errorf("routers asked without consent: %v", asked)
	}
}

func TestOpenOrder(t *testing.T) {
	for _, tc := range []struct {
		name      string
		order     []Protocol
		available []Protocol
		want      Protocol
		wantAsked map[Protocol]int
	}{
		{"default tries UPnP first", nil, []Protocol{UPnP, NATPMP}, UPnP, map[Protocol]int{UPnP: 1}},
		{"NAT-PMP when no IGD answers", nil, []Protocol{NATPMP}, NATPMP, map[Protocol]int{UPnP: 1, NATPMP: 1}},
		{"explicit NAT-PMP first", []Protocol{NATPMP, UPnP}, []Protocol{UPnP, NATPMP}, NATPMP, map[Protocol]int{NATPMP: 1}},
		{"UPnP only", []Protocol{UPnP}, []Protocol{UPnP}, UPnP, map[Protocol]int{UPnP: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gws := map[Protocol]*fakeGateway{}
			for _, p := range tc.available {
				gws[p] = newFakeGateway(p, "8.8.4.4")
			}
			pm, asked, err := openFake(t, Config{Consent: true, InternalPort: 8402, Order: tc.order, Clock: newFakeClock()}, gws)
			if err != nil {
				t.Fatal(err)
			}
			if got := pm.Mapping().Protocol; got != tc.want {
				t.Errorf("protocol = %s, want %s", got, tc.want)
			}
			if len(asked) != len(tc.wantAsked) || asked[UPnP] != tc.wantAsked[UPnP] || asked[NATPMP] != tc.wantAsked[NATPMP] {
				t.Errorf("asked = %v, want %v", asked, tc.wantAsked)
			}
		})
	}
}

func TestOpenMapping(t *testing.T) {
	clk := newFakeClock()
	up := newFakeGateway(UPnP, "8.8.4.4")
	pm, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, ExternalPort: 18402, Lease: 10 * time.Minute, Clock: clk},
		map[Protocol]*fakeGateway{UPnP: up})
	if err != nil {
		t.Fatal(err)
	}
	want := Mapping{Protocol: UPnP, Gateway: "the fake UPnP IGD router", ExternalIP: netip.MustParseAddr("8.8.4.4"), ExternalPort: 18402,
		InternalIP: netip.MustParseAddr("192.168.7.20"), InternalPort: 8402, Lease: 10 * time.Minute, Renewed: clk.Now()}
	if got := pm.Mapping(); got != want {
		t.Errorf("mapping = %+v\nwant      %+v", got, want)
	}
	if got := pm.Mapping().Endpoint(); got != "http://8.8.4.4:18402" {
		t.Errorf("endpoint = %q", got)
	}
	if maps, _ := up.calls(); len(maps) != 1 || maps[0] != (mapCall{8402, 18402, 10 * time.Minute}) {
		t.Errorf("Map calls = %+v", maps)
	}
}

func TestOpenBehindSecondNATMapsNothing(t *testing.T) {
	for _, ext := range []string{"100.72.1.9", "10.0.0.2", "192.168.1.1", "172.20.0.1"} {
		t.Run(ext, func(t *testing.T) {
			up := newFakeGateway(UPnP, ext)
			_, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, Order: []Protocol{UPnP}}, map[Protocol]*fakeGateway{UPnP: up})
			want := "the router's external address is private: you are behind a second NAT (CGNAT): UPnP IGD: " +
				"the router reports a private external address " + ext + ": you are behind a second NAT (CGNAT), " +
				"so a mapping on this router cannot be reached from the internet; ask the ISP for a public address or use a relay"
			if KindOf(err) != KindDoubleNAT || err.Error() != want {
				t.Fatalf("err = %v\nwant %s", err, want)
			}
			if maps, unmaps := up.calls(); len(maps)+len(unmaps) != 0 {
				t.Errorf("router asked to map %v / unmap %v behind a second NAT", maps, unmaps)
			}
		})
	}
}

func TestOpenNoExternalAddress(t *testing.T) {
	up := newFakeGateway(UPnP, "")
	_, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, Order: []Protocol{UPnP}}, map[Protocol]*fakeGateway{UPnP: up})
	want := `the router reports no external address: UPnP IGD: the router reports no usable external address (it said ""): ` +
		"it may not be connected, or its own WAN address may be private or reserved (a second NAT)"
	if KindOf(err) != KindNoExternalAddress || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestOpenRefusedNamesTheUPnPError(t *testing.T) {
	fault := &soap.SOAPFaultError{FaultCode: "s:Client", FaultString: "UPnPError"}
	fault.Detail.UPnPError.Errorcode = 718
	fault.Detail.UPnPError.ErrorDescription = "ConflictInMappingEntry"
	up := newFakeGateway(UPnP, "8.8.4.4")
	up.mapFn = func(int, mapCall) (grant, error) { return grant{}, upnpError(fault) }
	_, _, err := openFake(t, Config{Consent: true, InternalPort: 8402}, map[Protocol]*fakeGateway{UPnP: up})
	want := "the router refused the mapping: UPnP IGD: the router refused the mapping: UPnP error 718 ConflictInMappingEntry " +
		"(the external port is already mapped to another host); NAT-PMP: nothing answered NAT-PMP"
	if KindOf(err) != KindRefused || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if !errors.As(err, &fault) {
		t.Error("the SOAP fault is not in the error chain")
	}
	var e *Error
	if !errors.As(err, &e) || len(e.Attempts) != 2 || e.Attempts[0].Kind != KindRefused || e.Attempts[1].Kind != KindNoGateway {
		t.Errorf("attempts = %+v", e)
	}
}

func TestOpenNoGateway(t *testing.T) {
	_, _, err := openFake(t, Config{Consent: true, InternalPort: 8402}, nil)
	want := "no UPnP/NAT-PMP gateway answered on the LAN: UPnP IGD: nothing answered UPnP IGD; NAT-PMP: nothing answered NAT-PMP"
	if KindOf(err) != KindNoGateway || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestRenewalAtHalfTheGrantedLease(t *testing.T) {
	clk := newFakeClock()
	up := newFakeGateway(UPnP, "8.8.4.4")
	// The router grants 10 minutes, then shortens the lease to 2 minutes.
	up.mapFn = func(n int, c mapCall) (grant, error) {
		lease := 10 * time.Minute
		if n > 0 {
			lease = 2 * time.Minute
		}
		return grant{externalPort: c.external, internalIP: netip.MustParseAddr("192.168.7.20"), lease: lease}, nil
	}
	renewed := make(chan error, 4)
	pm, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, Lease: 10 * time.Minute, Clock: clk,
		OnRenew: func(_ Mapping, err error) { renewed <- err }}, map[Protocol]*fakeGateway{UPnP: up})
	if err != nil {
		t.Fatal(err)
	}
	up.waitMap(t) // Open's own request
	if d := clk.nextWait(t); d != 5*time.Minute {
		t.Fatalf("first renewal in %s, want 5m0s (half the 10m lease)", d)
	}
	clk.Advance(5*time.Minute - time.Second)
	select {
	case c := <-up.mapped:
		t.Fatalf("renewed at 4m59s: %+v", c)
	case <-time.After(100 * time.Millisecond):
	}
	clk.Advance(time.Second)
	if c := up.waitMap(t); c != (mapCall{8402, 8402, 10 * time.Minute}) {
		t.Errorf("renewal asked %+v, want the same port for the configured 10m", c)
	}
	if err := <-renewed; err != nil {
		t.Fatalf("renewal: %v", err)
	}
	if d := clk.nextWait(t); d != time.Minute {
		t.Errorf("next renewal in %s, want 1m0s (half the 2m the router granted)", d)
	}
	if m := pm.Mapping(); m.Lease != 2*time.Minute || !m.Renewed.Equal(clk.Now()) {
		t.Errorf("after renewal: lease %s renewed %s, want 2m0s at %s", m.Lease, m.Renewed, clk.Now())
	}
}

func TestRenewalFailureRetriesBeforeExpiry(t *testing.T) {
	clk := newFakeClock()
	up := newFakeGateway(UPnP, "8.8.4.4")
	up.mapFn = func(n int, c mapCall) (grant, error) {
		if n == 1 {
			return grant{}, errors.New("connection reset")
		}
		return grant{externalPort: c.external, internalIP: netip.MustParseAddr("192.168.7.20"), lease: c.lease}, nil
	}
	renewed := make(chan error, 4)
	_, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, Lease: 10 * time.Minute, Clock: clk,
		OnRenew: func(_ Mapping, err error) { renewed <- err }}, map[Protocol]*fakeGateway{UPnP: up})
	if err != nil {
		t.Fatal(err)
	}
	clk.nextWait(t)
	clk.Advance(5 * time.Minute)
	if err := <-renewed; err == nil || err.Error() != "connection reset" {
		t.Fatalf("renewal error = %v, want connection reset", err)
	}
	// 5 minutes of the lease are left: retry in a quarter of that, capped at 1m.
	if d := clk.nextWait(t); d != time.Minute {
		t.Fatalf("retry in %s, want 1m0s", d)
	}
	clk.Advance(time.Minute)
	if err := <-renewed; err != nil {
		t.Fatalf("retry: %v", err)
	}
	if d := clk.nextWait(t); d != 5*time.Minute {
		t.Errorf("after the retry, next renewal in %s, want 5m0s", d)
	}
}

func TestCloseRemovesTheMappingAndStopsRenewing(t *testing.T) {
	clk := newFakeClock()
	up := newFakeGateway(NATPMP, "8.8.4.4")
	pm, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, ExternalPort: 18402, Order: []Protocol{NATPMP}, Clock: clk},
		map[Protocol]*fakeGateway{NATPMP: up})
	if err != nil {
		t.Fatal(err)
	}
	clk.nextWait(t)
	if err := pm.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := pm.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	maps, unmaps := up.calls()
	if len(unmaps) != 1 || unmaps[0] != 18402 {
		t.Errorf("unmaps = %v, want one of external port 18402", unmaps)
	}
	if len(maps) != 1 {
		t.Errorf("Map called %d times, want only Open's: renewal ran after Close", len(maps))
	}
}

func TestCloseReportsAFailedRemoval(t *testing.T) {
	up := newFakeGateway(UPnP, "8.8.4.4")
	up.unmapErr = errors.New("SOAP fault 501")
	pm, _, err := openFake(t, Config{Consent: true, InternalPort: 8402, Clock: newFakeClock()}, map[Protocol]*fakeGateway{UPnP: up})
	if err != nil {
		t.Fatal(err)
	}
	err = pm.Close(context.Background())
	if err == nil || err.Error() != "nat: removing UPnP IGD mapping of external port 8402: SOAP fault 501" || !errors.Is(err, up.unmapErr) {
		t.Errorf("Close = %v", err)
	}
}

func TestIsPrivate(t *testing.T) {
	for addr, want := range map[string]bool{
		"10.1.2.3": true, "172.16.0.1": true, "192.168.0.1": true, "100.64.0.1": true, "100.127.255.254": true,
		"127.0.0.1": true, "169.254.1.1": true, "0.0.0.0": true, "192.0.2.10": true, "198.51.100.1": true,
		"203.0.113.5": true, "198.18.0.1": true, "100.128.0.1": false, "8.8.8.8": false, "11.87.13.2": false,
	} {
		if got := isPrivate(netip.MustParseAddr(addr)); got != want {
			t.Errorf("isPrivate(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestPMPErrorNamesTheResultCode(t *testing.T) {
	err := pmpError(errors.New("Non-zero result code 2"))
	if !isResultCode(err) || err.Error() != "NAT-PMP result code 2 (not authorized: the router has NAT-PMP mapping disabled or refuses this host)" {
		t.Errorf("pmpError = %v", err)
	}
	if other := pmpError(errors.New("Timed out trying to contact gateway")); isResultCode(other) || !strings.Contains(other.Error(), "Timed out") {
		t.Errorf("a timeout became %v", other)
	}
}

func TestOpenTransportFailureIsNotARefusal(t *testing.T) {
	up := newFakeGateway(UPnP, "8.8.4.4")
	up.mapFn = func(int, mapCall) (grant, error) {
		return grant{}, errors.New("dial tcp 192.168.7.1:5000: i/o timeout")
	}
	_, _, err := openFake(t, Config{Consent: true, InternalPort: 8402}, map[Protocol]*fakeGateway{UPnP: up})
	want := "talking to the router failed: UPnP IGD: dial tcp 192.168.7.1:5000: i/o timeout; NAT-PMP: nothing answered NAT-PMP"
	if KindOf(err) != KindFailed || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}
