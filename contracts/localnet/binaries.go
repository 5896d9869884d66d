package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CacheDir returns the directory the algod build is cached in:
// $KINETIC_CACHE, or "kinetic" under the user cache directory.
func CacheDir() (string, error) {
	if d := os.Getenv("KINETIC_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("localnet: no cache directory: %w", err)
	}
	return filepath.Join(d, "kinetic"), nil
}

func hasBinaries(dir string) bool {
	for _, b := range []string{"algod", "goal", "kmd"} {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// Binaries returns a directory holding algod, goal and kmd of AlgodVersion:
// $KINETIC_ALGOD_BIN, else the build cache, else it builds them (minutes;
// progress goes to the manager's progress writer). The build needs the Go
// toolchain, a C compiler and autoconf/automake/libtool.
func (m *Manager) Binaries(ctx context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.binDir != "" {
		return m.binDir, nil
	}
	if d := os.Getenv(BinEnv); d != "" {
		if !hasBinaries(d) {
			return "", fmt.Errorf("localnet: %s=%s lacks algod, goal or kmd", BinEnv, d)
		}
		m.binDir = d
		return d, nil
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "algod-"+AlgodVersion, "bin")
	if hasBinaries(dir) {
		m.binDir = dir
		return dir, nil
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("localnet: algod is not built yet and building it needs the Go toolchain: %w", err)
	}
	fmt.Fprintf(m.progress, "localnet: building algod %s (first time only, about 4 minutes)\n", AlgodVersion)
	cmd := exec.CommandContext(ctx, "bash", "-s")
	cmd.Stdin = bytes.NewReader(buildScript)
	cmd.Env = append(os.Environ(), "KINETIC_CACHE="+cache)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = m.progress
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("localnet: building algod: %w", err)
	}
	if !hasBinaries(dir) {
		return "", fmt.Errorf("localnet: build finished but %s lacks binaries (script said %q)", dir, strings.TrimSpace(out.String()))
	}
	m.binDir = dir
	return dir, nil
}

// patchConfig points algod at Addr and enables the developer API (TEAL
// compile, DevMode block offsets), keeping every other key.
func patchConfig(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("localnet: read node config: %w", err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("localnet: parse node config: %w", err)
	}
	cfg["EndpointAddress"] = Addr
	cfg["EnableDeveloperAPI"] = true
	b, err = json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return fmt.Errorf("localnet: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("localnet: write node config: %w", err)
	}
	return nil
}
