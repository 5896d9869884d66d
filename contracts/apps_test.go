package contracts_test

import (
	"encoding/base64"
	"encoding/binary"
	"os"

	"github.com/algorand/go-algorand-sdk/v2/abi"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// appDecl returns the declaration of one of the three apps.
func appDecl(name string) contracts.AppDecl {
	for _, d := range contracts.Apps() {
		if d.Name == name {
			return d
		}
	}
	panic("no app " + name)
}

// createTxn is a's creation of an app from the committed bytecode of name
// (or of the given programs), with the given on-completion and arguments.
func (e *env) createTxn(a actor, name string, approval, clear []byte, onc types.OnCompletion, args [][]byte) types.Transaction {
	e.t.Helper()
	d := appDecl(name)
	if approval == nil {
		spec, err := contracts.LoadSpec(name)
		if err != nil {
			e.t.Fatal(err)
		}
		if approval, clear, err = spec.Programs(); err != nil {
			e.t.Fatal(err)
		}
	}
	txn, err := transaction.MakeApplicationCreateTxWithExtraPages(onc == types.OptInOC, approval, clear,
		types.StateSchema{NumUint: d.GlobalInts, NumByteSlice: d.GlobalBytes}, types.StateSchema{},
		args, nil, nil, nil, e.params(1), a.addr, nil, types.Digest{}, [32]byte{}, types.ZeroAddress,
		uint32((len(approval)+len(clear)-1)/2048))
	if err != nil {
		e.t.Fatal(err)
	}
	txn.OnCompletion = onc
	return txn
}

// sendTxns groups (when more than one), signs with the senders' keys and
// submits txns through the client, which names the logic error.
func (e *env) sendTxns(keys []actor, txns ...types.Transaction) (contracts.Result, error) {
	e.t.Helper()
	return e.sendAs(keys, nil, txns...)
}

// sendAs is sendTxns with the transactions at the indices of authBy signed
// by that actor instead (the sender rekeyed to it earlier in the group).
func (e *env) sendAs(keys []actor, authBy map[int]actor, txns ...types.Transaction) (contracts.Result, error) {
	e.t.Helper()
	for i := range txns {
		txns[i].Group = types.Digest{}
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
	byAddr := map[types.Address]crypto.Account{}
	for _, k := range keys {
		byAddr[k.addr] = k.acct
	}
	var signed [][]byte
	for i, tx := range txns {
		acct, ok := byAddr[tx.Sender]
		if a, set := authBy[i]; set {
			acct, ok = a.acct, true
		}
		if !ok {
			e.t.Fatalf("no key for sender %s", tx.Sender)
		}
		_, st, err := crypto.SignTransaction(acct.PrivateKey, tx)
		if err != nil {
			e.t.Fatal(err)
		}
		signed = append(signed, st)
	}
	return e.c.SendGroup(e.ctx, signed)
}

// freshApp creates an unconfigured copy of app name, created by a, and
// names it for rejection reports.
func (e *env) freshApp(a actor, name string) uint64 {
	e.t.Helper()
	res, err := e.sendTxns([]actor{a}, e.createTxn(a, name, nil, nil, types.NoOpOC, nil))
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[0]).Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.extra[info.ApplicationIndex] = name
	return info.ApplicationIndex
}

// relay creates the test relay app (testdata/relay.teal), funded for its
// minimum balance, and returns its id.
func (e *env) relay() uint64 {
	e.t.Helper()
	src, err := os.ReadFile("testdata/relay.teal")
	if err != nil {
		e.t.Fatal(err)
	}
	id := e.createProgram(src, "Relay")
	if _, err := e.sendTxns([]actor{e.creator}, e.pay(e.creator, crypto.GetApplicationAddress(id), 100_000).Txn); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// createProgram compiles a test program and creates it (no state).
func (e *env) createProgram(src []byte, name string) uint64 {
	e.t.Helper()
	compile := func(b []byte) []byte {
		r, err := e.c.Algod().TealCompile(b).Do(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		prog, err := base64.StdEncoding.DecodeString(r.Result)
		if err != nil {
			e.t.Fatal(err)
		}
		return prog
	}
	txn := e.createTxn(e.creator, "Escrow", compile(src), compile([]byte("#pragma version 10\nint 1\n")), types.NoOpOC, nil)
	txn.GlobalStateSchema = types.StateSchema{}
	res, err := e.sendTxns([]actor{e.creator}, txn)
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	info, _, err := e.c.Algod().PendingTransactionInformation(res.TxIDs[0]).Do(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.extra[info.ApplicationIndex] = name
	return info.ApplicationIndex
}

// appCall is a NoOp (or onc) call of app by a with raw arguments.
func (e *env) appCall(a actor, app uint64, onc types.OnCompletion, args [][]byte, fee uint64, refs func(*types.Transaction)) types.Transaction {
	e.t.Helper()
	txn, err := transaction.MakeApplicationCallTx(app, args, nil, nil, nil, onc, nil, nil, types.StateSchema{}, types.StateSchema{},
		e.params(fee), a.addr, nil, types.Digest{}, [32]byte{}, types.ZeroAddress)
	if err != nil {
		e.t.Fatal(err)
	}
	if refs != nil {
		refs(&txn)
	}
	return txn
}

// sel is the ARC-4 selector of a method signature.
func sel(sig string) []byte {
	m, err := abi.MethodFromSignature(sig)
	if err != nil {
		panic(err)
	}
	return m.GetSelector()
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// arc4 encodes an ARC-4 string.
func arc4(s string) []byte { return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...) }

// keyreg turns a transaction into a zero keyreg (go offline) of the same
// sender: a transaction that is not a payment.
func keyreg(t *types.Transaction) {
	t.Type = types.KeyRegistrationTx
	t.PaymentTxnFields = types.PaymentTxnFields{}
}

// addBox references box name of app in a raw app call, adding app to the
// foreign apps when it is not the called one.
func addBox(t *types.Transaction, app uint64, name []byte) {
	idx := uint64(0)
	if types.AppIndex(app) != t.ApplicationID {
		for i, a := range t.ForeignApps {
			if a == types.AppIndex(app) {
				idx = uint64(i + 1)
			}
		}
		if idx == 0 {
			t.ForeignApps = append(t.ForeignApps, types.AppIndex(app))
			idx = uint64(len(t.ForeignApps))
		}
	}
	t.BoxReferences = append(t.BoxReferences, types.BoxReference{ForeignAppIdx: idx, Name: name})
}
