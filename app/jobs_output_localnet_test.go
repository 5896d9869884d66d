package app

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
)

// TestSettlementOutputAndEarningsLocalNet runs a job between two of the
// window's market services on the real LocalNet and Docker. While its
// result awaits release, the release preview matches the escrow box, the
// provider's Provide screen counts it as pending, and the output is saved
// beside (not over) a file of the same name, and unpacked. After the
// release the provider's earnings move from pending to settled, equal to
// what the JobSettled event paid it, and the consumer got back exactly
// the previewed remainder.
func TestSettlementOutputAndEarningsLocalNet(t *testing.T) {
	ctx, dep, prov, cons := newServiceMarket(t)
	svc := newProviderService(ctx, prov.conn, newMarketplaceSource(prov.cfg), freeListen(t), testLog(t))
	t.Cleanup(func() { _ = svc.shutdown(context.Background()) })
	chain, err := contracts.NewClient(testkit.Algod(t), dep.Apps)
	if err != nil {
		t.Fatal(err)
	}
	const price = 3_600_000
	if err := svc.SetPolicy(ctx, ui.ProviderPolicy{PricePerHour: price, AllowedImages: []string{"kinetic-test/"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	jobs := newJobsSource(cons.conn)
	submitted := time.Now()
	id, err := jobs.Submit(ctx, ui.JobRequest{Image: testkit.TestImageRef, Command: []string{"sh", "-c", "sleep 2; echo kinetic > /output/hello.txt"},
		CPUs: 0.5, MemoryMB: 64, MaxSeconds: 20, Provider: prov.addr.String()})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	paid := time.Now()
	// The row dates the job by this machine's clock when its payment
	// confirmed, not by block time (which a DevMode LocalNet can run ahead).
	rows, err := jobs.Jobs(ctx)
	if err != nil || len(rows) != 1 || rows[0].Created.Before(submitted) || rows[0].Created.After(paid) {
		t.Fatalf("rows %+v, %v; want one created between %s and %s", rows, err, submitted, paid)
	}
	if rows[0].State == ui.JobRunning && !rows[0].FundsUntil.Equal(rows[0].Created.Add(20*time.Second)) {
		t.Errorf("funds run out at %s, want the payment time plus 20 s, %s", rows[0].FundsUntil, rows[0].Created.Add(20*time.Second))
	}
	waitJob(t, ctx, jobs, id, ui.RoleConsumer, ui.JobSubmitted, 90*time.Second)
	waitJob(t, ctx, newJobsSource(prov.conn), id, ui.RoleProvider, ui.JobSubmitted, 10*time.Second)

	// The release preview is the escrow box's.
	box, err := chain.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	set, err := jobs.Settlement(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if set.Provider != prov.addr.String() || set.Consumer != cons.addr.String() || set.Locked != box.Locked ||
		set.Bill != box.Bill() || set.Bill == 0 || set.BoxDeposit != contracts.JobBoxMBR || set.RatePerHour != price {
		t.Fatalf("settlement preview %+v, box %+v (bill %d)", set, box, box.Bill())
	}

	// Pending on the Provide screen, before any wallet history.
	st, err := svc.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := st.Earnings; e.PendingJobs != 1 || e.Pending != set.Bill || e.SettledJobs != 0 || e.SettledTotal != 0 {
		t.Fatalf("earnings while pending: %+v, want %d pending", e, set.Bill)
	}

	// The output, saved twice beside a file that has the archive's name.
	dir := t.TempDir()
	taken := filepath.Join(dir, "kinetic-job-"+id.String()[:16]+".tar")
	if err := os.WriteFile(taken, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := jobs.SaveOutput(ctx, id, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "kinetic-job-"+id.String()[:16]+"-2.tar"); p != want {
		t.Errorf("archive saved to %s, want %s", p, want)
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Errorf("the existing file now holds %q", b)
	}
	if got := tarFile(t, p, "hello.txt"); got != "kinetic\n" {
		t.Errorf("hello.txt in the archive holds %q", got)
	}
	unpacked, err := jobs.SaveOutput(ctx, id, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	var found string
	_ = filepath.WalkDir(unpacked, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "hello.txt" {
			b, _ := os.ReadFile(path)
			found = string(b)
		}
		return nil
	})
	if found != "kinetic\n" {
		t.Errorf("unpacked into %s: hello.txt holds %q", unpacked, found)
	}

	// Release: the earnings are settled at what the event paid.
	if err := jobs.Release(ctx, id); err != nil {
		t.Fatalf("release: %v", err)
	}
	waitJob(t, ctx, newJobsSource(prov.conn), id, ui.RoleProvider, ui.JobReleased, 60*time.Second)
	// The consumer's detail of the settled job: over, its settlement listed,
	// the proof marked verified (the release from the Jobs screen verified
	// the output and journaled its digest).
	d, err := jobs.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != ui.JobReleased || d.Progress != 1 || len(d.Proof) < 8 || !d.OutputReady {
		t.Fatalf("settled detail: state %s, progress %v, %d proof steps, output ready %v", d.State, d.Progress, len(d.Proof), d.OutputReady)
	}
	if last := d.Txns[len(d.Txns)-1]; last.What != "settlement (released)" || last.TxID == "" {
		t.Errorf("settled detail's last transaction %+v, want the release", last)
	}
	if p := d.Proof[0]; p.Mark != ui.ProofVerified {
		t.Errorf("proof step 1 %+v, want verified", p)
	}
	// After settlement the output still saves, checked against that digest.
	if _, err := jobs.SaveOutput(ctx, id, t.TempDir(), false); err != nil {
		t.Errorf("save the settled job's output: %v", err)
	}
	// A download that is not the output verified (here: the journaled
	// digest is another's, as if the provider now served a different tar)
	// and a job settled without a verified digest are refused, each with
	// its reason, and nothing is written.
	rec, ok, err := consumer.LoadJob(cons.conn.db, id)
	if err != nil || !ok || rec.Digest == "" {
		t.Fatalf("consumer record %+v, %v, %v; want the verified digest", rec, ok, err)
	}
	for _, c := range []struct{ digest, want string }{
		{strings.Repeat("00", 32), "the provider now serves a different output from the one verified for job " + id.String() + "; not saved"},
		{"", "job " + id.String() + " is settled and its output was never verified here, so there is nothing to check a download against; not saved"},
	} {
		bad := rec
		bad.Digest = c.digest
		if err := consumer.SaveJob(cons.conn.db, bad); err != nil {
			t.Fatal(err)
		}
		empty := t.TempDir()
		if _, err := jobs.SaveOutput(ctx, id, empty, true); err == nil || err.Error() != c.want {
			t.Errorf("save with digest %q: %v, want %q", c.digest, err, c.want)
		}
		if left, _ := os.ReadDir(empty); len(left) != 0 {
			t.Errorf("save with digest %q wrote %d entries", c.digest, len(left))
		}
	}
	if err := consumer.SaveJob(cons.conn.db, rec); err != nil {
		t.Fatal(err)
	}
	st, err = svc.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := st.Earnings; e.SettledJobs != 1 || e.SettledTotal != set.Bill || e.SettledToday != set.Bill || e.PendingJobs != 0 || e.Unpriced != 0 {
		t.Fatalf("earnings after release: %+v, want %d settled today", e, set.Bill)
	}
	if st.EarnedToday != set.Bill {
		t.Errorf("EarnedToday %d, want %d", st.EarnedToday, set.Bill)
	}
	pj, err := provider.ListJobs(prov.conn.db)
	if err != nil || len(pj) != 1 || pj[0].SettleTxID == "" {
		t.Fatalf("provider records %+v, %v", pj, err)
	}
	// The provider's detail: released, what it was paid, the nine steps it
	// recorded, each checked, and its two transactions.
	pd, err := newJobsSource(prov.conn).Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if pd.State != ui.JobReleased || pd.Paid != set.Bill || pd.Progress != 1 || len(pd.Proof) != 9 || len(pd.Txns) != 2 ||
		pd.Txns[1].What != "settlement (released)" || pd.Txns[1].TxID != pj[0].SettleTxID {
		t.Fatalf("provider detail: state %s, paid %d (bill %d), progress %v, %d proof steps, txns %+v", pd.State, pd.Paid, set.Bill, pd.Progress, len(pd.Proof), pd.Txns)
	}
	for _, st := range pd.Proof {
		if st.Mark != ui.ProofVerified {
			t.Errorf("provider's proof step %d %s: %+v, want verified", st.Index, st.Kind, st)
		}
	}
	// The provider's row carries the job's image, lock and price.
	if pj[0].Image != testkit.TestImageRef || pj[0].Locked != set.Locked || pj[0].Rate != price {
		t.Errorf("provider record image %q, locked %d, rate %d; want %q, %d, %d", pj[0].Image, pj[0].Locked, pj[0].Rate, testkit.TestImageRef, set.Locked, price)
	}
	ev, ok, err := algodEarnings{c: chain}.Settled(ctx, id, pj[0].SettleTxID, earningRecord{})
	if err != nil || !ok {
		t.Fatalf("settlement event: %v, found %v", err, ok)
	}
	if ev.Event.PaidProvider != set.Bill || ev.Event.PaidConsumer != set.ReleaseRefund() || ev.Provider != prov.addr.String() {
		t.Errorf("event paid provider %d (%s), consumer %d; previewed %d and %d", ev.Event.PaidProvider, ev.Provider,
			ev.Event.PaidConsumer, set.Bill, set.ReleaseRefund())
	}
}

// tarFile is the content of the archive member whose base name is name.
func tarFile(t *testing.T, path, name string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			return ""
		}
		if filepath.Base(h.Name) == name {
			c, _ := io.ReadAll(tr)
			return string(c)
		}
	}
}
