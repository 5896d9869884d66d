package contracts_test

import (
	"fmt"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestTopUp: the consumer adds 0.5 ALGO to an open job; locked, max
// seconds (+500 at 1000 microAlgo/s) and the deadline (+500 rounds) move,
// the event says so, and the release pays the longer bill. A top-up near
// the configured maximum deadline stops at created_round + dmax.
func TestTopUp(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	f := fix{p: e.registered(), cons: newActor(t, 5_000_000)}
	id := e.openJob(f, 100, 100)
	before, err := e.c.Job(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	l := e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": f.p.addr, "escrow": e.escrowAddr()})
	res, err := e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, id, 500_000)
	if err != nil {
		t.Fatalf("top_up: %v", err)
	}
	if res.Fees != 2000 {
		t.Errorf("top_up fees %d, want 2000", res.Fees)
	}
	l.add("consumer", -500_000-int64(res.Fees))
	l.add("escrow", 500_000)
	l.check("top_up")
	job, err := e.c.Job(e.ctx, id)
	if err != nil || job.Locked != 1_500_000 || job.MaxSeconds != 1500 || job.DeadlineRound != before.DeadlineRound+500 {
		t.Fatalf("after top_up %+v %v", job, err)
	}
	info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[1]).Do(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := contracts.DecodeJobToppedUp(info.Logs)
	if !ok || ev != (contracts.JobToppedUp{ID: id, Added: 500_000, Locked: 1_500_000, MaxSeconds: 1500, DeadlineRound: before.DeadlineRound + 500}) {
		t.Fatalf("JobToppedUp %+v (%v)", ev, ok)
	}
	testkit.AdvanceTime(t, 1300)
	if _, err := e.c.SubmitResult(e.ctx, f.p.addr, f.p.signer, id, proofHash, outputHash, 1200); err != nil {
		t.Fatalf("submit 1200 s after the top-up: %v", err)
	}
	l = e.snapshot(map[string]actorOrApp{"consumer": f.cons.addr, "provider": f.p.addr, "escrow": e.escrowAddr()})
	res, err = e.c.Release(e.ctx, f.cons.addr, f.cons.signer, id)
	if err != nil {
		t.Fatal(err)
	}
	l.add("provider", 1_200_000)
	l.add("consumer", 300_000+contracts.JobBoxMBR-int64(res.Fees))
	l.add("escrow", -(1_500_000 + contracts.JobBoxMBR))
	l.check("release")

	capped := e.openJob(f, 4900, 100)
	c0, err := e.c.Job(e.ctx, capped)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.TopUp(e.ctx, f.cons.addr, f.cons.signer, capped, 500_000); err != nil {
		t.Fatal(err)
	}
	c1, err := e.c.Job(e.ctx, capped)
	if err != nil || c1.DeadlineRound != c0.CreatedRound+5000 || c1.MaxSeconds != 1500 {
		t.Fatalf("capped top_up %+v %v, want deadline %d", c1, err, c0.CreatedRound+5000)
	}
}

// path is one terminal path of the mixed run.
type path int

const (
	pathRelease path = iota
	pathRefund
	pathDispute
	pathClaim
	pathTopUpRelease
	nPaths
)

func (p path) String() string {
	return [...]string{"release", "refund", "dispute", "claim", "top-up+release"}[p]
}

// TestMixedRun opens 50 jobs between 5 providers and 10 consumers (10
// pairs, 5 jobs each), 10 on
// each terminal path (release, refund, dispute, claim, top-up then
// release), and checks every balance to the microAlgo: the Registry and the
// BadgeMinter end at their baseline, the Escrow at its baseline plus one
// permanent pair record per new (provider, consumer) pair, every consumer
// got its job box MBR back (start − fees − bills − pair records), every
// provider has exactly its bills less its fees, and every reputation
// record counts exactly its jobs.
func TestMixedRun(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	var provs, conss []actor
	for i := 0; i < 5; i++ {
		provs = append(provs, e.registered())
	}
	names := map[string]actorOrApp{"escrow": e.escrowAddr(), "registry": e.registryAddr(), "badge": e.badgeAddr()}
	for i := 0; i < 10; i++ {
		conss = append(conss, newActor(t, 20_000_000))
		names[fmt.Sprintf("c%d", i)] = conss[i].addr
	}
	for i, p := range provs {
		names[fmt.Sprintf("p%d", i)] = p.addr
	}
	l := e.snapshot(names)
	escrow0 := l.want["escrow"]
	type run struct {
		j    testJob
		path path
		p, c int
	}
	var runs []run
	pairs := map[[2]int]bool{}
	for i := 0; i < 50; i++ {
		pi, ci := (i/5)%5, i/5 // 10 pairs, 5 jobs each, one per path
		pa := path(i % int(nPaths))
		deadline, window := uint64(1000), uint64(1000)
		switch pa {
		case pathRefund:
			deadline = 1
		case pathClaim:
			window = 1
		}
		j := e.job(provs[pi], conss[ci], deadline, window)
		res, err := e.create(j)
		if err != nil {
			t.Fatalf("job %d create: %v", i, err)
		}
		amount := int64(lockAmount + contracts.JobBoxMBR)
		if !pairs[[2]int{pi, ci}] {
			pairs[[2]int{pi, ci}] = true
			amount += contracts.PairRecordMBR
		}
		l.add(fmt.Sprintf("c%d", ci), -amount-1000)
		l.add(fmt.Sprintf("p%d", pi), -int64(res.Fees-1000))
		l.add("escrow", amount)
		runs = append(runs, run{j, pa, pi, ci})
	}
	for _, r := range runs {
		if r.path == pathTopUpRelease {
			res, err := e.c.TopUp(e.ctx, r.j.cons.addr, r.j.cons.signer, r.j.ID, 500_000)
			if err != nil {
				t.Fatalf("top_up: %v", err)
			}
			l.add(fmt.Sprintf("c%d", r.c), -500_000-int64(res.Fees))
			l.add("escrow", 500_000)
		}
	}
	testkit.AdvanceTime(t, 1300)
	seconds := map[path]uint64{pathRelease: billSecs, pathDispute: billSecs, pathClaim: billSecs, pathTopUpRelease: 1200}
	for _, r := range runs {
		if r.path == pathRefund {
			continue
		}
		res, err := e.c.SubmitResult(e.ctx, r.j.p.addr, r.j.p.signer, r.j.ID, proofHash, outputHash, seconds[r.path])
		if err != nil {
			t.Fatalf("%s submit: %v", r.path, err)
		}
		l.add(fmt.Sprintf("p%d", r.p), -int64(res.Fees))
	}
	e.advance(2)
	want := make([]contracts.Reputation, len(provs))
	for _, r := range runs {
		c := r.j.cons
		var res contracts.Result
		var err error
		bill, locked := uint64(0), uint64(lockAmount)
		switch r.path {
		case pathRelease, pathTopUpRelease:
			res, err = e.c.Release(e.ctx, c.addr, c.signer, r.j.ID)
			bill = seconds[r.path] * 1000
		case pathClaim:
			res, err = e.c.Claim(e.ctx, c.addr, c.signer, r.j.ID)
			bill = seconds[r.path] * 1000
		case pathRefund:
			res, err = e.c.Refund(e.ctx, c.addr, c.signer, r.j.ID)
		case pathDispute:
			res, err = e.c.Dispute(e.ctx, c.addr, c.signer, r.j.ID)
		}
		if err != nil {
			t.Fatalf("%s: %v", r.path, err)
		}
		if r.path == pathTopUpRelease {
			locked += 500_000
		}
		l.add(fmt.Sprintf("c%d", r.c), int64(locked-bill+contracts.JobBoxMBR)-int64(res.Fees))
		l.add(fmt.Sprintf("p%d", r.p), int64(bill))
		l.add("escrow", -int64(locked+contracts.JobBoxMBR))
		w := &want[r.p]
		switch r.path {
		case pathRefund:
			w.Failed++
		case pathDispute:
			w.Disputed++
		default:
			w.Completed++
			w.ComputeSeconds += seconds[r.path]
			w.TotalEarned += bill
		}
		e.wantNoJob(r.j.ID)
	}
	l.check("after 50 jobs")
	t.Logf("escrow holds %d new pair records (%d microAlgo, permanent); registry and badge minter at baseline", len(pairs), len(pairs)*contracts.PairRecordMBR)
	if got, want := e.balanceOf(e.escrowAddr()), escrow0+uint64(len(pairs))*contracts.PairRecordMBR; got != want {
		t.Errorf("escrow %d, want baseline %d + %d pair records = %d", got, escrow0, len(pairs), want)
	}
	for i, p := range provs {
		rep, err := e.c.Reputation(e.ctx, p.addr)
		if err != nil || rep != want[i] {
			t.Errorf("provider %d reputation %+v %v, want %+v", i, rep, err, want[i])
		}
	}
}
