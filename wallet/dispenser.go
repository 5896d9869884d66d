package wallet

import (
	"context"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// isPublicNetwork reports genesis ids on which a dispenser must never be drained.
func isPublicNetwork(genesisID string) bool {
	switch genesisID {
	case "mainnet-v1.0", "testnet-v1.0", "betanet-v1.0":
		return true
	}
	return false
}

// FundFromDispenser pays amount microAlgos from the LocalNet dispenser
// (whose signer and address the LocalNet manager provides) to `to` and
// waits for confirmation. It refuses to run on MainNet, TestNet or BetaNet.
func FundFromDispenser(ctx context.Context, c *algod.Client, dispenser transaction.TransactionSigner, dispenserAddr, to types.Address, amount uint64) (Receipt, error) {
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		return Receipt{}, fmt.Errorf("wallet: dispenser: suggested params: %w", err)
	}
	if isPublicNetwork(sp.GenesisID) {
		return Receipt{}, fmt.Errorf("wallet: dispenser refused on public network %s", sp.GenesisID)
	}
	tx, err := transaction.MakePaymentTxn(dispenserAddr.String(), to.String(), amount, []byte("kinetic localnet dispenser"), "", sp)
	if err != nil {
		return Receipt{}, fmt.Errorf("wallet: dispenser payment: %w", err)
	}
	ch := &Chain{Client: c}
	return ch.submit(ctx, dispenser, tx, JobID{})
}

// FundActive funds the wallet's active account from the LocalNet dispenser.
func (w *Wallet) FundActive(ctx context.Context, c *algod.Client, dispenser transaction.TransactionSigner, dispenserAddr types.Address, amount uint64) (Receipt, error) {
	act, err := w.Active(ctx)
	if err != nil {
		return Receipt{}, err
	}
	to, err := types.DecodeAddress(act.Address)
	if err != nil {
		return Receipt{}, fmt.Errorf("wallet: %w", err)
	}
	return FundFromDispenser(ctx, c, dispenser, dispenserAddr, to, amount)
}
