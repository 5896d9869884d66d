package wallet

import (
	"context"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// DefaultWaitRounds is how many rounds Send waits for confirmation.
const DefaultWaitRounds = 10

// ErrInsufficientFunds reports a payment that would leave the sender below
// its minimum balance.
var ErrInsufficientFunds = errors.New("wallet: insufficient spendable balance")

// Chain reads balances and sends transactions through algod.
type Chain struct {
	Client *algod.Client
	// Budget, if set, is consulted before anything is signed: Send and OptIn
	// reserve the spend computed from the transaction (amount + fee) and
	// commit it once submitted, or when the send failed ambiguously (the
	// transaction may still confirm: *UncertainSendError). It is released
	// only when nothing reached the network: signing failed or the node
	// clearly rejected the transaction (IsRejected).
	Budget *Budget
	// BadgeApp marks assets created by that app's address as badges.
	BadgeApp uint64
	// WaitRounds bounds the wait for confirmation; 0 means DefaultWaitRounds.
	WaitRounds uint64
}

// Balance is an account's ALGO balance and holdings, in microAlgos.
type Balance struct {
	Address    string
	Round      uint64
	Amount     uint64
	MinBalance uint64
	Spendable  uint64 // Amount − MinBalance (what Send may move)
	// PendingRewards are rewards included in Amount that no transaction has
	// applied yet (so history does not show them).
	PendingRewards uint64
	Assets         []AssetHolding
}

// AssetHolding is one asset held by an account.
type AssetHolding struct {
	AssetID  uint64
	Amount   uint64
	Frozen   bool
	Badge    bool // created by the BadgeMinter app
	Name     string
	UnitName string
}

// Balance fetches addr's balance, minimum balance and assets.
func (c *Chain) Balance(ctx context.Context, addr string) (Balance, error) {
	info, err := c.Client.AccountInformation(addr).Do(ctx)
	if err != nil {
		return Balance{}, fmt.Errorf("wallet: account %s: %w", addr, err)
	}
	b := Balance{Address: addr, Round: info.Round, Amount: info.Amount, MinBalance: info.MinBalance}
	if info.Amount > info.AmountWithoutPendingRewards {
		b.PendingRewards = info.Amount - info.AmountWithoutPendingRewards
	}
	if info.Amount > info.MinBalance {
		b.Spendable = info.Amount - info.MinBalance
	}
	var badgeCreator string
	if c.BadgeApp != 0 {
		badgeCreator = crypto.GetApplicationAddress(c.BadgeApp).String()
	}
	for _, h := range info.Assets {
		ah := AssetHolding{AssetID: h.AssetId, Amount: h.Amount, Frozen: h.IsFrozen}
		if a, err := c.Client.GetAssetByID(h.AssetId).Do(ctx); err == nil {
			ah.Name, ah.UnitName = a.Params.Name, a.Params.UnitName
			ah.Badge = badgeCreator != "" && a.Params.Creator == badgeCreator
		} else if ctx.Err() != nil {
			return Balance{}, ctx.Err()
		}
		b.Assets = append(b.Assets, ah)
	}
	return b, nil
}

// Quote is a priced, unsigned payment: what Send will submit.
type Quote struct {
	From, To       string
	Amount         uint64 // microAlgos to the receiver
	Fee            uint64 // network fee, paid by From
	Balance        uint64 // From's balance now
	After          uint64 // From's balance after amount and fee
	MinimumBalance uint64
	JobID          JobID // optional: counted against the job's budget cap
	Tx             types.Transaction
}

// Quote prices a payment of amount microAlgos with note and checks that
// From keeps its minimum balance (ErrInsufficientFunds otherwise).
func (c *Chain) Quote(ctx context.Context, from, to string, amount uint64, note []byte) (Quote, error) {
	sp, err := c.Client.SuggestedParams().Do(ctx)
	if err != nil {
		return Quote{}, fmt.Errorf("wallet: suggested params: %w", err)
	}
	tx, err := transaction.MakePaymentTxn(from, to, amount, note, "", sp)
	if err != nil {
		return Quote{}, fmt.Errorf("wallet: build payment: %w", err)
	}
	bal, err := c.Balance(ctx, from)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{From: from, To: to, Amount: amount, Fee: uint64(tx.Fee), Balance: bal.Amount, MinimumBalance: bal.MinBalance, Tx: tx}
	cost, err := addAmounts(amount, q.Fee)
	if err != nil {
		return q, err
	}
	if cost > bal.Amount || bal.Amount-cost < bal.MinBalance {
		return q, fmt.Errorf("%w: %d + fee %d from %d leaves less than the minimum %d",
			ErrInsufficientFunds, amount, q.Fee, bal.Amount, bal.MinBalance)
	}
	q.After = bal.Amount - cost
	return q, nil
}

// Receipt describes a confirmed transaction.
type Receipt struct {
	TxID  string
	Round uint64
	Fee   uint64
}

// ErrQuoteMismatch reports a Quote whose transaction is not the payment the
// quote describes (other receiver, amount or fee, or a close or rekey).
var ErrQuoteMismatch = errors.New("wallet: quote does not match its transaction")

// UncertainSendError reports a send that failed in a way that does not
// prove the node refused it: the transaction may still confirm. Its budget
// reservation was committed; check TxID before retrying.
type UncertainSendError struct {
	TxID string
	Err  error
}

// Error implements error.
func (e *UncertainSendError) Error() string {
	return fmt.Sprintf("wallet: submit %s: outcome unknown (counted as spent): %v", e.TxID, e.Err)
}

// Unwrap returns the node's error.
func (e *UncertainSendError) Unwrap() error { return e.Err }

// Send signs the quoted payment with signer, submits it and waits for
// confirmation. The transaction must be exactly the quoted payment
// (ErrQuoteMismatch otherwise: no close, no rekey). With a Budget, the
// spend computed from the transaction itself (amount + fee) is reserved
// first and nothing is signed if that fails (*ErrOverBudget,
// ErrAmountOverflow).
func (c *Chain) Send(ctx context.Context, signer transaction.TransactionSigner, q Quote) (Receipt, error) {
	if err := q.check(); err != nil {
		return Receipt{}, err
	}
	return c.submit(ctx, signer, q.Tx, q.JobID)
}

func (q Quote) check() error {
	tx := q.Tx
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrQuoteMismatch, what) }
	switch {
	case tx.Type != types.PaymentTx:
		return bad("not a payment")
	case tx.Sender.String() != q.From || tx.Receiver.String() != q.To:
		return bad("sender or receiver differs")
	case uint64(tx.Amount) != q.Amount || uint64(tx.Fee) != q.Fee:
		return bad(fmt.Sprintf("transaction moves %d + fee %d, quote says %d + %d", tx.Amount, tx.Fee, q.Amount, q.Fee))
	case !tx.CloseRemainderTo.IsZero():
		return bad("closes the account")
	case !tx.RekeyTo.IsZero():
		return bad("rekeys the account")
	}
	return nil
}

