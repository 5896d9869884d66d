package contracts_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

const topUpSig = "top_up(byte[32],pay)void"

// TestAdversaryGroupPositions: the consumer's payment anywhere but right
// before the provider's call, or one payment serving two calls, or the
// wrong kind of transaction, is rejected at payment_before's own sites.
func TestAdversaryGroupPositions(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	p, cons, x := e.registered(), newActor(t, 10_000_000), newActor(t, 10_000_000)
	keys := []actor{p, cons, x}
	base := e.escrowBalance()

	t.Run("call before its payment", func(t *testing.T) {
		e.t = t
		pay, call := e.createGroup(e.job(p, cons, 100, 100))
		_, err := e.sendTxns(keys, call, pay)
		e.wantSite(t, err, escrowSite(contracts.ErrPaymentMissing, 1))
	})
	t.Run("self-payment between the payment and the call", func(t *testing.T) {
		e.t = t
		pay, call := e.createGroup(e.job(p, cons, 100, 100))
		_, err := e.sendTxns(keys, pay, e.pay(cons, cons.addr, 0).Txn, call)
		e.wantSite(t, err, escrowSite(contracts.ErrPaymentReceiver, 1))
	})
	t.Run("one payment for two create_job calls", func(t *testing.T) {
		e.t = t
		j1 := e.job(p, cons, 100, 100)
		time.Sleep(time.Millisecond)
		j2 := e.job(p, cons, 100, 100)
		pay, call1 := e.createGroup(j1)
		_, call2 := e.createGroup(j2)
		_, err := e.sendTxns(keys, pay, call1, call2)
		e.wantSite(t, err, escrowSite(contracts.ErrPaymentMissing, 2))
	})
	t.Run("one payment for create_job and top_up", func(t *testing.T) {
		e.t = t
		j := e.job(p, cons, 100, 100)
		pay, call := e.createGroup(j)
		top := e.appCall(cons, e.d.Apps.Escrow, types.NoOpOC, [][]byte{sel(topUpSig), j.ID[:]}, 1, func(tx *types.Transaction) {
			addBox(tx, e.d.Apps.Escrow, contracts.JobBoxName(j.ID))
		})
		_, err := e.sendTxns(keys, pay, call, top)
		e.wantSite(t, err, escrowSite(contracts.ErrPaymentMissing, 2))
	})
	t.Run("asset transfer instead of the payment", func(t *testing.T) {
		e.t = t
		acfg, err := transaction.MakeAssetCreateTxn(cons.addr.String(), nil, e.params(1), 10, 0, false, "", "", "", "", "X", "X", "", "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.sendTxns(keys, acfg)
		if err != nil {
			t.Fatal(err)
		}
		info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[0]).Do(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		axfer, err := transaction.MakeAssetTransferTxn(cons.addr.String(), cons.addr.String(), 1, nil, e.params(1), "", info.AssetIndex)
		if err != nil {
			t.Fatal(err)
		}
		_, call := e.createGroup(e.job(p, cons, 100, 100))
		_, err = e.sendTxns(keys, axfer, call)
		e.wantSite(t, err, escrowSite(contracts.ErrPaymentMissing, 2))
	})
	t.Run("payment to the Registry instead", func(t *testing.T) {
		e.t = t
		pay, call := e.createGroup(e.job(p, cons, 100, 100))
		pay.Receiver = e.registryAddr()
		_, err := e.sendTxns(keys, pay, call)
		e.wantSite(t, err, escrowSite(contracts.ErrPaymentReceiver, 1))
	})
	t.Run("provider pairs its call with a third party's payment", func(t *testing.T) {
		// The call takes whichever payment is right before it: the payer is
		// the consumer. A third party x can only open a job for itself, and
		// only with the provider's signed call; the offered id stays free.
		e.t = t
		j := e.job(p, cons, 100, 100)
		xj := j
		xj.Consumer, xj.cons = x.addr, x
		// The provider's call carries the same arguments (nonce, terms) as
		// the one offered to cons; only its box references name x's pair.
		xpay, call := e.createGroup(xj)
		if xpay.Sender != x.addr {
			t.Fatal("payment not from x")
		}
		if _, err := e.sendTxns(keys, xpay, call); err != nil {
			t.Fatalf("x's own job: %v", err)
		}
		job, err := e.c.Job(e.ctx, xj.Offer.JobID())
		if err != nil || job.Consumer != x.addr || job.Locked != lockAmount {
			t.Fatalf("job under x %+v %v", job, err)
		}
		if _, err := e.c.Job(e.ctx, j.ID); err == nil {
			t.Fatal("the offered id (consumer cons) was taken by x's payment")
		}
		// The consumer can still open the offered id.
		if _, err := e.create(j); err != nil {
			t.Fatalf("consumer's offered job after x: %v", err)
		}
	})
	e.t = t
	// Two jobs open (x's and cons's), two new pair records, nothing else kept.
	if got, want := e.escrowBalance(), base+2*(lockAmount+contracts.JobBoxMBR)+2*contracts.PairRecordMBR; got != want {
		t.Fatalf("escrow balance %d, want %d (rejected groups left nothing)", got, want)
	}
}

// TestAdversaryTopUp: top-up by a third party, paid by a third party, of
// zero, after submit, after the deadline, or with a closing payment.
func TestAdversaryTopUp(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 20_000_000), x: newActor(t, 5_000_000)}
	topUp := func(caller, payer actor, id contracts.JobID, amount uint64, mut func(*types.Transaction)) error {
		pay := e.pay(payer, e.escrowAddr(), amount)
		if mut != nil {
			mut(&pay.Txn)
		}
		return e.call(caller, rawCall{app: e.d.Apps.Escrow, sig: topUpSig, args: []interface{}{id[:], pay},
			boxes: []types.AppBoxReference{{AppID: e.d.Apps.Escrow, Name: contracts.JobBoxName(id)}}})
	}
	open := e.openJob(f, 100, 100)
	before, err := e.c.Job(e.ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("by a third party", func(t *testing.T) {
		e.t = t
		e.wantSite(t, topUp(f.x, f.x, open, 1000, nil), escrowSite(contracts.ErrNotConsumer, 1))
	})
	t.Run("consumer's call, third party's payment", func(t *testing.T) {
		e.t = t
		e.wantSite(t, topUp(f.cons, f.x, open, 1000, nil), escrowSite(contracts.ErrPaymentSender, 1))
	})
	t.Run("zero payment", func(t *testing.T) {
		e.t = t
		e.wantSite(t, topUp(f.cons, f.cons, open, 0, nil), escrowSite(contracts.ErrPaymentAmount, 2))
	})
	// rawTopUp: the payment pays both fees (the call's is 0), so a payment
	// that closes the consumer still lets the call run; a rekeyed consumer's
	// call is signed by the new key.
	rawTopUp := func(mut func(*types.Transaction)) error {
		pay := e.pay(f.cons, e.escrowAddr(), 1000).Txn
		pay.Fee = 2000
		mut(&pay)
		call := e.appCall(f.cons, e.d.Apps.Escrow, types.NoOpOC, [][]byte{sel(topUpSig), open[:]}, 1, func(tx *types.Transaction) {
			addBox(tx, e.d.Apps.Escrow, contracts.JobBoxName(open))
		})
		call.Fee = 0
		auth := map[int]actor{}
		if !pay.RekeyTo.IsZero() {
			auth[1] = f.x
		}
		_, err := e.sendAs([]actor{f.cons}, auth, pay, call)
		return err
	}
	t.Run("payment rekeys the consumer", func(t *testing.T) {
		e.t = t
		e.wantSite(t, rawTopUp(func(tx *types.Transaction) { tx.RekeyTo = f.x.addr }), escrowSite(contracts.ErrPaymentRekey, 1))
	})
	t.Run("payment closes the consumer to the escrow", func(t *testing.T) {
		e.t = t
		e.wantSite(t, rawTopUp(func(tx *types.Transaction) { tx.CloseRemainderTo = e.escrowAddr() }), escrowSite(contracts.ErrPaymentClose, 1))
	})
	t.Run("after submit", func(t *testing.T) {
		e.t = t
		id := e.submittedJob(f, 100, 100)
		e.wantSite(t, topUp(f.cons, f.cons, id, 1000, nil), escrowSite(contracts.ErrBadState, 2))
	})
	t.Run("after the deadline", func(t *testing.T) {
		e.t = t
		id := e.openJob(f, 1, 100)
		e.advance(2)
		e.wantSite(t, topUp(f.cons, f.cons, id, 1000, nil), escrowSite(contracts.ErrPastDeadline, 2))
	})
	t.Run("huge top-up cannot push the deadline past created + dmax", func(t *testing.T) {
		e.t = t
		// 10 ALGO at 3.6 ALGO/h is 10000 more seconds: the deadline caps at
		// created_round + 5000 while locked and max_seconds grow exactly.
		if err := topUp(f.cons, f.cons, open, 10_000_000, nil); err != nil {
			t.Fatal(err)
		}
		job, err := e.c.Job(e.ctx, open)
		if err != nil {
			t.Fatal(err)
		}
		if job.DeadlineRound != before.CreatedRound+5000 || job.Locked != lockAmount+10_000_000 || job.MaxSeconds != 11_000 {
			t.Fatalf("after top-up %+v", job)
		}
		if job.RatePerHour*job.MaxSeconds > job.Locked*3600 {
			t.Fatal("top-up broke rate*max <= locked*3600")
		}
	})
	e.t = t
}

