package contracts_test

import (
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

// TestReRegisterKeepsReputation: a provider earns tier 1, deregisters and
// registers again. Its reputation record (counters and tier) is untouched,
// the second registration pays only the provider box (the record exists),
// and completing the next threshold mints tier 2, never tier 1 again.
func TestReRegisterKeepsReputation(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{2, 4, 6}))
	f := fix{p: e.registered(), cons: newActor(t, 10_000_000)}
	complete := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if _, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, e.submittedJob(f, 100, 100)); err != nil {
				t.Fatalf("release: %v", err)
			}
		}
	}
	complete(2)
	first, err := e.c.PendingBadge(e.ctx, f.p.addr, 1)
	if err != nil {
		t.Fatalf("pending tier-1 badge: %v", err)
	}
	before, err := e.c.Reputation(e.ctx, f.p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Deregister(e.ctx, f.p.addr, f.p.signer); err != nil {
		t.Fatal(err)
	}
	if rep, err := e.c.Reputation(e.ctx, f.p.addr); err != nil || rep != before {
		t.Fatalf("reputation after deregistering %+v %v, want %+v", rep, err, before)
	}
	l := e.snapshot(map[string]actorOrApp{"provider": f.p.addr, "registry": e.registryAddr()})
	res, err := e.c.Register(e.ctx, f.p.addr, f.p.signer, testInfo())
	if err != nil {
		t.Fatal(err)
	}
	l.add("provider", -int64(mbrOf(testInfo())+res.Fees))
	l.add("registry", int64(mbrOf(testInfo())))
	l.check("re-register (no second reputation record)")
	p, err := e.c.Provider(e.ctx, f.p.addr)
	if err != nil || p.Reputation != before || before.Completed != 2 || before.BadgeTier != 1 {
		t.Fatalf("provider after re-registering %+v %v, want reputation %+v", p, err, before)
	}
	assets := e.createdAssets()
	complete(2)
	rep, err := e.c.Reputation(e.ctx, f.p.addr)
	if err != nil || rep.Completed != 4 || rep.BadgeTier != 2 {
		t.Fatalf("reputation %+v %v, want 4 completed at tier 2", rep, err)
	}
	if got := e.createdAssets(); got != assets+1 {
		t.Fatalf("minter created %d assets, want %d (tier 2 only)", got, assets+1)
	}
	if again, err := e.c.PendingBadge(e.ctx, f.p.addr, 1); err != nil || again != first {
		t.Fatalf("tier-1 badge %d %v, want the first %d", again, err, first)
	}
	if _, err := e.c.PendingBadge(e.ctx, f.p.addr, 2); err != nil {
		t.Fatalf("tier-2 badge: %v", err)
	}
	if _, _, err := e.c.ClaimBadge(e.ctx, f.p.addr, f.p.signer, 1); err != nil {
		t.Fatalf("claim tier 1: %v", err)
	}
	wantCode(t, e.rawClaim(f.p, 1, first, contracts.BadgeClaimPayment, e.optIn(f.p, first)), contracts.ErrBadgeClaimed)
}
