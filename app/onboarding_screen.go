package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/ui"
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

// KeyStorage implements ui.OnboardingKeys: where the wallet keeps the
// keys and, for the encrypted file, why no keyring is used.
func (s onboardingService) KeyStorage() string {
	b := s.w.Backend()
	if b.Kind == wallet.BackendFile {
		return "in a passphrase-encrypted file (" + b.Reason + ")"
	}
	return "in the OS keyring"
}

// onboardingSetup is the first-run setup with its network and role steps:
// it saves them in the data directory's preferences (the token in the OS
// keyring). Build it with newOnboardingSetup.
type onboardingSetup struct {
	onboardingService
	prefs      *PreferenceStore
	running    Network
	runningURL string
}

// newOnboardingSetup gives the setup of svc the network and role steps,
// saved in cfg's data directory; cfg.Network is the network in use.
func newOnboardingSetup(svc onboardingService, cfg Config) onboardingSetup {
	return onboardingSetup{onboardingService: svc, prefs: NewPreferenceStore(cfg.DataDir), running: cfg.Network, runningURL: cfg.AlgodURL}
}

// Networks implements ui.OnboardingChoices. Before anything is saved the
// choice starts from the network in use (as the command line set it).
func (s onboardingSetup) Networks(ctx context.Context) (string, ui.NetworkChoice, error) {
	if err := ctx.Err(); err != nil {
		return "", ui.NetworkChoice{}, err
	}
	if _, err := os.Stat(s.prefs.Path()); errors.Is(err, fs.ErrNotExist) {
		return s.running.String(), ui.NetworkChoice{Network: s.running.String(), AlgodURL: s.runningURL}, nil
	}
	p, err := s.prefs.Load()
	if err != nil {
		return "", ui.NetworkChoice{}, err
	}
	return s.running.String(), ui.NetworkChoice{Network: p.Network.String(), AlgodURL: p.AlgodURL}, nil
}

// SaveNetwork implements ui.OnboardingChoices: the network and URL go to
// the preferences, the token to the OS keyring (never to a file). A new
// URL without a token forgets the token saved for the old one.
func (s onboardingSetup) SaveNetwork(ctx context.Context, c ui.NetworkChoice) error {
	n, err := ParseNetwork(c.Network)
	if err != nil {
		return &ui.FieldError{Field: "Network", Reason: err.Error()}
	}
	url := strings.TrimSpace(c.AlgodURL)
	if err := ValidateAlgodURL(n, url); err != nil {
		return uiFieldError(err)
	}
	old, err := s.prefs.Load()
	if err != nil {
		return err
	}
	saved := old.AlgodTokenSaved
	switch {
	case c.Token != "":
		if err := s.prefs.SetToken(ctx, Secret(c.Token)); err != nil {
			return &ui.FieldError{Field: "algod token", Reason: err.Error()}
		}
		saved = true
	case saved && url != old.AlgodURL:
		if err := s.prefs.SetToken(ctx, ""); err != nil {
			return &ui.FieldError{Field: "algod token", Reason: "the token saved for the old URL could not be removed: " + err.Error()}
		}
		saved = false
	}
	_, err = s.prefs.Update(func(p *Preferences) { p.Network, p.AlgodURL, p.AlgodTokenSaved = n, url, saved })
	return uiFieldError(err)
}

// SaveRole implements ui.OnboardingChoices.
func (s onboardingSetup) SaveRole(_ context.Context, role string) error {
	r, err := ParseRole(role)
	if err != nil || r == RoleUnset {
		return fmt.Errorf("unknown role %q (want provider, consumer or both)", role)
	}
	_, err = s.prefs.Update(func(p *Preferences) { p.Role = r })
	return err
}

// StartTab is the tab the main window should open on for role: a
// provider starts on Provide (to register), a consumer on the
// Marketplace; "" (the default tab) before a role is chosen.
func StartTab(role Role) string {
	switch role {
	case RoleProvider, RoleBoth:
		return ui.TabProvide
	case RoleConsumer:
		return ui.TabMarketplace
	}
	return ""
}