// TestAdversaryRoundingAndBalances: bills that round down leave no dust:
// every microAlgo of locked + box MBR leaves the Escrow at settlement.
func TestAdversaryRoundingAndBalances(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	p, cons := e.registered(), newActor(t, 5_000_000)
	base := e.escrowBalance()
	cases := []struct {
		rate, max, billed, wantBill uint64
	}{
		{3601, 7, 7, 7},  // 25207/3600 = 7.0019: locked 8, bill 7, consumer keeps 1
		{1, 3600, 59, 0}, // bill 59/3600 rounds to 0: all back to the consumer
		{7_199_999, 1, 1, 1999},
	}
	for i, c := range cases {
		j := e.job(p, cons, 100, 100)
		locked, err := contracts.LockFor(c.rate, c.max)
		if err != nil {
			t.Fatal(err)
		}
		j.RatePerHour, j.MaxSeconds, j.Locked = c.rate, c.max, locked
		if _, err := e.create(j); err != nil {
			t.Fatalf("case %d create: %v", i, err)
		}
		if _, err := e.c.SubmitResult(e.ctx, p.addr, p.signer, j.ID, proofHash, outputHash, c.billed); err != nil {
			t.Fatalf("case %d submit: %v", i, err)
		}
		l := e.snapshot(map[string]actorOrApp{"consumer": cons.addr, "provider": p.addr, "escrow": e.escrowAddr()})
		res, err := e.c.Release(e.ctx, cons.addr, cons.signer, j.ID)
		if err != nil {
			t.Fatalf("case %d release: %v", i, err)
		}
		l.add("provider", int64(c.wantBill))
		l.add("consumer", int64(locked-c.wantBill+contracts.JobBoxMBR)-int64(res.Fees))
		l.add("escrow", -int64(locked+contracts.JobBoxMBR))
		l.check("release")
	}
	if got, want := e.escrowBalance(), base+contracts.PairRecordMBR; got != want {
		t.Fatalf("escrow %d, want baseline %d + one pair record", got, base)
	}
}

