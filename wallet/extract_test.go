package wallet

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// TestExtractLabelsAndNestedInner checks labelling, job ids and recursive
// inner paths on a synthetic block.
func TestExtractLabelsAndNestedInner(t *testing.T) {
	const escrowApp, badgeApp, otherApp = 101, 202, 303
	me := crypto.GenerateAccount().Address
	consumer := crypto.GenerateAccount().Address
	escrow := crypto.GetApplicationAddress(escrowApp)
	badge := crypto.GetApplicationAddress(badgeApp)
	job := bytes.Repeat([]byte{0xab}, 32)
	jobBox := []types.BoxReference{{Name: append([]byte{'j'}, job...)}}
	release := MethodSelector("release(byte[32])void")
	claim := MethodSelector("claim(byte[32])void")
	lab := Labeler{EscrowApp: escrowApp, BadgeApp: badgeApp,
		Methods: map[[4]byte]Label{release: LabelReleaseReceived, claim: LabelClaim}}

	grp := types.Digest{1}
	lock := stxn(types.Transaction{Type: types.PaymentTx, Header: hdr(me, grp), PaymentTxnFields: types.PaymentTxnFields{Receiver: escrow, Amount: 5000}})
	create := stxn(types.Transaction{Type: types.ApplicationCallTx, Header: hdr(me, grp),
		ApplicationFields: types.ApplicationFields{ApplicationCallTxnFields: types.ApplicationCallTxnFields{ApplicationID: escrowApp, BoxReferences: jobBox}}})
	// The consumer's release pays us and refunds itself.
	rel := stxn(types.Transaction{Type: types.ApplicationCallTx, Header: hdr(consumer, types.Digest{}),
		ApplicationFields: types.ApplicationFields{ApplicationCallTxnFields: types.ApplicationCallTxnFields{
			ApplicationID: escrowApp, ApplicationArgs: [][]byte{release[:]}, BoxReferences: jobBox}}})
	rel.EvalDelta.InnerTxns = []types.SignedTxnWithAD{
		inner(types.Transaction{Type: types.PaymentTx, Header: hdr(escrow, types.Digest{}), PaymentTxnFields: types.PaymentTxnFields{Receiver: me, Amount: 3000}}),
		inner(types.Transaction{Type: types.PaymentTx, Header: hdr(escrow, types.Digest{}), PaymentTxnFields: types.PaymentTxnFields{Receiver: consumer, Amount: 2000}}),
	}
	// Our call to another app whose inner app call to the badge minter
	// transfers us a badge: path [0 0].
	nested := stxn(types.Transaction{Type: types.ApplicationCallTx, Header: hdr(me, types.Digest{}),
		ApplicationFields: types.ApplicationFields{ApplicationCallTxnFields: types.ApplicationCallTxnFields{ApplicationID: otherApp}}})
	call := inner(types.Transaction{Type: types.ApplicationCallTx, Header: hdr(crypto.GetApplicationAddress(otherApp), types.Digest{}),
		ApplicationFields: types.ApplicationFields{ApplicationCallTxnFields: types.ApplicationCallTxnFields{ApplicationID: badgeApp}}})
	call.EvalDelta.InnerTxns = []types.SignedTxnWithAD{inner(types.Transaction{Type: types.AssetTransferTx, Header: hdr(badge, types.Digest{}),
		AssetTransferTxnFields: types.AssetTransferTxnFields{XferAsset: 9, AssetAmount: 1, AssetReceiver: me}})}
	nested.EvalDelta.InnerTxns = []types.SignedTxnWithAD{call}

	blk := types.Block{Payset: types.Payset{lock, create, rel, nested}}
	blk.Round, blk.GenesisID, blk.GenesisHash = 7, "test-v1", types.Digest{9}
	x := extractor{watch: map[types.Address]bool{me: true}, labeler: lab, blk: &blk}
	got := map[string]Entry{}
	var txids []string
	for _, e := range x.entries() {
		got[EntryKey("#"+idx(txids, e.TxID, &txids), e.Path)] = e
	}
	tests := []struct {
		key     string
		label   Label
		job     string
		cp      string
		receive types.Address
	}{
		{"#0", LabelEscrowLock, hex.EncodeToString(job), "", escrow},
		{"#1", LabelFee, hex.EncodeToString(job), "", types.ZeroAddress},
		{"#2/0", LabelReleaseReceived, hex.EncodeToString(job), consumer.String(), me},
		{"#3", LabelFee, "", "", types.ZeroAddress},
		{"#3/0/0", LabelBadge, "", badge.String(), me},
	}
	if len(got) != len(tests) {
		t.Fatalf("extracted %d entries, want %d: %v", len(got), len(tests), got)
	}
	for _, tc := range tests {
		e, ok := got[tc.key]
		if !ok {
			t.Errorf("%s missing", tc.key)
			continue
		}
		if e.Label != tc.label || e.JobID != tc.job || e.Receiver != addrString(tc.receive) || (tc.cp != "" && e.Counterparty != tc.cp) {
			t.Errorf("%s: %+v", tc.key, e)
		}
	}
	if e := got["#0"]; e.Round != 7 || e.Network != "test-v1" || e.Intra != 0 || got["#3/0/0"].Intra != 3 {
		t.Errorf("block position %+v", e)
	}
}

func hdr(sender types.Address, group types.Digest) types.Header {
	return types.Header{Sender: sender, Fee: 1000, FirstValid: 1, LastValid: 10, Group: group}
}

func stxn(tx types.Transaction) types.SignedTxnInBlock {
	var s types.SignedTxnInBlock
	s.Txn = tx
	return s
}

func inner(tx types.Transaction) types.SignedTxnWithAD {
	var s types.SignedTxnWithAD
	s.Txn = tx
	return s
}

// idx numbers distinct txids in order of first appearance.
func idx(seen []string, id string, out *[]string) string {
	for i, s := range seen {
		if s == id {
			return string(rune('0' + i))
		}
	}
	*out = append(seen, id)
	return string(rune('0' + len(seen)))
}
