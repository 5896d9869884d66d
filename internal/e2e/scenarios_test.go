package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// Offer terms `kinetic provide` puts in every offer (provider.Config's
// defaults: the command has no flag for them).
const (
	deadlineRounds = 1000
	windowRounds   = 100
)

var (
	releasedRE = regexp.MustCompile(`(?m)^released(: .*)? \(in \[\w+`)
	refundedRE = regexp.MustCompile(`(?m)^refunded(: .*)? \(in \[\w+`)
	startedRE  = regexp.MustCompile(`\[\d+\] proof .*execution_started`)
	proofRE    = regexp.MustCompile(`(?m)^\[\d+\] proof \{"Index":\d+,"Kind":"(\w+)"`)
	recoverRE  = regexp.MustCompile(`recovered: (\d+) re-attached, (\d+) re-queued, (\d+) failed \(refundable\)`)
)

// proofSteps are the proof steps of a job that ran, in order.
const proofSteps = "job_received,escrow_locked,image_verified,resources_allocated,execution_started,execution_finished,output_hashed,result_anchored"

// snapshot is both accounts' balances, each with the round it was read
// at, and the provider's reputation, before a job.
type snapshot struct {
	prov, cons           uint64
	provRound, consRound uint64
	rep                  contracts.Reputation
}

func (m *market) snapshot(p provider, c *instance) snapshot {
	m.t.Helper()
	s := snapshot{rep: m.reputation(p.acct.Address)}
	s.prov, s.provRound = m.balanceAt(p.acct.Address)
	s.cons, s.consRound = m.balanceAt(c.acct.Address)
	return s
}

