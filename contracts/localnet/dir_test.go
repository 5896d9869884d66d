package localnet_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// userFolder returns a directory holding a file of the user's, as a
// folder passed by mistake to --localnet-dir would.
func userFolder(t *testing.T) (dir, file string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "Documents")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "thesis.txt")
	if err := os.WriteFile(file, []byte("four years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// assertUntouched checks the folder still holds exactly the user's file.
func assertUntouched(t *testing.T, dir, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil || string(b) != "four years of work" {
		t.Fatalf("the user's file was lost: %q, %v", b, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("the folder was written to: %v, %v", entries, err)
	}
}

// TestUpRefusesAFolderItDidNotCreate: Up on a non-empty folder without
// the marker fails with ErrNotOwned, fast, and leaves the folder as it was.
func TestUpRefusesAFolderItDidNotCreate(t *testing.T) {
	dir, file := userFolder(t)
	_, err := localnet.New(dir, nil).Up(testkit.Context(t, 30*time.Second))
	if !errors.Is(err, localnet.ErrNotOwned) {
		t.Fatalf("Up = %v, want ErrNotOwned", err)
	}
	if !strings.Contains(err.Error(), dir+" is not empty") || !strings.Contains(err.Error(), "--localnet-dir") {
		t.Fatalf("error does not name the folder and the way out: %v", err)
	}
	assertUntouched(t, dir, file)
}

// TestResetRefusesAFolderItDidNotCreate: the same for Reset, which used to
// remove the directory unconditionally.
func TestResetRefusesAFolderItDidNotCreate(t *testing.T) {
	dir, file := userFolder(t)
	_, err := localnet.New(dir, nil).Reset(testkit.Context(t, 30*time.Second))
	if !errors.Is(err, localnet.ErrNotOwned) {
		t.Fatalf("Reset = %v, want ErrNotOwned", err)
	}
	assertUntouched(t, dir, file)
}

// TestUpRefusesAnotherAlgorandNetwork: a go-algorand network of another
// name (the user's own private network) is not Kinetic's to manage.
func TestUpRefusesAnotherAlgorandNetwork(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mynet")
	genesis := filepath.Join(dir, "Node", "genesis.json")
	if err := os.MkdirAll(filepath.Dir(genesis), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(genesis, []byte(`{"network":"my-private-net","id":"v1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func(*localnet.Manager) error{
		"up":    func(m *localnet.Manager) error { _, err := m.Up(testkit.Context(t, 30*time.Second)); return err },
		"reset": func(m *localnet.Manager) error { _, err := m.Reset(testkit.Context(t, 30*time.Second)); return err },
	} {
		err := op(localnet.New(dir, nil))
		if !errors.Is(err, localnet.ErrNotOwned) || !strings.Contains(err.Error(), `"my-private-net"`) {
			t.Fatalf("%s = %v, want ErrNotOwned naming the network", name, err)
		}
		if _, err := os.Stat(genesis); err != nil {
			t.Fatalf("%s removed the other network: %v", name, err)
		}
	}
}

// TestResetRemovesWhatItMarked: a directory holding the marker (a network
// whose creation was interrupted) is the manager's: Reset removes it, then
// Up stops at the port the shared LocalNet holds, without starting algod.
func TestResetRemovesWhatItMarked(t *testing.T) {
	holdPort(t)
	dir := filepath.Join(t.TempDir(), "net")
	if err := os.MkdirAll(filepath.Join(dir, "Node"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{localnet.MarkerFile, "Node/half-written"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, err := localnet.New(dir, nil).Reset(testkit.Context(t, 30*time.Second))
	if !errors.Is(err, localnet.ErrPortInUse) {
		t.Fatalf("Reset = %v, want ErrPortInUse after removing the marked dir", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the marked directory is still there: %v", err)
	}
}

// TestUpAdoptsANetworkMadeBeforeTheMarker: a kinetic-local network made by
// an earlier version (no marker) is recognised by its genesis and marked.
func TestUpAdoptsANetworkMadeBeforeTheMarker(t *testing.T) {
	holdPort(t)
	dir := filepath.Join(t.TempDir(), "net")
	genesis := filepath.Join(dir, "Node", "genesis.json")
	if err := os.MkdirAll(filepath.Dir(genesis), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(genesis, []byte(`{"network":"`+localnet.NetworkName+`","id":"v1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := localnet.New(dir, nil).Up(testkit.Context(t, 30*time.Second)); !errors.Is(err, localnet.ErrPortInUse) {
		t.Fatalf("Up = %v, want ErrPortInUse", err)
	}
	if _, err := os.Stat(filepath.Join(dir, localnet.MarkerFile)); err != nil {
		t.Fatalf("the network was not marked: %v", err)
	}
	if _, err := os.Stat(genesis); err != nil {
		t.Fatalf("the network was removed: %v", err)
	}
}

// TestUpUsesAnEmptyFolder: an empty folder holds nothing to lose, so it is
// accepted (Up then stops at the held port) and left in place.
func TestUpUsesAnEmptyFolder(t *testing.T) {
	holdPort(t)
	dir := t.TempDir()
	if _, err := localnet.New(dir, nil).Up(testkit.Context(t, 30*time.Second)); !errors.Is(err, localnet.ErrPortInUse) {
		t.Fatalf("Up = %v, want ErrPortInUse", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}
