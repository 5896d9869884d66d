package provider

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
)

// badgesBucket journals the provider's badge claims: key badgeDueKey marks
// that a settlement was seen and the badges were not checked since; a
// tier's 8-byte big-endian number keys its badgeRecord.
const badgesBucket = "market/provider/badges"

var badgeDueKey = []byte("due")

// badgeTiers is the number of badge tiers the BadgeMinter mints.
const badgeTiers = 3

// BadgeClaimCost is what claiming one badge takes from the provider's
// spendable balance: contracts.BadgeClaimPayment to the BadgeMinter, the
// 0.1 ALGO minimum balance the opted-in asset holding raises, and the
// group's 4000 µALGO of fees.
const BadgeClaimCost = contracts.BadgeClaimPayment + badgeHoldingMBR + badgeClaimFees

// BadgeFeeReserve is what a badge claim must leave spendable besides
// BadgeClaimCost: the fees of the jobs to come (a create_job call, a
// submit_result call and perhaps a claim, 1000 µALGO each, for some 30
// jobs), so that a badge never leaves the provider unable to anchor a
// result it has computed.
const BadgeFeeReserve = 100_000

const (
	badgeHoldingMBR = 100_000 // each asset an account holds raises its minimum balance by 0.1 ALGO
	badgeClaimFees  = 4000    // payment 1000 + opt-in 1000 + claim call 2000 (its inner transfer pooled)
	// badgeRetryMax bounds the wait between failed claims of one tier.
	badgeRetryMax = time.Hour
)

// States of a journaled badge claim.
const (
	badgeClaiming = "claiming" // a claim group is being sent, or failed and waits for NextTry
	badgeClaimed  = "claimed"  // the BadgeMinter's box says claimed
)

