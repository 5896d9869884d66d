package contracts

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
)

// AlgodCompiler compiles TEAL with an algod node's /v2/teal/compile
// endpoint (developer API enabled), asking for the source map.
type AlgodCompiler struct{ Client *algod.Client }

// Compile implements Compiler.
func (a AlgodCompiler) Compile(ctx context.Context, source []byte) ([]byte, map[int]int, error) {
	resp, err := a.Client.TealCompile(source).Sourcemap(true).Do(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("contracts: teal compile: %w", err)
	}
	prog, err := base64.StdEncoding.DecodeString(resp.Result)
	if err != nil {
		return nil, nil, fmt.Errorf("contracts: teal compile result: %w", err)
	}
	if resp.Sourcemap == nil {
		return nil, nil, fmt.Errorf("contracts: teal compile returned no source map")
	}
	mappings, _ := (*resp.Sourcemap)["mappings"].(string)
	lines, err := decodeMappings(mappings)
	if err != nil {
		return nil, nil, err
	}
	return prog, lines, nil
}

// decodeMappings decodes an algod source map's "mappings": one group per
// program counter, each a VLQ segment whose third field is the source line
// delta.
func decodeMappings(mappings string) (map[int]int, error) {
	out := map[int]int{}
	line := 0
	for pc, group := range strings.Split(mappings, ";") {
		if group == "" {
			continue
		}
		seg := strings.SplitN(group, ",", 2)[0]
		vals, err := decodeVLQ(seg)
		if err != nil {
			return nil, fmt.Errorf("contracts: source map pc %d: %w", pc, err)
		}
		if len(vals) < 3 {
			return nil, fmt.Errorf("contracts: source map pc %d: short segment %q", pc, seg)
		}
		line += vals[2]
		out[pc] = line
	}
	return out, nil
}

const vlqAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func decodeVLQ(s string) ([]int, error) {
	var out []int
	v, shift := 0, 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(vlqAlphabet, s[i])
		if d < 0 {
			return nil, fmt.Errorf("bad VLQ digit %q", s[i])
		}
		v |= (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		n := v >> 1
		if v&1 != 0 {
			n = -n
		}
		out = append(out, n)
		v, shift = 0, 0
	}
	return out, nil
}

// LocalNetEndpoint returns the algod URL and token to compile with:
// KINETIC_ALGOD_URL / KINETIC_ALGOD_TOKEN when set, otherwise the files the
// LocalNet node writes under $KINETIC_LOCALNET_DIR (default
// $XDG_DATA_HOME/kinetic/localnet or ~/.local/share/kinetic/localnet).
func LocalNetEndpoint() (url, token string, err error) {
	if u := os.Getenv("KINETIC_ALGOD_URL"); u != "" {
		return u, os.Getenv("KINETIC_ALGOD_TOKEN"), nil
	}
	dir := os.Getenv("KINETIC_LOCALNET_DIR")
	if dir == "" {
		base := os.Getenv("XDG_DATA_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", "", fmt.Errorf("contracts: no home directory: %w", err)
			}
			base = filepath.Join(home, ".local", "share")
		}
		dir = filepath.Join(base, "kinetic", "localnet")
	}
	netb, err := os.ReadFile(filepath.Join(dir, "Node", "algod.net"))
	if err != nil {
		return "", "", fmt.Errorf("contracts: LocalNet endpoint: %w", err)
	}
	tok, err := os.ReadFile(filepath.Join(dir, "Node", "algod.token"))
	if err != nil {
		return "", "", fmt.Errorf("contracts: LocalNet token: %w", err)
	}
	return "http://" + strings.TrimSpace(string(netb)), strings.TrimSpace(string(tok)), nil
}
