package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// spySigner fails the test if anything asks it to sign.
type spySigner struct {
	t    *testing.T
	addr types.Address
}

func (s spySigner) SignTransactions([]types.Transaction, []int) ([][]byte, error) {
	s.t.Error("signer called although the budget refused the payment")
	return nil, errors.New("spy")
}
func (s spySigner) Equals(transaction.TransactionSigner) bool { return false }
func (s spySigner) Address() types.Address                    { return s.addr }

func TestBudgetCapsAndRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openTestDB(t, dir)
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	b := NewBudget(db, now)
	if err := b.SetLimits(ctx, BudgetLimits{PerJob: 500, Daily: 1000}); err != nil {
		t.Fatal(err)
	}
	job1, job2 := JobID{1}, JobID{2}
	r1, err := b.Reserve(ctx, job1, 400)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		job   JobID
		amt   uint64
		scope string
		spent uint64
	}{
		{"job cap counts reservations", job1, 101, "job", 400},
		{"daily cap", job2, 601, "daily", 400},
	}
	for _, tc := range tests {
		_, err := b.Reserve(ctx, tc.job, tc.amt)
		ob, ok := IsOverBudget(err)
		if !ok || ob.Scope != tc.scope || ob.Spent != tc.spent || ob.Requested != tc.amt {
			t.Fatalf("%s: err = %v", tc.name, err)
		}
	}
	if err := b.Commit(ctx, r1); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(ctx, r1); !errors.Is(err, ErrNoReservation) {
		t.Fatalf("double commit: %v", err)
	}
	r2, err := b.Reserve(ctx, job2, 500)
	if err != nil {
		t.Fatal(err)
	}
	// Restart: a new Budget on the same DB sees committed and reserved sums.
	b2 := NewBudget(db, now)
	u, err := b2.Usage(ctx, job2)
	if err != nil {
		t.Fatal(err)
	}
	if u.DaySpent != 400 || u.DayReserved != 500 || u.JobReserved != 500 || u.Limits.Daily != 1000 {
		t.Fatalf("usage after restart %+v", u)
	}
	if _, err := b2.Reserve(ctx, JobID{}, 101); err == nil {
		t.Fatal("daily cap not enforced after restart")
	}
	if err := b2.Release(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Reserve(ctx, JobID{}, 600); err != nil {
		t.Fatalf("released reservation still counted: %v", err)
	}
	clock = clock.Add(24 * time.Hour) // a new day resets the daily cap
	if _, err := b2.Reserve(ctx, JobID{}, 1000); err != nil {
		t.Fatalf("next day: %v", err)
	}
}

// TestSendOverDailyCapSignsNothing: a payment over the daily cap is refused
// before the signer is called.
func TestSendOverDailyCapSignsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b := NewBudget(openTestDB(t, dir), nil)
	if err := b.SetLimits(ctx, BudgetLimits{Daily: 1_000_000}); err != nil {
		t.Fatal(err)
	}
	from, to := crypto.GenerateAccount(), crypto.GenerateAccount()
	sp := types.SuggestedParams{Fee: 1000, FlatFee: true, FirstRoundValid: 1, LastRoundValid: 100, GenesisHash: make([]byte, 32)}
	tx, err := transaction.MakePaymentTxn(from.Address.String(), to.Address.String(), 1_000_001, nil, "", sp)
	if err != nil {
		t.Fatal(err)
	}
	q := Quote{From: from.Address.String(), To: to.Address.String(), Amount: 1_000_001, Fee: 1000, Tx: tx}
	ch := &Chain{Budget: b} // no algod: the refusal must come first
	_, err = ch.Send(ctx, spySigner{t: t, addr: from.Address}, q)
	if ob, ok := IsOverBudget(err); !ok || ob.Scope != "daily" || ob.Requested != 1_001_001 {
		t.Fatalf("err = %v, want daily ErrOverBudget", err)
	}
	if rs, _ := b.Reservations(ctx); len(rs) != 0 {
		t.Fatalf("refused send left reservations %+v", rs)
	}
}
