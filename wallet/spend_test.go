package wallet

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// countingSigner signs with a real account and counts calls.
type countingSigner struct {
	acct  crypto.Account
	calls int
	fail  error
}

func (s *countingSigner) SignTransactions(g []types.Transaction, idx []int) ([][]byte, error) {
	s.calls++
	if s.fail != nil {
		return nil, s.fail
	}
	return transaction.BasicAccountTransactionSigner{Account: s.acct}.SignTransactions(g, idx)
}
func (s *countingSigner) Equals(o transaction.TransactionSigner) bool { return o == s }
func (s *countingSigner) Address() types.Address                      { return s.acct.Address }

func quoteFor(from, to types.Address, amount, fee uint64, tweak func(*types.Transaction)) Quote {
	tx := testTxn(from, func(tx *types.Transaction) {
		tx.Receiver, tx.Amount, tx.Fee = to, types.MicroAlgos(amount), types.MicroAlgos(fee)
	})
	q := Quote{From: from.String(), To: to.String(), Amount: amount, Fee: fee, Tx: tx}
	if tweak != nil {
		tweak(&q.Tx)
	}
	return q
}

// TestSendSpendFromTransaction: the cap is checked against what the
// transaction itself moves; a quote that disagrees with its transaction,
// closes or rekeys is refused, and amount + fee past 2^64 does not wrap.
func TestSendSpendFromTransaction(t *testing.T) {
	ctx := context.Background()
	from, to := crypto.GenerateAccount(), crypto.GenerateAccount().Address
	tests := []struct {
		name string
		q    Quote
		want error
	}{
		{"amount larger than quoted", quoteFor(from.Address, to, 1000, 1000, func(tx *types.Transaction) { tx.Amount = 5_000_000 }), ErrQuoteMismatch},
		{"close-to", quoteFor(from.Address, to, 1000, 1000, func(tx *types.Transaction) { tx.CloseRemainderTo = to }), ErrQuoteMismatch},
		{"rekey", quoteFor(from.Address, to, 1000, 1000, func(tx *types.Transaction) { tx.RekeyTo = to }), ErrQuoteMismatch},
		{"other receiver", quoteFor(from.Address, to, 1000, 1000, func(tx *types.Transaction) { tx.Receiver = from.Address }), ErrQuoteMismatch},
		{"amount + fee wraps 2^64", quoteFor(from.Address, to, math.MaxUint64-500, 1000, nil), ErrAmountOverflow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(openTestDB(t, t.TempDir()), nil)
			if err := b.SetLimits(ctx, BudgetLimits{Daily: 1_000_000}); err != nil {
				t.Fatal(err)
			}
			spy := &countingSigner{acct: from}
			_, err := (&Chain{Budget: b}).Send(ctx, spy, tc.q)
			if !errors.Is(err, tc.want) || spy.calls != 0 {
				t.Fatalf("err = %v (signer called %d times), want %v", err, spy.calls, tc.want)
			}
			if rs, _ := b.Reservations(ctx); len(rs) != 0 {
				t.Fatalf("left reservations %+v", rs)
			}
		})
	}
}

func TestReserveOverflow(t *testing.T) {
	ctx := context.Background()
	for _, limits := range []BudgetLimits{{Daily: 1000, PerJob: 1000}, {}} {
		b := NewBudget(openTestDB(t, t.TempDir()), nil)
		if err := b.SetLimits(ctx, limits); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Reserve(ctx, JobID{1}, 10); err != nil {
			t.Fatal(err)
		}
		// 10 + (2^64 − 5) wraps to 5, which would pass a cap of 1000.
		if _, err := b.Reserve(ctx, JobID{1}, math.MaxUint64-4); !errors.Is(err, ErrAmountOverflow) {
			t.Fatalf("limits %+v: err = %v, want ErrAmountOverflow", limits, err)
		}
	}
	if _, err := addAmounts(math.MaxUint64, 0); err != nil {
		t.Fatal(err)
	}
}

// algodStub answers suggested params and fails transaction submission with
// the given status and message.
func algodStub(t *testing.T, status int, msg string) *algod.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/transactions" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"message":"` + msg + `"}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := algod.MakeClient(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSendErrorKeepsReservationUnlessRejected: only a clear rejection
// (HTTP 400) releases the reservation; a 5xx, a dropped connection's
// stand-in or "already in ledger" commits it.
func TestSendErrorKeepsReservationUnlessRejected(t *testing.T) {
	ctx := context.Background()
	from, to := crypto.GenerateAccount(), crypto.GenerateAccount().Address
	tests := []struct {
		name      string
		status    int
		msg       string
		committed bool
	}{
		{"overspend rejected", 400, "TransactionPool.Remember: transaction X: overspend", false},
		{"logic eval rejected", 400, "transaction rejected by ApprovalProgram: logic eval error", false},
		{"already in ledger", 400, "TransactionPool.Remember: transaction already in ledger: X", true},
		{"server error", 500, "internal error", true},
		{"bad gateway", 502, "upstream timed out", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(openTestDB(t, t.TempDir()), nil)
			q := quoteFor(from.Address, to, 70_000, 1000, nil)
			_, err := (&Chain{Client: algodStub(t, tc.status, tc.msg), Budget: b}).Send(ctx, &countingSigner{acct: from}, q)
			if err == nil {
				t.Fatal("send succeeded against a failing node")
			}
			var us *UncertainSendError
			if uncertain := errors.As(err, &us); uncertain != tc.committed {
				t.Fatalf("err = %v: uncertain %v, want %v", err, uncertain, tc.committed)
			}
			if tc.committed && us.TxID != crypto.TransactionIDString(q.Tx) {
				t.Fatalf("uncertain txid %s", us.TxID)
			}
			u, _ := b.Usage(ctx, JobID{})
			rs, _ := b.Reservations(ctx)
			wantSpent := uint64(0)
			if tc.committed {
				wantSpent = 71_000
			}
			if u.DaySpent != wantSpent || len(rs) != 0 {
				t.Fatalf("spent %d (want %d), open %d", u.DaySpent, wantSpent, len(rs))
			}
		})
	}
}
