package contracts_test

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// ledger tracks the exact balances the test expects.
type ledger struct {
	e    *env
	want map[string]uint64
	who  map[string]actorOrApp
}

type actorOrApp interface{ String() string }

func (e *env) snapshot(names map[string]actorOrApp) *ledger {
	l := &ledger{e: e, want: map[string]uint64{}, who: names}
	for n, a := range names {
		l.want[n] = e.balanceOf(a)
	}
	return l
}

func (e *env) balanceOf(a actorOrApp) uint64 {
	e.t.Helper()
	info, err := e.c.Algod().AccountInformation(a.String()).Do(e.ctx)
	if err != nil {
		e.t.Fatalf("balance of %s: %v", a, err)
	}
	// Amount includes the protocol rewards the LocalNet genesis pool pays
	// every round; Rewards is their running total, so the difference moves
	// only with transactions and is exact to the microAlgo.
	return info.Amount - info.Rewards
}

func (l *ledger) add(name string, delta int64) { l.want[name] = uint64(int64(l.want[name]) + delta) }

func (l *ledger) check(step string) {
	l.e.t.Helper()
	for n, a := range l.who {
		if got := l.e.balanceOf(a); got != l.want[n] {
			l.e.t.Errorf("%s: %s balance %d, want %d (diff %d)", step, n, got, l.want[n], int64(got)-int64(l.want[n]))
		}
	}
}

func (e *env) wantNoJob(id contracts.JobID) {
	e.t.Helper()
	if _, err := e.c.Job(e.ctx, id); !errors.Is(err, contracts.ErrNotFound) {
		e.t.Errorf("job box still there (err %v)", err)
	}
}

const (
	lockAmount = 1_000_000
	testRate   = 3_600_000 // microAlgo per hour: 1000 per second
	billSecs   = 36        // within the 60 s slack, so no block time has to pass
	billAmount = 36_000    // rate*seconds/3600
)

var (
	proofHash  = contracts.Hash(sha256.Sum256([]byte("proof")))
	outputHash = contracts.Hash(sha256.Sum256([]byte("output")))
)

// lifecycle is one way a job can end.
type lifecycle struct {
	name     string
	submit   bool
	deadline uint64
	window   uint64
	advance  int // blocks to produce before settling
	byThird  bool
	settle   func(e *env, a actor, id contracts.JobID) (contracts.Result, error)
	paid     int64 // to the provider
	outcome  contracts.Outcome
	counters func(p contracts.Provider) bool
}

func lifecycles() []lifecycle {
	return []lifecycle{
		{name: "release", outcome: contracts.OutcomeReleased, submit: true, deadline: 100, window: 100, paid: billAmount,
			settle: func(e *env, a actor, id contracts.JobID) (contracts.Result, error) {
				return e.c.Release(e.ctx, a.addr, a.signer, id)
			},
			counters: func(p contracts.Provider) bool {
				return p.Completed == 1 && p.ComputeSeconds == billSecs && p.TotalEarned == billAmount
			}},
		{name: "refund", outcome: contracts.OutcomeRefunded, deadline: 2, window: 100, advance: 3, byThird: true,
			settle: func(e *env, a actor, id contracts.JobID) (contracts.Result, error) {
				return e.c.Refund(e.ctx, a.addr, a.signer, id)
			},
			counters: func(p contracts.Provider) bool { return p.Failed == 1 && p.Completed == 0 && p.TotalEarned == 0 }},
		{name: "dispute", outcome: contracts.OutcomeDisputed, submit: true, deadline: 100, window: 100,
			settle: func(e *env, a actor, id contracts.JobID) (contracts.Result, error) {
				return e.c.Dispute(e.ctx, a.addr, a.signer, id)
			},
			counters: func(p contracts.Provider) bool { return p.Disputed == 1 && p.Completed == 0 && p.TotalEarned == 0 }},
		{name: "claim", outcome: contracts.OutcomeClaimed, submit: true, deadline: 100, window: 2, advance: 3, byThird: true, paid: billAmount,
			settle: func(e *env, a actor, id contracts.JobID) (contracts.Result, error) {
				return e.c.Claim(e.ctx, a.addr, a.signer, id)
			},
			counters: func(p contracts.Provider) bool { return p.Completed == 1 && p.TotalEarned == billAmount }},
	}
}

