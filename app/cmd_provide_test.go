package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/market/nat"
	"github.com/kinetic-compute/kinetic/market/provider"
)

func TestParseProvide(t *testing.T) {
	r, _, _ := testRunner(t)
	cases := []struct {
		args    []string
		ok      bool
		listen  string
		price   uint64
		allowed int
	}{
		{[]string{"--headless"}, true, provider.DefaultListen, 0, 0},
		{[]string{"--headless", "--listen", "0.0.0.0:9000", "--price", "7200", "--allow-image", "a/,b/"}, true, "0.0.0.0:9000", 7200, 2},
		{[]string{"--self-test", "--image", "busybox"}, true, provider.DefaultListen, 0, 0},
		{nil, false, "", 0, 0}, // neither mode
		{[]string{"--headless", "--self-test"}, false, "", 0, 0},                           // both
		{[]string{"--headless", "extra"}, false, "", 0, 0},                                 // stray argument
		{[]string{"--headless", "--price", "-1"}, false, "", 0, 0},                         // not a number
		{[]string{"--headless", "--register", "--price", "9"}, false, "", 0, 0},            // register without --advertise
		{[]string{"--headless", "--register", "--advertise", "http://x"}, false, "", 0, 0}, // register without a price
		{[]string{"--headless", "--heartbeat", "1s"}, false, "", 0, 0},                     // heartbeat too often
		{[]string{"--headless", "--register", "--advertise", "http://x", "--price", "9"}, true, provider.DefaultListen, 9, 0},
	}
	for _, c := range cases {
		o, err := r.parseProvide(c.args)
		if (err == nil) != c.ok {
			t.Errorf("%v: err %v, want ok=%v", c.args, err, c.ok)
			continue
		}
		if c.ok && (o.listen != c.listen || o.price != c.price || len(o.allow) != c.allowed) {
			t.Errorf("%v: parsed %+v", c.args, o)
		}
	}
}

func TestParseProvideMapPort(t *testing.T) {
	r, _, _ := testRunner(t)
	cases := []struct {
		args    []string
		mapPort bool
		err     string // "" when it parses
	}{
		{[]string{"--headless", "--listen", "0.0.0.0:8402"}, false, ""},
		{[]string{"--headless", "--listen", "0.0.0.0:8402", "--map-port"}, true, ""},
		{[]string{"--headless", "--listen", ":9000", "--map-port"}, true, ""},
		{[]string{"--headless", "--listen", "192.168.1.20:8402", "--map-port"}, true, ""},
		{[]string{"--self-test", "--listen", "0.0.0.0:8402", "--map-port"}, true, ""},
		{[]string{"--headless", "--map-port"}, false, "--map-port: the router forwards to this machine's LAN address, but --listen 127.0.0.1:8402 answers on this machine only; listen on 0.0.0.0:8402 (or the LAN address)"},
		{[]string{"--headless", "--listen", "localhost:8402", "--map-port"}, false, "--map-port: the router forwards to this machine's LAN address, but --listen localhost:8402 answers on this machine only; listen on 0.0.0.0:8402 (or the LAN address)"},
		{[]string{"--headless", "--listen", "0.0.0.0:0", "--map-port"}, false, `--map-port: --listen "0.0.0.0:0" has no port the router can forward`},
		{[]string{"--headless", "--listen", "0.0.0.0", "--map-port"}, false, `--map-port: --listen "0.0.0.0" is not HOST:PORT: address 0.0.0.0: missing port in address`},
	}
	for _, c := range cases {
		o, err := r.parseProvide(c.args)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.err != "" && (err == nil || err.Error() != c.err):
			t.Errorf("%v: error %v, want %q", c.args, err, c.err)
		case c.err == "" && o.mapPort != c.mapPort:
			t.Errorf("%v: mapPort %v, want %v", c.args, o.mapPort, c.mapPort)
		}
	}
}

// fakeMapping is a mapping a fake router granted; Close records its call.
type fakeMapping struct {
	m      nat.Mapping
	closed int
	err    error
}

func (f *fakeMapping) Mapping() nat.Mapping { return f.m }
func (f *fakeMapping) Close(context.Context) error {
	f.closed++
	return f.err
}

