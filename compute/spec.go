package compute

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/distribution/reference"
)

// SpecVersion is the only job spec version this package understands.
const SpecVersion = 1

// Limits on a job spec. Anything beyond them is refused as absurd.
const (
	MaxInputBytes    = 8 << 20  // decoded input archive
	MaxInputUnpacked = 64 << 20 // sum of file sizes inside it
	MaxInputEntries  = 10000
	MaxGPUs          = 16
	MaxCPUs          = 256
	MaxMemoryMB      = 1 << 20 // 1 TiB
	MaxJobSeconds    = 7 * 24 * 3600
	MaxCommandArgs   = 256
	MaxEnvVars       = 256
	MaxEnvBytes      = 64 << 10 // keys plus values
	MaxCommandBytes  = 64 << 10 // all arguments together
	// MaxSpecBytes bounds the spec document ParseSpec reads: room for the
	// largest input in base64 with everything else at its limit, escaped.
	MaxSpecBytes = 16 << 20
)

// Default values applied by ParseSpec to fields left out.
const (
	DefaultCPUs       = 1.0
	DefaultMemoryMB   = 512
	DefaultOutputPath = "/output"
)

// Network modes a spec may request.
const (
	NetworkNone   = "none"
	NetworkEgress = "egress"
)

// Spec is a versioned job description, as sent by the consumer.
type Spec struct {
	// Version must be SpecVersion.
	Version int `json:"version"`
	// Image is an image reference; "name@sha256:…" pins it by digest.
	Image string `json:"image"`
	// Command replaces the image's command; empty keeps it.
	Command []string `json:"command,omitempty"`
	// Env adds environment variables.
	Env map[string]string `json:"env,omitempty"`
	// Input is an optional tar archive (base64 in JSON) unpacked read-only at /input.
	Input []byte `json:"input,omitempty"`
	// GPUs is the number of GPUs wanted; MinVRAMMB the VRAM each must have.
	GPUs      int    `json:"gpus,omitempty"`
	MinVRAMMB uint64 `json:"minVramMB,omitempty"`
	// CPUs is the CPU quota (fractional cores).
	CPUs float64 `json:"cpus"`
	// MemoryMB is the memory limit (swap included).
	MemoryMB uint64 `json:"memoryMB"`
	// MaxSeconds is the hard deadline and the most that is billed.
	MaxSeconds int64 `json:"maxSeconds"`
	// Network is NetworkNone or NetworkEgress.
	Network string `json:"network"`
	// Outputs is the directory collected as the result: /output (the
	// default) or a directory under it.
	Outputs string `json:"outputs"`
}

// Spec error kinds; every error from ParseSpec is a *SpecError wrapping one.
var (
	ErrSpecSyntax    = errors.New("malformed job spec")
	ErrSpecVersion   = errors.New("unsupported job spec version")
	ErrSpecRange     = errors.New("value out of range")
	ErrBadImageRef   = errors.New("bad image reference")
	ErrBadEnv        = errors.New("bad environment variable")
	ErrBadCommand    = errors.New("bad command")
	ErrBadOutputPath = errors.New("bad outputs path")
	ErrBadNetwork    = errors.New("bad network mode")
	ErrInputTooLarge = errors.New("input archive too large")
	ErrUnsafeInput   = errors.New("unsafe input archive entry")
)

// SpecError is a rejected job spec: which field and why.
type SpecError struct {
	// Field is the JSON field at fault, or "(document)".
	Field string
	// Reason says what is wrong, for people.
	Reason string
	// Kind is one of the Err… values above.
	Kind error
}

// Error implements error.
func (e *SpecError) Error() string {
	return fmt.Sprintf("job spec %s: %v: %s", e.Field, e.Kind, e.Reason)
}

// Unwrap returns the error kind, for errors.Is.
func (e *SpecError) Unwrap() error { return e.Kind }

// IsSpecError reports whether err is a rejected job spec.
func IsSpecError(err error) bool {
	var se *SpecError
	return errors.As(err, &se)
}

