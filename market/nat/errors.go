package nat

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Kind classifies why a mapping could not be made or kept.
type Kind int

const (
	// KindNoConsent: the caller did not set Config.Consent, so nothing was sent.
	KindNoConsent Kind = iota + 1
	// KindNoGateway: no UPnP IGD or NAT-PMP gateway answered on the LAN.
	KindNoGateway
	// KindRefused: a gateway answered but refused the mapping.
	KindRefused
	// KindDoubleNAT: the gateway's external address is private or shared
	// (CGNAT), so a mapping on it cannot make the endpoint reachable.
	KindDoubleNAT
	// KindNoExternalAddress: the gateway reports no external address.
	KindNoExternalAddress
	// KindFailed: a gateway was found but the exchange with it failed
	// (a transport error or timeout, not an answer).
	KindFailed
)

// Attempt is what one protocol said during Open.
type Attempt struct {
	// Protocol is the protocol tried.
	Protocol Protocol
	// Kind is how the attempt failed.
	Kind Kind
	// Err is the underlying error.
	Err error
}

// Error is a failed Open, with every protocol's attempt. Its Kind is that of
// the most telling attempt: a gateway that answered outranks one that did not.
type Error struct {
	// Kind is the overall classification.
	Kind Kind
	// Attempts lists what each protocol said, in the order tried.
	Attempts []Attempt
}

// Error says in words what happened.
func (e *Error) Error() string {
	var b strings.Builder
	switch e.Kind {
	case KindNoConsent:
		return "port mapping is off: the user has not agreed to let Kinetic ask the router to open a port"
	case KindNoGateway:
		b.WriteString("no UPnP/NAT-PMP gateway answered on the LAN")
	case KindRefused:
		b.WriteString("the router refused the mapping")
	case KindDoubleNAT:
		b.WriteString("the router's external address is private: you are behind a second NAT (CGNAT)")
	case KindNoExternalAddress:
		b.WriteString("the router reports no external address")
	default:
		b.WriteString("talking to the router failed")
	}
	for i, a := range e.Attempts {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", a.Protocol, a.Err)
	}
	return b.String()
}

// Unwrap returns the attempts' errors.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, len(e.Attempts))
	for _, a := range e.Attempts {
		out = append(out, a.Err)
	}
	return out
}

// KindOf returns the Kind of an *Error in err's chain, or 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// rank orders kinds by how much they tell the user; Open reports the highest.
func rank(k Kind) int {
	switch k {
	case KindDoubleNAT:
		return 5
	case KindNoExternalAddress:
		return 4
	case KindRefused:
		return 3
	case KindFailed:
		return 2
	case KindNoGateway:
		return 1
	}
	return 0
}

// attemptError is a classified failure of one protocol.
type attemptError struct {
	kind Kind
	err  error
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

func noGateway(format string, args ...any) error {
	return &attemptError{KindNoGateway, fmt.Errorf(format, args...)}
}

func refused(format string, args ...any) error {
	return &attemptError{KindRefused, fmt.Errorf(format, args...)}
}

func doubleNAT(ip netip.Addr) error {
	return &attemptError{KindDoubleNAT, fmt.Errorf(
		"the router reports a private external address %s: you are behind a second NAT (CGNAT), "+
			"so a mapping on this router cannot be reached from the internet; ask the ISP for a public address or use a relay", ip)}
}

func noExternalAddress(reported string) error {
	return &attemptError{KindNoExternalAddress, fmt.Errorf(
		"the router reports no usable external address (it said %q): it may not be connected, "+
			"or its own WAN address may be private or reserved (a second NAT)", reported)}
}

// classify returns the Kind of one attempt's error (KindFailed when the
// error carries no classification).
func classify(err error) Kind {
	var ae *attemptError
	if errors.As(err, &ae) {
		return ae.kind
	}
	return KindFailed
}

// isPrivate reports whether an external address cannot be reached from the
// internet: RFC 1918, shared CGNAT space (100.64.0.0/10), loopback,
// link-local, unspecified, multicast, documentation and other
// special-purpose IPv4 ranges.
func isPrivate(ip netip.Addr) bool {
	if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
		return true
	}
	for _, p := range []string{
		"100.64.0.0/10", "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
	} {
		if netip.MustParsePrefix(p).Contains(ip) {
			return true
		}
	}
	return false
}
