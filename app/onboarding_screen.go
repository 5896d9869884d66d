package app

import (
	"context"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/wallet"
)

// onboardingFunding is what a new LocalNet account gets from the dispenser.
const onboardingFunding = 100_000_000 // 100 ALGO

// onboardingService adapts the wallet (and, on LocalNet, the dispenser)
// to the first-run setup.
type onboardingService struct {
	w      *wallet.Wallet
	client func() (*algod.Client, error)
	// dispenser is nil off LocalNet: there is nothing to fund from.
	dispenser func(ctx context.Context) (crypto.Account, error)
}

// Create implements ui.OnboardingService: a new account and its mnemonic.
func (s onboardingService) Create(ctx context.Context, name string) (string, string, error) {
	a, err := s.w.Create(ctx, name)
	if err != nil {
		return "", "", err
	}
	m, err := s.w.Reveal(ctx, a.Address, true)
	if err != nil {
		return "", "", fmt.Errorf("account %s was created but its recovery words cannot be shown: %w", a.Address, err)
	}
	return a.Address, m, nil
}

// Import implements ui.OnboardingService.
func (s onboardingService) Import(ctx context.Context, name, phrase string) (string, error) {
	a, err := s.w.Import(ctx, name, phrase)
	if reason, ok := wallet.IsBadMnemonic(err); ok {
		return "", fmt.Errorf("those words are not a valid mnemonic (%s)", reason)
	}
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

// Fund implements ui.OnboardingService with the LocalNet dispenser.
func (s onboardingService) Fund(ctx context.Context, addr string) (string, bool, error) {
	if s.dispenser == nil {
		return "", false, nil
	}
	d, err := s.dispenser(ctx)
	if err != nil {
		return "", true, err
	}
	c, err := s.client()
	if err != nil {
		return "", true, err
	}
	to, err := types.DecodeAddress(addr)
	if err != nil {
		return "", true, err
	}
	r, err := wallet.FundFromDispenser(ctx, c, transaction.BasicAccountTransactionSigner{Account: d}, d.Address, to, onboardingFunding)
	if err != nil {
		return "", true, err
	}
	return r.TxID, true, nil
}
