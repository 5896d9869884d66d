package contracts_test

import (
	"errors"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
)

// createdAssets counts the assets the BadgeMinter account has created.
func (e *env) createdAssets() int {
	e.t.Helper()
	info, err := e.c.Algod().AccountInformation(e.badgeAddr().String()).Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(info.CreatedAssets)
}

// TestReRegisterCannotMintTwice: a provider earns and claims tier 1, then
// deregisters and registers again (tier and counters reset) and completes
// the threshold again, claimed or not. Each (provider, tier) is minted at
// most once ever: no second asset, the pool does not move, settlement
// still succeeds and the tier is restored.
func TestReRegisterCannotMintTwice(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{2, 4, 6}))
	f := fix{p: e.registered(), cons: newActor(t, 10_000_000)}
	complete := func(n int) (last contracts.Result) {
		t.Helper()
		for i := 0; i < n; i++ {
			res, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, e.submittedJob(f, 100, 100))
			if err != nil {
				t.Fatalf("release: %v", err)
			}
			last = res
		}
		return last
	}
	complete(2)
	first, err := e.c.PendingBadge(e.ctx, f.p.addr, 1)
	if err != nil {
		t.Fatalf("pending tier-1 badge: %v", err)
	}
	if _, _, err := e.c.ClaimBadge(e.ctx, f.p.addr, f.p.signer, 1); err != nil {
		t.Fatalf("claim: %v", err)
	}
	pool, assets := e.spendable(e.badgeAddr()), e.createdAssets()
	for cycle := 1; cycle <= 2; cycle++ {
		if _, err := e.c.Deregister(e.ctx, f.p.addr, f.p.signer); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Register(e.ctx, f.p.addr, f.p.signer, testInfo()); err != nil {
			t.Fatal(err)
		}
		res := complete(2)
		if res.Fees != 5000 {
			t.Errorf("cycle %d: release re-earning tier 1: fees %d, want 5000 (call + 2 payments + record_job + mint, no asset)", cycle, res.Fees)
		}
		p, err := e.c.Provider(e.ctx, f.p.addr)
		if err != nil || p.BadgeTier != 1 || p.Completed != 2 {
			t.Fatalf("cycle %d: provider %+v %v, want tier 1 after 2 jobs", cycle, p, err)
		}
		if got := e.createdAssets(); got != assets {
			t.Fatalf("cycle %d: the minter created %d assets, want %d (no second tier-1 badge)", cycle, got, assets)
		}
		if got := e.spendable(e.badgeAddr()); got != pool {
			t.Fatalf("cycle %d: minting pool %d, want %d (untouched)", cycle, got, pool)
		}
		if _, err := e.c.PendingBadge(e.ctx, f.p.addr, 1); !errors.Is(err, contracts.ErrNotFound) {
			t.Fatalf("cycle %d: pending tier-1 badge after re-registering: %v, want not found", cycle, err)
		}
		rec, err := e.c.Badge(e.ctx, f.p.addr, 1)
		if err != nil || rec.Asset != first || !rec.Claimed {
			t.Fatalf("cycle %d: badge record %+v %v, want asset %d claimed", cycle, rec, err, first)
		}
		wantCode(t, e.rawClaim(f.p, 1, first, contracts.BadgeClaimPayment, e.optIn(f.p, first)), contracts.ErrBadgeClaimed)
	}
}