// TestAdversaryRaces: a settled job cannot be settled again by any path,
// and its id cannot be opened again.
func TestAdversaryRaces(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 20_000_000), x: newActor(t, 5_000_000)}
	noJob := escrowSite(contracts.ErrNoSuchJob, 1)

	t.Run("release then claim, release, dispute", func(t *testing.T) {
		e.t = t
		id := e.submittedJob(f, 100, 1)
		if _, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id); err != nil {
			t.Fatal(err)
		}
		e.advance(2)
		_, err := e.c.Claim(e.ctx, f.x.addr, f.x.signer, id)
		e.wantSite(t, err, noJob)
		_, err = e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
		e.wantSite(t, err, noJob)
		_, err = e.c.Dispute(e.ctx, f.cons.addr, f.cons.signer, id)
		e.wantSite(t, err, noJob)
	})
	t.Run("dispute then claim", func(t *testing.T) {
		e.t = t
		id := e.submittedJob(f, 100, 1)
		if _, err := e.c.Dispute(e.ctx, f.cons.addr, f.cons.signer, id); err != nil {
			t.Fatal(err)
		}
		e.advance(2)
		_, err := e.c.Claim(e.ctx, f.p.addr, f.p.signer, id)
		e.wantSite(t, err, noJob)
	})
	t.Run("refund then submit and top-up", func(t *testing.T) {
		e.t = t
		id := e.openJob(f, 1, 100)
		e.advance(2)
		if _, err := e.c.Refund(e.ctx, f.x.addr, f.x.signer, id); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, 1)
		e.wantSite(t, err, noJob)
		_, err = e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, id, 1000)
		e.wantSite(t, err, noJob)
	})
	t.Run("release and claim in one group", func(t *testing.T) {
		// Both in one atomic group: the second finds no box, so neither lands.
		e.t = t
		id := e.submittedJob(f, 100, 1)
		e.advance(2)
		l := e.snapshot(map[string]actorOrApp{"escrow": e.escrowAddr()})
		refs := func(tx *types.Transaction) {
			addBox(tx, e.d.Apps.Escrow, contracts.JobBoxName(id))
			addBox(tx, e.d.Apps.Registry, contracts.ReputationBoxName(f.p.addr))
			tx.Accounts = []types.Address{f.cons.addr, f.p.addr}
		}
		rel := e.appCall(f.cons, e.d.Apps.Escrow, types.NoOpOC, [][]byte{sel("release(byte[32])void"), id[:]}, 4, refs)
		clm := e.appCall(f.cons, e.d.Apps.Escrow, types.NoOpOC, [][]byte{sel("claim(byte[32])void"), id[:]}, 4, refs)
		_, err := e.sendTxns([]actor{f.cons}, rel, clm)
		e.wantSite(t, err, noJob)
		l.check("rejected double settlement")
	})
	t.Run("re-open a settled id, or an older nonce", func(t *testing.T) {
		e.t = t
		j := e.job(f.p, f.cons, 100, 100)
		if _, err := e.create(j); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, j.ID, proofHash, outputHash, billSecs); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, j.ID); err != nil {
			t.Fatal(err)
		}
		_, err := e.create(j)
		e.wantSite(t, err, escrowSite(contracts.ErrNonceUsed, 1))
		older := j
		older.Nonce[31]--
		older.ID = older.JobID()
		_, err = e.create(older)
		e.wantSite(t, err, escrowSite(contracts.ErrNonceUsed, 1))
	})
	e.t = t
}