// balanceAt is addr's balance (without DevMode rewards) and its round.
func (m *market) balanceAt(a interface{ String() string }) (uint64, uint64) {
	m.t.Helper()
	info, err := m.chain.Algod().AccountInformation(a.String()).Do(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return info.Amount - info.Rewards, info.Round
}

// settledAs checks a job that settled paying the provider (released or
// claimed): the Registry counted one more completed job with the bill the
// balances moved by, the escrow box is gone, the provider got exactly the
// bill less what its own transactions cost, and the consumer paid exactly
// the bill and its fees (plus the pair's permanent nonce record on its
// first job with this provider): the rest of the lock and the job box MBR
// came back. It returns the bill.
func (m *market) settledAs(p provider, c *instance, before snapshot, id jobid.ID, firstOfPair bool) uint64 {
	t := m.t
	t.Helper()
	m.boxGone(id)
	rep := m.reputation(p.acct.Address)
	bill := rep.TotalEarned - before.rep.TotalEarned
	seconds := rep.ComputeSeconds - before.rep.ComputeSeconds
	if rep.Completed != before.rep.Completed+1 || rep.Failed != before.rep.Failed || rep.Disputed != before.rep.Disputed {
		t.Fatalf("reputation %+v after %+v: want one more completed job", rep, before.rep)
	}
	if bill == 0 || bill != seconds*testPrice/3600 || seconds > 20 {
		t.Fatalf("Registry: earned %d µALGO for %d s at %d µALGO/h", bill, seconds, testPrice)
	}
	provNow, provRound := m.balanceAt(p.acct.Address)
	consNow, consRound := m.balanceAt(c.acct.Address)
	ps := m.spentBy(p.acct.Address, before.provRound, provRound)
	cs := m.spentBy(c.acct.Address, before.consRound, consRound)
	if got, want := int64(provNow)-int64(before.prov), int64(bill)-int64(ps.fees+ps.paid); got != want {
		t.Errorf("provider balance changed by %d, want %d (bill %d, its fees %d, its payments %d)", got, want, bill, ps.fees, ps.paid)
	}
	pair := uint64(0)
	if firstOfPair {
		pair = contracts.PairRecordMBR
	}
	// The consumer's payments (the lock and the job box MBR) come back
	// but for the bill: what it loses is the bill, its fees and the
	// pair record.
	if got, want := int64(consNow)-int64(before.cons), -int64(bill+cs.fees+pair); got != want {
		t.Errorf("consumer balance changed by %d, want %d (bill %d, its fees %d, pair record %d)", got, want, bill, cs.fees, pair)
	}
	return bill
}

// badgeClaimed waits until the provider agent has claimed its tier-1
// badge, minted when its first job settled (tier 1 is one completed job
// in this deployment), and checks that the provider holds it.
func (m *market) badgeClaimed(p provider) {
	t := m.t
	t.Helper()
	end := time.Now().Add(60 * time.Second)
	var rec contracts.BadgeRecord
	for {
		var err error
		rec, err = m.chain.Badge(m.ctx, p.acct.Address, 1)
		if err != nil {
			t.Fatalf("tier-1 badge of the provider: %v (want it minted by its first settled job)", err)
		}
		if rec.Claimed || time.Now().After(end) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if rec.Asset == 0 || !rec.Claimed {
		t.Fatalf("tier-1 badge %+v: want it minted and claimed by the provider agent within 60 s", rec)
	}
	h, err := m.chain.Algod().AccountAssetInformation(p.acct.Address.String(), rec.Asset).Do(m.ctx)
	if err != nil {
		t.Fatalf("provider's holding of badge %d: %v", rec.Asset, err)
	}
	if h.AssetHolding.Amount != 1 {
		t.Fatalf("provider holds %d of badge %d, want 1", h.AssetHolding.Amount, rec.Asset)
	}
	if tier := m.reputation(p.acct.Address).BadgeTier; tier != 1 {
		t.Fatalf("Registry badge tier %d, want 1", tier)
	}
}

// TestTwoProcessesHappyPath: a provider process registers and serves; a
// consumer process submits a job to it by URL, and another found through
// the Registry (no --provider): 402 → pay → run → SSE → proof → verify →
// release each time, checked against the chain; the first settled job
// crosses the lowered badge tier and the provider agent claims the badge.
func TestTwoProcessesHappyPath(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	p.serve(true)
	reg, err := m.chain.Provider(m.ctx, p.acct.Address)
	if err != nil {
		t.Fatalf("Registry entry of the provider: %v", err)
	}
	if reg.Endpoint != p.endpoint() || reg.PricePerHour != testPrice || !reg.Available || reg.Completed != 0 {
		t.Fatalf("registered %+v, want %s at %d, available, no jobs", reg, p.endpoint(), testPrice)
	}
	spec := writeJob(t, "echo hello; echo result > /output/out.txt")

	for i, args := range [][]string{{"submit", "--provider", p.endpoint(), "--wait", spec}, {"submit", "--wait", spec}} {
		before := m.snapshot(p, c)
		sub := c.start("", args...)
		if err := sub.wait(2 * time.Minute); err != nil {
			t.Fatalf("kinetic %s: %v\n%s", strings.Join(args, " "), err, sub.output())
		}
		out := sub.stdout()
		id, _, endpoint := paidJob(t, sub.waitFor(paidRE, time.Second))
		if endpoint != p.endpoint() {
			t.Fatalf("job %d paid on %s, want the provider %s", i, endpoint, p.endpoint())
		}
		var kinds []string
		for _, k := range proofRE.FindAllStringSubmatch(out, -1) {
			kinds = append(kinds, k[1])
		}
		if got := strings.Join(kinds, ","); got != proofSteps {
			t.Errorf("job %d: proof steps streamed %s, want %s", i, got, proofSteps)
		}
		for _, want := range []string{`log {"data":"hello\n"`, "\nverified: output and proof verified\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("job %d: submit output lacks %q:\n%s", i, want, out)
			}
		}
		if !releasedRE.MatchString(out) {
			t.Fatalf("job %d not released:\n%s", i, out)
		}
		m.settledAs(p, c, before, id, i == 0)
		if i == 0 {
			m.badgeClaimed(p)
		}
	}
	if rep := m.reputation(p.acct.Address); rep.Completed != 2 {
		t.Fatalf("Registry counts %d completed jobs, want 2", rep.Completed)
	}
	m.walletShows(c)
	// The provider's data dir is its own: a second process on it is refused.
	show := p.start("", "wallet", "show")
	if err := show.wait(time.Minute); err == nil || !strings.Contains(show.stderr(), "Kinetic is already running (data dir "+p.dir+")") {
		t.Fatalf("wallet show on the data dir the provider serves from: %v, want it refused\n%s", err, show.output())
	}
}

var showRE = regexp.MustCompile(`balance: (\d+) µALGO, minimum (\d+) µALGO, spendable (\d+) µALGO \(round (\d+)\)`)

// walletShows checks `kinetic wallet show` of an instance against the chain.
func (m *market) walletShows(in *instance) {
	t := m.t
	t.Helper()
	before, err := m.chain.Algod().AccountInformation(in.acct.Address.String()).Do(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := in.run("", "wallet", "show")
	after, err := m.chain.Algod().AccountInformation(in.acct.Address.String()).Do(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"keys in the OS keyring\n", "* " + in.name, in.acct.Address.String() + "\n",
		"budget: per job no cap, daily no cap; spent today "} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s: wallet show lacks %q:\n%s", in.name, want, out)
		}
	}
	g := showRE.FindStringSubmatch(out)
	if g == nil {
		t.Fatalf("%s: wallet show prints no balance:\n%s", in.name, out)
	}
	var amount, minBal, spendable uint64
	fmt.Sscan(g[1]+" "+g[2]+" "+g[3], &amount, &minBal, &spendable)
	if amount < before.Amount || amount > after.Amount || minBal != after.MinBalance || spendable != amount-minBal {
		t.Fatalf("%s: wallet show %q; the chain says %d..%d µALGO, minimum %d", in.name, g[0], before.Amount, after.Amount, after.MinBalance)
	}
}

