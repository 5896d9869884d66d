package compute

import (
	"encoding/hex"
	"fmt"
)

// JobID is the 32-byte job identifier shared with the escrow contract.
type JobID [32]byte

// String returns the id as 64 lower-case hex digits (the container label value).
func (id JobID) String() string { return hex.EncodeToString(id[:]) }

// ParseJobID parses 64 hex digits into a JobID.
func ParseJobID(s string) (JobID, error) {
	var id JobID
	b, err := hex.DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("job id %q: %w", s, err)
	}
	if len(b) != len(id) {
		return id, fmt.Errorf("job id %q: %d bytes, want %d", s, len(b), len(id))
	}
	copy(id[:], b)
	return id, nil
}

// MarshalText encodes the id as hex (JSON strings, map keys).
func (id JobID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText decodes 64 hex digits.
func (id *JobID) UnmarshalText(b []byte) error {
	v, err := ParseJobID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
