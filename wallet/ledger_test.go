package wallet

import (
	"context"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
)

func TestReportScriptedTotals(t *testing.T) {
	ctx := context.Background()
	me, me2 := crypto.GenerateAccount().Address.String(), crypto.GenerateAccount().Address.String()
	provA, provB, escrow := crypto.GenerateAccount().Address.String(), crypto.GenerateAccount().Address.String(), crypto.GenerateAccount().Address.String()
	d1 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // Monday
	d2 := d1.Add(24 * time.Hour)
	d3 := d1.Add(7 * 24 * time.Hour) // next week
	n := 0
	mk := func(at time.Time, from, to string, amt, fee uint64, lbl Label, cp, job string, path ...int) Entry {
		n++
		e := Entry{TxID: "T" + string(rune('A'+n)), Path: path, Round: uint64(n), Time: at, Type: "pay",
			Sender: from, Receiver: to, Amount: amt, Fee: fee, Label: lbl, Counterparty: cp, JobID: job}
		e.Key = EntryKey(e.TxID, path)
		for _, a := range []string{from, to} {
			if a == me || a == me2 {
				e.Accounts = append(e.Accounts, a)
			}
		}
		return e
	}
	entries := []Entry{
		mk(d1, me, escrow, 5_000, 1_000, LabelEscrowLock, provA, "j1"),
		mk(d1.Add(time.Hour), escrow, me, 1_200, 0, LabelRefund, provA, "j1", 0),
		mk(d1.Add(2*time.Hour), me, provB, 700, 1_000, LabelTransfer, provB, ""),
		mk(d2, provB, me, 3_000, 2_000, LabelTransfer, provB, ""), // their fee, not ours
		mk(d2, me, me2, 10_000, 1_000, LabelTransfer, me2, ""),    // internal: fee only
		mk(d3, me, escrow, 2_000, 1_000, LabelEscrowLock, provB, "j2"),
		mk(d3, provA, provB, 99, 1_000, LabelTransfer, provA, ""), // not ours at all
	}
	h := NewHistory(openTestDB(t, t.TempDir()))
	if added, err := h.Record(ctx, entries); err != nil || added != 7 {
		t.Fatalf("record: %d %v", added, err)
	}
	if added, _ := h.Record(ctx, entries); added != 0 {
		t.Fatalf("re-record added %d", added)
	}
	r, err := h.Report(ctx, Query{Accounts: []string{me, me2}, Period: Day})
	if err != nil {
		t.Fatal(err)
	}
	wantTotal := Totals{Spent: 5_000 + 700 + 2_000, Earned: 1_200 + 3_000, Fees: 4_000, Count: 6}
	if r.Total != wantTotal {
		t.Fatalf("total %+v, want %+v", r.Total, wantTotal)
	}
	wantDays := []PeriodTotals{
		{d1.Truncate(24 * time.Hour), Totals{Spent: 5_700, Earned: 1_200, Fees: 2_000, Count: 3}},
		{d2.Truncate(24 * time.Hour), Totals{Spent: 0, Earned: 3_000, Fees: 1_000, Count: 2}},
		{d3.Truncate(24 * time.Hour), Totals{Spent: 2_000, Earned: 0, Fees: 1_000, Count: 1}},
	}
	if len(r.ByPeriod) != len(wantDays) {
		t.Fatalf("days %+v", r.ByPeriod)
	}
	for i, w := range wantDays {
		if !r.ByPeriod[i].Start.Equal(w.Start) || r.ByPeriod[i].Totals != w.Totals {
			t.Errorf("day %d: %+v, want %+v", i, r.ByPeriod[i], w)
		}
	}
	byCP := map[string]Totals{}
	for _, k := range r.ByCounterparty {
		byCP[k.Key] = k.Totals
	}
	if got := byCP[provA]; got != (Totals{Spent: 5_000, Earned: 1_200, Fees: 1_000, Count: 2}) {
		t.Errorf("provider A %+v", got)
	}
	if got := byCP[provB]; got != (Totals{Spent: 2_700, Earned: 3_000, Fees: 2_000, Count: 3}) {
		t.Errorf("provider B %+v", got)
	}
	if len(r.ByJob) != 2 || r.ByJob[0].Key != "j1" || r.ByJob[0].Net() != 1_200-5_000-1_000 {
		t.Errorf("jobs %+v", r.ByJob)
	}
	w, _ := h.Report(ctx, Query{Accounts: []string{me, me2}, Period: Week})
	if len(w.ByPeriod) != 2 || w.ByPeriod[0].Spent != 5_700 || w.ByPeriod[1].Spent != 2_000 {
		t.Errorf("weeks %+v", w.ByPeriod)
	}
	m, _ := h.Report(ctx, Query{Accounts: []string{me}, Period: Month, From: d2})
	// From d2, me alone: the transfer to me2 is now external spending.
	if len(m.ByPeriod) != 1 || m.Total != (Totals{Spent: 12_000, Earned: 3_000, Fees: 2_000, Count: 3}) {
		t.Errorf("month from d2 %+v", m.Total)
	}
	if err := h.Annotate(ctx, entries[2].Key, "j9", ""); err != nil {
		t.Fatal(err)
	}
	r, _ = h.Report(ctx, Query{Accounts: []string{me, me2}})
	if len(r.ByJob) != 3 {
		t.Errorf("annotation not used: %+v", r.ByJob)
	}
}
