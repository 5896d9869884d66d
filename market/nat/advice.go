package nat

import (
	"errors"
	"fmt"
)

// MappingAdvice says, for a failed Open of port, what the user can do
// instead: turn UPnP on or forward the port by hand, or, behind a second
// NAT (CGNAT), get a public address, since no forwarding helps there.
func MappingAdvice(err error, port uint16) string {
	switch KindOf(err) {
	case KindNoConsent:
		return "What to do: pass --map-port to let Kinetic ask the router, or forward the port by hand."
	case KindNoGateway:
		return fmt.Sprintf("What to do: turn on UPnP (or NAT-PMP) in the router's settings, or forward TCP port %d to this machine by hand on the router's port-forwarding page.", port)
	case KindRefused:
		return fmt.Sprintf("What to do: forward TCP port %d to this machine by hand on the router's port-forwarding page (or allow UPnP for it), or choose another port.", port)
	case KindDoubleNAT:
		return "What to do: this router is itself behind another NAT (CGNAT, common with mobile and some fiber ISPs), so no mapping or forwarding on it makes the agent reachable from the internet; ask the ISP for a public IPv4 address, or run the agent on a host that has one."
	case KindNoExternalAddress:
		return "What to do: check the router's internet (WAN) status; if it is connected and still shows no public address, the ISP uses CGNAT: ask for a public IPv4 address."
	}
	return fmt.Sprintf("What to do: try again, or forward TCP port %d to this machine by hand on the router's port-forwarding page.", port)
}

// ReachAdvice says, for a failed CheckInfo of an endpoint on port (its
// number, or "" when the URL names none), what the user can do: point the
// Registry or the forwarding at this machine when something else answers;
// otherwise forward the port, open the firewall, or get out of CGNAT. A
// check made from inside the LAN loops back through the router, which a
// router without hairpin NAT fails even when outside consumers get
// through: the advice says so.
func ReachAdvice(err error, port string) string {
	what := "the agent's port"
	if port != "" {
		what = "TCP port " + port
	}
	var re *ReachError
	if errors.As(err, &re) && (re.Reason == ReasonStatus || re.Reason == ReasonWrongIdentity) {
		return fmt.Sprintf("What to do: something other than this agent answers there: the router forwards %s to another machine, or the Registry advertises an old address (register the right one again).", what)
	}
	return fmt.Sprintf("What to do: forward %s on the router to this machine (or let Kinetic map it with --map-port) and allow it in this machine's firewall. "+
		"A router whose own external address is private or in 100.64.0.0/10 is behind CGNAT, where no forwarding helps: ask the ISP for a public IPv4 address. "+
		"Checked from this machine, the request loops back through the router: one without hairpin NAT fails here even when outside consumers get through, so check from another network to be sure.", what)
}
