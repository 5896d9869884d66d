package contracts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/algorand/go-algorand-sdk/v2/abi"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// AppIDs are the application ids of one deployment.
type AppIDs struct{ Registry, Escrow, Badge uint64 }

// Client calls the three applications of one deployment. It is safe for
// concurrent use.
type Client struct {
	algod *algod.Client
	apps  AppIDs
	specs map[uint64]Spec
	sigs  map[string]abi.Method
}

// NewClient returns a client for the deployed apps, using the committed
// ARC-56 specs to name logic errors.
func NewClient(c *algod.Client, apps AppIDs) (*Client, error) {
	cl := &Client{algod: c, apps: apps, specs: map[uint64]Spec{}, sigs: map[string]abi.Method{}}
	ids := map[string]uint64{"Registry": apps.Registry, "Escrow": apps.Escrow, "BadgeMinter": apps.Badge}
	for _, d := range Apps() {
		s, err := LoadSpec(d.Name)
		if err != nil {
			return nil, err
		}
		cl.specs[ids[d.Name]] = s
		for _, md := range d.Methods {
			m, err := abi.MethodFromSignature(md.Signature)
			if err != nil {
				return nil, fmt.Errorf("contracts: %w", err)
			}
			cl.sigs[d.Name+"."+m.Name] = m
		}
	}
	return cl, nil
}

// Apps returns the app ids this client calls.
func (c *Client) Apps() AppIDs { return c.apps }

// Algod returns the node client.
func (c *Client) Algod() *algod.Client { return c.algod }

// Result describes a confirmed transaction group.
type Result struct {
	TxIDs []string
	Round uint64
	// Fees is the sum of the fees of every transaction in the group.
	Fees uint64
	// Return is the ABI return value of the last method call, if any.
	Return interface{}
}

// call describes one app call, the transactions that must precede it and
// the fee it must pool for its inner transactions.
type call struct {
	app      uint64
	method   string // "App.name"
	args     []interface{}
	inner    uint64
	boxes    []types.AppBoxReference
	apps     []uint64
	accounts []string
	assets   []uint64
}

func (c *Client) params(ctx context.Context, txns uint64) (types.SuggestedParams, error) {
	sp, err := c.algod.SuggestedParams().Do(ctx)
	if err != nil {
		return sp, fmt.Errorf("contracts: suggested params: %w", err)
	}
	minFee := sp.MinFee
	if minFee == 0 {
		minFee = transaction.MinTxnFee
	}
	sp.FlatFee = true
	sp.Fee = types.MicroAlgos(minFee * txns)
	return sp, nil
}

// compose builds the group for a call without signing it.
func (c *Client) compose(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, k call) (*transaction.AtomicTransactionComposer, error) {
	var atc transaction.AtomicTransactionComposer
	if err := c.addCall(ctx, &atc, sender, signer, k); err != nil {
		return nil, err
	}
	return &atc, nil
}

// addCall appends a method call (and the transactions it takes as
// arguments) to atc, with the fee pooled for its inner transactions.
func (c *Client) addCall(ctx context.Context, atc *transaction.AtomicTransactionComposer, sender types.Address, signer transaction.TransactionSigner, k call) error {
	m, ok := c.sigs[k.method]
	if !ok {
		return fmt.Errorf("contracts: unknown method %s", k.method)
	}
	sp, err := c.params(ctx, 1+k.inner)
	if err != nil {
		return err
	}
	err = atc.AddMethodCall(transaction.AddMethodCallParams{
		AppID: k.app, Method: m, MethodArgs: k.args, Sender: sender, SuggestedParams: sp,
		OnComplete: types.NoOpOC, Signer: signer, BoxReferences: k.boxes, ForeignApps: k.apps,
		ForeignAccounts: k.accounts, ForeignAssets: k.assets,
	})
	if err != nil {
		return fmt.Errorf("contracts: %s: %w", k.method, err)
	}
	return nil
}

// run composes, signs, submits and waits for a call.
func (c *Client) run(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, k call) (Result, error) {
	atc, err := c.compose(ctx, sender, signer, k)
	if err != nil {
		return Result{}, err
	}
	return c.execute(ctx, atc, k.method)
}

