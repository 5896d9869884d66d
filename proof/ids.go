package proof

import (
	"encoding/hex"
	"fmt"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// JobID identifies a job: 32 bytes, the same id the escrow contract keys
// its box by. It is written as 64 lower-case hex digits.
type JobID = jobid.ID

// ParseJobID parses 64 lower-case hex digits.
func ParseJobID(s string) (JobID, error) {
	var id JobID
	if err := parseHex32(s, (*[32]byte)(&id)); err != nil {
		return JobID{}, fmt.Errorf("proof: job id: %w", err)
	}
	return id, nil
}

// Hash is one link of the chain: a SHA-256 digest, written as 64 lower-case
// hex digits.
type Hash [32]byte

// ParseHash parses 64 lower-case hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if err := parseHex32(s, (*[32]byte)(&h)); err != nil {
		return Hash{}, fmt.Errorf("proof: hash: %w", err)
	}
	return h, nil
}

// String returns the hash as 64 lower-case hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText writes the hash as lower-case hex (and so as a JSON string).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses 64 lower-case hex digits.
func (h *Hash) UnmarshalText(text []byte) error {
	parsed, err := ParseHash(string(text))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

// parseHex32 accepts exactly 64 lower-case hex digits, the only spelling
// this package writes, so that every value has one textual form.
func parseHex32(s string, out *[32]byte) error {
	if len(s) != 64 {
		return fmt.Errorf("want 64 hex digits, got %d characters", len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("character %d (%q) is not a lower-case hex digit", i, c)
		}
	}
	_, err := hex.Decode(out[:], []byte(s))
	return err
}
