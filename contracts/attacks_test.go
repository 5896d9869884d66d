package contracts_test

import (
	"math"
	"strings"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// closeOut sends all of a's balance back to the dispenser.
func (e *env) closeOut(a actor) {
	e.t.Helper()
	d := testkit.Dispenser(e.t).Address
	txn := e.pay(a, d, 0).Txn
	txn.CloseRemainderTo = d
	if _, err := e.sendTxns([]actor{a}, txn); err != nil {
		e.t.Fatalf("close %s: %v", a.addr, err)
	}
}

// TestAttackOverflow: a self-dealing pair bills one job at rate 1 for
// nearly 2^64 seconds. On v1 that pushes the provider's compute_seconds to
// the top, and an honest consumer's next job with that provider can then be
// neither released nor claimed: its funds stay in the Escrow. On v2 the
// same bill fails at ERR:OVER_ELAPSED (billed seconds are bounded by the
// block time since creation) and the money comes back by refund.
func TestAttackOverflow(t *testing.T) {
	secs := uint64(math.MaxUint64 - 500)
	locked := secs/3600 + 1 // rate 1: rate*secs <= locked*3600
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	t.Run("v1", func(t *testing.T) {
		e.t = t
		v := e.deployV1()
		p, cons, honest := newActor(t, 1_000_000), newActor(t, locked+1_000_000), newActor(t, 5_000_000)
		v.register(p)
		big := [32]byte{1}
		if err := v.createJob(cons, p.addr, big, 1, locked, 100, 100); err != nil {
			t.Fatalf("create: %v", err)
		}
		if err := v.submit(p, big, secs); err != nil {
			t.Fatalf("v1 accepts %d billed seconds: %v", secs, err)
		}
		if err := v.settle(cons, "release", big, cons.addr, p.addr); err != nil {
			t.Fatalf("release: %v", err)
		}
		if _, _, s := v.counters(p.addr); s != secs {
			t.Fatalf("compute_seconds %d, want %d", s, secs)
		}
		job := [32]byte{2}
		if err := v.createJob(honest, p.addr, job, testRate, lockAmount, 100, 1); err != nil {
			t.Fatal(err)
		}
		if err := v.submit(p, job, 1000); err != nil {
			t.Fatal(err)
		}
		if err := v.settle(honest, "release", job, honest.addr, p.addr); err == nil || !strings.Contains(err.Error(), "overflow") {
			t.Fatalf("honest release on v1: %v, want an overflow panic", err)
		}
		e.advance(2)
		if err := v.settle(honest, "claim", job, honest.addr, p.addr); err == nil || !strings.Contains(err.Error(), "overflow") {
			t.Fatalf("claim on v1: %v, want an overflow panic", err)
		}
		if err := v.settle(honest, "dispute", job, honest.addr, p.addr); err == nil {
			t.Fatal("dispute after the window accepted on v1")
		}
		if !v.jobExists(job) {
			t.Fatal("the honest job's box is gone")
		}
		t.Logf("v1: %d microAlgo of the honest consumer stuck in the Escrow", lockAmount+102_500)
		e.closeOut(p)
		e.closeOut(cons)
	})
	t.Run("v2", func(t *testing.T) {
		e.t = t
		p, cons := e.registered(), newActor(t, locked+1_000_000)
		j := e.job(p, cons, 2, 100)
		j.RatePerHour, j.MaxSeconds, j.Locked = 1, secs, locked
		if _, err := e.create(j); err != nil {
			t.Fatalf("create: %v", err)
		}
		_, err := e.c.SubmitResult(e.ctx, p.addr, p.signer, j.ID, proofHash, outputHash, secs)
		wantCode(t, err, contracts.ErrOverElapsed)
		e.advance(3)
		if _, err := e.c.Refund(e.ctx, cons.addr, cons.signer, j.ID); err != nil {
			t.Fatalf("refund: %v", err)
		}
		rep, err := e.c.Reputation(e.ctx, p.addr)
		if err != nil || rep.ComputeSeconds != 0 || rep.Failed != 1 {
			t.Fatalf("reputation %+v %v", rep, err)
		}
		e.closeOut(cons)
		f := fix{p: p, cons: newActor(t, 5_000_000)}
		if _, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, e.submittedJob(f, 100, 100)); err != nil {
			t.Fatalf("honest release on v2: %v", err)
		}
	})
}

