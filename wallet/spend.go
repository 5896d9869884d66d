package wallet

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"sync"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// ErrAmountOverflow reports microAlgo arithmetic that would pass 2^64−1;
// the operation is refused rather than wrapped around.
var ErrAmountOverflow = errors.New("wallet: microAlgo amount overflows 64 bits")

// ErrUnboundedSpend reports a transaction that closes the account's ALGO
// balance (CloseRemainderTo): what it moves is only known once it runs, so
// no budget can cover it.
var ErrUnboundedSpend = errors.New("wallet: closing transaction has no bounded spend")

// addAmounts sums microAlgo amounts, failing with ErrAmountOverflow.
func addAmounts(xs ...uint64) (uint64, error) {
	var sum, carry uint64
	for _, x := range xs {
		sum, carry = bits.Add64(sum, x, 0)
		if carry != 0 {
			return 0, fmt.Errorf("%w: %v", ErrAmountOverflow, xs)
		}
	}
	return sum, nil
}

// GroupSpend returns the microAlgos that group[i], i in indexes, take from
// from: the fee of each transaction from sends plus the amount of each of
// its payments (asset transfers and app calls cost their fee only). A
// payment that sets CloseRemainderTo fails with ErrUnboundedSpend; a sum
// past 2^64−1 with ErrAmountOverflow.
func GroupSpend(group []types.Transaction, indexes []int, from types.Address) (uint64, error) {
	var total uint64
	for _, pos := range indexes {
		if pos < 0 || pos >= len(group) {
			return 0, fmt.Errorf("wallet: index %d out of range (group of %d)", pos, len(group))
		}
		tx := group[pos]
		if tx.Sender != from {
			continue
		}
		parts := []uint64{total, uint64(tx.Fee)}
		if tx.Type == types.PaymentTx {
			if !tx.CloseRemainderTo.IsZero() {
				return 0, fmt.Errorf("%w: transaction %d closes to %s", ErrUnboundedSpend, pos, tx.CloseRemainderTo)
			}
			parts = append(parts, uint64(tx.Amount))
		}
		var err error
		if total, err = addAmounts(parts...); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// IsRejected reports whether a SendRawTransaction error is a clear refusal
// by the node before it accepted the transaction (HTTP 400: overspend,
// logic eval error, expired, ...). Only then may a budget reservation be
// released. Any other error (timeout, connection lost, 5xx, "already in
// ledger") leaves it unknown whether the transaction reached the network:
// its reservation must be committed.
func IsRejected(err error) bool {
	var br common.BadRequest
	if !errors.As(err, &br) {
		return false
	}
	return !strings.Contains(strings.ToLower(br.Message), "already in ledger")
}

// AccountSigner is a TransactionSigner for one account; *Signer is one.
type AccountSigner interface {
	transaction.TransactionSigner
	Address() types.Address
}

// BudgetedSigner signs through Signer only after reserving, against Budget
// under Job and Purpose, every microAlgo the transactions it signs take from
// the account (GroupSpend). Over a cap it returns *ErrOverBudget and signs
// nothing.
//
// The market must sign escrow payments (locks, top-ups) with a
// BudgetedSigner. After submitting the group the caller settles the
// reservations this signer made: Release only when the send failed with
// IsRejected(err) (or was never attempted), Commit otherwise, including on
// ambiguous errors — a transaction that may have reached the network
// counts as spent.
type BudgetedSigner struct {
	Signer  AccountSigner
	Budget  *Budget
	Job     JobID
	Purpose string // e.g. "escrow lock"; stored with each reservation

	mu   sync.Mutex
	open []Reservation
}

var _ transaction.TransactionSigner = (*BudgetedSigner)(nil)

// Address returns the account's address.
func (b *BudgetedSigner) Address() types.Address { return b.Signer.Address() }

// SignTransactions implements transaction.TransactionSigner.
func (b *BudgetedSigner) SignTransactions(txGroup []types.Transaction, indexesToSign []int) ([][]byte, error) {
	spend, err := GroupSpend(txGroup, indexesToSign, b.Signer.Address())
	if err != nil {
		return nil, err
	}
	ctx := context.Background() // the SDK interface carries no context
	r, err := b.Budget.ReserveFor(ctx, b.Job, b.Purpose, spend)
	if err != nil {
		return nil, err
	}
	out, err := b.Signer.SignTransactions(txGroup, indexesToSign)
	if err != nil {
		if rerr := b.Budget.Release(ctx, r); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, err
	}
	b.mu.Lock()
	b.open = append(b.open, r)
	b.mu.Unlock()
	return out, nil
}

// Equals implements transaction.TransactionSigner.
func (b *BudgetedSigner) Equals(other transaction.TransactionSigner) bool {
	o, ok := other.(*BudgetedSigner)
	return ok && o != nil && o.Signer.Equals(b.Signer) && o.Job == b.Job
}

// Open returns the reservations made by signing and not settled yet.
func (b *BudgetedSigner) Open() []Reservation {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Reservation(nil), b.open...)
}

// Commit counts every open reservation as spent.
func (b *BudgetedSigner) Commit(ctx context.Context) error { return b.settle(ctx, b.Budget.Commit) }

// Release drops every open reservation; only for groups that never reached
// the network (see IsRejected).
func (b *BudgetedSigner) Release(ctx context.Context) error { return b.settle(ctx, b.Budget.Release) }

func (b *BudgetedSigner) settle(ctx context.Context, fn func(context.Context, Reservation) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	kept := b.open[:0]
	for _, r := range b.open {
		if err := fn(ctx, r); err != nil {
			errs = append(errs, err)
			kept = append(kept, r)
		}
	}
	b.open = kept
	return errors.Join(errs...)
}