// feeRow is one transaction of a lifecycle path in the fee table.
type feeRow struct {
	path, step string
	txns       int
	fees       uint64
}

// TestLifecycles runs every terminal path with exact balances of consumer,
// provider, settling third party and the app accounts, checks that the
// Escrow is back to its baseline with the box gone, and prints the fee table.
func TestLifecycles(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{5, 6, 7}))
	var table []feeRow
	for _, lc := range lifecycles() {
		t.Run(lc.name, func(t *testing.T) {
			e.t = t
			table = append(table, runLifecycle(e, lc)...)
		})
	}
	e.t = t
	t.Log("fee table (microAlgo; one job end to end, deadline-passing filler blocks excluded):")
	totals := map[string]feeRow{}
	for _, r := range table {
		t.Logf("  %-8s %-14s txns=%d fees=%d", r.path, r.step, r.txns, r.fees)
		tot := totals[r.path]
		tot.txns += r.txns
		tot.fees += r.fees
		totals[r.path] = tot
	}
	for _, lc := range lifecycles() {
		tot := totals[lc.name]
		t.Logf("  %-8s TOTAL          txns=%d fees=%d", lc.name, tot.txns, tot.fees)
		if tot.txns > 4 {
			t.Errorf("%s takes %d transactions, want at most 4", lc.name, tot.txns)
		}
	}
}

