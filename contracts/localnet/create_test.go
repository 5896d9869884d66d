package localnet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCreateMarksTheNetwork runs the real goal network create in a fresh
// directory (no algod is started, so the shared LocalNet's port is not
// touched): the marker is inside, the claim next to it is gone, and
// removeOwned deletes the network. A user's folder beside it survives.
func TestCreateMarksTheNetwork(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	parent := t.TempDir()
	neighbour := filepath.Join(parent, "mine.txt")
	if err := os.WriteFile(neighbour, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	m := New(filepath.Join(parent, "net"), &progress)
	bin, err := m.Binaries(ctx) // cached by the first LocalNet; built if missing
	if err != nil {
		t.Fatal(err)
	}
	if err := m.create(ctx, bin); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(m.markerPath()); err != nil || string(b) != markerText {
		t.Fatalf("marker: %q, %v", b, err)
	}
	if _, err := os.Stat(m.creatingMarker()); !os.IsNotExist(err) {
		t.Fatalf("the creation claim is left behind: %v", err)
	}
	if name, err := genesisNetwork(filepath.Join(m.nodeDir(), "genesis.json")); err != nil || name != NetworkName {
		t.Fatalf("genesis network %q, %v", name, err)
	}
	if err := m.create(ctx, bin); err != nil || strings.Count(progress.String(), "creating DevMode network") != 1 {
		t.Fatalf("second create: %v; progress %q", err, progress.String())
	}
	if err := m.removeOwned(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.dir); !os.IsNotExist(err) {
		t.Fatalf("removeOwned left %s: %v", m.dir, err)
	}
	if b, err := os.ReadFile(neighbour); err != nil || string(b) != "keep" {
		t.Fatalf("the neighbouring file: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Fatalf("create left files next to the network: %v", entries)
	}
}
