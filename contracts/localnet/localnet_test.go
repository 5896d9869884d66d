package localnet_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts/localnet"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestUpTwiceIsNoop calls Up on the running LocalNet: nothing restarts, the
// same algod answers and Status reports the current round.
func TestUpTwiceIsNoop(t *testing.T) {
	m := testkit.LocalNet(t)
	ctx := testkit.Context(t, time.Minute)
	var progress bytes.Buffer
	m2 := localnet.New(m.Dir(), &progress)
	before, err := m2.Status(ctx)
	if err != nil || !before.Running {
		t.Fatalf("status before: %+v, %v", before, err)
	}
	for i := 0; i < 2; i++ {
		st, err := m2.Up(ctx)
		if err != nil {
			t.Fatalf("up #%d: %v", i+1, err)
		}
		if st.PID != before.PID || !st.Running {
			t.Fatalf("up #%d restarted algod: pid %d -> %d", i+1, before.PID, st.PID)
		}
	}
	if progress.Len() != 0 {
		t.Fatalf("a no-op Up printed progress: %q", progress.String())
	}
	testkit.FundedAccount(t, 100_000) // advances the chain by one block
	after, err := m2.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.LastRound <= before.LastRound {
		t.Fatalf("round did not advance: %d -> %d", before.LastRound, after.LastRound)
	}
	if after.GenesisID != localnet.NetworkName+"-v1" || after.GenesisHash == "" {
		t.Fatalf("status identity: %+v", after)
	}
	if !strings.Contains(after.String(), "round "+strconv.FormatUint(after.LastRound, 10)) {
		t.Fatalf("status text lacks the round: %s", after)
	}
}

// holdPort makes sure something listens on LocalNet's address: the real
// node when it runs, otherwise a listener of the test's own.
func holdPort(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", localnet.Addr)
	if err != nil {
		return // already held (by the shared LocalNet)
	}
	t.Cleanup(func() { l.Close() })
}

// TestUpPortHeldByAnotherProcess gets a clear error, fast, instead of a hang.
func TestUpPortHeldByAnotherProcess(t *testing.T) {
	holdPort(t)
	m := localnet.New(filepath.Join(t.TempDir(), "net"), nil)
	start := time.Now()
	_, err := m.Up(testkit.Context(t, 30*time.Second))
	if !errors.Is(err, localnet.ErrPortInUse) {
		t.Fatalf("Up = %v, want ErrPortInUse", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Up took %s to fail", time.Since(start))
	}
}

// TestUpRemovesStalePIDFile: a PID file whose process is gone is removed.
func TestUpRemovesStalePIDFile(t *testing.T) {
	holdPort(t)
	dir := filepath.Join(t.TempDir(), "net")
	if err := os.MkdirAll(filepath.Join(dir, "Node"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A directory of the manager's own (an interrupted creation).
	if err := os.WriteFile(filepath.Join(dir, localnet.MarkerFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "Node", "algod.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(dead.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	m := localnet.New(dir, &progress)
	st, err := m.Status(testkit.Context(t, 10*time.Second))
	if err != nil || st.Running {
		t.Fatalf("stale status = %+v, %v; want stopped", st, err)
	}
	if _, err := m.Up(testkit.Context(t, 30*time.Second)); !errors.Is(err, localnet.ErrPortInUse) {
		t.Fatalf("Up = %v, want ErrPortInUse", err)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatalf("stale PID file still there: %v", err)
	}
	if !strings.Contains(progress.String(), "stale PID file") {
		t.Fatalf("progress did not mention the stale PID file: %q", progress.String())
	}
}

// TestDownOnStoppedNetworkIsNoop needs no node at all.
func TestDownOnStoppedNetworkIsNoop(t *testing.T) {
	m := localnet.New(filepath.Join(t.TempDir(), "never-created"), nil)
	if err := m.Down(testkit.Context(t, 10*time.Second)); err != nil {
		t.Fatalf("Down = %v", err)
	}
	if _, err := m.Dispenser(testkit.Context(t, 10*time.Second)); !errors.Is(err, localnet.ErrNotRunning) {
		t.Fatalf("Dispenser on a stopped net = %v, want ErrNotRunning", err)
	}
}
