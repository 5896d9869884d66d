package consumer

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
)

// TestCheckNonceTime: an offer's nonce dated more than MaxNonceSkew ahead
// (the extreme is 0xff…ff, which would use the pair up for good) is refused
// before anything is signed; a nonce from contracts.NewNonce is accepted.
func TestCheckNonceTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fresh, err := contracts.NewNonce(now)
	if err != nil {
		t.Fatal(err)
	}
	var ceiling contracts.Hash
	for i := range ceiling {
		ceiling[i] = 0xff
	}
	dated := func(d time.Duration) contracts.Hash {
		var n contracts.Hash
		binary.BigEndian.PutUint64(n[:8], uint64(now.Add(d).UnixNano()))
		return n
	}
	cases := []struct {
		name  string
		nonce contracts.Hash
		ok    bool
	}{
		{"fresh", fresh, true},
		{"an hour old", dated(-time.Hour), true},
		{"at the skew limit", dated(MaxNonceSkew), true},
		{"just past the skew limit", dated(MaxNonceSkew + time.Nanosecond), false},
		{"a year ahead", dated(365 * 24 * time.Hour), false},
		{"all ones", ceiling, false},
	}
	for _, c := range cases {
		err := checkNonceTime(c.nonce, now)
		if c.ok {
			if err != nil {
				t.Errorf("%s: refused: %v", c.name, err)
			}
			continue
		}
		var oe *OfferError
		if !errors.As(err, &oe) || !strings.Contains(oe.Reason, "ahead of this clock") {
			t.Errorf("%s: got %v, want an OfferError about the nonce's date", c.name, err)
		}
	}
}
