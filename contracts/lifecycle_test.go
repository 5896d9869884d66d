package contracts_test

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
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
	return info.Amount
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
	billSecs   = 300     // at 3.6 ALGO/hour: 300000 microAlgo
	billAmount = 300_000 // rate*seconds/3600
)

var (
	proofHash  = contracts.Hash(sha256.Sum256([]byte("proof")))
	outputHash = contracts.Hash(sha256.Sum256([]byte("output")))
)

// TestLifecycleRelease: create, submit, release with exact balances.
func TestLifecycleRelease(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{5, 6, 7}))
	p := e.registered()
	cons := newActor(t, 5_000_000)
	l := e.snapshot(map[string]actorOrApp{"consumer": cons.addr, "provider": p.addr, "escrow": e.escrowAddr(), "registry": e.registryAddr()})

	jp := jobParams(p.addr, lockAmount, 100, 100)
	res, err := e.c.CreateJob(e.ctx, cons.addr, cons.signer, jp)
	if err != nil {
		t.Fatalf("create_job: %v", err)
	}
	l.add("consumer", -int64(lockAmount+contracts.JobBoxMBR+res.Fees))
	l.add("escrow", lockAmount+contracts.JobBoxMBR)
	l.check("create_job")
	job, err := e.c.Job(e.ctx, jp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if job.Consumer != cons.addr || job.Provider != p.addr || job.Locked != lockAmount || job.Status != contracts.JobOpen ||
		job.DeadlineRound != job.CreatedRound+100 || job.SpecHash != jp.SpecHash || job.DisputeWindow != 100 {
		t.Fatalf("job box %+v", job)
	}

	res, err = e.c.SubmitResult(e.ctx, p.addr, p.signer, jp.ID, proofHash, outputHash, billSecs)
	if err != nil {
		t.Fatalf("submit_result: %v", err)
	}
	l.add("provider", -int64(res.Fees))
	l.check("submit_result")
	if job, _ = e.c.Job(e.ctx, jp.ID); job.Status != contracts.JobSubmitted || job.ProofHash != proofHash ||
		job.OutputHash != outputHash || job.BilledSeconds != billSecs || job.Bill() != billAmount {
		t.Fatalf("submitted job %+v", job)
	}

	res, err = e.c.Release(e.ctx, cons.addr, cons.signer, jp.ID)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	if res.Fees != 4000 {
		t.Errorf("release fee %d, want 4000", res.Fees)
	}
	l.add("consumer", lockAmount-billAmount+contracts.JobBoxMBR-int64(res.Fees))
	l.add("provider", billAmount)
	l.add("escrow", -(lockAmount + contracts.JobBoxMBR))
	l.check("release")
	e.wantNoJob(jp.ID)

	prov, err := e.c.Provider(e.ctx, p.addr)
	if err != nil {
		t.Fatal(err)
	}
	if prov.Completed != 1 || prov.ComputeSeconds != billSecs || prov.TotalEarned != billAmount || prov.Failed != 0 || prov.Disputed != 0 {
		t.Errorf("provider counters %+v", prov)
	}
}
