//go:build linux

package nat

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huin/goupnp/dcps/internetgateway2"
)

// TestMain runs this binary's child roles when the netns tests re-execute it
// inside a namespace; otherwise it runs the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("KINETIC_NAT_CHILD") {
	case "":
		os.Exit(m.Run())
	case "home":
		os.Exit(homeChild())
	case "wan":
		os.Exit(wanChild())
	default:
		fmt.Fprintln(os.Stderr, "unknown KINETIC_NAT_CHILD role")
		os.Exit(2)
	}
}

// infoBody is what the home child's /v1/info serves, naming the provider.
type infoBody struct {
	Provider string `json:"provider"`
}

func emit(kind string, v any) {
	b, _ := json.Marshal(v)
	fmt.Printf("%s %s\n", kind, b)
}

// childError is how a child reports an error to the parent test.
type childError struct {
	Kind    Kind   `json:"kind"`
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

// homeChild is the provider in the home namespace: it serves /v1/info on
// KINETIC_NAT_PORT, opens the mapping (KINETIC_NAT_ORDER, _EXTPORT, _LEASE),
// prints OPENED/ENTRY/RENEWED lines, and on "close" from stdin closes it and
// prints CLOSED and ENTRY-AFTER.
func homeChild() int {
	ctx := context.Background()
	port, _ := strconv.Atoi(os.Getenv("KINETIC_NAT_PORT"))
	ext, _ := strconv.Atoi(os.Getenv("KINETIC_NAT_EXTPORT"))
	lease, _ := time.ParseDuration(os.Getenv("KINETIC_NAT_LEASE"))
	ln, err := net.Listen("tcp4", ":"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/info", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(infoBody{Provider: os.Getenv("KINETIC_NAT_PROVIDER")})
	})
	go func() { _ = (&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}).Serve(ln) }()
	var order []Protocol
	for _, p := range strings.Split(os.Getenv("KINETIC_NAT_ORDER"), ",") {
		order = append(order, map[string]Protocol{"upnp": UPnP, "natpmp": NATPMP}[p])
	}
	pm, err := Open(ctx, Config{
		Consent: true, InternalPort: uint16(port), ExternalPort: uint16(ext), Lease: lease,
		Description: "kinetic-test", Order: order, Timeout: 3 * time.Second,
		OnRenew: func(m Mapping, err error) {
			emit("RENEWED", map[string]any{"lease": m.Lease.String(), "err": fmt.Sprint(err)})
		},
	})
	if err != nil {
		emit("ERROR", childError{Kind: KindOf(err), Message: err.Error()})
		return 0
	}
	emit("OPENED", pm.Mapping())
	if pm.Mapping().Protocol == UPnP {
		emit("ENTRY", lookupEntry(ctx, uint16(ext)))
	}
	buf := make([]byte, 16)
	for {
		n, err := os.Stdin.Read(buf)
		if err != nil || strings.HasPrefix(string(buf[:n]), "close") {
			break
		}
	}
	cerr := pm.Close(ctx)
	emit("CLOSED", fmt.Sprint(cerr))
	if pm.Mapping().Protocol == UPnP {
		emit("ENTRY-AFTER", lookupEntry(ctx, uint16(ext)))
	}
	return 0
}

// lookupEntry asks the router, through a fresh goupnp discovery, for its
// GetSpecificPortMappingEntry record of TCP port ext.
func lookupEntry(ctx context.Context, ext uint16) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	clients, _, err := internetgateway2.NewWANIPConnection2ClientsCtx(ctx)
	if err != nil || len(clients) == 0 {
		return fmt.Sprintf("discovery: %v (%d clients)", err, len(clients))
	}
	port, client, enabled, desc, lease, err := clients[0].GetSpecificPortMappingEntryCtx(ctx, "", ext, "TCP")
	if err != nil {
		return "error: " + upnpError(err).Error()
	}
	return fmt.Sprintf("%s:%d enabled=%v desc=%q lease=%d", client, port, enabled, desc, lease)
}

// wanChild checks KINETIC_NAT_URL from the wan namespace, expecting the
// provider KINETIC_NAT_PROVIDER, and prints REACH.
func wanChild() int {
	want := os.Getenv("KINETIC_NAT_PROVIDER")
	body, err := CheckInfo(context.Background(), &http.Client{}, os.Getenv("KINETIC_NAT_URL"), 3*time.Second,
		func(_ context.Context, body []byte) error {
			var info infoBody
			if err := json.Unmarshal(body, &info); err != nil {
				return fmt.Errorf("not a /v1/info body: %w", err)
			}
			if info.Provider != want {
				return fmt.Errorf("it names provider %q, not %q", info.Provider, want)
			}
			return nil
		})
	ce := childError{}
	if err != nil {
		ce.Message = err.Error()
		if re, ok := err.(*ReachError); ok {
			ce.Reason = re.Reason
		}
	} else {
		ce.Message = "ok " + strings.TrimSpace(string(body))
	}
	emit("REACH", ce)
	return 0
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decoding child line %q: %v", s, err)
	}
	return v
}

// reach runs the wan child against url, expecting provider.
func (l *lab) reach(ctx context.Context, t *testing.T, url, provider string) childError {
	t.Helper()
	c := startChild(ctx, t, l.wan, "wan", "KINETIC_NAT_URL="+url, "KINETIC_NAT_PROVIDER="+provider)
	return decode[childError](t, c.expect("REACH", 15*time.Second))
}

func homeEnv(order, lease string) []string {
	return []string{"KINETIC_NAT_PORT=8402", "KINETIC_NAT_EXTPORT=18402", "KINETIC_NAT_LEASE=" + lease,
		"KINETIC_NAT_ORDER=" + order, "KINETIC_NAT_PROVIDER=provider-A"}
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func wantAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