// TestAdversaryInnerFees: a settlement whose caller pools too little fee
// fails as a whole; the Escrow never pays an inner fee from its balance.
func TestAdversaryInnerFees(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 5_000_000), x: newActor(t, 5_000_000)}
	id := e.openJob(f, 1, 100)
	e.advance(2)
	l := e.snapshot(map[string]actorOrApp{"escrow": e.escrowAddr(), "registry": e.registryAddr()})
	err := e.call(f.x, rawCall{app: e.d.Apps.Escrow, sig: "refund(byte[32])void", args: []interface{}{id[:]}, inner: 0,
		apps:     []uint64{e.d.Apps.Registry},
		accounts: []string{f.cons.addr.String(), f.p.addr.String()},
		boxes: []types.AppBoxReference{{AppID: e.d.Apps.Escrow, Name: contracts.JobBoxName(id)},
			{AppID: e.d.Apps.Registry, Name: contracts.ReputationBoxName(f.p.addr)}}})
	if err == nil {
		t.Fatal("VULNERABILITY: refund with a 1000 µALGO fee (2 inner txns unpaid) accepted")
	}
	if !bytes.Contains([]byte(err.Error()), []byte("too small")) {
		t.Fatalf("want the pooled-fee rejection, got %v", err)
	}
	l.check("underpaid refund")
	if _, err := e.c.Job(e.ctx, id); err != nil {
		t.Fatalf("job gone after the failed refund: %v", err)
	}
	if _, err := e.c.Refund(e.ctx, f.x.addr, f.x.signer, id); err != nil {
		t.Fatal(err)
	}
}