// OptIn opts addr in to assetID (a zero-amount transfer to itself).
func (c *Chain) OptIn(ctx context.Context, signer transaction.TransactionSigner, addr string, assetID uint64) (Receipt, error) {
	sp, err := c.Client.SuggestedParams().Do(ctx)
	if err != nil {
		return Receipt{}, fmt.Errorf("wallet: suggested params: %w", err)
	}
	tx, err := transaction.MakeAssetAcceptanceTxn(addr, nil, sp, assetID)
	if err != nil {
		return Receipt{}, fmt.Errorf("wallet: build opt-in: %w", err)
	}
	return c.submit(ctx, signer, tx, JobID{})
}

// submit reserves the spend GroupSpend computes from tx (with a Budget),
// signs, sends and awaits tx. The reservation rule: it is released only
// when nothing can have reached the network — signing failed, or the node
// clearly rejected the transaction (IsRejected). On any other send error
// it is committed and the error is an *UncertainSendError, since the
// transaction may still confirm; a cap is never exceeded by guessing wrong.
func (c *Chain) submit(ctx context.Context, signer transaction.TransactionSigner, tx types.Transaction, job JobID) (Receipt, error) {
	if as, ok := signer.(interface{ Address() types.Address }); ok && as.Address() != tx.Sender {
		return Receipt{}, fmt.Errorf("wallet: signer %s cannot sign for %s", as.Address(), tx.Sender)
	}
	var res *Reservation
	if c.Budget != nil {
		spend, err := GroupSpend([]types.Transaction{tx}, []int{0}, tx.Sender)
		if err != nil {
			return Receipt{}, err
		}
		r, err := c.Budget.Reserve(ctx, job, spend)
		if err != nil {
			return Receipt{}, err
		}
		res = &r
	}
	settle := func(commit bool) error {
		if res == nil {
			return nil
		}
		if commit {
			return c.Budget.Commit(context.WithoutCancel(ctx), *res)
		}
		return c.Budget.Release(context.WithoutCancel(ctx), *res)
	}
	stxs, err := signer.SignTransactions([]types.Transaction{tx}, []int{0})
	if err == nil && len(stxs) != 1 {
		err = errors.New("signer returned no transaction")
	}
	if err != nil {
		return Receipt{}, errors.Join(fmt.Errorf("wallet: sign: %w", err), settle(false))
	}
	txid, err := c.Client.SendRawTransaction(stxs[0]).Do(ctx)
	if err != nil {
		if IsRejected(err) {
			return Receipt{}, errors.Join(fmt.Errorf("wallet: submit: rejected: %w", err), settle(false))
		}
		txid = crypto.TransactionIDString(tx)
		return Receipt{TxID: txid}, errors.Join(&UncertainSendError{TxID: txid, Err: err}, settle(true))
	}
	if err := settle(true); err != nil {
		return Receipt{TxID: txid}, err
	}
	wait := c.WaitRounds
	if wait == 0 {
		wait = DefaultWaitRounds
	}
	info, err := transaction.WaitForConfirmation(c.Client, txid, wait, ctx)
	if err != nil {
		return Receipt{TxID: txid}, fmt.Errorf("wallet: confirm %s: %w", txid, err)
	}
	return Receipt{TxID: txid, Round: info.ConfirmedRound, Fee: uint64(tx.Fee)}, nil
}
