package compute

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/kinetic-compute/kinetic/proof"
)

// SpecHashObject returns the spec object that Hash commits to, documented
// field by field in docs/spec-hash.md: a JSON object with all twelve
// fields present, under their JSON names, taken after ParseSpec has
// applied the defaults. An absent command is [], absent env is {}, absent
// input is "" (else standard base64 with padding); numbers are JSON
// numbers. Two specs that ParseSpec accepts and that mean the same job
// have equal objects.
func (s Spec) SpecHashObject() map[string]any {
	command := make([]any, len(s.Command))
	for i, a := range s.Command {
		command[i] = a
	}
	env := make(map[string]any, len(s.Env))
	for k, v := range s.Env {
		env[k] = v
	}
	return map[string]any{
		"version":    s.Version,
		"image":      s.Image,
		"command":    command,
		"env":        env,
		"input":      base64.StdEncoding.EncodeToString(s.Input),
		"gpus":       s.GPUs,
		"minVramMB":  s.MinVRAMMB,
		"cpus":       s.CPUs,
		"memoryMB":   s.MemoryMB,
		"maxSeconds": s.MaxSeconds,
		"network":    s.Network,
		"outputs":    s.Outputs,
	}
}

// CanonicalJSON returns the RFC 8785 (JCS) form of SpecHashObject, the
// bytes Hash hashes. It fails only for a spec that Validate refuses (a
// non-finite cpus value, text that is not UTF-8).
func (s Spec) CanonicalJSON() ([]byte, error) {
	b, err := proof.Canonicalize(s.SpecHashObject())
	if err != nil {
		return nil, fmt.Errorf("job spec: %w", err)
	}
	return b, nil
}

// Hash returns SHA-256(CanonicalJSON()), the spec hash that the proof
// chain and the Escrow's create_job carry; another implementation
// reproduces it from docs/spec-hash.md (compute/testdata/spec-hash.json is
// a worked vector). A spec without a canonical form (which Validate
// refuses) hashes the text of its error, so it never equals a valid
// spec's hash.
func (s Spec) Hash() [32]byte {
	b, err := s.CanonicalJSON()
	if err != nil {
		b = []byte("invalid spec: " + err.Error())
	}
	return sha256.Sum256(b)
}