func specErr(field string, kind error, format string, args ...any) *SpecError {
	return &SpecError{Field: field, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// ParseSpec decodes a job spec of at most MaxSpecBytes strictly (unknown
// fields and trailing data are refused), applies defaults and validates
// it. Decoding and validation take time linear in the document's size.
func ParseSpec(data []byte) (Spec, error) {
	if len(data) > MaxSpecBytes {
		return Spec{}, specErr("(document)", ErrSpecSyntax, "%d bytes, at most %d", len(data), MaxSpecBytes)
	}
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, specErr("(document)", ErrSpecSyntax, "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Spec{}, specErr("(document)", ErrSpecSyntax, "trailing data after the JSON object")
	}
	s.applyDefaults()
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

func (s *Spec) applyDefaults() {
	if s.CPUs == 0 {
		s.CPUs = DefaultCPUs
	}
	if s.MemoryMB == 0 {
		s.MemoryMB = DefaultMemoryMB
	}
	if s.Network == "" {
		s.Network = NetworkNone
	}
	if s.Outputs == "" {
		s.Outputs = DefaultOutputPath
	}
}

// Validate checks every field of an already-defaulted spec.
func (s Spec) Validate() error {
	checks := []func() error{
		s.validateVersion, s.validateImage, s.validateCommand, s.validateEnv,
		s.validateResources, s.validateNetwork, s.validateOutputs, s.validateText,
		func() error { return ValidateInputArchive(s.Input) },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateText refuses strings that are not UTF-8 (ParseSpec never yields
// them; a Spec built in Go might), which have no canonical JSON form.
func (s Spec) validateText() error {
	texts := append([]string{s.Image, s.Network, s.Outputs}, s.Command...)
	for k, v := range s.Env {
		texts = append(texts, k, v)
	}
	for _, x := range texts {
		if !utf8.ValidString(x) {
			return specErr("(document)", ErrSpecSyntax, "a string is not valid UTF-8")
		}
	}
	return nil
}

func (s Spec) validateVersion() error {
	if s.Version != SpecVersion {
		return specErr("version", ErrSpecVersion, "got %d, want %d", s.Version, SpecVersion)
	}
	return nil
}

func (s Spec) validateImage() error {
	if s.Image == "" {
		return specErr("image", ErrBadImageRef, "empty")
	}
	if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
		return specErr("image", ErrBadImageRef, "%q: %v", s.Image, err)
	}
	return nil
}

// Digest returns the "sha256:…" digest the image is pinned to, or "".
func (s Spec) Digest() string {
	ref, err := reference.ParseNormalizedNamed(s.Image)
	if err != nil {
		return ""
	}
	if d, ok := ref.(reference.Digested); ok {
		return d.Digest().String()
	}
	return ""
}

func (s Spec) validateCommand() error {
	if len(s.Command) > MaxCommandArgs {
		return specErr("command", ErrBadCommand, "%d arguments, at most %d", len(s.Command), MaxCommandArgs)
	}
	total := 0
	for i, a := range s.Command {
		if strings.IndexByte(a, 0) >= 0 {
			return specErr("command", ErrBadCommand, "argument %d contains NUL", i)
		}
		total += len(a)
	}
	if total > MaxCommandBytes {
		return specErr("command", ErrBadCommand, "%d bytes, at most %d", total, MaxCommandBytes)
	}
	return nil
}

var envKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedEnvPrefixes start environment variable names a spec may not set:
// the NVIDIA container runtime reads NVIDIA_VISIBLE_DEVICES,
// NVIDIA_DRIVER_CAPABILITIES and friends from the container's environment,
// so a job that set them could claim GPUs it was not assigned (or every
// GPU, where the NVIDIA runtime is Docker's default). CUDA_ variables
// (CUDA_VISIBLE_DEVICES and the like) are refused with them. The sandbox
// sets the NVIDIA variables itself.
var reservedEnvPrefixes = []string{"NVIDIA_", "CUDA_"}

// reservedEnvPrefix returns the reserved prefix that name starts with,
// compared case-insensitively.
func reservedEnvPrefix(name string) (string, bool) {
	upper := strings.ToUpper(name)
	for _, pre := range reservedEnvPrefixes {
		if strings.HasPrefix(upper, pre) {
			return pre, true
		}
	}
	return "", false
}

func (s Spec) validateEnv() error {
	if len(s.Env) > MaxEnvVars {
		return specErr("env", ErrBadEnv, "%d variables, at most %d", len(s.Env), MaxEnvVars)
	}
	total := 0
	for k, v := range s.Env {
		if !envKey.MatchString(k) {
			return specErr("env", ErrBadEnv, "invalid name %q", k)
		}
		if pre, ok := reservedEnvPrefix(k); ok {
			return specErr("env", ErrBadEnv, "%s: names starting with %s are reserved for the provider (they control GPU access)", k, pre)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return specErr("env", ErrBadEnv, "value of %s contains NUL", k)
		}
		total += len(k) + len(v)
	}
	if total > MaxEnvBytes {
		return specErr("env", ErrBadEnv, "%d bytes, at most %d", total, MaxEnvBytes)
	}
	return nil
}

func (s Spec) validateResources() error {
	switch {
	case s.GPUs < 0 || s.GPUs > MaxGPUs:
		return specErr("gpus", ErrSpecRange, "%d, want 0..%d", s.GPUs, MaxGPUs)
	case s.GPUs == 0 && s.MinVRAMMB != 0:
		return specErr("minVramMB", ErrSpecRange, "set without gpus")
	case s.MinVRAMMB > MaxMemoryMB:
		return specErr("minVramMB", ErrSpecRange, "%d, at most %d", s.MinVRAMMB, MaxMemoryMB)
	case !(s.CPUs > 0 && s.CPUs <= MaxCPUs):
		return specErr("cpus", ErrSpecRange, "%v, want (0, %d]", s.CPUs, MaxCPUs)
	case s.MemoryMB < 6 || s.MemoryMB > MaxMemoryMB:
		return specErr("memoryMB", ErrSpecRange, "%d, want 6..%d", s.MemoryMB, MaxMemoryMB)
	case s.MaxSeconds <= 0 || s.MaxSeconds > MaxJobSeconds:
		return specErr("maxSeconds", ErrSpecRange, "%d, want 1..%d", s.MaxSeconds, MaxJobSeconds)
	}
	return nil
}

func (s Spec) validateNetwork() error {
	if s.Network != NetworkNone && s.Network != NetworkEgress {
		return specErr("network", ErrBadNetwork, "%q, want %q or %q", s.Network, NetworkNone, NetworkEgress)
	}
	return nil
}

// validateOutputs allows only DefaultOutputPath or a directory under it:
// the outputs directory is an engine volume that collection copies out
// through the root daemon, so any other path (/root, /app, /bin…) would
// let a consumer read the image's files at that path on the provider.
func (s Spec) validateOutputs() error {
	p := s.Outputs
	if !path.IsAbs(p) || path.Clean(p) != p || strings.ContainsAny(p, "\x00:") {
		return specErr("outputs", ErrBadOutputPath, "%q is not a clean absolute path", p)
	}
	if p != DefaultOutputPath && !strings.HasPrefix(p, DefaultOutputPath+"/") {
		return specErr("outputs", ErrBadOutputPath, "%q is not %s or a directory under it", p, DefaultOutputPath)
	}
	return nil
}
