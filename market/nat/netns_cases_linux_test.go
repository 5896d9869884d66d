//go:build linux

package nat

import (
	"strings"
	"testing"
	"time"
)

// TestNetnsUPnPMapReachRenewClose maps the provider's port through the real
// miniupnpd by UPnP IGD, sees the router list it (GetSpecificPortMappingEntry
// and upnpc), sees its DNAT rule, reaches /v1/info through it from the wan
// side, sees the 4 s lease renewed past its first expiry, and sees Close
// delete it.
func TestNetnsUPnPMapReachRenewClose(t *testing.T) {
	l := newLab(t, publicWAN, true)
	ctx := ctxFor(t, 90*time.Second)
	home := startChild(ctx, t, l.home, "home", homeEnv("upnp", "4s")...)
	m := decode[Mapping](t, home.expect("OPENED", 20*time.Second))
	t.Logf("Open: %+v", m)
	if m.Protocol != UPnP || m.ExternalIP != wantAddr(l.externalIP()) || m.ExternalPort != 18402 ||
		m.InternalIP != wantAddr(labHomeLAN) || m.InternalPort != 8402 || m.Lease != 4*time.Second {
		t.Fatalf("mapping = %+v, want UPnP %s:18402 -> %s:8402 for 4s", m, l.externalIP(), labHomeLAN)
	}
	if !strings.Contains(m.Gateway, "10.231.47.1:5555") || !strings.Contains(m.Gateway, "WANIPConnection:2") {
		t.Errorf("gateway = %q, want miniupnpd's WANIPConnection:2 at 10.231.47.1:5555", m.Gateway)
	}
	if got, want := decode[string](t, home.expect("ENTRY", 10*time.Second)), `10.231.47.2:8402 enabled=true desc="kinetic-test"`; !strings.HasPrefix(got, want) {
		t.Errorf("GetSpecificPortMappingEntry = %q, want prefix %q", got, want)
	}
	if list := l.upnpcList(t); !strings.Contains(list, "TCP 18402->10.231.47.2:8402  'kinetic-test'") {
		t.Errorf("upnpc -l does not list the mapping:\n%s", list)
	}
	if rules := l.natRules(t); !strings.Contains(rules, "th dport 18402 dnat ip to 10.231.47.2:8402") {
		t.Errorf("gateway has no DNAT rule for 18402:\n%s", rules)
	}
	endpoint := m.Endpoint()
	if endpoint != "http://"+l.externalIP()+":18402" {
		t.Errorf("endpoint = %q", endpoint)
	}
	if r := l.reach(ctx, t, endpoint, "provider-A"); r.Message != `ok {"provider":"provider-A"}` {
		t.Errorf("reach through the router = %+v, want ok with provider-A's body", r)
	}
	if r := l.reach(ctx, t, endpoint, "provider-B"); r.Reason != ReasonWrongIdentity ||
		r.Message != `http://`+l.externalIP()+`:18402/v1/info answered, but not as this provider: it names provider "provider-A", not "provider-B"` {
		t.Errorf("reach expecting another provider = %+v, want ReasonWrongIdentity", r)
	}
	// The 4 s lease is renewed every 2 s: three renewals take about 6 s,
	// and the router still lists the mapping after its first lease ended.
	for i := 0; i < 3; i++ {
		if r := decode[map[string]string](t, home.expect("RENEWED", 5*time.Second)); r["err"] != "<nil>" || r["lease"] != "4s" {
			t.Fatalf("renewal %d = %v, want a 4s lease without error", i+1, r)
		}
	}
	if list := l.upnpcList(t); !strings.Contains(list, "TCP 18402->10.231.47.2:8402") {
		t.Errorf("after 6 s the router no longer lists the renewed mapping:\n%s", list)
	}
	if _, err := home.stdin.Write([]byte("close\n")); err != nil {
		t.Fatal(err)
	}
	if got := decode[string](t, home.expect("CLOSED", 10*time.Second)); got != "<nil>" {
		t.Fatalf("Close = %s", got)
	}
	if got, want := decode[string](t, home.expect("ENTRY-AFTER", 10*time.Second)), "error: the router refused the mapping: UPnP error 714 NoSuchEntryInArray"; got != want {
		t.Errorf("GetSpecificPortMappingEntry after Close = %q, want %q", got, want)
	}
	if rules := l.natRules(t); strings.Contains(rules, "18402") {
		t.Errorf("DNAT rule left after Close:\n%s", rules)
	}
	if r := l.reach(ctx, t, endpoint, "provider-A"); r.Reason != ReasonRefused {
		t.Errorf("reach after Close = %+v, want ReasonRefused", r)
	}
	// A router that silently drops the port: the check times out.
	run(t, "ip", "netns", "exec", l.gw, "nft", "add chain inet kinetic_upnp input { type filter hook input priority 0; policy accept; }")
	run(t, "ip", "netns", "exec", l.gw, "nft", "add rule inet kinetic_upnp input tcp dport 18402 drop")
	if r := l.reach(ctx, t, endpoint, "provider-A"); r.Reason != ReasonTimeout ||
		!strings.HasPrefix(r.Message, endpoint+"/v1/info did not answer in time: the router may not forward the port, or a firewall drops it (") {
		t.Errorf("reach through a dropping router = %+v, want ReasonTimeout", r)
	}
}

