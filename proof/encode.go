package proof

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"
)

// FormatVersion is the version of the chain document this package writes
// and reads.
const FormatVersion = 1

// MaxDocumentSize bounds the size of a chain document Decode accepts.
const MaxDocumentSize = 1 << 20

// Marshal returns the chain document of c. The document is itself in
// RFC 8785 canonical form, so equal chains encode to equal bytes.
func Marshal(c *Chain) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("proof: marshal: no chain")
	}
	steps := make([]any, len(c.Steps))
	for i, s := range c.Steps {
		steps[i] = map[string]any{
			"index":     s.Index,
			"kind":      string(s.Kind),
			"at":        s.At.UTC().Format(TimeLayout),
			"body":      s.Body,
			"prev":      s.Prev.String(),
			"hash":      s.Hash.String(),
			"signature": base64.StdEncoding.EncodeToString(s.Signature),
		}
	}
	doc, err := Canonicalize(map[string]any{
		"version":  FormatVersion,
		"jobId":    c.JobID.String(),
		"provider": map[string]any{"publicKey": base64.StdEncoding.EncodeToString(c.Provider)},
		"steps":    steps,
	})
	if err != nil {
		return nil, fmt.Errorf("proof: marshal: %w", err)
	}
	return doc, nil
}

// Encode writes the chain document of c to w.
func Encode(w io.Writer, c *Chain) error {
	doc, err := Marshal(c)
	if err != nil {
		return err
	}
	if _, err := w.Write(doc); err != nil {
		return fmt.Errorf("proof: encode: %w", err)
	}
	return nil
}

// Decode reads one chain document (at most MaxDocumentSize bytes, nesting
// at most 64 deep, at most NumSteps steps) from r. Its cost is linear in
// the document's size, but for sorting each object's keys. Decoding is
// strict: unknown, missing, duplicate or mistyped fields,
// non-canonical hex, invalid base64, invalid UTF-8 and lone surrogates are
// errors. A malformed document is a *VerifyError with reason BadEncoding
// (Step names the offending step, or is 0); other errors come from r.
// Decode does not verify the chain: call Verify.
func Decode(r io.Reader) (*Chain, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("proof: decode: %w", err)
	}
	return Unmarshal(data)
}

// Unmarshal parses a chain document as Decode does.
func Unmarshal(data []byte) (*Chain, error) {
	if len(data) > MaxDocumentSize {
		return nil, failf(0, BadEncoding, "document exceeds %d bytes", MaxDocumentSize)
	}
	v, err := parseJSON(data)
	if err != nil {
		return nil, failf(0, BadEncoding, "%v", err)
	}
	return chainFromDocument(v)
}

// MarshalJSON encodes c as its chain document.
func (c Chain) MarshalJSON() ([]byte, error) { return Marshal(&c) }

// UnmarshalJSON decodes a chain document strictly, as Decode does.
func (c *Chain) UnmarshalJSON(data []byte) error {
	parsed, err := Unmarshal(data)
	if err != nil {
		return err
	}
	*c = *parsed
	return nil
}

// VerifyFile reads the chain document at path and verifies it as a
// complete chain (see Verify). It returns the chain whenever it decoded,
// so that callers can show it next to a verification error.
func VerifyFile(path string, expectedJobID *JobID, expectedProvider ed25519.PublicKey) (*Chain, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("proof: %w", err)
	}
	defer f.Close()
	c, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, Verify(c, expectedJobID, expectedProvider)
}

// object is a JSON object being read field by field; the first failure
// sticks in err, and step says which step it belongs to.
type object struct {
	fields map[string]any
	step   int
	err    error
}

func newObject(v any, step int, what string, keys ...string) *object {
	m, ok := v.(map[string]any)
	if !ok {
		return &object{step: step, err: failf(step, BadEncoding, "%s is not a JSON object", what)}
	}
	o := &object{fields: m, step: step}
	for k := range m {
		if !slices.Contains(keys, k) {
			o.err = failf(step, BadEncoding, "%s has unknown field %q", what, k)
			return o
		}
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			o.err = failf(step, BadEncoding, "%s lacks field %q", what, k)
			return o
		}
	}
	return o
}

