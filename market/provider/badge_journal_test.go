package provider

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// badgeChain is a Chain with only the badge calls: the tier the Registry
// counts, the BadgeMinter's box, the account's spendable balance and what
// a claim does. Any other call panics (the embedded Chain is nil).
type badgeChain struct {
	Chain
	tier      uint64
	box       contracts.BadgeRecord
	boxErr    error
	spendable uint64
	claims    int
	// claimErr is what ClaimBadge returns; confirmed says the claim still
	// went through on the chain (a restart cut the agent short).
	claimErr  error
	confirmed bool
}

func (c *badgeChain) Reputation(context.Context, types.Address) (contracts.Reputation, error) {
	return contracts.Reputation{Completed: 1, BadgeTier: c.tier}, nil
}

func (c *badgeChain) Badge(context.Context, types.Address, uint64) (contracts.BadgeRecord, error) {
	return c.box, c.boxErr
}

func (c *badgeChain) Spendable(context.Context, types.Address) (uint64, error) {
	return c.spendable, nil
}

func (c *badgeChain) ClaimBadge(context.Context, types.Address, transaction.TransactionSigner, uint64) (uint64, contracts.Result, error) {
	c.claims++
	if c.claimErr == nil || c.confirmed {
		c.box.Claimed = true
	}
	if c.claimErr != nil {
		return 0, contracts.Result{}, c.claimErr
	}
	return c.box.Asset, contracts.Result{TxIDs: []string{"PAY", "OPTIN", "CLAIM"}, Round: 42}, nil
}

type testSigner struct {
	transaction.BasicAccountTransactionSigner
}

func (s testSigner) Address() types.Address       { return s.Account.Address }
func (s testSigner) PublicKey() ed25519.PublicKey { return s.Account.PublicKey }
func (s testSigner) SignMessage(domain string, msg []byte) ([]byte, error) {
	return sigframe.Sign(s.Account.PrivateKey, domain, msg), nil
}