// TestAdversaryNonceCeiling: a provider can offer the largest nonce; the
// pair (this provider, this consumer) can then never open another job.
// Only the two parties of the pair can do it (both sign the group), so it
// is not third-party griefing; documented here for the offer check.
func TestAdversaryNonceCeiling(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	p, cons := e.registered(), newActor(t, 5_000_000)
	j := e.job(p, cons, 100, 100)
	for i := range j.Nonce {
		j.Nonce[i] = 0xff
	}
	j.ID = j.JobID()
	if _, err := e.create(j); err != nil {
		t.Fatalf("create with nonce 2^256-1: %v", err)
	}
	next := e.job(p, cons, 100, 100)
	_, err := e.create(next)
	e.wantSite(t, err, escrowSite(contracts.ErrNonceUsed, 1))
	t.Logf("pair (%s, %s) is exhausted after nonce 0xff..ff: every later create_job fails NONCE_USED", p.addr, cons.addr)
}

// TestAdversaryClosedConsumer: a consumer that closes its account after
// opening a job cannot make the settlement fail (its share, at least the
// box MBR, always reopens the account), on claim and on refund.
func TestAdversaryClosedConsumer(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	p := e.registered()
	t.Run("claim", func(t *testing.T) {
		e.t = t
		f := fix{p: p, cons: newActor(t, 2_000_000)}
		id := e.submittedJob(f, 100, 1)
		e.closeOut(f.cons)
		e.advance(2)
		l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": p.addr, "escrow": e.escrowAddr()})
		res, err := e.c.Claim(e.ctx, p.addr, p.signer, id)
		if err != nil {
			t.Fatalf("claim with the consumer's account closed: %v", err)
		}
		l.add("consumer", lockAmount-billAmount+contracts.JobBoxMBR)
		l.add("provider", billAmount-int64(res.Fees))
		l.add("escrow", -(lockAmount + contracts.JobBoxMBR))
		l.check("claim")
	})
	t.Run("refund", func(t *testing.T) {
		e.t = t
		f := fix{p: p, cons: newActor(t, 2_000_000), x: newActor(t, 1_000_000)}
		id := e.openJob(f, 1, 100)
		e.closeOut(f.cons)
		e.advance(2)
		l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "escrow": e.escrowAddr()})
		if _, err := e.c.Refund(e.ctx, f.x.addr, f.x.signer, id); err != nil {
			t.Fatalf("refund with the consumer's account closed: %v", err)
		}
		l.add("consumer", lockAmount+contracts.JobBoxMBR)
		l.add("escrow", -(lockAmount + contracts.JobBoxMBR))
		l.check("refund")
	})
	e.t = t
}

