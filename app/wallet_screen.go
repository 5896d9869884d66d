package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// keystoreFile is the passphrase-encrypted fallback keystore in the data dir.
const keystoreFile = "keystore.json"

// walletService adapts the wallet package to the Wallet screen.
type walletService struct {
	w      *wallet.Wallet
	hist   *wallet.History
	client func() (*algod.Client, error)
	// provider reads an account's earnings from the provider agent's job
	// records; nil leaves them to the wallet's history alone.
	provider func(ctx context.Context, addr string) (ui.ProviderEarnings, error)
}

// providerEarningsFunc reads earnings from the job records in db, with the
// escrow read through the configured node and contracts (connected once).
func providerEarningsFunc(db *bbolt.DB, cfg Config) func(context.Context, string) (ui.ProviderEarnings, error) {
	var mu sync.Mutex
	var chain *contracts.Client
	return func(ctx context.Context, addr string) (ui.ProviderEarnings, error) {
		mu.Lock()
		c := chain
		mu.Unlock()
		if c == nil {
			_, cc, err := connectChain(ctx, cfg)
			if err != nil {
				return ui.ProviderEarnings{}, err
			}
			mu.Lock()
			chain, c = cc, cc
			mu.Unlock()
		}
		return providerEarnings(ctx, db, algodEarnings{c: c}, walletPayouts(db), addr, time.Now())
	}
}

func newWalletService(w *wallet.Wallet, db *bbolt.DB, endpoint endpointFunc) *walletService {
	return &walletService{w: w, hist: wallet.NewHistory(db), client: func() (*algod.Client, error) {
		url, token, err := endpoint()
		if err != nil {
			return nil, err
		}
		return algod.MakeClient(url, token)
	}}
}

func (s *walletService) chain() (*wallet.Chain, error) {
	c, err := s.client()
	if err != nil {
		return nil, err
	}
	return &wallet.Chain{Client: c}, nil
}

// Accounts implements ui.WalletService.
func (s *walletService) Accounts(ctx context.Context) ([]ui.WalletAccount, error) {
	accts, err := s.w.Accounts(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]ui.WalletAccount, len(accts))
	for i, a := range accts {
		out[i] = ui.WalletAccount{Name: a.Name, Address: a.Address, Active: a.Active}
	}
	return out, nil
}

// Balance implements ui.WalletService.
func (s *walletService) Balance(ctx context.Context, addr string) (ui.WalletBalance, error) {
	c, err := s.chain()
	if err != nil {
		return ui.WalletBalance{}, err
	}
	b, err := c.Balance(ctx, addr)
	if err != nil {
		return ui.WalletBalance{}, err
	}
	return ui.WalletBalance{Amount: b.Amount, MinBalance: b.MinBalance, Spendable: b.Spendable, Round: b.Round}, nil
}

// History implements ui.WalletService: addr's entries, newest first.
func (s *walletService) History(ctx context.Context, addr string) ([]ui.WalletEntry, error) {
	entries, err := s.hist.Entries(ctx, addr)
	if err != nil {
		return nil, err
	}
	out := make([]ui.WalletEntry, 0, len(entries))
	for _, e := range slices.Backward(entries) {
		out = append(out, historyEntry(e, addr))
	}
	return out, nil
}

// historyEntry is e as seen from addr: ALGO in positive, out negative.
func historyEntry(e wallet.Entry, addr string) ui.WalletEntry {
	var amount int64
	if e.Type == "pay" {
		if e.Receiver == addr {
			amount += int64(e.Amount)
		}
		if e.CloseTo == addr {
			amount += int64(e.CloseAmount)
		}
		if e.Sender == addr {
			amount -= int64(e.Amount)
			if e.CloseTo != addr {
				amount -= int64(e.CloseAmount)
			}
		}
	}
	var fee uint64
	if e.Sender == addr {
		fee = e.Fee
	}
	other := e.Counterparty
	if other == "" {
		other = e.Receiver
		if e.Receiver == addr {
			other = e.Sender
		}
	}
	return ui.WalletEntry{Time: e.Time, Label: string(e.Label), Amount: amount, Fee: fee,
		Counterparty: other, TxID: e.TxID, JobID: e.JobID}
}

// Activity implements ui.WalletService with the ledger's daily report.
func (s *walletService) Activity(ctx context.Context, addr string, from time.Time) ([]ui.ActivityDay, error) {
	r, err := s.hist.Report(ctx, wallet.Query{Accounts: []string{addr}, From: from, Period: wallet.Day, Location: time.Local})
	if err != nil {
		return nil, err
	}
	out := make([]ui.ActivityDay, len(r.ByPeriod))
	for i, p := range r.ByPeriod {
		out[i] = ui.ActivityDay{Day: p.Start, Spent: p.Spent + p.Fees, Earned: p.Earned}
	}
	return out, nil
}

