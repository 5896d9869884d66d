package provider

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/market/x402"
)

// MaxConsumerFee caps the fee of the consumer's payment (it pays it, but a
// silly fee is a sign of a confused client).
const MaxConsumerFee = 10_000

// MaxValidity caps the rounds a group may stay valid.
const MaxValidity = 1000

// Expected is what a payment group must be for one offer: the group the
// provider builds itself for the offer (index 0 the consumer's payment,
// index 1 its create_job call), the genesis hash and the current round.
type Expected struct {
	Group       []types.Transaction
	GenesisHash [32]byte
	Round       uint64
	Consumer    types.Address
	Provider    types.Address
}

// CheckGroup checks a received payment group against exp, field by field,
// and returns the protocol error for the first difference:
//
//   - wrong size, wrong index, wrong types or senders, signatures where none
//     belong, a bad group id, close or rekey fields, any other field that
//     differs: invalid_payload;
//   - another genesis hash: invalid_network;
//   - the payment to another receiver: invalid_payload;
//   - less than the required amount: insufficient_funds; more: invalid_payload;
//   - a validity window already over, not yet open or too long:
//     invalid_transaction_state;
//   - a payment signature that does not verify with the consumer's key:
//     invalid_payload.
//
// Only the validity rounds of both transactions and the payment's fee
// (bounded by MaxConsumerFee) may differ from exp; the group id must be the
// one those transactions give.
func CheckGroup(exp Expected, group []types.SignedTxn, paymentIndex int) error {
	if len(group) != 2 || len(exp.Group) != 2 {
		return x402.Errorf(x402.InvalidPayload, "payment group has %d transactions, want 2 (payment, create_job)", len(group))
	}
	if paymentIndex != 0 {
		return x402.Errorf(x402.InvalidPayload, "paymentIndex %d, the payment is transaction 0", paymentIndex)
	}
	pay, call := group[0].Txn, group[1].Txn
	wantPay, wantCall := exp.Group[0], exp.Group[1]
	for i, t := range []types.Transaction{pay, call} {
		if t.GenesisHash != exp.GenesisHash {
			return x402.Errorf(x402.InvalidNetwork, "transaction %d is for another network (genesis hash)", i)
		}
		if t.GenesisID != "" && t.GenesisID != exp.Group[i].GenesisID {
			return x402.Errorf(x402.InvalidNetwork, "transaction %d is for network %q", i, t.GenesisID)
		}
		if !t.RekeyTo.IsZero() || !t.CloseRemainderTo.IsZero() || !t.AssetCloseTo.IsZero() {
			return x402.Errorf(x402.InvalidPayload, "transaction %d sets a close or rekey field", i)
		}
		first, last := uint64(t.FirstValid), uint64(t.LastValid)
		if last < exp.Round {
			return x402.Errorf(x402.InvalidTransactionState, "transaction %d expired at round %d (now %d)", i, last, exp.Round)
		}
		if first > exp.Round+1 || last < first || last-first > MaxValidity {
			return x402.Errorf(x402.InvalidTransactionState, "transaction %d is valid in rounds %d-%d (now %d, at most %d rounds)", i, first, last, exp.Round, MaxValidity)
		}
	}
	if pay.Type != types.PaymentTx || pay.Sender != exp.Consumer {
		return x402.Errorf(x402.InvalidPayload, "transaction 0 must be a payment from the consumer %s", exp.Consumer)
	}
	if pay.Receiver != wantPay.Receiver {
		return x402.Errorf(x402.InvalidPayload, "payment to %s, want the Escrow %s", pay.Receiver, wantPay.Receiver)
	}
	if pay.Amount < wantPay.Amount {
		return x402.Errorf(x402.InsufficientFunds, "payment of %d µALGO, the offer needs %d", pay.Amount, wantPay.Amount)
	}
	if pay.Amount != wantPay.Amount {
		return x402.Errorf(x402.InvalidPayload, "payment of %d µALGO, the offer needs exactly %d", pay.Amount, wantPay.Amount)
	}
	if pay.Fee > MaxConsumerFee {
		return x402.Errorf(x402.InvalidPayload, "payment fee %d above %d", pay.Fee, MaxConsumerFee)
	}
	if call.Type != types.ApplicationCallTx || call.Sender != exp.Provider {
		return x402.Errorf(x402.InvalidPayload, "transaction 1 must be the provider's create_job call")
	}
	gid, err := crypto.ComputeGroupID([]types.Transaction{withoutGroup(pay), withoutGroup(call)})
	if err != nil {
		return x402.Errorf(x402.InvalidPayload, "group id: %v", err)
	}
	if pay.Group != gid || call.Group != gid {
		return x402.Errorf(x402.InvalidPayload, "group id does not match the transactions")
	}
	// Every other field must be the offer's.
	if d := firstDifference(pay, wantPay, true); d != "" {
		return x402.Errorf(x402.InvalidPayload, "payment differs from the offer in %s", d)
	}
	if d := firstDifference(call, wantCall, false); d != "" {
		return x402.Errorf(x402.InvalidPayload, "create_job call differs from the offer in %s", d)
	}
	// The call must come unsigned; the payment signed by the consumer's own key.
	if !isUnsigned(group[1]) {
		return x402.Errorf(x402.InvalidPayload, "the create_job call must come unsigned")
	}
	p := group[0]
	if !p.AuthAddr.IsZero() || !p.Msig.Blank() || !p.Lsig.Blank() || p.Sig == (types.Signature{}) {
		return x402.Errorf(x402.InvalidPayload, "the payment must carry the consumer's single signature")
	}
	msg := append([]byte("TX"), msgpack.Encode(pay)...)
	if !ed25519.Verify(ed25519.PublicKey(exp.Consumer[:]), msg, p.Sig[:]) {
		return x402.Errorf(x402.InvalidPayload, "payment signature does not verify with the consumer's key")
	}
	return nil
}

func withoutGroup(t types.Transaction) types.Transaction {
	t.Group = types.Digest{}
	return t
}

func isUnsigned(st types.SignedTxn) bool {
	return st.Sig == (types.Signature{}) && st.Msig.Blank() && st.Lsig.Blank() && st.AuthAddr.IsZero()
}

// firstDifference names the first field in which got differs from want,
// ignoring the validity rounds, the group id and (for the payment) the fee.
func firstDifference(got, want types.Transaction, feeFree bool) string {
	norm := func(t types.Transaction) types.Transaction {
		t.FirstValid, t.LastValid, t.Group = 0, 0, types.Digest{}
		if feeFree {
			t.Fee = 0
		}
		if t.GenesisID == "" {
			t.GenesisID = want.GenesisID
		}
		return t
	}
	g, w := norm(got), norm(want)
	if bytes.Equal(msgpack.Encode(g), msgpack.Encode(w)) {
		return ""
	}
	switch {
	case g.Fee != w.Fee:
		return fmt.Sprintf("fee (%d, want %d)", g.Fee, w.Fee)
	case g.ApplicationID != w.ApplicationID:
		return fmt.Sprintf("application id (%d, want %d)", g.ApplicationID, w.ApplicationID)
	case len(g.ApplicationArgs) != len(w.ApplicationArgs):
		return "arguments"
	case !bytes.Equal(g.Note, w.Note):
		return "note"
	case g.Lease != w.Lease:
		return "lease"
	}
	for i := range g.ApplicationArgs {
		if !bytes.Equal(g.ApplicationArgs[i], w.ApplicationArgs[i]) {
			return fmt.Sprintf("argument %d", i)
		}
	}
	return "references or other fields"
}