// badgeRecord is the journal of one tier's badge.
type badgeRecord struct {
	Tier      uint64    `json:"tier"`
	Asset     uint64    `json:"asset"`
	State     string    `json:"state"`
	TxID      string    `json:"txId,omitempty"`
	Round     uint64    `json:"round,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	Failures  int       `json:"failures,omitempty"`
	LastError string    `json:"lastError,omitempty"`
	NextTry   time.Time `json:"nextTry,omitzero"`
}

// BadgeClaim is the provider's journal of one badge tier, for the CLI and
// tests.
type BadgeClaim struct {
	// Tier is the badge tier (1..3).
	Tier uint64
	// Asset is the badge's ASA id.
	Asset uint64
	// Claimed is set once the BadgeMinter records the badge claimed.
	Claimed bool
	// TxID and Round name the claim call this agent sent ("" when the
	// badge was found already claimed).
	TxID  string
	Round uint64
	// Attempts counts the claims sent; LastError says why the last one
	// failed, NextTry when the next one goes.
	Attempts  int
	LastError string
	NextTry   time.Time
}

func tierKey(tier uint64) []byte { return binary.BigEndian.AppendUint64(nil, tier) }

// badgeTx runs f on the badge bucket, created on first use.
func (s *Server) badgeTx(write bool, f func(b *bbolt.Bucket) error) error {
	if !write {
		return s.store.db.View(func(tx *bbolt.Tx) error {
			b := tx.Bucket([]byte(badgesBucket))
			if b == nil {
				return nil
			}
			return f(b)
		})
	}
	return s.store.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(badgesBucket))
		if err != nil {
			return err
		}
		return f(b)
	})
}

// badgeDue records that the badges must be checked at the next tick: a
// settlement was seen, which may have crossed a tier. It is durable, so a
// restart before the check still makes it.
func (s *Server) badgeDue() {
	if err := s.badgeTx(true, func(b *bbolt.Bucket) error { return b.Put(badgeDueKey, []byte{1}) }); err != nil {
		s.cfg.Logger.Error("journal badge check", "err", err)
	}
}

func (s *Server) badgeJournal() (due bool, recs map[uint64]badgeRecord, err error) {
	recs = map[uint64]badgeRecord{}
	err = s.badgeTx(false, func(b *bbolt.Bucket) error {
		due = b.Get(badgeDueKey) != nil
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			var r badgeRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("badge journal %x: %w", k, err)
			}
			recs[r.Tier] = r
			return nil
		})
	})
	return due, recs, err
}

func (s *Server) putBadge(r badgeRecord) error {
	return s.badgeTx(true, func(b *bbolt.Bucket) error {
		raw, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return b.Put(tierKey(r.Tier), raw)
	})
}

// Badges lists the provider's journaled badge claims, lowest tier first.
func (s *Server) Badges() ([]BadgeClaim, error) {
	_, recs, err := s.badgeJournal()
	if err != nil {
		return nil, err
	}
	var out []BadgeClaim
	for t := uint64(1); t <= badgeTiers; t++ {
		if r, ok := recs[t]; ok {
			out = append(out, BadgeClaim{Tier: r.Tier, Asset: r.Asset, Claimed: r.State == badgeClaimed, TxID: r.TxID,
				Round: r.Round, Attempts: r.Attempts, LastError: r.LastError, NextTry: r.NextTry})
		}
	}
	return out, nil
}

// claimBadges claims the badges the Registry minted for this provider and
// nobody claimed yet, when a settlement was seen since the last check or a
// failed claim's retry time has come. Every step is journaled: a claimed
// tier is never sent again, and a claim cut short by a restart is settled
// from the BadgeMinter's box (the contract refuses a second claim). A
// claim is sent only while no job is being locked, queued or run, and only
// when it leaves BadgeFeeReserve spendable, so that job fees are always
// paid. A failure is logged with its reason and retried later; it never
// touches a job.
func (s *Server) claimBadges(ctx context.Context) {
	if ctx.Err() != nil {
		return // stopping: the journal keeps what is due for the next start
	}
	due, recs, err := s.badgeJournal()
	if err != nil {
		s.cfg.Logger.Error("badge journal", "err", err)
		return
	}
	now := s.cfg.Now()
	retry := false
	for _, r := range recs {
		if r.State != badgeClaimed && !now.Before(r.NextTry) {
			retry = true
		}
	}
	if !due && !retry {
		return
	}
	if n := s.activeJobs(); n > 0 {
		// A job being locked, queued or run still needs its create_job or
		// submit_result fee: the claim waits until none is (due and the
		// retry times stay as they are).
		s.cfg.Logger.Debug("badge claim put off while jobs run", "jobs", n)
		return
	}
	addr := s.signer.Address()
	rep, err := s.chain.Reputation(ctx, addr)
	if err != nil {
		if !errors.Is(err, contracts.ErrNotFound) {
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("badge check: reputation", "err", err)
			}
			return // due stays set: the next tick asks again
		}
		rep = contracts.Reputation{}
	}
	for tier := uint64(1); tier <= min(rep.BadgeTier, badgeTiers); tier++ {
		r, ok := recs[tier]
		if ok && r.State == badgeClaimed {
			continue
		}
		if ok && !due && now.Before(r.NextTry) {
			continue // a new settlement retries at once; otherwise wait
		}
		if !ok {
			r = badgeRecord{Tier: tier}
		}
		if err := s.claimBadge(ctx, &r); err != nil {
			s.cfg.Logger.Error("badge journal", "tier", tier, "err", err)
			return
		}
	}
	if due && ctx.Err() == nil {
		if err := s.badgeTx(true, func(b *bbolt.Bucket) error { return b.Delete(badgeDueKey) }); err != nil {
			s.cfg.Logger.Error("badge journal", "err", err)
		}
	}
}

// claimBadge brings one tier's record up to date with the BadgeMinter and
// claims the badge when it is pending; the error is the journal's only.
func (s *Server) claimBadge(ctx context.Context, r *badgeRecord) error {
	addr := s.signer.Address()
	box, err := s.chain.Badge(ctx, addr, r.Tier)
	switch {
	case errors.Is(err, contracts.ErrNotFound):
		// The Registry counts the tier but the minter has no badge (its
		// pool was empty when the tier was crossed): nothing to claim.
		s.cfg.Logger.Warn("badge not minted", "tier", r.Tier, "reason", "the BadgeMinter has no badge for this tier (its minting pool may have been empty)")
		return nil
	case err != nil:
		if ctx.Err() != nil {
			return nil // stopping: the due mark stays
		}
		return s.badgeFailed(r, "reading the badge record: "+err.Error()) // journaled, so it is retried
	}
	r.Asset = box.Asset
	if box.Claimed {
		r.State, r.Failures, r.LastError, r.NextTry = badgeClaimed, 0, "", time.Time{}
		return s.putBadge(*r)
	}
	if spendable, err := s.chain.Spendable(ctx, addr); err == nil && spendable < BadgeClaimCost+BadgeFeeReserve {
		return s.badgeFailed(r, fmt.Sprintf("the account has %d µALGO spendable and a claim needs %d (the claim payment %d, the asset's 0.1 ALGO minimum balance and %d of fees) plus %d kept for the fees of jobs to come: fund %s",
			spendable, BadgeClaimCost, contracts.BadgeClaimPayment, badgeClaimFees, BadgeFeeReserve, addr))
	}
	r.State = badgeClaiming
	r.Attempts++
	if err := s.putBadge(*r); err != nil { // journaled before it is sent
		return err
	}
	asset, res, err := s.chain.ClaimBadge(ctx, addr, s.signer, r.Tier)
	if err != nil {
		if contracts.IsCode(err, contracts.ErrBadgeClaimed) || errors.Is(err, contracts.ErrNotFound) {
			// An earlier claim (cut short by a restart) went through.
			if box, berr := s.chain.Badge(ctx, addr, r.Tier); berr == nil && box.Claimed {
				r.State, r.Failures, r.LastError, r.NextTry = badgeClaimed, 0, "", time.Time{}
				return s.putBadge(*r)
			}
		}
		return s.badgeFailed(r, "claim: "+err.Error())
	}
	r.Asset, r.State, r.TxID, r.Round = asset, badgeClaimed, res.TxIDs[len(res.TxIDs)-1], res.Round
	r.Failures, r.LastError, r.NextTry = 0, "", time.Time{}
	s.cfg.Logger.Info("badge claimed", "tier", r.Tier, "asset", asset, "tx", r.TxID, "round", res.Round)
	return s.putBadge(*r)
}

// activeJobs counts the jobs being locked, waiting to start or running:
// each still has a fee to pay (create_job, submit_result).
func (s *Server) activeJobs() int {
	recs, err := s.store.jobs()
	if err != nil {
		s.cfg.Logger.Error("badge check: read jobs", "err", err)
		return 1 // unknown: put the claim off rather than risk a job's fee
	}
	n := 0
	for _, r := range recs {
		switch r.State {
		case stateLocking, statePaid, stateRunning:
			n++
		}
	}
	return n
}

// badgeFailed journals a failed claim and when to try again: the claim
// interval, doubled with each failure in a row, at most badgeRetryMax.
func (s *Server) badgeFailed(r *badgeRecord, reason string) error {
	r.Failures++
	wait := s.cfg.ClaimInterval
	for i := 1; i < r.Failures && wait < badgeRetryMax; i++ {
		wait *= 2
	}
	wait = min(wait, badgeRetryMax)
	r.State, r.LastError, r.NextTry = badgeClaiming, reason, s.cfg.Now().Add(wait)
	s.cfg.Logger.Warn("badge claim failed; will retry", "tier", r.Tier, "asset", r.Asset, "reason", reason, "retry_in", wait)
	return s.putBadge(*r)
}
