package wallet

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// countingStore counts secret loads.
type countingStore struct {
	Keystore
	gets int
}

func (s *countingStore) Get(ctx context.Context, addr string) ([]byte, error) {
	s.gets++
	return s.Keystore.Get(ctx, addr)
}

// testTxn returns a payment from sender with the given tweak applied.
func testTxn(sender types.Address, tweak func(*types.Transaction)) types.Transaction {
	tx := types.Transaction{Type: types.PaymentTx}
	tx.Sender, tx.Receiver, tx.Amount, tx.Fee = sender, crypto.GenerateAccount().Address, 1000, 1000
	tx.FirstValid, tx.LastValid = 1, 100
	tx.GenesisHash = types.Digest{1}
	if tweak != nil {
		tweak(&tx)
	}
	return tx
}

func TestSignerRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openFileWallet(t, dir, openTestDB(t, dir), "pw")
	a, err := w.Create(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	me, _ := types.DecodeAddress(a.Address)
	other := crypto.GenerateAccount().Address
	tests := []struct {
		name   string
		opts   SignerOptions
		tweak  func(*types.Transaction)
		reason string // "" means it is signed
	}{
		{"plain payment", SignerOptions{}, nil, ""},
		{"foreign sender", SignerOptions{}, func(tx *types.Transaction) { tx.Sender = other }, "is not the signer's account"},
		{"foreign sender even with all options", SignerOptions{AllowClose: true, AllowRekey: true}, func(tx *types.Transaction) { tx.Sender = other }, "is not the signer's account"},
		{"rekey", SignerOptions{}, func(tx *types.Transaction) { tx.RekeyTo = other }, "RekeyTo"},
		{"rekey with AllowClose", SignerOptions{AllowClose: true}, func(tx *types.Transaction) { tx.RekeyTo = other }, "RekeyTo"},
		{"rekey allowed", SignerOptions{AllowRekey: true}, func(tx *types.Transaction) { tx.RekeyTo = other }, ""},
		{"close", SignerOptions{}, func(tx *types.Transaction) { tx.CloseRemainderTo = other }, "CloseRemainderTo"},
		{"close allowed", SignerOptions{AllowClose: true}, func(tx *types.Transaction) { tx.CloseRemainderTo = other }, ""},
		{"asset close", SignerOptions{}, func(tx *types.Transaction) {
			tx.Type, tx.XferAsset, tx.AssetReceiver, tx.AssetCloseTo = types.AssetTransferTx, 7, me, other
		}, "AssetCloseTo"},
		{"asset close allowed", SignerOptions{AllowClose: true}, func(tx *types.Transaction) {
			tx.Type, tx.XferAsset, tx.AssetReceiver, tx.AssetCloseTo = types.AssetTransferTx, 7, me, other
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := w.SignerWith(ctx, a.Address, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			cs := &countingStore{Keystore: s.store}
			s.store = cs
			// The refused transaction sits second, after an acceptable one:
			// the whole group must be refused.
			group := []types.Transaction{testTxn(me, nil), testTxn(me, tc.tweak)}
			out, err := s.SignTransactions(group, []int{0, 1})
			if tc.reason == "" {
				if err != nil || len(out) != 2 {
					t.Fatalf("refused an allowed transaction: %v", err)
				}
				return
			}
			r, ok := IsRefusedTxn(err)
			if !ok || !errors.Is(err, ErrRefusedTxn) || r.Index != 1 || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("err = %v, want refusal of 1 for %q", err, tc.reason)
			}
			if out != nil || cs.gets != 0 {
				t.Fatalf("refused group: %d signatures, key loaded %d times", len(out), cs.gets)
			}
		})
	}
}
