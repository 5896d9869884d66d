// Package jobid defines the one job identifier every Kinetic package uses:
// 32 bytes, chosen when a job is offered, keying the Escrow's job box
// ("j" ‖ id), starting the proof chain (hash_0 = id), labelling the job's
// container and its budget reservation. Each domain package names it
// JobID (a type alias of ID), so an id moves between them unconverted.
package jobid

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// ID is a job identifier. Its text form is 64 lower-case hex digits.
type ID [32]byte

// ErrSyntax reports text that is not 64 lower-case hex digits.
var ErrSyntax = errors.New("job id must be 64 lower-case hex digits")

// New returns a random ID from the system's secure random source.
func New() (ID, error) {
	var id ID
	if _, err := rand.Read(id[:]); err != nil {
		return ID{}, fmt.Errorf("job id: %w", err)
	}
	return id, nil
}

// Parse reads 64 lower-case hex digits. Upper case is refused so that one
// id has exactly one text form (container labels, map keys, proofs).
func Parse(s string) (ID, error) {
	var id ID
	if len(s) != 2*len(id) {
		return ID{}, fmt.Errorf("%w: got %d characters", ErrSyntax, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ID{}, fmt.Errorf("%w: %q at %d", ErrSyntax, c, i)
		}
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	return id, nil
}

// String returns the id as 64 lower-case hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is all zero bytes (no job).
func (id ID) IsZero() bool { return id == ID{} }

// MarshalText writes the id as 64 lower-case hex digits (JSON strings,
// map keys).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses 64 lower-case hex digits.
func (id *ID) UnmarshalText(text []byte) error {
	parsed, err := Parse(string(text))
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}
