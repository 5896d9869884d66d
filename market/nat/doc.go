// Package nat makes a home provider's HTTP endpoint reachable from outside
// its NAT, and checks that it is.
//
// Open maps the provider's TCP port on the LAN's router by UPnP IGD
// (WANIPConnection2, WANIPConnection1, WANPPPConnection1) or NAT-PMP, only
// when the caller has set Config.Consent: nothing is mapped by default. It
// reads the router's external address, renews the lease at half its granted
// duration (retrying sooner when a renewal fails), and Close removes the
// mapping. The external address is asked for before the mapping, so a
// router behind a second NAT is left untouched. A failed Open returns an
// *Error whose text says in words what happened: no gateway answered, the
// router refused the mapping (with its UPnP error code or NAT-PMP result
// code), the router reports a private external address (a second NAT, such
// as CGNAT), or it reports none at all.
//
// CheckInfo asks the advertised endpoint for GET /v1/info through an injected
// HTTP client and says why it does not answer: a timeout, a refused
// connection, an unexpected status, or a body that is not this provider's.
//
// # What the tests show, and what they cannot
//
// The Linux tests run the real miniupnpd (Debian's nftables build) in a
// gateway network namespace they create, joined by veth pairs to a "home"
// namespace, where the Go client runs, and to a "wan" namespace standing for
// the internet; nothing else is contacted. They show SSDP discovery,
// AddPortMapping, the router's own listing of the mapping, the nftables DNAT
// rule it installs, GET /v1/info answering through that DNAT from the wan
// side, lease renewal, DeletePortMapping on Close, the same over NAT-PMP,
// and, with a CGNAT (100.64.0.0/10) address on the gateway's WAN side, the
// empty external address miniupnpd then reports over UPnP, its NAT-PMP
// result code 3 (network failure), and that nothing gets mapped; with no
// miniupnpd at all, the "no gateway answered" message. miniupnpd forwards only when
// its WAN address is publicly routable, so the forwarding tests give the
// isolated wan link a non-reserved prefix (11.87.13.0/24) that never leaves
// the namespaces.
//
// miniupnpd cannot show: a router that reports a private external address
// (it reports an empty one instead, so the "second NAT" message is covered
// by unit tests with a fake gateway); WANPPPConnection1 and WANIPConnection1
// only routers (it serves WANIPConnection2); a gateway that answers both
// protocols differently; real ISP CGNAT behaviour beyond the refusal.
package nat
