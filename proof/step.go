package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// StepKind names one of the nine steps of a proof chain.
type StepKind string

// The nine step kinds, in the only order a chain may hold them.
const (
	KindJobReceived        StepKind = "job_received"
	KindEscrowLocked       StepKind = "escrow_locked"
	KindImageVerified      StepKind = "image_verified"
	KindResourcesAllocated StepKind = "resources_allocated"
	KindExecutionStarted   StepKind = "execution_started"
	KindExecutionFinished  StepKind = "execution_finished"
	KindOutputHashed       StepKind = "output_hashed"
	KindResultAnchored     StepKind = "result_anchored"
	KindPaymentReleased    StepKind = "payment_released"
)

// NumSteps is the number of steps in a complete chain.
const NumSteps = 9

// AnchorIndex is the index of the step (output_hashed) whose hash the
// provider anchors on-chain with submit_result.
const AnchorIndex = 7

// Kinds returns the nine step kinds in chain order; Kinds()[i-1] is the
// kind of the step with index i.
func Kinds() []StepKind {
	return []StepKind{
		KindJobReceived, KindEscrowLocked, KindImageVerified,
		KindResourcesAllocated, KindExecutionStarted, KindExecutionFinished,
		KindOutputHashed, KindResultAnchored, KindPaymentReleased,
	}
}

// Index returns the 1-based position of k in a chain, or 0 for an unknown
// kind.
func (k StepKind) Index() int {
	for i, kind := range Kinds() {
		if kind == k {
			return i + 1
		}
	}
	return 0
}

// KindAt returns the kind of the step with index i (1..9), or "" when i is
// out of range.
func KindAt(i int) StepKind {
	if i < 1 || i > NumSteps {
		return ""
	}
	return Kinds()[i-1]
}

// TimeLayout is the only accepted spelling of a step's time: RFC 3339 in
// UTC, whole seconds, e.g. "2026-03-01T12:00:05Z".
const TimeLayout = "2006-01-02T15:04:05Z"

// Step is the content of one proof step: the part that is hashed.
type Step struct {
	// Index is the step's 1-based position in the chain (1..9).
	Index int
	// Kind must equal KindAt(Index).
	Kind StepKind
	// JobID is the job the step belongs to; in the encoded document it is
	// the chain's jobId.
	JobID JobID
	// At is when the step happened, in UTC whole seconds.
	At time.Time
	// Body is the kind-specific JSON object (see the body types, such as
	// ImageVerified). Any JSON spelling is accepted; its RFC 8785 form is
	// what is hashed.
	Body json.RawMessage
}

// Canonical returns JCS(step): the RFC 8785 form of the object
// {"at","body","index","jobId","kind"} that the chain hashes.
func (s Step) Canonical() ([]byte, error) {
	if len(s.Body) == 0 {
		return nil, fmt.Errorf("%w: step %d has no body", ErrNotCanonicalizable, s.Index)
	}
	return Canonicalize(map[string]any{
		"index": s.Index,
		"kind":  string(s.Kind),
		"jobId": s.JobID.String(),
		"at":    s.At.UTC().Format(TimeLayout),
		"body":  s.Body,
	})
}

// Link returns SHA-256(prev ‖ JCS(s)): the hash of s when it follows prev.
func (s Step) Link(prev Hash) (Hash, error) {
	canon, err := s.Canonical()
	if err != nil {
		return Hash{}, err
	}
	h := sha256.New()
	h.Write(prev[:])
	h.Write(canon)
	var out Hash
	h.Sum(out[:0])
	return out, nil
}

// DecodeBody decodes the step's body into v (a pointer to a body type such
// as *OutputHashed). The body must be exactly v's schema: encoding/json
// matches keys case-insensitively and lets a later duplicate win, while the
// hash covers the body's exact keys, so a body such as
// {"specHash":"aa","SPECHASH":"bb"} would otherwise read differently here
// than in the hashed bytes (and in other verifiers). DecodeBody therefore
// requires that v re-encodes, canonically, to the very body that was hashed:
// no unknown, differently-cased, duplicate or missing keys.
func (s Step) DecodeBody(v any) error {
	dec := json.NewDecoder(bytes.NewReader(s.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("proof: step %d (%s) body: %w", s.Index, s.Kind, err)
	}
	raw, err := parseJSON(s.Body)
	if err != nil {
		return fmt.Errorf("proof: step %d (%s) body: %w", s.Index, s.Kind, err)
	}
	want, err := Canonicalize(raw)
	if err != nil {
		return fmt.Errorf("proof: step %d (%s) body: %w", s.Index, s.Kind, err)
	}
	got, err := Canonicalize(v)
	if err != nil {
		return fmt.Errorf("proof: step %d (%s) body: %w", s.Index, s.Kind, err)
	}
	if !bytes.Equal(want, got) {
		return fmt.Errorf("proof: step %d (%s) body: %w: keys or values differ from the schema (hashed %s, schema reads %s)",
			s.Index, s.Kind, ErrBodySchema, want, got)
	}
	return nil
}

// ErrBodySchema reports a step body that is not exactly its kind's schema.
var ErrBodySchema = errors.New("body does not match its schema exactly")

// SignedStep is a step as it stands in a chain: its content, the hash it
// claims to follow, its own hash and the provider's signature of that hash.
type SignedStep struct {
	Step
	// Prev is hash_{i-1}: the job id's bytes for step 1, otherwise the
	// previous step's Hash.
	Prev Hash
	// Hash is hash_i = SHA-256(Prev ‖ JCS(Step)).
	Hash Hash
	// Signature is the provider's ed25519 signature of Hash, framed by
	// internal/sigframe in domain Domain.
	Signature []byte
}

// clone returns a deep copy of s.
func (s SignedStep) clone() SignedStep {
	s.Body = append(json.RawMessage(nil), s.Body...)
	s.Signature = append([]byte(nil), s.Signature...)
	return s
}
