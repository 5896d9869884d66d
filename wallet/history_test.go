package wallet

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestRecordMergesLaterAccounts: a transfer between A (watched) and C
// (imported later) first recorded as [A] gains C when recorded again from
// C's side (follower re-read or indexer back-fill), exactly once, keeping
// annotations, and C's entries and totals then include it.
func TestRecordMergesLaterAccounts(t *testing.T) {
	ctx := context.Background()
	a, c := crypto.GenerateAccount().Address.String(), crypto.GenerateAccount().Address.String()
	base := Entry{Key: "TX1", TxID: "TX1", Round: 7, Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Type: "pay", Sender: a, Receiver: c, Amount: 5_000, Fee: 1_000, Label: LabelTransfer}
	asA, asC := base, base
	asA.Accounts, asA.Rewards = []string{a}, map[string]uint64{a: 3}
	asC.Accounts, asC.Rewards, asC.Counterparty = []string{c}, map[string]uint64{c: 4, a: 99}, a
	h := NewHistory(openTestDB(t, t.TempDir()))
	if n, err := h.Record(ctx, []Entry{asA}); err != nil || n != 1 {
		t.Fatalf("record as A: %d %v", n, err)
	}
	if err := h.Annotate(ctx, "TX1", "job1", ""); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // re-recording any number of times merges once
		if n, err := h.Record(ctx, []Entry{asC, asA}); err != nil || n != 0 {
			t.Fatalf("re-record %d: added %d, %v", i, n, err)
		}
	}
	es, err := h.Entries(ctx, c)
	if err != nil || len(es) != 1 {
		t.Fatalf("entries of C: %+v %v", es, err)
	}
	e := es[0]
	if !slices.Equal(e.Accounts, []string{a, c}) || e.Rewards[a] != 3 || e.Rewards[c] != 4 || len(e.Rewards) != 2 {
		t.Fatalf("merged accounts %v rewards %v", e.Accounts, e.Rewards)
	}
	if e.JobID != "job1" || e.Counterparty != a {
		t.Fatalf("annotation lost or counterparty not filled: %+v", e)
	}
	if all, _ := h.Entries(ctx, ""); len(all) != 1 {
		t.Fatalf("%d entries, want 1", len(all))
	}
	r, err := h.Report(ctx, Query{Accounts: []string{c}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Totals{Earned: 5_000, Rewards: 4, Count: 1}); r.Total != want {
		t.Fatalf("C's totals %+v, want %+v", r.Total, want)
	}
}

// TestRescanTagsLaterAccountLocalNet: on LocalNet, A pays C while only A is
// watched; after C is added and the follower rescans, the one entry names
// both accounts and C's history shows it.
func TestRescanTagsLaterAccountLocalNet(t *testing.T) {
	cl := testkit.Algod(t)
	ctx := testkit.Context(t, time.Minute)
	a := testkit.FundedAccount(t, 1_000_000)
	c := crypto.GenerateAccount()
	st, err := cl.Status().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := pay(t, ctx, &Chain{Client: cl}, transaction.BasicAccountTransactionSigner{Account: a},
		a.Address.String(), c.Address.String(), 200_000)
	watched := []string{a.Address.String()}
	db := openTestDB(t, t.TempDir())
	f := &Follower{Client: cl, DB: db, StartRound: st.LastRound + 1,
		Watch: func(context.Context) ([]string, error) { return watched, nil }}
	if _, err := f.CatchUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, db, c.Address.String()); len(got) != 0 {
		t.Fatalf("C has entries before it is watched: %v", got)
	}
	watched = append(watched, c.Address.String())
	if err := f.Rescan(ctx, rec.Round); err != nil {
		t.Fatal(err)
	}
	if next, _, _ := f.Cursor(ctx); next != rec.Round {
		t.Fatalf("cursor after rescan %d, want %d", next, rec.Round)
	}
	if _, err := f.CatchUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	e, ok := keysOf(t, db, c.Address.String())[rec.TxID]
	if !ok || !slices.Equal(e.Accounts, watched) || e.Amount != 200_000 {
		t.Fatalf("C's entry %+v (present %v), want accounts %v", e, ok, watched)
	}
	if all, _ := NewHistory(db).Entries(ctx, ""); len(all) != 1 {
		t.Fatalf("%d entries, want 1", len(all))
	}
}
