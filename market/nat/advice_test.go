package nat

import (
	"errors"
	"strings"
	"testing"
)

// TestMappingAdvice: each way Open fails gets its own advice, naming the
// port where forwarding by hand helps and CGNAT where it cannot.
func TestMappingAdvice(t *testing.T) {
	cases := []struct {
		kind Kind
		want []string
	}{
		{KindNoConsent, []string{"--map-port"}},
		{KindNoGateway, []string{"turn on UPnP (or NAT-PMP)", "forward TCP port 8402 to this machine by hand"}},
		{KindRefused, []string{"forward TCP port 8402 to this machine by hand", "another port"}},
		{KindDoubleNAT, []string{"CGNAT", "no mapping or forwarding on it makes the agent reachable", "public IPv4 address"}},
		{KindNoExternalAddress, []string{"WAN", "CGNAT"}},
		{KindFailed, []string{"try again", "forward TCP port 8402"}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		got := MappingAdvice(&Error{Kind: c.kind}, 8402)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("kind %d: %q lacks %q", c.kind, got, w)
			}
		}
		if seen[got] {
			t.Errorf("kind %d: advice %q shared with another kind", c.kind, got)
		}
		seen[got] = true
	}
	if got := MappingAdvice(errors.New("plain"), 9); !strings.Contains(got, "forward TCP port 9") {
		t.Errorf("a plain error: %q", got)
	}
}

// TestReachAdvice: another answerer points at the forwarding or the
// Registry; anything else at the port forwarding, the firewall, CGNAT and
// the hairpin caveat of a check from inside.
func TestReachAdvice(t *testing.T) {
	wrong := ReachAdvice(&ReachError{Reason: ReasonWrongIdentity}, "8402")
	if !strings.Contains(wrong, "something other than this agent answers there") || !strings.Contains(wrong, "TCP port 8402") {
		t.Errorf("wrong identity: %q", wrong)
	}
	if got := ReachAdvice(&ReachError{Reason: ReasonStatus}, ""); got != strings.Replace(wrong, "TCP port 8402", "the agent's port", 1) {
		t.Errorf("status: %q", got)
	}
	for _, r := range []Reason{ReasonTimeout, ReasonRefused, ReasonUnreachable, ReasonOther} {
		got := ReachAdvice(&ReachError{Reason: r}, "8402")
		for _, w := range []string{"forward TCP port 8402", "firewall", "CGNAT", "hairpin NAT"} {
			if !strings.Contains(got, w) {
				t.Errorf("reason %d: %q lacks %q", r, got, w)
			}
		}
	}
}
