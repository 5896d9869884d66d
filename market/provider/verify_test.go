package provider

import (
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/market/x402"
)

// expectedFixture builds an offer's expected group and a correctly signed
// received copy of it from two fresh accounts.
func expectedFixture(t *testing.T) (Expected, []types.SignedTxn, crypto.Account) {
	t.Helper()
	consumer, provider := crypto.GenerateAccount(), crypto.GenerateAccount()
	gh := [32]byte{7}
	pay := types.Transaction{Type: types.PaymentTx, Header: types.Header{Sender: consumer.Address, Fee: 1000, FirstValid: 100, LastValid: 200, GenesisHash: gh, GenesisID: "devnet-v1"},
		PaymentTxnFields: types.PaymentTxnFields{Receiver: crypto.GetApplicationAddress(5), Amount: 158400}}
	call := types.Transaction{Type: types.ApplicationCallTx, Header: types.Header{Sender: provider.Address, Fee: 2000, FirstValid: 100, LastValid: 200, GenesisHash: gh, GenesisID: "devnet-v1"},
		ApplicationFields: types.ApplicationFields{ApplicationCallTxnFields: types.ApplicationCallTxnFields{ApplicationID: 5, ApplicationArgs: [][]byte{{1, 2, 3, 4}, make([]byte, 32)}}}}
	gid, err := crypto.ComputeGroupID([]types.Transaction{pay, call})
	if err != nil {
		t.Fatal(err)
	}
	pay.Group, call.Group = gid, gid
	exp := Expected{Group: []types.Transaction{pay, call}, GenesisHash: gh, Round: 150, Consumer: consumer.Address, Provider: provider.Address}
	return exp, []types.SignedTxn{sign(t, consumer, pay), {Txn: call}}, consumer
}

func sign(t *testing.T, a crypto.Account, tx types.Transaction) types.SignedTxn {
	t.Helper()
	_, b, err := crypto.SignTransaction(a.PrivateKey, tx)
	if err != nil {
		t.Fatal(err)
	}
	g, err := x402.DecodeGroup(x402.GroupPayload{PaymentGroup: x402.EncodeGroupBytes([][]byte{b})})
	if err != nil {
		t.Fatal(err)
	}
	return g[0]
}

func TestCheckGroupStructure(t *testing.T) {
	exp, good, consumer := expectedFixture(t)
	if err := CheckGroup(exp, good, 0); err != nil {
		t.Fatalf("the expected group itself: %v", err)
	}
	other := crypto.GenerateAccount()
	cases := []struct {
		name  string
		group func() []types.SignedTxn
		index int
		code  x402.ErrorCode
	}{
		{"three transactions", func() []types.SignedTxn { return append(append([]types.SignedTxn{}, good...), good[0]) }, 0, x402.InvalidPayload},
		{"one transaction", func() []types.SignedTxn { return good[:1] }, 0, x402.InvalidPayload},
		{"payment index 1", func() []types.SignedTxn { return good }, 1, x402.InvalidPayload},
		{"call already signed", func() []types.SignedTxn { return []types.SignedTxn{good[0], sign(t, other, good[1].Txn)} }, 0, x402.InvalidPayload},
		{"payment unsigned", func() []types.SignedTxn { return []types.SignedTxn{{Txn: good[0].Txn}, good[1]} }, 0, x402.InvalidPayload},
		{"payment by a rekeyed signer", func() []types.SignedTxn {
			p := sign(t, other, good[0].Txn)
			p.AuthAddr = other.Address
			return []types.SignedTxn{p, good[1]}
		}, 0, x402.InvalidPayload},
		{"order swapped", func() []types.SignedTxn { return []types.SignedTxn{good[1], good[0]} }, 0, x402.InvalidPayload},
		{"validity over 1000 rounds", func() []types.SignedTxn {
			g := []types.Transaction{good[0].Txn, good[1].Txn}
			for i := range g {
				g[i].Group, g[i].LastValid = types.Digest{}, 1200
			}
			gid, _ := crypto.ComputeGroupID(g)
			g[0].Group, g[1].Group = gid, gid
			return []types.SignedTxn{sign(t, consumer, g[0]), {Txn: g[1]}}
		}, 0, x402.InvalidTransactionState},
		{"not yet valid", func() []types.SignedTxn {
			g := []types.Transaction{good[0].Txn, good[1].Txn}
			for i := range g {
				g[i].Group, g[i].FirstValid, g[i].LastValid = types.Digest{}, 160, 300
			}
			gid, _ := crypto.ComputeGroupID(g)
			g[0].Group, g[1].Group = gid, gid
			return []types.SignedTxn{sign(t, consumer, g[0]), {Txn: g[1]}}
		}, 0, x402.InvalidTransactionState},
		{"stale group id", func() []types.SignedTxn {
			p := good[0].Txn
			p.Note = []byte("x")
			return []types.SignedTxn{sign(t, consumer, p), good[1]}
		}, 0, x402.InvalidPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckGroup(exp, c.group(), c.index)
			if x402.CodeOf(err) != c.code {
				t.Fatalf("err %v (code %q), want %q", err, x402.CodeOf(err), c.code)
			}
		})
	}
}
