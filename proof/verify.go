package proof

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

// Chain is a proof chain, complete (nine steps) or a prefix of one.
type Chain struct {
	// JobID is the job the chain proves; hash_0 is its bytes.
	JobID JobID
	// Provider is the ed25519 public key (the provider's Algorand account
	// key) every step is signed with.
	Provider ed25519.PublicKey
	// Steps are the steps recorded so far, in order.
	Steps []SignedStep
}

// Complete reports whether the chain holds all nine steps (it says nothing
// about their validity; see Verify).
func (c *Chain) Complete() bool { return len(c.Steps) == NumSteps }

// Clone returns a deep copy of c.
func (c *Chain) Clone() *Chain {
	out := &Chain{JobID: c.JobID, Provider: append(ed25519.PublicKey(nil), c.Provider...)}
	out.Steps = make([]SignedStep, len(c.Steps))
	for i, s := range c.Steps {
		out.Steps[i] = s.clone()
	}
	return out
}

// Reason classifies a verification failure.
type Reason string

// The reasons a chain fails verification. See the package documentation
// for the exact rule behind each.
const (
	BadEncoding   Reason = "bad_encoding"   // malformed document or field
	WrongJob      Reason = "wrong_job"      // not the expected job
	WrongProvider Reason = "wrong_provider" // not the expected provider key
	WrongOrder    Reason = "wrong_order"    // a step out of place
	MissingStep   Reason = "missing_step"   // a step skipped or absent
	Duplicate     Reason = "duplicate"      // a step index seen before
	BadLink       Reason = "bad_link"       // prev is not the previous hash
	BadHash       Reason = "bad_hash"       // hash is not SHA-256(prev ‖ JCS(step))
	BadSignature  Reason = "bad_signature"  // signature does not verify
)

// VerifyError reports the first failing step of a chain.
type VerifyError struct {
	// Step is the 1-based position of the failing step in the chain (for
	// MissingStep, the index of the missing step); 0 when the failure
	// concerns the chain as a whole.
	Step int
	// Reason classifies the failure.
	Reason Reason
	// Detail explains it for people.
	Detail string
}

// Error describes the failure.
func (e *VerifyError) Error() string {
	if e.Step == 0 {
		return fmt.Sprintf("proof: %s: %s", e.Reason, e.Detail)
	}
	return fmt.Sprintf("proof: step %d: %s: %s", e.Step, e.Reason, e.Detail)
}

// IsReason reports whether err is (or wraps) a *VerifyError with reason r.
func IsReason(err error, r Reason) bool {
	var ve *VerifyError
	return errors.As(err, &ve) && ve.Reason == r
}