func (o *object) fail(key, format string, args ...any) {
	if o.err == nil {
		o.err = failf(o.step, BadEncoding, "field %q: %s", key, fmt.Sprintf(format, args...))
	}
}

func (o *object) str(key string) string {
	if o.err != nil {
		return ""
	}
	s, ok := o.fields[key].(string)
	if !ok {
		o.fail(key, "not a string")
	}
	return s
}

func (o *object) int(key string) int {
	if o.err != nil {
		return 0
	}
	n, ok := o.fields[key].(json.Number)
	i, err := strconv.Atoi(string(n))
	if !ok || err != nil {
		o.fail(key, "not an integer")
	}
	return i
}

func (o *object) base64(key string) []byte {
	s := o.str(key)
	if o.err != nil {
		return nil
	}
	// Strict still skips CR and LF; the re-encoding check refuses them, so
	// that every value has one spelling (as other decoders read it).
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		o.fail(key, "not padded standard base64: %v", err)
	} else if base64.StdEncoding.EncodeToString(b) != s {
		o.fail(key, "not canonical standard base64 (line breaks)")
	}
	return b
}

func (o *object) hash(key string) Hash {
	s := o.str(key)
	if o.err != nil {
		return Hash{}
	}
	h, err := ParseHash(s)
	if err != nil {
		o.fail(key, "%v", err)
	}
	return h
}

func chainFromDocument(v any) (*Chain, error) {
	doc := newObject(v, 0, "document", "version", "jobId", "provider", "steps")
	if version := doc.int("version"); doc.err == nil && version != FormatVersion {
		doc.fail("version", "unsupported version %d, want %d", version, FormatVersion)
	}
	jobHex := doc.str("jobId")
	if doc.err != nil {
		return nil, doc.err
	}
	c := &Chain{}
	var err error
	if c.JobID, err = ParseJobID(jobHex); err != nil {
		return nil, failf(0, BadEncoding, "field \"jobId\": %v", err)
	}
	provider := newObject(doc.fields["provider"], 0, "provider", "publicKey")
	if c.Provider = provider.base64("publicKey"); provider.err != nil {
		return nil, provider.err
	}
	if len(c.Provider) != ed25519.PublicKeySize {
		return nil, failf(0, BadEncoding, "provider key has %d bytes, want %d", len(c.Provider), ed25519.PublicKeySize)
	}
	steps, ok := doc.fields["steps"].([]any)
	if !ok {
		return nil, failf(0, BadEncoding, "field \"steps\" is not an array")
	}
	if len(steps) > NumSteps {
		return nil, failf(NumSteps+1, BadEncoding, "document holds %d steps; a chain has at most %d", len(steps), NumSteps)
	}
	for i, sv := range steps {
		s, err := stepFromDocument(sv, i+1, c.JobID)
		if err != nil {
			return nil, err
		}
		c.Steps = append(c.Steps, s)
	}
	return c, nil
}

func stepFromDocument(v any, pos int, job JobID) (SignedStep, error) {
	o := newObject(v, pos, "step", "index", "kind", "at", "body", "prev", "hash", "signature")
	s := SignedStep{Step: Step{Index: o.int("index"), Kind: StepKind(o.str("kind")), JobID: job}}
	at := o.str("at")
	s.Prev, s.Hash, s.Signature = o.hash("prev"), o.hash("hash"), o.base64("signature")
	if o.err != nil {
		return SignedStep{}, o.err
	}
	t, err := time.Parse(TimeLayout, at)
	if err != nil || t.Format(TimeLayout) != at {
		return SignedStep{}, failf(pos, BadEncoding, "field \"at\": %q is not RFC 3339 UTC whole seconds (%s)", at, TimeLayout)
	}
	s.At = t
	body, ok := o.fields["body"].(map[string]any)
	if !ok {
		return SignedStep{}, failf(pos, BadEncoding, "field \"body\" is not a JSON object")
	}
	if s.Body, err = Canonicalize(body); err != nil {
		return SignedStep{}, failf(pos, BadEncoding, "field \"body\": %v", err)
	}
	return s, nil
}