// TestNetnsRouterRefusesAPortThenNATPMPPicksAnother asks for external port
// 1000, which miniupnpd's permission rules (allow 1024-65535) deny: over
// UPnP alone Open reports the refusal; with NAT-PMP next, Open falls back to
// it and miniupnpd grants the first allowed port, 1024, which the mapping
// and its endpoint then carry. (miniupnpd walks up from the asked port one
// permission check at a time; from port 80 that walk took long enough on a
// loaded 2-core CI machine for the client's retransmitted requests to queue
// ahead of the unmapping, whose 3 s budget then ran out.)
func TestNetnsRouterRefusesAPortThenNATPMPPicksAnother(t *testing.T) {
	l := newLab(t, publicWAN, true)
	ctx := ctxFor(t, 60*time.Second)
	home := startChild(ctx, t, l.home, "home", append(homeEnv("upnp", "120s"), "KINETIC_NAT_EXTPORT=1000")...)
	e := decode[childError](t, home.expect("ERROR", 20*time.Second))
	t.Logf("Open: %s", e.Message)
	want := "the router refused the mapping: UPnP IGD: the router refused the mapping: UPnP error 606 Action not authorized " +
		"(the router does not allow this host to add mappings)"
	if e.Kind != KindRefused || e.Message != want {
		t.Errorf("error = %+v\nwant KindRefused %q", e, want)
	}
	if rules := l.natRules(t); strings.Contains(rules, "dnat") {
		t.Errorf("a DNAT rule was made for a denied port:\n%s", rules)
	}
	home.wait(10 * time.Second)

	home = startChild(ctx, t, l.home, "home", append(homeEnv("upnp,natpmp", "120s"), "KINETIC_NAT_EXTPORT=1000")...)
	m := decode[Mapping](t, home.expect("OPENED", 20*time.Second))
	t.Logf("Open: %+v", m)
	if m.Protocol != NATPMP || m.ExternalPort != 1024 || m.Endpoint() != "http://"+l.externalIP()+":1024" {
		t.Fatalf("mapping = %+v, want NAT-PMP on the router's choice, port 1024", m)
	}
	if rules := l.natRules(t); !strings.Contains(rules, "th dport 1024 dnat ip to 10.231.47.2:8402") {
		t.Errorf("gateway has no DNAT rule for 1024:\n%s", rules)
	}
	if r := l.reach(ctx, t, m.Endpoint(), "provider-A"); r.Message != `ok {"provider":"provider-A"}` {
		t.Errorf("reach through the router = %+v", r)
	}
	if _, err := home.stdin.Write([]byte("close\n")); err != nil {
		t.Fatal(err)
	}
	if got := decode[string](t, home.expect("CLOSED", 10*time.Second)); got != "<nil>" {
		t.Fatalf("Close = %s", got)
	}
	if rules := l.natRules(t); strings.Contains(rules, "dnat") {
		t.Errorf("DNAT rule left after Close:\n%s", rules)
	}
}