func runLifecycle(e *env, lc lifecycle) []feeRow {
	t := e.t
	p := e.registered()
	cons := newActor(t, 5_000_000)
	third := newActor(t, 1_000_000)
	l := e.snapshot(map[string]actorOrApp{"consumer": cons.addr, "provider": p.addr, "third": third.addr,
		"escrow": e.escrowAddr(), "registry": e.registryAddr(), "badge": e.badgeAddr()})
	var rows []feeRow
	jp := e.job(p, cons, lc.deadline, lc.window)
	res, err := e.create(jp)
	if err != nil {
		t.Fatalf("create_job: %v", err)
	}
	rows = append(rows, feeRow{lc.name, "pay+create_job", 2, res.Fees})
	const createCallFee = 2000 // the provider's call, pooling the inner Registry read
	job, err := e.c.Job(e.ctx, jp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Consumer != cons.addr || job.Provider != p.addr || job.Locked != lockAmount || job.Status != contracts.JobOpen ||
		job.CreatedRound != res.Round || job.DeadlineRound != res.Round+lc.deadline || job.SpecHash != jp.SpecHash ||
		job.DisputeWindow != lc.window || job.RatePerHour != jp.RatePerHour || job.MaxSeconds != 1000 || job.CreatedTime == 0 {
		t.Fatalf("job box after create_job %+v", job)
	}
	// The pair's first job also pays its permanent nonce record.
	l.add("consumer", -int64(lockAmount+contracts.JobBoxMBR+contracts.PairRecordMBR+res.Fees-createCallFee))
	l.add("provider", -createCallFee)
	l.add("escrow", lockAmount+contracts.JobBoxMBR+contracts.PairRecordMBR)
	if lc.submit {
		res, err := e.c.SubmitResult(e.ctx, p.addr, p.signer, jp.ID, proofHash, outputHash, billSecs)
		if err != nil {
			t.Fatalf("submit_result: %v", err)
		}
		rows = append(rows, feeRow{lc.name, "submit_result", 1, res.Fees})
		l.add("provider", -int64(res.Fees))
	}
	l.check("before settling")
	e.advance(lc.advance)
	settler, who := cons, "consumer"
	if lc.byThird {
		settler, who = third, "third"
	}
	res, err = lc.settle(e, settler, jp.ID)
	if err != nil {
		t.Fatalf("%s: %v", lc.name, err)
	}
	rows = append(rows, feeRow{lc.name, lc.name, 1, res.Fees})
	l.add(who, -int64(res.Fees))
	l.add("provider", lc.paid)
	l.add("consumer", lockAmount-lc.paid+contracts.JobBoxMBR)
	l.add("escrow", -(lockAmount + contracts.JobBoxMBR))
	l.check("after " + lc.name)
	if n, ok, err := e.c.PairNonce(e.ctx, p.addr, cons.addr); err != nil || !ok || n != jp.Nonce {
		t.Errorf("pair record %x (%v, %v), want the job's nonce %x", n, ok, err, jp.Nonce)
	}
	e.wantNoJob(jp.ID)
	e.wantSettledEvent(res, contracts.JobSettled{ID: jp.ID, Outcome: lc.outcome, PaidProvider: uint64(lc.paid),
		PaidConsumer: uint64(lockAmount - lc.paid + contracts.JobBoxMBR)}, lc.submit)
	prov, err := e.c.Provider(e.ctx, p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if !lc.counters(prov) {
		t.Errorf("provider counters after %s: %+v", lc.name, prov)
	}
	return rows
}

// wantSettledEvent checks the ARC-28 JobSettled event of a settlement.
func (e *env) wantSettledEvent(res contracts.Result, want contracts.JobSettled, submitted bool) {
	e.t.Helper()
	info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[len(res.TxIDs)-1]).Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if submitted {
		want.ProofHash, want.OutputHash = proofHash, outputHash
	}
	got, ok := contracts.DecodeJobSettled(info.Logs)
	if !ok || got != want {
		e.t.Errorf("JobSettled event %+v (found %v), want %+v", got, ok, want)
	}
}

// TestSettlesAfterProviderLeft: a provider that deregisters and closes its
// account after submitting cannot lock the job. A bill that can reopen the
// account (at least the minimum balance) is paid to it; a smaller one would
// make the payment fail, so it goes to the consumer. Nothing stays behind.
func TestSettlesAfterProviderLeft(t *testing.T) {
	cases := []struct {
		name     string
		seconds  uint64
		provider int64
	}{
		{"bill reopens the account", 300, 300_000},
		{"bill below the minimum balance", 50, 0},
	}
	e := newEnv(t, testConfig([3]uint64{5, 6, 7}))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			f := fix{p: e.registered(), cons: newActor(t, 5_000_000)}
			id := e.openJob(f, 100, 100)
			testkit.AdvanceTime(t, c.seconds) // the billed seconds must have elapsed in block time
			if _, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, c.seconds); err != nil {
				t.Fatal(err)
			}
			if _, err := e.c.Deregister(e.ctx, f.p.addr, f.p.signer); err != nil {
				t.Fatal(err)
			}
			closeTx := e.pay(f.p, e.creator.addr, 0)
			closeTx.Txn.CloseRemainderTo = e.creator.addr
			var atc transaction.AtomicTransactionComposer
			_ = atc.AddTransaction(closeTx)
			if err := e.send(&atc); err != nil {
				t.Fatalf("close provider account: %v", err)
			}
			l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": f.p.addr, "escrow": e.escrowAddr()})
			res, err := e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
			if err != nil {
				t.Fatalf("release after the provider left: %v", err)
			}
			l.add("consumer", lockAmount-c.provider+contracts.JobBoxMBR-int64(res.Fees))
			l.add("provider", c.provider)
			l.add("escrow", -(lockAmount + contracts.JobBoxMBR))
			l.check("release")
			e.wantNoJob(id)
			e.wantSettledEvent(res, contracts.JobSettled{ID: id, Outcome: contracts.OutcomeReleased, PaidProvider: uint64(c.provider),
				PaidConsumer: uint64(lockAmount - c.provider + contracts.JobBoxMBR)}, true)
		})
	}
}
