package contracts

import (
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

//go:embed registry.teal escrow.teal badge.teal clear.teal
var tealFS embed.FS

//go:embed arc56/*.arc56.json
var specFS embed.FS

const clearSource = "clear.teal"

// Source returns the embedded TEAL source file name (e.g. "escrow.teal").
func Source(name string) ([]byte, error) {
	b, err := tealFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("contracts: source %s: %w", name, err)
	}
	return b, nil
}

// SpecPath is the path, relative to this package, of an app's ARC-56 spec.
func SpecPath(appName string) string { return "arc56/" + appName + ".arc56.json" }

// CommittedSpec returns the raw committed ARC-56 JSON of an app.
func CommittedSpec(appName string) ([]byte, error) {
	b, err := specFS.ReadFile(SpecPath(appName))
	if err != nil {
		return nil, fmt.Errorf("contracts: spec %s: %w", appName, err)
	}
	return b, nil
}

// LoadSpec decodes the committed ARC-56 spec of an app.
func LoadSpec(appName string) (Spec, error) {
	b, err := CommittedSpec(appName)
	if err != nil {
		return Spec{}, err
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		return Spec{}, fmt.Errorf("contracts: spec %s: %w", appName, err)
	}
	return s, nil
}

// Programs returns the committed approval and clear bytecode of a spec.
func (s Spec) Programs() (approval, clear []byte, err error) {
	approval, err = base64.StdEncoding.DecodeString(s.ByteCode["approval"])
	if err != nil {
		return nil, nil, fmt.Errorf("contracts: %s approval bytecode: %w", s.Name, err)
	}
	clear, err = base64.StdEncoding.DecodeString(s.ByteCode["clear"])
	if err != nil {
		return nil, nil, fmt.Errorf("contracts: %s clear bytecode: %w", s.Name, err)
	}
	return approval, clear, nil
}

// ErrorAt returns the error code tagged at a program counter of the
// approval program, or "" when the pc has none.
func (s Spec) ErrorAt(pc int) string {
	for _, info := range s.SourceInfo["approval"].SourceInfo {
		for _, p := range info.PC {
			if p == pc {
				return info.ErrorMessage
			}
		}
	}
	return ""
}