// TestAdversaryTinyTopUp: a 1 µALGO top-up adds no billable second and no
// deadline round, and comes back to the consumer at settlement (no dust).
func TestAdversaryTinyTopUp(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 5_000_000)}
	base := e.escrowBalance()
	id := e.openJob(f, 100, 100)
	before, err := e.c.Job(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, id, 1); err != nil {
		t.Fatal(err)
	}
	after, err := e.c.Job(e.ctx, id)
	if err != nil || after.Locked != lockAmount+1 || after.MaxSeconds != before.MaxSeconds || after.DeadlineRound != before.DeadlineRound {
		t.Fatalf("after a 1 µALGO top-up %+v %v", after, err)
	}
	if _, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, billSecs); err != nil {
		t.Fatal(err)
	}
	l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": f.p.addr})
	res, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
	if err != nil {
		t.Fatal(err)
	}
	l.add("provider", billAmount)
	l.add("consumer", lockAmount+1-billAmount+contracts.JobBoxMBR-int64(res.Fees))
	l.check("release")
	if got := e.escrowBalance(); got != base+contracts.PairRecordMBR {
		t.Fatalf("escrow %d, want %d", got, base+contracts.PairRecordMBR)
	}
}

// TestAdversaryBadgePoolStarvation: a self-dealing pair that crosses a tier
// and never claims locks 122 500 µALGO of the BadgeMinter's pool; once the
// pool is short, an honest provider crossing the tier gets no badge (its
// settlement still succeeds and its tier stays 0) until the pool is topped
// up, when its next completed job mints. Documented behaviour (README,
// Badges), shown here with a pool of one mint and tier 1 at one job.
func TestAdversaryBadgePoolStarvation(t *testing.T) {
	cfg := testConfig([3]uint64{1, 50, 60})
	cfg.BadgePool = contracts.BadgeMintCost
	e := newEnv(t, cfg)
	complete := func(p, cons actor) {
		t.Helper()
		id := e.openJob(fix{p: p, cons: cons}, 100, 100)
		if _, err := e.c.SubmitResult(e.ctx, p.addr, p.signer, id, proofHash, outputHash, billSecs); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Release(e.ctx, cons.addr, cons.signer, id); err != nil {
			t.Fatalf("release: %v", err)
		}
	}
	tier := func(p actor) uint64 {
		t.Helper()
		r, err := e.c.Reputation(e.ctx, p.addr)
		if err != nil {
			t.Fatal(err)
		}
		return r.BadgeTier
	}
	sybil, sybilCons := e.registered(), newActor(t, 5_000_000)
	complete(sybil, sybilCons)
	if tier(sybil) != 1 {
		t.Fatalf("sybil tier %d, want 1", tier(sybil))
	}
	honest, cons := e.registered(), newActor(t, 10_000_000)
	complete(honest, cons)
	if got := tier(honest); got != 0 {
		t.Fatalf("honest tier %d with an empty pool, want 0 (no mint)", got)
	}
	if _, err := e.sendTxns([]actor{e.creator}, e.pay(e.creator, e.badgeAddr(), contracts.BadgeMintCost).Txn); err != nil {
		t.Fatal(err)
	}
	complete(honest, cons)
	if got := tier(honest); got != 1 {
		t.Fatalf("honest tier %d after the pool was topped up, want 1", got)
	}
}

