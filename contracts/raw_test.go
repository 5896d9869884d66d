package contracts_test

import (
	"github.com/algorand/go-algorand-sdk/v2/abi"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// rawCall is an ABI call built outside the typed client, so that tests can
// send what the typed client never would.
type rawCall struct {
	app      uint64
	sig      string
	args     []interface{}
	inner    uint64
	boxes    []types.AppBoxReference
	apps     []uint64
	assets   []uint64
	accounts []string
	onc      types.OnCompletion
}

func (e *env) params(txns uint64) types.SuggestedParams {
	e.t.Helper()
	sp, err := e.c.Algod().SuggestedParams().Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	sp.FlatFee = true
	sp.Fee = types.MicroAlgos(1000 * txns)
	return sp
}

// send signs and submits an ATC's group through the client, which names
// the logic error.
func (e *env) send(atc *transaction.AtomicTransactionComposer) error {
	e.t.Helper()
	signed, err := atc.GatherSignatures()
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.c.SendGroup(e.ctx, signed)
	return err
}

func (e *env) call(a actor, k rawCall, pre ...transaction.TransactionWithSigner) error {
	e.t.Helper()
	m, err := abi.MethodFromSignature(k.sig)
	if err != nil {
		e.t.Fatal(err)
	}
	var atc transaction.AtomicTransactionComposer
	for _, p := range pre {
		if err := atc.AddTransaction(p); err != nil {
			e.t.Fatal(err)
		}
	}
	err = atc.AddMethodCall(transaction.AddMethodCallParams{AppID: k.app, Method: m, MethodArgs: k.args,
		Sender: a.addr, SuggestedParams: e.params(1 + k.inner), OnComplete: k.onc, Signer: a.signer,
		BoxReferences: k.boxes, ForeignApps: k.apps, ForeignAssets: k.assets, ForeignAccounts: k.accounts})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.send(&atc)
}

func (e *env) pay(from actor, to types.Address, amount uint64) transaction.TransactionWithSigner {
	e.t.Helper()
	txn, err := transaction.MakePaymentTxn(from.addr.String(), to.String(), amount, nil, "", e.params(1))
	if err != nil {
		e.t.Fatal(err)
	}
	return transaction.TransactionWithSigner{Txn: txn, Signer: from.signer}
}

// createMutated builds the typed client's create_job group, lets mutate
// change it (keep selects which transactions are sent), regroups, signs
// with the given actors and sends it.
func (e *env) createMutated(j testJob, signers []actor, mutate func(pay, call *types.Transaction), keep ...int) error {
	e.t.Helper()
	group, err := e.c.BuildCreateJobGroup(e.ctx, j.Offer)
	if err != nil {
		e.t.Fatal(err)
	}
	pay, call := group[0], group[1]
	pay.Group, call.Group = types.Digest{}, types.Digest{}
	mutate(&pay, &call)
	all := []types.Transaction{pay, call}
	var txns []types.Transaction
	for _, i := range keep {
		txns = append(txns, all[i])
	}
	if len(txns) > 1 {
		gid, err := crypto.ComputeGroupID(txns)
		if err != nil {
			e.t.Fatal(err)
		}
		for i := range txns {
			txns[i].Group = gid
		}
	}
	keys := map[types.Address]crypto.Account{j.cons.addr: j.cons.acct, j.p.addr: j.p.acct}
	for _, s := range signers {
		keys[s.addr] = s.acct
	}
	var signed [][]byte
	for _, tx := range txns {
		_, st, err := crypto.SignTransaction(keys[tx.Sender].PrivateKey, tx)
		if err != nil {
			e.t.Fatal(err)
		}
		signed = append(signed, st)
	}
	_, err = e.c.SendGroup(e.ctx, signed)
	return err
}
