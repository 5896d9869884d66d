package app

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestConnectChainRequiresCommittedBytecode: the market's connection takes
// the network's apps from the deployment store only when each runs the
// committed bytecode. A record whose Registry id names the Escrow app (a
// real app, but other code) is refused with ErrProgramMismatch; the honest
// record connects.
func TestConnectChainRequiresCommittedBytecode(t *testing.T) {
	ctx := testkit.Context(t, 2*time.Minute)
	c := testkit.Algod(t)
	url, token := testkit.AlgodEndpoint(t)
	dir := t.TempDir()
	creator := testkit.FundedAccount(t, 20_000_000)
	storePath := filepath.Join(dir, "deployments.json")
	d, err := contracts.EnsureDeployedWith(ctx, c, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator},
		contracts.NewFileDeploymentStore(storePath), contracts.DefaultDeployConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Network: Custom, DataDir: dir, AlgodURL: url, AlgodToken: Secret(token)}

	_, chain, err := connectChain(ctx, cfg)
	if err != nil {
		t.Fatalf("honest record: %v", err)
	}
	if chain.Apps() != d.Apps {
		t.Fatalf("connected to %+v, want %+v", chain.Apps(), d.Apps)
	}

	forged := d
	forged.Apps.Registry = d.Apps.Escrow
	if err := contracts.NewFileDeploymentStore(storePath).Save(forged); err != nil {
		t.Fatal(err)
	}
	if _, _, err := connectChain(ctx, cfg); !errors.Is(err, contracts.ErrProgramMismatch) {
		t.Fatalf("forged record: got %v, want ErrProgramMismatch", err)
	}
}
