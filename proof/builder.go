package proof

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

var (
	// ErrOutOfOrder is wrapped by Append errors for a step that is not the
	// next one: a repeat, a skip, an unknown kind, or any step after the
	// ninth.
	ErrOutOfOrder = errors.New("proof: step out of order")
	// ErrInvalidBody is wrapped by Append errors for a body that does not
	// fit its kind, fails its Validate, or is not a canonicalizable JSON
	// object.
	ErrInvalidBody = errors.New("proof: invalid step body")
	// ErrSigner is wrapped by errors of the Signer, and when its signature
	// does not verify against its own public key.
	ErrSigner = errors.New("proof: signer failed")
)

// Builder records a job's proof chain step by step as the provider works.
// It is safe for concurrent use.
type Builder struct {
	mu     sync.Mutex
	signer Signer
	chain  Chain
}

// NewBuilder starts an empty chain for jobID, signed by signer.
func NewBuilder(jobID JobID, signer Signer) (*Builder, error) {
	if signer == nil {
		return nil, fmt.Errorf("%w: no signer", ErrSigner)
	}
	pub := signer.PublicKey()
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key has %d bytes", ErrSigner, len(pub))
	}
	return &Builder{
		signer: signer,
		chain:  Chain{JobID: jobID, Provider: append(ed25519.PublicKey(nil), pub...)},
	}, nil
}

// ResumeBuilder continues a partial chain (one decoded after a provider
// restart, say). The chain must pass VerifyPartial with signer's key as the
// expected provider; the builder keeps its own copy.
func ResumeBuilder(c *Chain, signer Signer) (*Builder, error) {
	if c == nil {
		return nil, errors.New("proof: resume: no chain")
	}
	b, err := NewBuilder(c.JobID, signer)
	if err != nil {
		return nil, err
	}
	if err := VerifyPartial(c, &c.JobID, b.chain.Provider); err != nil {
		return nil, fmt.Errorf("proof: resume: %w", err)
	}
	b.chain.Steps = c.Clone().Steps
	return b, nil
}

// Next returns the kind of the step Append expects next, or false when the
// chain is complete.
func (b *Builder) Next() (StepKind, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.chain.Steps)
	return KindAt(n + 1), n < NumSteps
}

// Append records the next step: kind must be the next kind in order, body
// its JSON object (the documented body type of kind, such as
// OutputHashed, or any value that encodes to a JSON object; nil means {}),
// at when it happened. at is kept in UTC whole seconds and, should the
// clock have stepped back, raised to the previous step's time so that
// times never decrease. Append signs the step's hash with the signer and
// returns a copy of the recorded step.
func (b *Builder) Append(ctx context.Context, kind StepKind, body any, at time.Time) (*SignedStep, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proof: append %s: %w", kind, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.chain.Steps)
	if err := checkNext(kind, n); err != nil {
		return nil, err
	}
	canon, err := canonicalBody(kind, body)
	if err != nil {
		return nil, err
	}
	at, err = stepTime(at, b.chain.Steps)
	if err != nil {
		return nil, err
	}
	s := SignedStep{
		Step: Step{Index: n + 1, Kind: kind, JobID: b.chain.JobID, At: at, Body: canon},
		Prev: Hash(b.chain.JobID),
	}
	if n > 0 {
		s.Prev = b.chain.Steps[n-1].Hash
	}
	if s.Hash, err = s.Link(s.Prev); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidBody, err)
	}
	sig, err := b.signer.SignMessage(Domain, s.Hash[:])
	if err != nil {
		return nil, fmt.Errorf("%w: step %d (%s): %w", ErrSigner, s.Index, kind, err)
	}
	if !sigframe.Verify(b.chain.Provider, Domain, s.Hash[:], sig) {
		return nil, fmt.Errorf("%w: step %d (%s): signature does not verify against the signer's public key", ErrSigner, s.Index, kind)
	}
	s.Signature = append([]byte(nil), sig...)
	b.chain.Steps = append(b.chain.Steps, s)
	out := s.clone()
	return &out, nil
}

// Chain returns a copy of the chain recorded so far.
func (b *Builder) Chain() *Chain {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.chain.Clone()
}

// AnchorHash returns hash_7 (the chain through output_hashed), which
// submit_result anchors, once step 7 is recorded.
func (b *Builder) AnchorHash() (Hash, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.chain.Steps) < AnchorIndex {
		return Hash{}, false
	}
	return b.chain.Steps[AnchorIndex-1].Hash, true
}

// checkNext checks that kind is the step that follows n recorded steps.
func checkNext(kind StepKind, n int) error {
	i := kind.Index()
	switch {
	case i == 0:
		return fmt.Errorf("%w: unknown step kind %q", ErrOutOfOrder, kind)
	case n >= NumSteps:
		return fmt.Errorf("%w: chain is complete; cannot add %s", ErrOutOfOrder, kind)
	case i <= n:
		return fmt.Errorf("%w: %s (step %d) is already recorded", ErrOutOfOrder, kind, i)
	case i > n+1:
		return fmt.Errorf("%w: %s (step %d) would skip %s (step %d)", ErrOutOfOrder, kind, i, KindAt(n+1), n+1)
	}
	return nil
}

// canonicalBody checks body against kind and returns its RFC 8785 form,
// which must be a JSON object.
func canonicalBody(kind StepKind, body any) ([]byte, error) {
	if body == nil {
		return []byte("{}"), nil
	}
	if typed, ok := body.(Body); ok {
		if typed.StepKind() != kind {
			return nil, fmt.Errorf("%w: a %s body given for step %s", ErrInvalidBody, typed.StepKind(), kind)
		}
		if err := typed.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalidBody, kind, err)
		}
	}
	canon, err := Canonicalize(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidBody, kind, err)
	}
	if canon[0] != '{' {
		return nil, fmt.Errorf("%w: %s: body is not a JSON object", ErrInvalidBody, kind)
	}
	return canon, nil
}

// stepTime normalizes at to UTC whole seconds, no earlier than the last
// recorded step's time.
func stepTime(at time.Time, recorded []SignedStep) (time.Time, error) {
	if y := at.UTC().Year(); y < 1970 || y > 9999 {
		return time.Time{}, fmt.Errorf("proof: step time %v is outside years 1970..9999", at)
	}
	at = at.UTC().Truncate(time.Second)
	if n := len(recorded); n > 0 && at.Unix() < recorded[n-1].At.Unix() {
		at = recorded[n-1].At.UTC().Truncate(time.Second)
	}
	return at, nil
}
