package scripts

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// withKeyring runs scripts/with-keyring.sh around a shell snippet that
// prints the keyring's temporary directory, and returns that directory,
// the output and the exit status.
func withKeyring(t *testing.T, snippet string) (dir, out string, code int) {
	t.Helper()
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing (run scripts/deps.sh as root): %v", tool, err)
		}
	}
	cmd := exec.Command("bash", "with-keyring.sh", "bash", "-c", `echo "keyring-dir=$XDG_DATA_HOME"; `+snippet)
	b, err := cmd.CombinedOutput()
	out = string(b)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if d, ok := strings.CutPrefix(line, "keyring-dir="); ok {
			dir = d
		}
	}
	if dir == "" || !filepath.IsAbs(dir) {
		t.Fatalf("the wrapped command saw no keyring directory:\n%s", out)
	}
	return dir, out, code
}

// TestWithKeyringRemovesItsDirectory runs a wrapped command that succeeds
// and one that fails: the script passes the command's status on, and the
// temporary keyring directory is gone after either (the old script's exec
// defeated its cleanup trap).
func TestWithKeyringRemovesItsDirectory(t *testing.T) {
	for _, tt := range []struct {
		name, snippet string
		code          int
	}{
		{"success", `ls -d "$XDG_DATA_HOME" >/dev/null && secret-tool store --label=t kinetic test <<<"v" && true`, 0},
		{"failure", `exit 7`, 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, out, code := withKeyring(t, tt.snippet)
			if code != tt.code {
				t.Fatalf("exit status %d, want %d:\n%s", code, tt.code, out)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("keyring directory %s is still there after the command exited: %v", dir, err)
			}
		})
	}
}
