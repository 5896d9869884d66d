package provider

import (
	"context"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common/models"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// Chain is what the provider needs from the network; AlgodChain is the
// real one.
type Chain interface {
	// GenesisHash is the network's genesis hash.
	GenesisHash(ctx context.Context) ([32]byte, error)
	LastRound(ctx context.Context) (uint64, error)
	EscrowApp() uint64
	CreateJobPayment(ctx context.Context, o contracts.Offer) (uint64, error)
	BuildCreateJobGroup(ctx context.Context, o contracts.Offer) ([]types.Transaction, error)
	// Simulate evaluates a signed group and returns the node's failure
	// message, "" when it would succeed.
	Simulate(ctx context.Context, group []types.SignedTxn) (string, error)
	SendGroup(ctx context.Context, signed [][]byte) (contracts.Result, error)
	Job(ctx context.Context, id jobid.ID) (contracts.Job, error)
	SubmitResult(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID, proof, output contracts.Hash, seconds uint64) (contracts.Result, error)
	Claim(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID) (contracts.Result, error)
	// Settlement finds the confirmed transaction, in rounds from to to,
	// that logged job id's JobSettled event.
	Settlement(ctx context.Context, id jobid.ID, from, to uint64) (Settlement, bool, error)
	// SetAvailable and Heartbeat call the Registry for sender.
	SetAvailable(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, available bool) (contracts.Result, error)
	Heartbeat(ctx context.Context, sender types.Address, signer transaction.TransactionSigner) (contracts.Result, error)
	// Reputation reads an address's Registry reputation (its badge tier).
	Reputation(ctx context.Context, addr types.Address) (contracts.Reputation, error)
	// Badge reads the BadgeMinter's record of a provider's badge of a tier.
	Badge(ctx context.Context, provider types.Address, tier uint64) (contracts.BadgeRecord, error)
	// ClaimBadge claims a minted badge for sender (payment, opt-in, call).
	ClaimBadge(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, tier uint64) (uint64, contracts.Result, error)
	// Spendable is an account's balance above its minimum balance.
	Spendable(ctx context.Context, addr types.Address) (uint64, error)
}

// AlgodChain is Chain over a contracts.Client.
type AlgodChain struct{ *contracts.Client }

// GenesisHash asks the node for its genesis hash.
func (c AlgodChain) GenesisHash(ctx context.Context) ([32]byte, error) {
	sp, err := c.Algod().SuggestedParams().Do(ctx)
	if err != nil {
		return [32]byte{}, fmt.Errorf("provider: suggested params: %w", err)
	}
	var h [32]byte
	if len(sp.GenesisHash) != 32 {
		return h, fmt.Errorf("provider: genesis hash of %d bytes", len(sp.GenesisHash))
	}
	copy(h[:], sp.GenesisHash)
	return h, nil
}

// LastRound is the node's last committed round.
func (c AlgodChain) LastRound(ctx context.Context) (uint64, error) {
	st, err := c.Algod().Status().Do(ctx)
	if err != nil {
		return 0, fmt.Errorf("provider: node status: %w", err)
	}
	return st.LastRound, nil
}

// EscrowApp is the Escrow application id.
func (c AlgodChain) EscrowApp() uint64 { return c.Apps().Escrow }

// Simulate runs the node's simulate endpoint on group.
func (c AlgodChain) Simulate(ctx context.Context, group []types.SignedTxn) (string, error) {
	res, err := c.Algod().SimulateTransaction(models.SimulateRequest{
		TxnGroups: []models.SimulateRequestTransactionGroup{{Txns: group}},
	}).Do(ctx)
	if err != nil {
		return "", fmt.Errorf("provider: simulate: %w", err)
	}
	if len(res.TxnGroups) != 1 {
		return "", fmt.Errorf("provider: simulate returned %d groups", len(res.TxnGroups))
	}
	return res.TxnGroups[0].FailureMessage, nil
}

// Spendable is addr's balance above its minimum balance.
func (c AlgodChain) Spendable(ctx context.Context, addr types.Address) (uint64, error) {
	info, err := c.Algod().AccountInformation(addr.String()).Do(ctx)
	if err != nil {
		return 0, fmt.Errorf("provider: account %s: %w", addr, err)
	}
	if info.Amount < info.MinBalance {
		return 0, nil
	}
	return info.Amount - info.MinBalance, nil
}
