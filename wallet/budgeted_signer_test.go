package wallet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestBudgetedSigner(t *testing.T) {
	ctx := context.Background()
	me, other := crypto.GenerateAccount(), crypto.GenerateAccount().Address
	pay := func(amount uint64) types.Transaction {
		return testTxn(me.Address, func(tx *types.Transaction) { tx.Amount = types.MicroAlgos(amount) })
	}
	appCall := testTxn(me.Address, func(tx *types.Transaction) { tx.Type, tx.Amount, tx.Fee = types.ApplicationCallTx, 0, 2000 })
	foreign := testTxn(other, func(tx *types.Transaction) { tx.Amount = 9_999_999 })
	closing := testTxn(me.Address, func(tx *types.Transaction) { tx.CloseRemainderTo = other })
	tests := []struct {
		name    string
		group   []types.Transaction
		idx     []int
		signErr error
		want    error  // nil: signed
		spend   uint64 // reserved when signed
	}{
		{"lock + app call", []types.Transaction{pay(400_000), appCall, foreign}, []int{0, 1}, nil, nil, 400_000 + 1000 + 2000},
		{"over the job cap", []types.Transaction{pay(500_000), appCall}, []int{0, 1}, nil, errAnyOverBudget, 0},
		{"close has no bound", []types.Transaction{closing}, []int{0}, nil, ErrUnboundedSpend, 0},
		{"wraps 2^64", []types.Transaction{pay(1 << 63), pay(1 << 63)}, []int{0, 1}, nil, ErrAmountOverflow, 0},
		{"inner signer fails", []types.Transaction{pay(1000)}, []int{0}, errTestSign, errTestSign, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(openTestDB(t, t.TempDir()), nil)
			if err := b.SetLimits(ctx, BudgetLimits{PerJob: 500_000}); err != nil {
				t.Fatal(err)
			}
			spy := &countingSigner{acct: me, fail: tc.signErr}
			bs := &BudgetedSigner{Signer: spy, Budget: b, Job: JobID{7}, Purpose: "escrow lock"}
			out, err := bs.SignTransactions(tc.group, tc.idx)
			rs, _ := b.Reservations(ctx)
			if tc.want != nil {
				if !matches(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if tc.signErr == nil && spy.calls != 0 {
					t.Fatalf("signed %d times although refused", spy.calls)
				}
				if out != nil || len(rs) != 0 || len(bs.Open()) != 0 {
					t.Fatalf("refused: out %d, reservations %+v", len(out), rs)
				}
				return
			}
			if err != nil || len(out) != len(tc.idx) || spy.calls != 1 {
				t.Fatalf("sign: %v (%d calls)", err, spy.calls)
			}
			if len(rs) != 1 || rs[0].Amount != tc.spend || rs[0].Purpose != "escrow lock" || rs[0].JobID != (JobID{7}) {
				t.Fatalf("reservations %+v, want one of %d", rs, tc.spend)
			}
			if err := bs.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if u, _ := b.Usage(ctx, JobID{7}); u.JobSpent != tc.spend || u.JobReserved != 0 || len(bs.Open()) != 0 {
				t.Fatalf("after commit %+v", u)
			}
		})
	}
}

var errTestSign = errors.New("test: signer failed")

// errAnyOverBudget stands for any *ErrOverBudget in the table.
var errAnyOverBudget = errors.New("over budget")

func matches(err, want error) bool {
	if want == errAnyOverBudget {
		_, ok := IsOverBudget(err)
		return ok
	}
	return errors.Is(err, want)
}

// TestBudgetedSignerLocalNet sends a group through the SDK's composer with
// a BudgetedSigner over the wallet's own Signer, commits the reservation,
// and checks a real node rejection is recognised by IsRejected.
func TestBudgetedSignerLocalNet(t *testing.T) {
	c := testkit.Algod(t)
	ctx := testkit.Context(t, time.Minute)
	dir := t.TempDir()
	db := openTestDB(t, dir)
	w := openFileWallet(t, dir, db, "pw")
	a, _ := w.Create(ctx, "a")
	testkit.Fund(t, a.Address, 1_000_000)
	s, err := w.Signer(ctx, a.Address)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBudget(db, nil)
	if err := b.SetLimits(ctx, BudgetLimits{PerJob: 300_000}); err != nil {
		t.Fatal(err)
	}
	to := crypto.GenerateAccount().Address.String()
	send := func(amounts ...uint64) (*BudgetedSigner, error) {
		bs := &BudgetedSigner{Signer: s, Budget: b, Job: JobID{9}, Purpose: "escrow lock"}
		sp, err := c.SuggestedParams().Do(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var atc transaction.AtomicTransactionComposer
		for _, amt := range amounts {
			tx, err := transaction.MakePaymentTxn(a.Address, to, amt, nil, "", sp)
			if err != nil {
				t.Fatal(err)
			}
			if err := atc.AddTransaction(transaction.TransactionWithSigner{Txn: tx, Signer: bs}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = atc.Execute(c, ctx, 5)
		return bs, err
	}
	bs, err := send(100_000, 150_000) // fees 2 × 1000
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if u, _ := b.Usage(ctx, JobID{9}); u.JobSpent != 252_000 {
		t.Fatalf("job spent %d, want 252000", u.JobSpent)
	}
	if _, err := send(50_000); err == nil { // 252000 + 51000 > 300000
		t.Fatal("over-budget group was sent")
	} else if _, ok := IsOverBudget(err); !ok {
		t.Fatalf("err = %v, want *ErrOverBudget", err)
	}
	// An overspend is refused by the node itself: a clear rejection.
	b2 := NewBudget(openTestDB(t, t.TempDir()), nil)
	bs2 := &BudgetedSigner{Signer: s, Budget: b2}
	sp, _ := c.SuggestedParams().Do(ctx)
	tx, _ := transaction.MakePaymentTxn(a.Address, to, 5_000_000, nil, "", sp)
	stx, err := bs2.SignTransactions([]types.Transaction{tx}, []int{0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendRawTransaction(stx[0]).Do(ctx); !IsRejected(err) {
		t.Fatalf("overspend: err = %v, want a rejection", err)
	}
	if err := bs2.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if rs, _ := b2.Reservations(ctx); len(rs) != 0 {
		t.Fatalf("released reservations left %+v", rs)
	}
}