// TestAdversaryInnerCreateJob: an attacker's app cannot hijack a consumer's
// payment at the outer group position before the app's call: the Escrow's
// create_job, called as an inner transaction, looks for its payment in
// the inner group (where the relay's call is index 0).
func TestAdversaryInnerCreateJob(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	p, cons, x := e.registered(), newActor(t, 5_000_000), newActor(t, 5_000_000)
	relay := e.relay()
	j := e.job(p, cons, 100, 100)
	pay, call := e.createGroup(j)
	args := append([][]byte{u64(e.d.Apps.Escrow)}, call.ApplicationArgs...)
	rc := e.appCall(x, relay, types.NoOpOC, args, 3, func(tx *types.Transaction) {
		tx.ForeignApps = []types.AppIndex{types.AppIndex(e.d.Apps.Escrow), types.AppIndex(e.d.Apps.Registry)}
		tx.BoxReferences = call.BoxReferences
		for i := range tx.BoxReferences {
			tx.BoxReferences[i].ForeignAppIdx = 1
		}
	})
	l := e.snapshot(map[string]actorOrApp{"consumer": cons.addr, "escrow": e.escrowAddr()})
	_, err := e.sendTxns([]actor{cons, x}, pay, rc)
	e.wantSite(t, err, escrowSite(contracts.ErrPaymentMissing, 1))
	l.check("hijack attempt")
}

// TestAdversaryOnCompletion: delete, opt-in and close-out of every app
// fail at its route's on-completion check; clear state has nothing to
// clear (no account can opt in), and the apps survive all of it.
func TestAdversaryOnCompletion(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	x := newActor(t, 1_000_000)
	apps := map[string]uint64{"Escrow": e.d.Apps.Escrow, "Registry": e.d.Apps.Registry, "BadgeMinter": e.d.Apps.Badge}
	for name, id := range apps {
		for _, oc := range []struct {
			what string
			onc  types.OnCompletion
			by   actor
		}{{"delete by the creator", types.DeleteApplicationOC, e.creator}, {"opt-in", types.OptInOC, x}, {"close-out", types.CloseOutOC, x}} {
			t.Run(name+" "+oc.what, func(t *testing.T) {
				e.t = t
				_, err := e.sendTxns([]actor{oc.by}, e.appCall(oc.by, id, oc.onc, nil, 1, nil))
				e.wantSite(t, err, at(name, contracts.ErrBadOnCompletion, 1))
			})
		}
		t.Run(name+" clear state", func(t *testing.T) {
			e.t = t
			if _, err := e.sendTxns([]actor{x}, e.appCall(x, id, types.ClearStateOC, nil, 1, nil)); err == nil {
				t.Fatal("clear state of an app never opted in accepted")
			}
			if _, err := e.c.Algod().GetApplicationByID(id).Do(e.ctx); err != nil {
				t.Fatalf("%s gone: %v", name, err)
			}
		})
	}
	e.t = t
}

// TestAdversaryDeregisterWithOpenJobs: a provider that deregisters while
// it has an open and a submitted job cannot open new ones, and both old
// jobs still settle, pay exactly and reach its permanent record.
func TestAdversaryDeregisterWithOpenJobs(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 10_000_000), x: newActor(t, 1_000_000)}
	open := e.openJob(f, 2, 100)
	done := e.submittedJob(f, 100, 1)
	if _, err := e.c.Deregister(e.ctx, f.p.addr, f.p.signer); err != nil {
		t.Fatal(err)
	}
	_, err := e.create(e.job(f.p, f.cons, 100, 100))
	e.wantSite(t, err, escrowSite(contracts.ErrProviderNotRegistered, 1))
	e.advance(3)
	l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": f.p.addr, "escrow": e.escrowAddr()})
	if _, err := e.c.Refund(e.ctx, f.x.addr, f.x.signer, open); err != nil {
		t.Fatalf("refund after deregister: %v", err)
	}
	res, err := e.c.Claim(e.ctx, f.p.addr, f.p.signer, done)
	if err != nil {
		t.Fatalf("claim after deregister: %v", err)
	}
	l.add("consumer", 2*(lockAmount+contracts.JobBoxMBR)-billAmount)
	l.add("provider", billAmount-int64(res.Fees))
	l.add("escrow", -2*(lockAmount+contracts.JobBoxMBR))
	l.check("settlements after deregister")
	r, err := e.c.Reputation(e.ctx, f.p.addr)
	if err != nil || r.Completed != 1 || r.Failed != 1 || r.ComputeSeconds != billSecs || r.TotalEarned != billAmount {
		t.Fatalf("record after deregister %+v %v", r, err)
	}
}

