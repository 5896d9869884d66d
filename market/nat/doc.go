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
// MappingAdvice and ReachAdvice turn either failure into what the user can
// do: forward the port by hand, open the firewall, or, behind CGNAT, get a
// public address, since no forwarding helps there.
//
// # What the tests show, and what they cannot
//
// The Linux tests run the real miniupnpd (Debian's nftables build) in a
// gateway network namespace they create, joined by veth pairs to a "home"
// namespace, where the Go client runs, and to a "wan" namespace standing
// for the internet; nothing else is contacted. Over UPnP they show SSDP
// discovery, AddPortMapping, the router's own record of the mapping
// (GetSpecificPortMappingEntry, and upnpc's listing), the nftables DNAT rule
// it installs, GET /v1/info answering through that DNAT from the wan side
// (and the wrong-identity, refused and timeout answers), a 4-second lease
// renewed past its first expiry, DeletePortMapping on Close, and a port the
// router's permission rules deny (UPnP error 606). Over NAT-PMP they show
// the router found from the default route, the mapping, its DNAT rule, the
// endpoint answering, deletion on Close, and the router granting another
// external port than the one asked for, which the mapping then carries.
// With a CGNAT address (100.87.13.0/24) on the gateway's WAN side they show
// the empty external address miniupnpd then reports over UPnP, its NAT-PMP
// result code 3 (network failure), and that nothing is mapped; with no
// miniupnpd, the "no gateway answered" message.
//
// miniupnpd forwards only when its WAN address is publicly routable (with a
// reserved one it logs that port forwarding is impossible and answers
// AddPortMapping with error 501), so the forwarding tests give the wan link,
// a veth pair between two of the test's own namespaces with no route out,
// the non-reserved prefix 11.87.13.0/24.
//
// miniupnpd cannot show: a router that reports a private external address
// (it reports an empty one instead, so the "second NAT (CGNAT)" message is
// covered by unit tests with a fake gateway); routers that offer only
// WANIPConnection1 or WANPPPConnection1 (it serves WANIPConnection2); NAT-PMP
// lease renewal against a real router (the renewal loop is the same for
// both protocols and is unit-tested with a fake clock); and what a real
// ISP's CGNAT does to inbound traffic.
package nat