var grantedMapping = nat.Mapping{Protocol: nat.UPnP, Gateway: "http://192.168.1.1:5000/ctl", ExternalIP: netip.MustParseAddr("203.0.113.7"),
	ExternalPort: 8402, InternalIP: netip.MustParseAddr("192.168.1.20"), InternalPort: 8402, Lease: time.Hour}

// TestProvideMapPortMessages: with --map-port the router is asked for the
// listen port, and what it answered is printed in words, with what to do
// when it mapped nothing; the mapping is removed on exit. Without the
// flag nothing asks the router.
func TestProvideMapPortMessages(t *testing.T) {
	mk := func(kind nat.Kind, proto nat.Protocol, cause string) error {
		return &nat.Error{Kind: kind, Attempts: []nat.Attempt{{Protocol: proto, Kind: kind, Err: errors.New(cause)}}}
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"granted", nil, "port mapping: UPnP IGD (http://192.168.1.1:5000/ctl) forwards TCP 203.0.113.7:8402 to 192.168.1.20:8402; external address http://203.0.113.7:8402 (lease 1h0m0s, renewed while the agent runs)\n"},
		{"no gateway", mk(nat.KindNoGateway, nat.UPnP, "no IGD answered SSDP"),
			"port mapping failed: no UPnP/NAT-PMP gateway answered on the LAN: UPnP IGD: no IGD answered SSDP\n" +
				"What to do: turn on UPnP (or NAT-PMP) in the router's settings, or forward TCP port 8402 to this machine by hand on the router's port-forwarding page.\n"},
		{"refused", mk(nat.KindRefused, nat.UPnP, "error 606"),
			"port mapping failed: the router refused the mapping: UPnP IGD: error 606\n" +
				"What to do: forward TCP port 8402 to this machine by hand on the router's port-forwarding page (or allow UPnP for it), or choose another port.\n"},
		{"cgnat", mk(nat.KindDoubleNAT, nat.NATPMP, "external address 100.87.13.2"),
			"port mapping failed: the router's external address is private: you are behind a second NAT (CGNAT): NAT-PMP: external address 100.87.13.2\n" +
				"What to do: this router is itself behind another NAT (CGNAT, common with mobile and some fiber ISPs), so no mapping or forwarding on it makes the agent reachable from the internet; ask the ISP for a public IPv4 address, or run the agent on a host that has one.\n"},
		{"no external address", mk(nat.KindNoExternalAddress, nat.UPnP, `reported ""`),
			"port mapping failed: the router reports no external address: UPnP IGD: reported \"\"\n" +
				"What to do: check the router's internet (WAN) status; if it is connected and still shows no public address, the ISP uses CGNAT: ask for a public IPv4 address.\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, stdout, _ := testRunner(t)
			var asked []nat.Config
			fm := &fakeMapping{m: grantedMapping}
			o := provideOptions{listen: "0.0.0.0:8402", mapPort: true, openMapping: func(_ context.Context, cfg nat.Config) (portMapping, error) {
				asked = append(asked, cfg)
				if c.err != nil {
					return nil, c.err
				}
				return fm, nil
			}}
			pm := r.consentedMapping(context.Background(), o, nil)
			if len(asked) != 1 || !asked[0].Consent || asked[0].InternalPort != 8402 {
				t.Fatalf("router asked %+v, want once for port 8402 with consent", asked)
			}
			if got := stdout.String(); got != c.want {
				t.Fatalf("printed\n%q\nwant\n%q", got, c.want)
			}
			if (pm != nil) != (c.err == nil) {
				t.Fatalf("mapping %v for error %v", pm, c.err)
			}
			if pm == nil {
				return
			}
			stdout.Reset()
			r.unmapPort(context.Background(), pm)
			if fm.closed != 1 || stdout.String() != "port mapping removed: http://203.0.113.7:8402 no longer forwards to this machine\n" {
				t.Fatalf("close called %d times, printed %q", fm.closed, stdout.String())
			}
		})
	}
	t.Run("no consent", func(t *testing.T) {
		r, stdout, _ := testRunner(t)
		o := provideOptions{listen: "0.0.0.0:8402", openMapping: func(context.Context, nat.Config) (portMapping, error) {
			t.Fatal("the router was asked without --map-port")
			return nil, nil
		}}
		if pm := r.consentedMapping(context.Background(), o, nil); pm != nil || stdout.Len() != 0 {
			t.Fatalf("mapping %v, printed %q; want nothing", pm, stdout.String())
		}
	})
	t.Run("close fails", func(t *testing.T) {
		r, stdout, _ := testRunner(t)
		r.unmapPort(context.Background(), &fakeMapping{m: grantedMapping, err: errors.New("router gone")})
		if got := stdout.String(); got != "port mapping not removed: router gone; remove it on the router's port-forwarding page\n" {
			t.Fatalf("printed %q", got)
		}
	})
}

