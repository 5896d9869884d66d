package proof

import (
	"crypto/ed25519"
	"fmt"
	"strings"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

// Domain is the sigframe domain of proof-step signatures.
const Domain = "proof"

// Signer signs proof steps with the provider's ed25519 account key. A wallet
// that keeps the key in the OS keyring implements it; SignMessage must
// return sigframe.Sign(key, domain, msg).
type Signer interface {
	// PublicKey is the key signatures verify against.
	PublicKey() ed25519.PublicKey
	// SignMessage signs msg framed in domain (see internal/sigframe).
	SignMessage(domain string, msg []byte) ([]byte, error)
}

// KeySigner is a Signer over an ed25519 private key held in memory, for
// tests and tools.
type KeySigner struct {
	key ed25519.PrivateKey
}

// NewKeySigner returns a Signer for key.
func NewKeySigner(key ed25519.PrivateKey) (*KeySigner, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("proof: private key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	return &KeySigner{key: key}, nil
}

// PublicKey returns the key's public half.
func (s *KeySigner) PublicKey() ed25519.PublicKey {
	pub, _ := s.key.Public().(ed25519.PublicKey)
	return pub
}

// SignMessage returns sigframe.Sign(key, domain, msg).
func (s *KeySigner) SignMessage(domain string, msg []byte) ([]byte, error) {
	if strings.IndexByte(domain, 0) >= 0 {
		return nil, fmt.Errorf("proof: signing domain %q contains NUL", domain)
	}
	return sigframe.Sign(s.key, domain, msg), nil
}
