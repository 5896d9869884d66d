package consumer

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/x402"
)

// offerChain answers what checkOffer reads: the app ids, the provider's
// Registry record and the payment the Escrow needs. Any other call
// panics (the embedded nil Chain), so a test sees it.
type offerChain struct {
	Chain
	apps       contracts.AppIDs
	registered map[types.Address]uint64 // price per hour
	built      int
}

func (f *offerChain) Apps() contracts.AppIDs { return f.apps }
func (f *offerChain) Provider(_ context.Context, a types.Address) (contracts.Provider, error) {
	p, ok := f.registered[a]
	if !ok {
		return contracts.Provider{}, contracts.ErrNotFound
	}
	pr := contracts.Provider{Address: a}
	pr.PricePerHour = p
	return pr, nil
}
func (f *offerChain) CreateJobPayment(_ context.Context, o contracts.Offer) (uint64, error) {
	return o.Locked + 50_000, nil
}
func (f *offerChain) BuildCreateJobGroup(context.Context, contracts.Offer) ([]types.Transaction, error) {
	f.built++
	return nil, errors.New("offerChain builds no group")
}

// countingSigner counts every signature asked of it.
type countingSigner struct {
	crypto.Account
	signed int
}

func (s *countingSigner) SignTransactions([]types.Transaction, []int) ([][]byte, error) {
	s.signed++
	return nil, errors.New("countingSigner signs nothing")
}
func (s *countingSigner) Equals(transaction.TransactionSigner) bool { return false }
func (s *countingSigner) Address() types.Address                    { return s.Account.Address }
func (s *countingSigner) SignMessage(string, []byte) ([]byte, error) {
	s.signed++
	return nil, errors.New("countingSigner signs nothing")
}

func offerFixture(t *testing.T, rate, window uint64) (*Client, *offerChain, *countingSigner, x402.PaymentRequired, compute.Spec) {
	t.Helper()
	prov := crypto.GenerateAccount()
	sig := &countingSigner{Account: crypto.GenerateAccount()}
	ch := &offerChain{apps: contracts.AppIDs{Registry: 1001, Escrow: 1002}, registered: map[types.Address]uint64{prov.Address: 3_600_000}}
	c := New(ch, sig, nil)
	c.now = func() time.Time { return time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC) }
	spec, err := compute.ParseSpec([]byte(`{"version":1,"image":"a@sha256:` + strings.Repeat("0", 64) + `","command":["true"],"maxSeconds":60,"network":"none","outputs":"/output"}`))
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := contracts.NewNonce(c.now())
	if err != nil {
		t.Fatal(err)
	}
	sh := spec.Hash()
	locked, err := contracts.LockFor(rate, 60)
	if err != nil {
		t.Fatal(err)
	}
	pr := x402.PaymentRequired{X402Version: x402.Version, Accepts: []x402.PaymentRequirements{{
		Scheme: x402.SchemeEscrow, Amount: strconv.FormatUint(locked+50_000, 10), Asset: x402.AssetAlgo,
		PayTo: crypto.GetApplicationAddress(1002).String(),
		Extra: &x402.EscrowExtra{AppID: 1002, Nonce: base64.StdEncoding.EncodeToString(nonce[:]), Provider: prov.Address.String(),
			Rate: rate, MaxSeconds: 60, Locked: locked, DeadlineRounds: 1000, WindowRounds: window,
			SpecHash: base64.StdEncoding.EncodeToString(sh[:])}}}}
	return c, ch, sig, pr, spec
}