// TestAttackGriefing: on v1 anyone can open unsolicited 1-microAlgo jobs
// for a provider and refund them, adding failures to its record. On v2 a
// job needs the provider's own signature on create_job: a group naming the
// victim but signed by the attacker is refused by the node, and the
// victim's record stays clean.
func TestAttackGriefing(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	t.Run("v1", func(t *testing.T) {
		e.t = t
		v := e.deployV1()
		victim, attacker := newActor(t, 1_000_000), newActor(t, 2_000_000)
		v.register(victim)
		for i := byte(1); i <= 2; i++ {
			if err := v.createJob(attacker, victim.addr, [32]byte{i, 7}, 1, 1, 1, 1); err != nil {
				t.Fatal(err)
			}
		}
		e.advance(2)
		for i := byte(1); i <= 2; i++ {
			if err := v.settle(attacker, "refund", [32]byte{i, 7}, attacker.addr, victim.addr); err != nil {
				t.Fatal(err)
			}
		}
		if _, failed, _ := v.counters(victim.addr); failed != 2 {
			t.Fatalf("v1 victim failed = %d, want 2 (the attack works)", failed)
		}
	})
	t.Run("v2", func(t *testing.T) {
		e.t = t
		victim, attacker := e.registered(), newActor(t, 2_000_000)
		j := e.job(victim, attacker, 1, 1)
		j.Locked, j.MaxSeconds, j.RatePerHour = 1, 1, 1
		g, err := e.c.BuildCreateJobGroup(e.ctx, j.Offer)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.sendAs([]actor{attacker}, map[int]actor{1: attacker}, g...)
		if err == nil || !strings.Contains(err.Error(), "should have been authorized by "+victim.addr.String()) {
			t.Fatalf("create_job signed by the attacker: %v, want refused for lack of the provider's signature", err)
		}
		if rep, err := e.c.Reputation(e.ctx, victim.addr); err != nil || rep != (contracts.Reputation{}) {
			t.Fatalf("victim reputation %+v %v, want untouched", rep, err)
		}
	})
}

// TestAttackSquatting: on v1 whoever learns an offered job id can create
// it first, naming itself consumer, and the real create_job fails. On v2
// the id is SHA-256(provider ‖ consumer ‖ nonce): the same nonce under any
// other pair is another id, and the offered job opens.
func TestAttackSquatting(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	t.Run("v1", func(t *testing.T) {
		e.t = t
		v := e.deployV1()
		p, cons, squatter := newActor(t, 1_000_000), newActor(t, 3_000_000), newActor(t, 3_000_000)
		v.register(p)
		id := [32]byte{3, 3}
		if err := v.createJob(squatter, p.addr, id, testRate, 1, 100, 100); err != nil {
			t.Fatal(err)
		}
		if err := v.createJob(cons, p.addr, id, testRate, lockAmount, 100, 100); err == nil {
			t.Fatal("v1 accepted the offered id after the squatter took it")
		}
	})
	t.Run("v2", func(t *testing.T) {
		e.t = t
		p, cons := e.registered(), newActor(t, 3_000_000)
		squatter, accomplice := e.registered(), newActor(t, 3_000_000)
		offer := e.job(p, cons, 100, 100)
		squat := e.job(squatter, accomplice, 100, 100)
		squat.Nonce = offer.Nonce
		squat.ID = squat.JobID()
		if _, err := e.create(squat); err != nil {
			t.Fatal(err)
		}
		if squat.ID == offer.ID {
			t.Fatal("same id under another pair")
		}
		if _, err := e.create(offer); err != nil {
			t.Fatalf("the offered job after the squat: %v", err)
		}
		job, err := e.c.Job(e.ctx, offer.ID)
		if err != nil || job.Consumer != cons.addr || job.Provider != p.addr {
			t.Fatalf("offered job %+v %v", job, err)
		}
	})
}

// TestAttackDodge: on v1 a provider that deregisters before a refund lands
// keeps a clean record after registering again. On v2 the refund is
// recorded in the permanent reputation record, which re-registering shows.
func TestAttackDodge(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	t.Run("v1", func(t *testing.T) {
		e.t = t
		v := e.deployV1()
		p, cons := newActor(t, 2_000_000), newActor(t, 3_000_000)
		v.register(p)
		id := [32]byte{4, 4}
		if err := v.createJob(cons, p.addr, id, testRate, lockAmount, 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := v.deregister(p); err != nil {
			t.Fatal(err)
		}
		e.advance(2)
		if err := v.settle(cons, "refund", id, cons.addr, p.addr); err != nil {
			t.Fatal(err)
		}
		v.register(p)
		if _, failed, _ := v.counters(p.addr); failed != 0 {
			t.Fatalf("v1 failed = %d after the dodge, want 0 (the attack works)", failed)
		}
	})
	t.Run("v2", func(t *testing.T) {
		e.t = t
		f := fix{p: e.registered(), cons: newActor(t, 3_000_000)}
		id := e.openJob(f, 1, 1)
		if _, err := e.c.Deregister(e.ctx, f.p.addr, f.p.signer); err != nil {
			t.Fatal(err)
		}
		e.advance(2)
		if _, err := e.c.Refund(e.ctx, f.cons.addr, f.cons.signer, id); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Register(e.ctx, f.p.addr, f.p.signer, testInfo()); err != nil {
			t.Fatal(err)
		}
		p, err := e.c.Provider(e.ctx, f.p.addr)
		if err != nil || p.Failed != 1 {
			t.Fatalf("v2 provider after the dodge %+v %v, want failed = 1", p.Reputation, err)
		}
	})
}
