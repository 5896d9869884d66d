package app

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// userFolder returns a folder holding one file of the user's.
func userFolder(t *testing.T) (dir, file string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "Photos")
	file = filepath.Join(dir, "wedding.jpg")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("jpeg"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func assertSurvived(t *testing.T, dir, file string) {
	t.Helper()
	if b, err := os.ReadFile(file); err != nil || string(b) != "jpeg" {
		t.Fatalf("the user's file is gone: %q, %v", b, err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Fatalf("the user's folder was written to: %v, %v", entries, err)
	}
}

// TestLocalNetCommandsKeepAUsersFolder points `kinetic localnet up` and
// `reset` at a folder holding a user's file, with --localnet-dir and with
// KINETIC_LOCALNET_DIR, through the real LocalNet manager: each refuses
// with ErrNotOwned and the file survives. (No second node is started: the
// refusal comes before anything runs.)
func TestLocalNetCommandsKeepAUsersFolder(t *testing.T) {
	for _, sub := range []string{"up", "reset"} {
		for _, via := range []string{"flag", "env"} {
			t.Run(sub+" via "+via, func(t *testing.T) {
				dir, file := userFolder(t)
				r, _, _ := testRunner(t)
				r.newLocalNet = func(dir string, progress io.Writer) localNetManager { return localnet.New(dir, progress) }
				args := []string{"--data-dir", t.TempDir()}
				if via == "flag" {
					args = append(args, "--localnet-dir", dir)
				} else {
					t.Setenv(localnet.DirEnv, dir)
				}
				err := r.run(testkit.Context(t, 30*time.Second), append(args, "localnet", sub))
				if !errors.Is(err, localnet.ErrNotOwned) {
					t.Fatalf("localnet %s = %v, want ErrNotOwned", sub, err)
				}
				assertSurvived(t, dir, file)
			})
		}
	}
}

// TestGUIStartKeepsAUsersFolder runs what the GUI runs at start on such a
// folder: LocalNet is not started, the log says why, the file survives.
func TestGUIStartKeepsAUsersFolder(t *testing.T) {
	dir, file := userFolder(t)
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	startLocalNet(testkit.Context(t, 30*time.Second), Config{LocalNetDir: dir, Network: LocalNet}, fakeApps{}, log)
	if !bytes.Contains(logged.Bytes(), []byte("LocalNet did not start")) || !bytes.Contains(logged.Bytes(), []byte("not created by Kinetic")) {
		t.Fatalf("log: %s", logged.String())
	}
	assertSurvived(t, dir, file)
}
