package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	bolt "go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestFollowerLocalNet drives real transactions on LocalNet — dispenser
// funding, payments both ways, a budget refusal, an asset opt-in and an app
// call with two inner payments — then follows the chain in two halves
// across a DB reopen, re-processes everything, and checks that each
// transaction is recorded exactly once and that the history accounts for
// every microAlgo of the account's balance.
func TestFollowerLocalNet(t *testing.T) {
	c := testkit.Algod(t)
	ctx := testkit.Context(t, 3*time.Minute)
	dir := t.TempDir()
	db := openTestDB(t, dir)
	w := openFileWallet(t, dir, db, "pw")
	sc := driveScenario(t, ctx, c, w, db)
	me := sc.me

	watch := func(context.Context) ([]string, error) { return []string{me}, nil }
	lab := Labeler{EscrowApp: sc.app}
	f1 := &Follower{Client: c, DB: db, Watch: watch, Labeler: lab, StartRound: sc.start, BatchBlocks: 2}
	if n, err := f1.CatchUp(ctx, 3); err != nil || n != 3 {
		t.Fatalf("first follower read %d blocks: %v", n, err)
	}
	_ = w.Close()
	db = reopenDB(t, db) // restart in the middle of catching up
	f2 := &Follower{Client: c, DB: db, Watch: watch, Labeler: lab, BatchBlocks: 2}
	if _, err := f2.CatchUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	got := keysOf(t, db, me)
	if len(got) != len(sc.want) {
		t.Errorf("recorded %d entries, want %d: %v", len(got), len(sc.want), got)
	}
	for k, lbl := range sc.want {
		if e, ok := got[k]; !ok || e.Label != lbl {
			t.Errorf("entry %s: present %v label %q, want %q", k, ok, e.Label, lbl)
		}
	}
	appAddr := crypto.GetApplicationAddress(sc.app).String()
	if e := got[EntryKey(sc.callID, []int{0})]; e.Sender != appAddr || e.Receiver != me || e.Amount != 12345 || e.TxID != sc.callID {
		t.Errorf("inner entry %+v", e)
	}

	// Re-processing every block records nothing new.
	setCursor(t, db, c, sc.start)
	added := 0
	f3 := &Follower{Client: c, DB: db, Watch: watch, Labeler: lab, OnBatch: func(b BatchResult) { added += b.Added }}
	if _, err := f3.CatchUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if n := len(keysOf(t, db, me)); added != 0 || n != len(sc.want) {
		t.Fatalf("re-processing added %d entries (now %d)", added, n)
	}
	// A follower on a fresh DB in one go records the same set.
	ref := &Follower{Client: c, DB: openTestDB(t, t.TempDir()), Watch: watch, Labeler: lab, StartRound: sc.start}
	if _, err := ref.CatchUp(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if refKeys := keysOf(t, ref.DB, me); len(refKeys) != len(got) {
		t.Fatalf("reference follower recorded %d entries, restarted one %d", len(refKeys), len(got))
	}
	checkAccounting(t, ctx, &Chain{Client: c}, NewHistory(db), me, sc.assetID)
	checkRun(t, ctx, f3, transaction.BasicAccountTransactionSigner{Account: sc.other}, sc.other.Address.String(), me)
}

// scenario is what driveScenario did on chain.
type scenario struct {
	me      string
	other   crypto.Account
	start   uint64
	app     uint64
	assetID uint64
	callID  string
	want    map[string]Label // expected history keys of me and their labels
}

// driveScenario creates an account and runs the test's transactions.
func driveScenario(t *testing.T, ctx context.Context, c *algod.Client, w *Wallet, db *bolt.DB) scenario {
	t.Helper()
	me, err := w.Create(ctx, "me")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := w.Signer(ctx, me.Address)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc := scenario{me: me.Address, start: st.LastRound}
	disp := testkit.Dispenser(t)
	fund, err := w.FundActive(ctx, c, transaction.BasicAccountTransactionSigner{Account: disp}, disp.Address, 5_000_000)
	if err != nil {
		t.Fatal(err)
	}
	sc.other = testkit.FundedAccount(t, 3_000_000)
	otherAddr := sc.other.Address.String()
	budget := NewBudget(db, nil)
	if err := budget.SetLimits(ctx, BudgetLimits{Daily: 250_000}); err != nil {
		t.Fatal(err)
	}
	ch := &Chain{Client: c, Budget: budget}
	out := pay(t, ctx, ch, signer, me.Address, otherAddr, 100_000)
	in := pay(t, ctx, &Chain{Client: c}, transaction.BasicAccountTransactionSigner{Account: sc.other}, otherAddr, me.Address, 40_000)
	checkOverCap(t, ctx, ch, signer, otherAddr)
	sc.assetID = createAsset(t, ctx, c, sc.other)
	optIn, err := ch.OptIn(ctx, signer, me.Address, sc.assetID)
	if err != nil {
		t.Fatal(err)
	}
	sc.app = deployPayer(t, ctx, c, sc.other)
	sc.callID = callPayer(t, ctx, c, signer, sc.app)
	sc.want = map[string]Label{
		fund.TxID: LabelTransfer, out.TxID: LabelTransfer, in.TxID: LabelTransfer, optIn.TxID: LabelFee,
		sc.callID: LabelFee, EntryKey(sc.callID, []int{0}): LabelRefund, EntryKey(sc.callID, []int{1}): LabelRefund,
	}
	return sc
}

// checkOverCap: a quoted payment over the daily cap is refused unsigned.
func checkOverCap(t *testing.T, ctx context.Context, ch *Chain, signer *Signer, to string) {
	t.Helper()
	q, err := ch.Quote(ctx, signer.Address().String(), to, 150_000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Fee == 0 || q.After != q.Balance-150_000-q.Fee {
		t.Fatalf("quote %+v", q)
	}
	_, err = ch.Send(ctx, spySigner{t: t, addr: signer.Address()}, q)
	if _, ok := IsOverBudget(err); !ok {
		t.Fatalf("over-cap send: %v", err)
	}
}

// checkAccounting: earned − spent − fees in the history equals the balance.
func checkAccounting(t *testing.T, ctx context.Context, ch *Chain, h *History, addr string, assetID uint64) {
	t.Helper()
	bal, err := ch.Balance(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.Report(ctx, Query{Accounts: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Net()+int64(bal.PendingRewards) != int64(bal.Amount) {
		t.Fatalf("history net %d (%+v) + pending rewards %d ≠ balance %d", r.Total.Net(), r.Total, bal.PendingRewards, bal.Amount)
	}
	t.Logf("history %+v, pending rewards %d, balance %d", r.Total, bal.PendingRewards, bal.Amount)
	if r.Total.Earned != 5_000_000+40_000+12_346 || r.Total.Spent != 100_000 {
		t.Fatalf("totals %+v", r.Total)
	}
	if len(bal.Assets) != 1 || bal.Assets[0].AssetID != assetID || bal.Spendable != bal.Amount-bal.MinBalance {
		t.Fatalf("balance %+v", bal)
	}
}

// checkRun: the live follower records a new payment as it confirms.
func checkRun(t *testing.T, ctx context.Context, f *Follower, from transaction.TransactionSigner, fromAddr, to string) {
	t.Helper()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx) }()
	rec := pay(t, ctx, &Chain{Client: f.Client}, from, fromAddr, to, 7_000)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := keysOf(t, f.DB, to)[rec.TxID]; ok {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("Run did not record the new payment")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

// createAsset creates a 10-unit asset held by creator and returns its id.
func createAsset(t *testing.T, ctx context.Context, c *algod.Client, creator crypto.Account) uint64 {
	t.Helper()
	sp, err := c.SuggestedParams().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addr := creator.Address.String()
	tx, err := transaction.MakeAssetCreateTxn(addr, nil, sp, 10, 0, false, addr, "", "", "", "KTB", "kinetic test asset", "", "")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := (&Chain{Client: c}).submit(ctx, transaction.BasicAccountTransactionSigner{Account: creator}, tx, JobID{})
	if err != nil {
		t.Fatal(err)
	}
	info, _, err := c.PendingTransactionInformation(rec.TxID).Do(ctx)
	if err != nil || info.AssetIndex == 0 {
		t.Fatalf("asset id: %v", err)
	}
	return info.AssetIndex
}