// TestOfferAboveRegisteredPriceRefused: an offer at the provider's
// registered price passes checkOffer; one a µALGO above it is refused with
// an OfferError naming both rates, before any group is built or anything
// signed, even with no price limit in the terms (every submit, spot
// checks included); an unregistered provider is refused too.
func TestOfferAboveRegisteredPriceRefused(t *testing.T) {
	c, _, _, pr, spec := offerFixture(t, 3_600_000, 500)
	if _, err := c.checkOffer(context.Background(), pr.Accepts[0], spec, Terms{}); err != nil {
		t.Fatalf("offer at the registered price: %v", err)
	}
	c, ch, sig, pr, spec := offerFixture(t, 3_600_001, 500)
	_, _, err := c.Pay(context.Background(), pr, spec, Terms{})
	var oe *OfferError
	if !errors.As(err, &oe) || oe.Reason != "rate 3600001 µALGO/h above the provider's registered price 3600000 µALGO/h: the provider asks more than it advertises; choose another provider" {
		t.Fatalf("offer above the registered price: %v, want the OfferError naming both rates", err)
	}
	if ch.built != 0 || sig.signed != 0 {
		t.Fatalf("refused offer: %d groups built, %d signatures, want none", ch.built, sig.signed)
	}
	c, ch, sig, pr, spec = offerFixture(t, 3_600_000, 500)
	ch.registered = nil
	if _, _, err := c.Pay(context.Background(), pr, spec, Terms{}); !errors.As(err, &oe) || !strings.Contains(oe.Reason, "is not registered in the Registry") {
		t.Fatalf("unregistered provider: %v", err)
	}
	if ch.built != 0 || sig.signed != 0 {
		t.Fatalf("unregistered provider: %d groups built, %d signatures, want none", ch.built, sig.signed)
	}
}

// TestOfferShortWindowRefused: with WithMinWindowRounds(100) an offer of a
// 99-round dispute window is refused with an OfferError that says why,
// nothing built or signed; 100 rounds pass.
func TestOfferShortWindowRefused(t *testing.T) {
	c, ch, sig, pr, spec := offerFixture(t, 3_600_000, DefaultMinWindowRounds-1)
	c.WithMinWindowRounds(DefaultMinWindowRounds)
	_, _, err := c.Pay(context.Background(), pr, spec, Terms{})
	var oe *OfferError
	if !errors.As(err, &oe) || !strings.HasPrefix(oe.Reason, "dispute window of 99 rounds, under the 100 this client needs") {
		t.Fatalf("short window: %v, want the OfferError about the dispute window", err)
	}
	if ch.built != 0 || sig.signed != 0 {
		t.Fatalf("refused offer: %d groups built, %d signatures, want none", ch.built, sig.signed)
	}
	c, _, _, pr, spec = offerFixture(t, 3_600_000, DefaultMinWindowRounds)
	c.WithMinWindowRounds(DefaultMinWindowRounds)
	if _, err := c.checkOffer(context.Background(), pr.Accepts[0], spec, Terms{}); err != nil {
		t.Fatalf("window at the minimum: %v", err)
	}
}

// TestRetryWaitCappedAtDisputeMargin: the wait before a retry is the
// backoff (1, 2, 4 … s up to MaxBackoff 60 s) but never past the moment
// the dispute margin is reached: 7 s before it, a backoff of 60 s waits
// 7 s; at or past it, the retry is at once; without that moment, the
// plain backoff.
func TestRetryWaitCappedAtDisputeMargin(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	a := NewAutopilot(&Client{now: func() time.Time { return now }}, nil, AutopilotOptions{MinBackoff: time.Second, MaxBackoff: time.Minute})
	for _, c := range []struct {
		attempts int
		by       time.Time
		want     time.Duration
	}{
		{1, time.Time{}, time.Second},
		{10, time.Time{}, time.Minute},
		{10, now.Add(7 * time.Second), 7 * time.Second},
		{2, now.Add(7 * time.Second), 2 * time.Second},
		{10, now, 0},
		{10, now.Add(-time.Second), 0},
	} {
		if got := a.retryWait(c.attempts, c.by); got != c.want {
			t.Errorf("after %d failures, margin at %v: wait %v, want %v", c.attempts, c.by.Sub(now), got, c.want)
		}
	}
}