func newBadgeServer(t *testing.T, ch *badgeChain, now *time.Time) *Server {
	t.Helper()
	signer := testSigner{transaction.BasicAccountTransactionSigner{Account: crypto.GenerateAccount()}}
	s, err := New(Config{Price: 1, ClaimInterval: time.Second, Now: func() time.Time { return *now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, testkit.DB(t), ch, signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func onlyBadge(t *testing.T, s *Server) BadgeClaim {
	t.Helper()
	got, err := s.Badges()
	if err != nil || len(got) != 1 {
		t.Fatalf("journal %+v (%v), want one tier", got, err)
	}
	return got[0]
}

// TestBadgeJournalClaimCutShort: a claim whose answer was lost (the
// contract then refuses the second one with ERR:BADGE_CLAIMED, the box
// saying claimed) is journaled claimed after one send, and never sent
// again, however many settlements follow.
func TestBadgeJournalClaimCutShort(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ch := &badgeChain{tier: 1, box: contracts.BadgeRecord{Asset: 77}, spendable: BadgeClaimCost + BadgeFeeReserve,
		claimErr: &contracts.LogicError{App: "BadgeMinter", Code: contracts.ErrBadgeClaimed, Err: errors.New("rejected")}, confirmed: true}
	s := newBadgeServer(t, ch, &now)
	ctx := context.Background()
	s.badgeDue()
	s.claimBadges(ctx)
	if b := onlyBadge(t, s); !b.Claimed || b.Asset != 77 || b.Attempts != 1 || b.LastError != "" || ch.claims != 1 {
		t.Fatalf("journal %+v after %d claims, want claimed after one", b, ch.claims)
	}
	for range 3 {
		s.badgeDue()
		s.claimBadges(ctx)
	}
	if ch.claims != 1 {
		t.Fatalf("%d claims sent, want 1", ch.claims)
	}
}

// TestBadgeJournalRetries: a failed claim is journaled with its reason and
// retried only once its time has come (the claim interval, doubled with
// each failure), or at once after a new settlement; an unreadable box is
// retried the same way; success clears the error.
func TestBadgeJournalRetries(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ch := &badgeChain{tier: 1, box: contracts.BadgeRecord{Asset: 9}, spendable: BadgeClaimCost + BadgeFeeReserve, claimErr: errors.New("node said no")}
	s := newBadgeServer(t, ch, &now)
	ctx := context.Background()
	s.badgeDue()
	s.claimBadges(ctx)
	b := onlyBadge(t, s)
	if b.Claimed || b.LastError != "claim: node said no" || !b.NextTry.Equal(now.Add(time.Second)) || ch.claims != 1 {
		t.Fatalf("after a failed claim: %+v, %d claims", b, ch.claims)
	}
	s.claimBadges(ctx) // not yet time
	if ch.claims != 1 {
		t.Fatalf("retried before its time: %d claims", ch.claims)
	}
	now = now.Add(time.Second)
	s.claimBadges(ctx)
	if b = onlyBadge(t, s); ch.claims != 2 || !b.NextTry.Equal(now.Add(2*time.Second)) {
		t.Fatalf("second failure: %+v, %d claims; want a 2 s wait", b, ch.claims)
	}
	s.badgeDue() // a settlement: try at once
	s.claimBadges(ctx)
	if ch.claims != 3 {
		t.Fatalf("a settlement did not retry at once: %d claims", ch.claims)
	}
	ch.boxErr = errors.New("node down")
	now = now.Add(time.Hour)
	s.claimBadges(ctx)
	if b = onlyBadge(t, s); ch.claims != 3 || b.LastError != "reading the badge record: node down" || b.Claimed {
		t.Fatalf("unreadable box: %+v, %d claims", b, ch.claims)
	}
	ch.boxErr, ch.claimErr = nil, nil
	now = now.Add(time.Hour)
	s.claimBadges(ctx)
	if b = onlyBadge(t, s); !b.Claimed || b.LastError != "" || b.TxID != "CLAIM" || b.Round != 42 || b.Attempts != 4 {
		t.Fatalf("after success: %+v", b)
	}
}

// TestBadgeJournalTooPoor: with less spendable than a claim costs plus
// the fee reserve (326500 µALGO), nothing is sent and the reason names the
// amounts and the account to fund: at 226500 (the claim alone, which
// would leave nothing for job fees) and at 326499; at 326500 the claim is
// sent.
func TestBadgeJournalTooPoor(t *testing.T) {
	if BadgeClaimCost != 226_500 || BadgeFeeReserve != 100_000 {
		t.Fatalf("claim cost %d, reserve %d: update the amounts below", BadgeClaimCost, BadgeFeeReserve)
	}
	for _, spendable := range []uint64{BadgeClaimCost, BadgeClaimCost + BadgeFeeReserve - 1} {
		now := time.Unix(1_700_000_000, 0)
		ch := &badgeChain{tier: 1, box: contracts.BadgeRecord{Asset: 5}, spendable: spendable}
		s := newBadgeServer(t, ch, &now)
		s.badgeDue()
		s.claimBadges(context.Background())
		b := onlyBadge(t, s)
		want := fmt.Sprintf("the account has %d µALGO spendable and a claim needs 226500 (the claim payment 122500, the asset's 0.1 ALGO minimum balance and 4000 of fees) plus 100000 kept for the fees of jobs to come: fund %s", spendable, s.signer.Address())
		if ch.claims != 0 || b.LastError != want || b.Attempts != 0 || b.Claimed {
			t.Fatalf("spendable %d: journal %+v, %d claims; want none sent and %q", spendable, b, ch.claims, want)
		}
	}
	now := time.Unix(1_700_000_000, 0)
	ch := &badgeChain{tier: 1, box: contracts.BadgeRecord{Asset: 5}, spendable: 326_500}
	s := newBadgeServer(t, ch, &now)
	s.badgeDue()
	s.claimBadges(context.Background())
	if b := onlyBadge(t, s); ch.claims != 1 || !b.Claimed || b.LastError != "" || b.TxID != "CLAIM" {
		t.Fatalf("spendable 326500: journal %+v, %d claims; want claimed with one claim", b, ch.claims)
	}
}

// TestBadgeClaimWaitsForJobs: while a job is paid (queued) or running,
// a due claim is not sent and nothing is journaled, however many ticks
// pass; the due mark stays, so the tick after the job's result was
// submitted claims the badge.
func TestBadgeClaimWaitsForJobs(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	ch := &badgeChain{tier: 1, box: contracts.BadgeRecord{Asset: 8}, spendable: 10_000_000}
	s := newBadgeServer(t, ch, &now)
	ctx := context.Background()
	id := newID(t)
	s.badgeDue()
	for _, state := range []string{stateLocking, statePaid, stateRunning} {
		putJob(t, s, jobRecord{ID: id, State: state})
		for range 2 {
			s.claimBadges(ctx)
			now = now.Add(time.Hour)
		}
		if got, err := s.Badges(); ch.claims != 0 || err != nil || len(got) != 0 {
			t.Fatalf("job %s: %d claims, journal %+v (%v); want none", state, ch.claims, got, err)
		}
	}
	putJob(t, s, jobRecord{ID: id, State: stateSubmitted})
	s.claimBadges(ctx)
	if b := onlyBadge(t, s); ch.claims != 1 || !b.Claimed || b.Asset != 8 {
		t.Fatalf("after the result: journal %+v, %d claims; want claimed", b, ch.claims)
	}
}
