package e2e

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
)

var disputedRE = regexp.MustCompile(`(?m)^disputed(: .*)? \(in \[\w+`)

// TestTamperedOutputDisputedAndBlocked: the proxy between the consumer
// process and the provider process rewrites the output tar the consumer
// downloads (the same length, still a readable tar, other bytes in the
// file); the consumer's `submit --wait` finds its hash differs from the
// one anchored on-chain, disputes within the window and blocklists the
// provider: the consumer gets its whole lock back (it loses only its fees
// and the pair record), the provider earns nothing, the Registry counts
// one more disputed job, and `kinetic providers --blocklist` on the
// consumer's data dir names the provider.
func TestTamperedOutputDisputedAndBlocked(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	c := m.newInstance("consumer")
	p.serve(true)
	genuine, forged := []byte("GENUINE-RESULT"), []byte("FORGED!-RESULT")
	px := newProxy(t, p.addr, func(path string, body []byte) ([]byte, bool) {
		if !strings.HasSuffix(path, "/result") || !bytes.Contains(body, genuine) {
			return body, false
		}
		return bytes.ReplaceAll(body, genuine, forged), true
	})
	before := m.snapshot(p, c)
	sub := c.start("", "submit", "--provider", px.url(), "--wait", writeJob(t, "echo "+string(genuine)+" > /output/r.txt"))
	if err := sub.wait(2 * time.Minute); err != nil {
		t.Fatalf("submit --wait: %v\n%s", err, sub.output())
	}
	out := sub.stdout()
	id, _, _ := paidJob(t, sub.waitFor(paidRE, time.Second))
	if _, tampered := px.counts(); tampered == 0 {
		t.Fatalf("the proxy tampered with no result download:\n%s", out)
	}
	if !strings.Contains(out, "\ndisputing: result does not verify: output hash ") {
		t.Fatalf("submit --wait did not dispute the output hash:\n%s", out)
	}
	if !disputedRE.MatchString(out) || releasedRE.MatchString(out) {
		t.Fatalf("job not disputed (or released too):\n%s", out)
	}
	m.disputedAs(p, c, before, id)
	list := c.run("", "providers", "--blocklist")
	if !strings.HasPrefix(list, "1 blocked\n") || !strings.Contains(list, "\n"+p.acct.Address.String()+"  job "+id.String()+": result does not verify") {
		t.Fatalf("providers --blocklist on the consumer's data dir:\n%s\nwant the provider %s blocked for job %s", list, p.acct.Address, id)
	}
}

// disputedAs checks a disputed job against the chain: the escrow box is
// gone, the Registry counts one more disputed job and nothing earned, the
// provider lost only its own transactions' cost, and the consumer got
// its whole lock and the box MBR back, losing only its fees and the
// pair's permanent record (its first job with this provider).
func (m *market) disputedAs(p provider, c *instance, before snapshot, id jobid.ID) {
	t := m.t
	t.Helper()
	m.boxGone(id)
	rep := m.reputation(p.acct.Address)
	if rep.Disputed != before.rep.Disputed+1 || rep.Completed != before.rep.Completed || rep.Failed != before.rep.Failed ||
		rep.TotalEarned != before.rep.TotalEarned || rep.ComputeSeconds != before.rep.ComputeSeconds {
		t.Fatalf("reputation %+v after %+v: want one more disputed job, nothing earned", rep, before.rep)
	}
	provNow, provRound := m.balanceAt(p.acct.Address)
	consNow, consRound := m.balanceAt(c.acct.Address)
	ps := m.spentBy(p.acct.Address, before.provRound, provRound)
	cs := m.spentBy(c.acct.Address, before.consRound, consRound)
	if got, want := int64(provNow)-int64(before.prov), -int64(ps.fees+ps.paid); got != want {
		t.Errorf("provider balance changed by %d, want %d (its fees %d, its payments %d)", got, want, ps.fees, ps.paid)
	}
	if got, want := int64(consNow)-int64(before.cons), -int64(cs.fees+contracts.PairRecordMBR); got != want {
		t.Errorf("consumer balance changed by %d, want %d (fees %d and the pair record: the whole lock and the box MBR back)", got, want, cs.fees)
	}
}
