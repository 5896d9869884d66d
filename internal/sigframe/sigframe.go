// Package sigframe defines how Kinetic frames an arbitrary message before an
// ed25519 signature, so that a signature made for one purpose (a proof step,
// an HTTP request) can never be replayed as another, nor as an Algorand
// transaction ("TX"), program ("Program") or SDK data ("MX") signature.
//
// The signed bytes are: "kinetic/v1:" ‖ domain ‖ 0x00 ‖ message.
package sigframe

import (
	"crypto/ed25519"
	"strings"
)

// Prefix starts every framed message.
const Prefix = "kinetic/v1:"

// Frame returns the exact bytes that are signed for message msg in domain.
// The domain must not contain a NUL byte; Frame panics if it does, because
// that is a programming error, not bad input.
func Frame(domain string, msg []byte) []byte {
	if strings.IndexByte(domain, 0) >= 0 {
		panic("sigframe: domain contains NUL")
	}
	out := make([]byte, 0, len(Prefix)+len(domain)+1+len(msg))
	out = append(out, Prefix...)
	out = append(out, domain...)
	out = append(out, 0)
	return append(out, msg...)
}

// Sign signs msg in domain with key.
func Sign(key ed25519.PrivateKey, domain string, msg []byte) []byte {
	return ed25519.Sign(key, Frame(domain, msg))
}

// Verify reports whether sig is pub's signature of msg in domain.
func Verify(pub ed25519.PublicKey, domain string, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, Frame(domain, msg), sig)
}