func (c *Client) execute(ctx context.Context, atc *transaction.AtomicTransactionComposer, what string) (Result, error) {
	group, err := atc.BuildGroup()
	if err != nil {
		return Result{}, fmt.Errorf("contracts: %s: %w", what, err)
	}
	var fees uint64
	for _, t := range group {
		fees += uint64(t.Txn.Fee)
	}
	res, err := atc.Execute(c.algod, ctx, 4)
	if err != nil {
		return Result{}, fmt.Errorf("contracts: %s: %w", what, c.classify(err))
	}
	out := Result{TxIDs: res.TxIDs, Round: res.ConfirmedRound, Fees: fees}
	if n := len(res.MethodResults); n > 0 {
		r := res.MethodResults[n-1]
		if r.DecodeError != nil {
			return out, fmt.Errorf("contracts: %s: decode return: %w", what, r.DecodeError)
		}
		out.Return = r.ReturnValue
	}
	return out, nil
}

// LogicError is a rejection by one of the apps, named by the "// ERR:CODE"
// tag on the TEAL line that failed.
type LogicError struct {
	App   string    // "Registry", "Escrow" or "BadgeMinter"
	AppID uint64    // the rejecting application
	PC    int       // program counter of the failed line
	Code  ErrorCode // the line's ERR tag; "" when the pc carries none
	Err   error     // algod's error
}

// Error names the code, the app and the program counter.
func (e *LogicError) Error() string {
	return fmt.Sprintf("%s (app %s %d, pc %d): %v", e.Code, e.App, e.AppID, e.PC, e.Err)
}

// Unwrap returns algod's error.
func (e *LogicError) Unwrap() error { return e.Err }

// CodeOf returns the error code of a logic rejection in err's chain, or "".
func CodeOf(err error) ErrorCode {
	var le *LogicError
	if errors.As(err, &le) {
		return le.Code
	}
	return ""
}

// IsCode reports whether err is a rejection with the given code.
func IsCode(err error, code ErrorCode) bool { return CodeOf(err) == code }

var detailsRe = regexp.MustCompile(`app=(\d+), pc=(\d+)`)

// classify names the innermost tagged failure in algod's error text
// ("... Details: app=N, pc=M ..."); inner failures are reported first.
func (c *Client) classify(err error) error {
	for _, m := range detailsRe.FindAllStringSubmatch(err.Error(), -1) {
		appID, _ := strconv.ParseUint(m[1], 10, 64)
		pc, _ := strconv.Atoi(m[2])
		spec, ok := c.specs[appID]
		if !ok {
			continue
		}
		if code := spec.ErrorAt(pc); code != "" {
			return &LogicError{App: spec.Name, AppID: appID, PC: pc, Code: ErrorCode(code), Err: err}
		}
	}
	return err
}

// SendGroup submits an already signed transaction group (for example the
// create_job group a consumer signed and sent to a provider), waits for its
// confirmation and names a logic rejection like the typed methods do.
func (c *Client) SendGroup(ctx context.Context, signed [][]byte) (Result, error) {
	var raw []byte
	var out Result
	for _, b := range signed {
		var st types.SignedTxn
		if err := msgpack.Decode(b, &st); err != nil {
			return Result{}, fmt.Errorf("contracts: decode signed transaction: %w", err)
		}
		out.Fees += uint64(st.Txn.Fee)
		out.TxIDs = append(out.TxIDs, crypto.GetTxID(st.Txn))
		raw = append(raw, b...)
	}
	if len(out.TxIDs) == 0 {
		return Result{}, fmt.Errorf("contracts: empty group")
	}
	if _, err := c.algod.SendRawTransaction(raw).Do(ctx); err != nil {
		return Result{}, fmt.Errorf("contracts: send group: %w", c.classify(err))
	}
	info, err := transaction.WaitForConfirmation(c.algod, out.TxIDs[0], 4, ctx)
	if err != nil {
		return Result{}, fmt.Errorf("contracts: confirm group: %w", err)
	}
	out.Round = info.ConfirmedRound
	return out, nil
}
