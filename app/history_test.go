package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/wallet"
)

// TestHistoryFollowsTheWallet: the desktop's history follower records a
// payment to the wallet's account made after it started (the LocalNet
// funding of a new account), and says so once the batch is committed.
func TestHistoryFollowsTheWallet(t *testing.T) {
	testkit.Keyring(t)
	m := testkit.LocalNet(t)
	dir := t.TempDir()
	db, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(testkit.Context(t, 2*time.Minute))
	defer cancel()
	w, err := wallet.Open(ctx, wallet.Options{DB: db, KeystorePath: filepath.Join(dir, keystoreFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	a, err := w.Create(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	added := make(chan struct{}, 16)
	startHistory(ctx, Config{DataDir: dir, Network: LocalNet, LocalNetDir: m.Dir()}, db, w, discardLog(), func() { added <- struct{}{} })
	// Fund once the follower is running: its start round is the node's
	// round when it first answered.
	deadline := time.Now().Add(time.Minute)
	for {
		testkit.Fund(t, a.Address, 1_234_567)
		select {
		case <-added:
		case <-time.After(3 * time.Second):
			if time.Now().After(deadline) {
				t.Fatal("the follower recorded nothing")
			}
			continue
		}
		break
	}
	entries, err := wallet.NewHistory(db).Entries(ctx, a.Address)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || e.Type == "pay" && e.Receiver == a.Address && e.Amount == 1_234_567
	}
	if !found {
		t.Fatalf("history of %s has no 1234567 µALGO payment: %+v", a.Address, entries)
	}
}