// TestProviderKilledMidJobReattaches: the provider process is killed
// (SIGKILL) while the job's container runs and started again on the same
// data dir: it re-attaches the job, and the consumer's `submit --wait`
// ends with the job released.
func TestProviderKilledMidJobReattaches(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	first := p.serve(true)
	before := m.snapshot(p, c)
	sub := c.start("", "submit", "--provider", p.endpoint(), "--wait", writeJob(t, "sleep 6; echo survived > /output/s.txt"))
	id, _, _ := paidJob(t, sub.waitFor(paidRE, time.Minute))
	m.removeJobContainers(id)
	sub.waitFor(startedRE, time.Minute)
	first.kill()
	again := p.serve(false)
	if got := again.waitFor(recoverRE, time.Second); got[1] != "1" || got[3] != "0" {
		t.Fatalf("restarted provider: %q, want the job re-attached", got[0])
	}
	if err := sub.wait(2 * time.Minute); err != nil {
		t.Fatalf("submit --wait: %v\n%s", err, sub.output())
	}
	if !releasedRE.MatchString(sub.stdout()) {
		t.Fatalf("job not released after the restart:\n%s", sub.stdout())
	}
	if bill := m.settledAs(p, c, before, id, true); bill < 6*testPrice/3600 {
		t.Fatalf("bill %d µALGO for a job that ran at least 6 s", bill)
	}
}

// TestProviderGoneConsumerRefunded: the provider process is killed
// mid-job and never comes back; once the deadline round passes, the
// consumer's `submit --wait` refunds itself: it gets back everything but
// its fees and the pair record, and the Registry counts a failed job.
func TestProviderGoneConsumerRefunded(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	prov := p.serve(true)
	before := m.snapshot(p, c)
	sub := c.start("", "submit", "--provider", p.endpoint(), "--wait", writeJob(t, "sleep 30"))
	id, _, _ := paidJob(t, sub.waitFor(paidRE, time.Minute))
	m.removeJobContainers(id)
	sub.waitFor(startedRE, time.Minute)
	prov.kill()
	esc, err := m.chain.Job(m.ctx, id)
	if err != nil {
		t.Fatalf("escrow box after the kill: %v", err)
	}
	if esc.Status != contracts.JobOpen || esc.DeadlineRound != esc.CreatedRound+deadlineRounds {
		t.Fatalf("escrow box %+v: want locked, deadline %d rounds after creation", esc, deadlineRounds)
	}
	if now := m.round(); now < esc.DeadlineRound {
		testkit.AdvanceRounds(t, int(esc.DeadlineRound-now))
	}
	if err := sub.wait(2 * time.Minute); err != nil {
		t.Fatalf("submit --wait: %v\n%s", err, sub.output())
	}
	if !refundedRE.MatchString(sub.stdout()) {
		t.Fatalf("job not refunded:\n%s", sub.stdout())
	}
	m.boxGone(id)
	rep := m.reputation(p.acct.Address)
	if rep.Failed != before.rep.Failed+1 || rep.Completed != before.rep.Completed || rep.TotalEarned != before.rep.TotalEarned {
		t.Fatalf("reputation %+v after %+v: want one more failed job, nothing earned", rep, before.rep)
	}
	provNow, provRound := m.balanceAt(p.acct.Address)
	consNow, consRound := m.balanceAt(c.acct.Address)
	ps := m.spentBy(p.acct.Address, before.provRound, provRound)
	cs := m.spentBy(c.acct.Address, before.consRound, consRound)
	if got, want := int64(provNow)-int64(before.prov), -int64(ps.fees+ps.paid); got != want {
		t.Errorf("provider balance changed by %d, want %d (its fees)", got, want)
	}
	if got, want := int64(consNow)-int64(before.cons), -int64(cs.fees+contracts.PairRecordMBR); got != want {
		t.Errorf("consumer balance changed by %d, want %d (fees %d and the pair record: the whole lock and the box MBR back)", got, want, cs.fees)
	}
}

// TestSilentConsumerProviderClaims: the consumer process pays and exits
// (no --wait) and never verifies; the provider process anchors the
// result and, once the dispute window has passed, claims the bill itself.
func TestSilentConsumerProviderClaims(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	p.serve(true)
	before := m.snapshot(p, c)
	out := c.run("", "submit", "--provider", p.endpoint(), writeJob(t, "echo quiet > /output/q.txt"))
	id, _, _ := paidJob(t, paidRE.FindStringSubmatch(out))
	var esc contracts.Job
	for end := time.Now().Add(time.Minute); ; time.Sleep(250 * time.Millisecond) {
		var err error
		if esc, err = m.chain.Job(m.ctx, id); err != nil {
			t.Fatalf("escrow box: %v", err)
		}
		if esc.Status == contracts.JobSubmitted {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("no result anchored within a minute: %+v", esc)
		}
	}
	if esc.DisputeWindow != windowRounds {
		t.Fatalf("dispute window %d rounds, want %d", esc.DisputeWindow, windowRounds)
	}
	if now := m.round(); now <= esc.ResultRound+esc.DisputeWindow {
		testkit.AdvanceRounds(t, int(esc.ResultRound+esc.DisputeWindow-now+1))
	}
	for end := time.Now().Add(time.Minute); ; time.Sleep(250 * time.Millisecond) {
		if _, err := m.chain.Job(m.ctx, id); err != nil {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the provider did not claim within a minute of the window closing")
		}
	}
	if bill := m.settledAs(p, c, before, id, true); bill != esc.Bill() {
		t.Fatalf("Registry earned %d, the anchored bill was %d", bill, esc.Bill())
	}
}