// TestAdversaryExtremeRate: rate 2^64-1 cannot overflow the bill or the
// lock check: with max_seconds 1 it needs locked ≥ ⌈(2^64-1)/3600⌉
// (UNDERFUNDED for 1 µALGO); with max_seconds 0 the job opens, bills 0
// and returns every microAlgo; a top-up then adds no seconds.
func TestAdversaryExtremeRate(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 5_000_000)}
	j := e.job(f.p, f.cons, 100, 100)
	j.RatePerHour, j.MaxSeconds, j.Locked = math.MaxUint64, 1, 1
	_, err := e.create(j)
	e.wantSite(t, err, escrowSite(contracts.ErrUnderfunded, 1))
	j.MaxSeconds = 0
	if _, err := e.create(j); err != nil {
		t.Fatalf("rate 2^64-1, max 0: %v", err)
	}
	if _, err := e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, j.ID, 3599); err != nil {
		t.Fatal(err)
	}
	if job, err := e.c.Job(e.ctx, j.ID); err != nil || job.MaxSeconds != 0 || job.Locked != 3600 {
		t.Fatalf("after top-up %+v %v", job, err)
	}
	_, err = e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, j.ID, proofHash, outputHash, 1)
	e.wantSite(t, err, escrowSite(contracts.ErrOverMax, 1))
	if _, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, j.ID, proofHash, outputHash, 0); err != nil {
		t.Fatal(err)
	}
	l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": f.p.addr})
	res, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	l.add("consumer", 3600+contracts.JobBoxMBR-int64(res.Fees))
	l.check("release")
}

// TestAdversaryLookalikeEscrow: an attacker deploys the real Escrow code
// as its own app, configured with the real Registry, and runs a
// self-dealing job through it to write completed jobs into the real
// record. The settlement's record_job is refused by the Registry (caller
// app is not its Escrow), so the whole settlement fails and the victim
// Registry's record is untouched; the attacker only strands its own money
// in its own app.
func TestAdversaryLookalikeEscrow(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	x := newActor(t, 5_000_000)
	fake := e.freshApp(x, "Escrow")
	if err := e.call(x, rawCall{app: fake, sig: escrowConfigureSig,
		args: []interface{}{e.d.Apps.Registry, uint64(1), uint64(5000), uint64(1), uint64(5000)}}); err != nil {
		t.Fatalf("configure the lookalike: %v", err)
	}
	if _, err := e.sendTxns([]actor{x}, e.pay(x, crypto.GetApplicationAddress(fake), 100_000).Txn); err != nil {
		t.Fatal(err)
	}
	fc, err := contracts.NewClient(e.c.Algod(), contracts.AppIDs{Registry: e.d.Apps.Registry, Escrow: fake, Badge: e.d.Apps.Badge})
	if err != nil {
		t.Fatal(err)
	}
	p, cons := e.registered(), newActor(t, 5_000_000)
	j := e.job(p, cons, 100, 100)
	if _, _, err := fc.CreateJob(e.ctx, j.Offer, cons.signer, p.signer); err != nil {
		t.Fatalf("create in the lookalike: %v", err)
	}
	if _, err := fc.SubmitResult(e.ctx, p.addr, p.signer, j.ID, proofHash, outputHash, billSecs); err != nil {
		t.Fatal(err)
	}
	before, err := e.c.Reputation(e.ctx, p.addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fc.Release(e.ctx, cons.addr, cons.signer, j.ID)
	e.wantSite(t, err, at("Registry", contracts.ErrNotEscrow, 2))
	after, err := e.c.Reputation(e.ctx, p.addr)
	if err != nil || after != before {
		t.Fatalf("record changed by the lookalike: %+v → %+v (%v)", before, after, err)
	}
}