// infoServer serves GET /v1/info signed by key, or by wrong when set.
func infoServer(t *testing.T, key, wrong ed25519.PrivateKey) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/info" {
			http.NotFound(w, r)
			return
		}
		body := []byte(`{"provider":"x"}`)
		signer := key
		if wrong != nil {
			signer = wrong
		}
		w.Header().Set(provider.HeaderInfoSignature, base64.StdEncoding.EncodeToString(sigframe.Sign(signer, provider.InfoDomain, body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCheckReach: the reachability check over real HTTP: an endpoint that
// answers signed by the account passes; one signed by another key, one
// answering 404, and a closed port fail with what to do.
func TestCheckReach(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)
	var addr types.Address
	copy(addr[:], pub)
	ok := infoServer(t, key, nil)
	forged := infoServer(t, key, other)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	_, closedPort, _ := net.SplitHostPort(strings.TrimPrefix(closed, "http://"))
	ctx := context.Background()
	if err := checkReach(ctx, http.DefaultClient, ok.URL, addr); err != nil {
		t.Fatalf("signed answer: %v", err)
	}
	err = checkReach(ctx, http.DefaultClient, forged.URL, addr)
	if err == nil || !strings.Contains(err.Error(), "answered, but not as this provider: its Kinetic-Info-Signature header is not "+addr.String()+"'s signature of the body") ||
		!strings.Contains(err.Error(), "What to do: something other than this agent answers there") {
		t.Fatalf("forged answer: %v", err)
	}
	err = checkReach(ctx, http.DefaultClient, ok.URL+"/nothing", addr)
	if err == nil || !strings.Contains(err.Error(), "answered 404 instead of 200") {
		t.Fatalf("404: %v", err)
	}
	err = checkReach(ctx, http.DefaultClient, closed, addr)
	if err == nil || !strings.Contains(err.Error(), closed+"/v1/info refused the connection") ||
		!strings.Contains(err.Error(), "What to do: forward TCP port "+closedPort+" on the router to this machine (or let Kinetic map it with --map-port)") ||
		!strings.Contains(err.Error(), "CGNAT") || !strings.Contains(err.Error(), "hairpin NAT") {
		t.Fatalf("closed port: %v", err)
	}
}

// TestReachReportMapped: with a mapping whose address the Registry does
// not advertise, both are checked and the difference is explained.
func TestReachReportMapped(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(nil)
	var addr types.Address
	copy(addr[:], pub)
	advertised := infoServer(t, key, nil)
	u, _ := url.Parse(advertised.URL)
	port, _ := strconv.Atoi(u.Port())
	ln, err := net.Listen("tcp", "127.0.0.2:0") // nothing serves the "mapped" address
	if err != nil {
		t.Fatal(err)
	}
	mappedAP := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	m := grantedMapping
	m.ExternalIP, m.ExternalPort, m.InternalPort = mappedAP.Addr(), mappedAP.Port(), uint16(port)
	r, stdout, _ := testRunner(t)
	r.reachReport(context.Background(), provideOptions{}, advertised.URL, &fakeMapping{m: m}, addr)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	mapped := m.Endpoint()
	if len(lines) != 4 ||
		lines[0] != "the Registry advertises "+advertised.URL+", not the mapped "+mapped+": consumers use the advertised one (run with --register --advertise "+mapped+" to advertise the mapping)" ||
		lines[1] != "reachable: GET /v1/info on "+advertised.URL+" answers, signed by the account" ||
		!strings.HasPrefix(lines[2], "not reachable: "+mapped+"/v1/info refused the connection") ||
		!strings.HasPrefix(lines[3], "What to do: forward TCP port "+strconv.Itoa(int(m.ExternalPort))+" on the router") {
		t.Fatalf("printed:\n%s", stdout.String())
	}
}