// TestNetnsNATPMPMapReachClose maps the port by NAT-PMP, the router found
// from the home namespace's default route, and removes it on Close.
func TestNetnsNATPMPMapReachClose(t *testing.T) {
	l := newLab(t, publicWAN, true)
	ctx := ctxFor(t, 60*time.Second)
	home := startChild(ctx, t, l.home, "home", homeEnv("natpmp", "120s")...)
	m := decode[Mapping](t, home.expect("OPENED", 20*time.Second))
	t.Logf("Open: %+v", m)
	if m.Protocol != NATPMP || m.Gateway != "the NAT-PMP router at 10.231.47.1" || m.ExternalIP != wantAddr(l.externalIP()) ||
		m.ExternalPort != 18402 || m.InternalIP != wantAddr(labHomeLAN) || m.Lease != 120*time.Second {
		t.Fatalf("mapping = %+v, want NAT-PMP %s:18402 -> %s:8402 for 120s", m, l.externalIP(), labHomeLAN)
	}
	if rules := l.natRules(t); !strings.Contains(rules, "th dport 18402 dnat ip to 10.231.47.2:8402") {
		t.Errorf("gateway has no DNAT rule for 18402:\n%s", rules)
	}
	if r := l.reach(ctx, t, m.Endpoint(), "provider-A"); r.Message != `ok {"provider":"provider-A"}` {
		t.Errorf("reach through the router = %+v", r)
	}
	if _, err := home.stdin.Write([]byte("close\n")); err != nil {
		t.Fatal(err)
	}
	if got := decode[string](t, home.expect("CLOSED", 10*time.Second)); got != "<nil>" {
		t.Fatalf("Close = %s", got)
	}
	if rules := l.natRules(t); strings.Contains(rules, "18402") {
		t.Errorf("DNAT rule left after Close:\n%s", rules)
	}
}

// TestNetnsCGNATGatewayReportsNoAddress puts the gateway's WAN side in CGNAT
// space: miniupnpd disables forwarding and reports an empty external
// address over UPnP, and NAT-PMP answers with a result code; Open says so
// and maps nothing.
func TestNetnsCGNATGatewayReportsNoAddress(t *testing.T) {
	l := newLab(t, cgnatWAN, true)
	ctx := ctxFor(t, 60*time.Second)
	home := startChild(ctx, t, l.home, "home", homeEnv("upnp,natpmp", "120s")...)
	e := decode[childError](t, home.expect("ERROR", 30*time.Second))
	t.Logf("Open: %s", e.Message)
	if e.Kind != KindNoExternalAddress {
		t.Errorf("kind = %d, want KindNoExternalAddress (%d)", e.Kind, KindNoExternalAddress)
	}
	for _, want := range []string{
		"the router reports no external address: UPnP IGD: the router reports no usable external address (it said \"\")",
		"NAT-PMP: the NAT-PMP router at 10.231.47.1 did not say its external address: NAT-PMP result code 3 (network failure: the router has no external address",
	} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q\nlacks %q", e.Message, want)
		}
	}
	if rules := l.natRules(t); strings.Contains(rules, "dnat") {
		t.Errorf("a DNAT rule was made behind CGNAT:\n%s", rules)
	}
}

// TestNetnsNoGateway runs Open on a LAN whose router runs no miniupnpd.
func TestNetnsNoGateway(t *testing.T) {
	l := newLab(t, publicWAN, false)
	ctx := ctxFor(t, 60*time.Second)
	home := startChild(ctx, t, l.home, "home", homeEnv("upnp,natpmp", "120s")...)
	e := decode[childError](t, home.expect("ERROR", 30*time.Second))
	t.Logf("Open: %s", e.Message)
	want := "no UPnP/NAT-PMP gateway answered on the LAN: UPnP IGD: no Internet Gateway Device answered SSDP discovery within 2s; " +
		"NAT-PMP: 10.231.47.1 did not answer NAT-PMP on UDP port 5351: "
	if e.Kind != KindNoGateway || !strings.HasPrefix(e.Message, want) {
		t.Errorf("error = %+v, want KindNoGateway with prefix %q", e, want)
	}
}