// Earnings implements ui.WalletService: from the provider agent's job
// records when this machine ran jobs for addr (settled and pending apart,
// as the Provide screen shows them), else the escrow releases and claims
// the wallet's history received.
func (s *walletService) Earnings(ctx context.Context, addr string) (ui.Earnings, error) {
	if s.provider != nil {
		pe, err := s.provider(ctx, addr)
		if err == nil && pe.SettledJobs+pe.PendingJobs+pe.Unpriced > 0 {
			return ui.Earnings{Settled: pe.SettledTotal, Pending: pe.Pending, PendingKnown: true, Jobs: &pe}, nil
		}
	}
	r, err := s.hist.Report(ctx, wallet.Query{Accounts: []string{addr}})
	if err != nil {
		return ui.Earnings{}, err
	}
	var e ui.Earnings
	for _, l := range r.ByLabel {
		if l.Key == string(wallet.LabelReleaseReceived) || l.Key == string(wallet.LabelClaim) {
			e.Settled += l.Earned
		}
	}
	return e, nil
}

// Quote implements ui.WalletService.
func (s *walletService) Quote(ctx context.Context, from, to string, amount uint64) (ui.SendQuote, error) {
	c, err := s.chain()
	if err != nil {
		return ui.SendQuote{}, err
	}
	q, err := c.Quote(ctx, from, to, amount, nil)
	if err != nil {
		return ui.SendQuote{}, err
	}
	return ui.SendQuote{From: q.From, To: q.To, Amount: q.Amount, Fee: q.Fee, After: q.After, Ref: q}, nil
}

// Send implements ui.WalletService.
func (s *walletService) Send(ctx context.Context, q ui.SendQuote) (string, error) {
	wq, ok := q.Ref.(wallet.Quote)
	if !ok {
		return "", errors.New("payment was not priced by this wallet")
	}
	c, err := s.chain()
	if err != nil {
		return "", err
	}
	signer, err := s.w.Signer(ctx, wq.From)
	if err != nil {
		return "", err
	}
	r, err := c.Send(ctx, signer, wq)
	if err != nil {
		return "", err
	}
	return r.TxID, nil
}

// walletOpener opens the wallet for the Wallet screen, and again when the
// user retries or chooses the passphrase file.
type walletOpener struct {
	db       *bbolt.DB
	cfg      Config
	screen   *ui.Wallet
	log      *slog.Logger
	probe    func() error // nil: wallet.ProbeKeyring
	opened   func(*wallet.Wallet)
	endpoint endpointFunc
	// dispenser funds new accounts in the first-run setup; nil off LocalNet.
	dispenser func(ctx context.Context) (crypto.Account, error)
	// navigate opens a main-window tab by title (the setup's last step:
	// Provide to register, the Marketplace to browse); nil: none.
	navigate func(tab string)
	// spawn runs the setup's blocking calls; nil: a goroutine each (tests
	// with Fyne's test driver run them at once).
	spawn func(func())
}

// open tries the OS keyring (or the file, with a passphrase) and shows the
// outcome. It blocks; run it off the UI goroutine.
func (o *walletOpener) open(ctx context.Context, passphrase []byte) {
	opts := wallet.Options{DB: o.db, KeystorePath: filepath.Join(o.cfg.DataDir, keystoreFile), Probe: o.probe}
	if passphrase != nil {
		opts.ForceFile = true
		opts.Passphrase = func(context.Context) ([]byte, error) { return slices.Clone(passphrase), nil }
	}
	w, err := wallet.Open(ctx, opts)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		o.log.Warn("wallet not opened", "err", err)
		if wallet.IsNoKeyring(err) {
			err = fmt.Errorf("%w: %w", ui.ErrKeyringLocked, err)
		}
		retry := func() { go o.open(ctx, nil) }
		useFile := func(p string) { go o.open(ctx, []byte(p)) }
		_, serr := os.Stat(opts.KeystorePath)
		switch {
		case passphrase != nil || serr == nil || !wallet.IsNoKeyring(err):
			if serr != nil {
				useFile = nil
			}
			fyne.Do(func() { o.screen.SetUnavailable(err, retry, useFile) })
		default: // no keyring and no key file yet: offer to create one
			fyne.Do(func() { o.screen.OfferKeyFile(err.Error(), retry, useFile) })
		}
		return
	}
	if o.opened != nil {
		o.opened(w)
	}
	svc := newWalletService(w, o.db, o.endpoint)
	svc.provider = providerEarningsFunc(o.db, o.cfg)
	setup := newOnboardingSetup(onboardingService{w: w, client: svc.client, dispenser: o.dispenser}, o.cfg)
	o.screen.SetSetup(func(done func()) fyne.CanvasObject {
		spawn := o.spawn
		if spawn == nil {
			spawn = func(f func()) { go f() }
		}
		ob := ui.NewOnboardingWith(ctx, setup, func(string) { done() }, spawn)
		ob.SetNavigate(o.navigate) // nil: the last step names the tab instead
		return ob.Content()
	})
	o.screen.Open(ctx, svc)
}