func failf(step int, r Reason, format string, args ...any) *VerifyError {
	return &VerifyError{Step: step, Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Verify checks a complete chain offline: all nine steps in order, each
// linked to the one before, each hash recomputed, each signature verified.
// When expectedJobID or expectedProvider is non-nil, the chain must be for
// that job and signed by that key. It returns nil or a *VerifyError naming
// the first failure.
func Verify(c *Chain, expectedJobID *JobID, expectedProvider ed25519.PublicKey) error {
	return verify(c, expectedJobID, expectedProvider, false)
}

// VerifyPartial checks a prefix of a chain (steps 1..n, n from 0 to 9) as
// Verify does, for progress shown while a job runs. It cannot tell that
// later steps were dropped.
func VerifyPartial(c *Chain, expectedJobID *JobID, expectedProvider ed25519.PublicKey) error {
	return verify(c, expectedJobID, expectedProvider, true)
}

func verify(c *Chain, expectedJobID *JobID, expectedProvider ed25519.PublicKey, partial bool) error {
	if c == nil {
		return failf(0, BadEncoding, "no chain")
	}
	if len(c.Provider) != ed25519.PublicKeySize {
		return failf(0, BadEncoding, "provider key has %d bytes, want %d", len(c.Provider), ed25519.PublicKeySize)
	}
	if expectedJobID != nil && c.JobID != *expectedJobID {
		return failf(0, WrongJob, "chain is for job %s, want %s", c.JobID, *expectedJobID)
	}
	if expectedProvider != nil && !c.Provider.Equal(expectedProvider) {
		return failf(0, WrongProvider, "chain is signed by another key than the expected provider's")
	}
	prev := Hash(c.JobID)
	for p := 1; p <= len(c.Steps); p++ {
		if err := checkPlace(c, p); err != nil {
			return err
		}
		if err := checkStep(c, p, prev); err != nil {
			return err
		}
		prev = c.Steps[p-1].Hash
	}
	if !partial && len(c.Steps) < NumSteps {
		n := len(c.Steps) + 1
		return failf(n, MissingStep, "chain ends after %d steps; %s is missing", n-1, KindAt(n))
	}
	return nil
}

// checkPlace checks that the step at position p has index p and the kind
// of that index.
func checkPlace(c *Chain, p int) error {
	s := c.Steps[p-1]
	switch {
	case s.Index < 1 || s.Index > NumSteps:
		return failf(p, BadEncoding, "index %d is outside 1..%d", s.Index, NumSteps)
	case s.Kind.Index() == 0:
		return failf(p, BadEncoding, "unknown step kind %q", s.Kind)
	case s.Kind != KindAt(s.Index):
		return failf(p, WrongOrder, "kind %s cannot have index %d", s.Kind, s.Index)
	case s.Index < p:
		return failf(p, Duplicate, "index %d (%s) appears again", s.Index, s.Kind)
	case s.Index > p:
		for _, later := range c.Steps[p:] {
			if later.Index == p {
				return failf(p, WrongOrder, "%s (index %d) comes before %s", s.Kind, s.Index, KindAt(p))
			}
		}
		return failf(p, MissingStep, "%s is missing; %s (index %d) follows step %d", KindAt(p), s.Kind, s.Index, p-1)
	}
	return nil
}

// checkStep checks the job, link, hash, signature and time of the step at
// position p, whose predecessor's hash is prev.
func checkStep(c *Chain, p int, prev Hash) error {
	s := c.Steps[p-1]
	if s.JobID != c.JobID {
		return failf(p, WrongJob, "step is for job %s, chain for %s", s.JobID, c.JobID)
	}
	if s.Prev != prev {
		return failf(p, BadLink, "prev %s is not hash_%d %s", s.Prev, p-1, prev)
	}
	h, err := s.Link(s.Prev)
	if err != nil {
		return failf(p, BadEncoding, "%v", err)
	}
	if h != s.Hash {
		return failf(p, BadHash, "recorded hash %s, recomputed %s", s.Hash, h)
	}
	if len(s.Signature) != ed25519.SignatureSize {
		return failf(p, BadSignature, "signature has %d bytes, want %d", len(s.Signature), ed25519.SignatureSize)
	}
	if !sigframe.Verify(c.Provider, Domain, s.Hash[:], s.Signature) {
		return failf(p, BadSignature, "signature does not verify for the provider key")
	}
	if p > 1 && s.At.Unix() < c.Steps[p-2].At.Unix() {
		return failf(p, WrongOrder, "time %s is before the previous step's %s",
			s.At.UTC().Format(TimeLayout), c.Steps[p-2].At.UTC().Format(TimeLayout))
	}
	return nil
}

// AnchorHash returns hash_7, the hash of the chain through output_hashed,
// which submit_result anchors on-chain and the settlement event repeats.
// It verifies steps 1..7 (as VerifyPartial does, without expectations)
// first; it is a *VerifyError when they fail or step 7 is absent. Check the
// job and provider with Verify.
func AnchorHash(c *Chain) (Hash, error) {
	if c == nil || len(c.Steps) < AnchorIndex {
		return Hash{}, failf(AnchorIndex, MissingStep, "chain has no %s step", KindAt(AnchorIndex))
	}
	prefix := *c
	prefix.Steps = c.Steps[:AnchorIndex]
	if err := VerifyPartial(&prefix, nil, nil); err != nil {
		return Hash{}, err
	}
	return c.Steps[AnchorIndex-1].Hash, nil
}
