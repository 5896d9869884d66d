package wallet

import (
	"slices"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// extractor turns one block into the history entries touching watched accounts.
type extractor struct {
	watch   map[types.Address]bool
	labeler Labeler
	blk     *types.Block
}

// entries returns the block's entries, top-level transactions and their
// inner transactions (recursively), in payset order.
func (x *extractor) entries() []Entry {
	var out []Entry
	payset := x.blk.Payset
	for i := 0; i < len(payset); {
		j := i + 1
		if payset[i].Txn.Group != (types.Digest{}) {
			for j < len(payset) && payset[j].Txn.Group == payset[i].Txn.Group {
				j++
			}
		}
		group := make([]types.Transaction, 0, j-i)
		for k := i; k < j; k++ {
			group = append(group, x.restore(payset[k]))
		}
		for k := i; k < j; k++ {
			tx := group[k-i]
			txid := crypto.TransactionIDString(tx)
			c := txnContext{group: group, outer: &tx}
			out = x.visit(out, tx, payset[k].ApplyData, txid, k, nil, c)
		}
		i = j
	}
	return out
}

// restore puts back the genesis fields a block strips from its transactions,
// so that the transaction id can be computed.
func (x *extractor) restore(st types.SignedTxnInBlock) types.Transaction {
	tx := st.Txn
	if st.HasGenesisID {
		tx.GenesisID = x.blk.GenesisID
	}
	// Every current protocol requires the genesis hash (RequireGenesisHash).
	tx.GenesisHash = x.blk.GenesisHash
	return tx
}

func (x *extractor) visit(out []Entry, tx types.Transaction, ad types.ApplyData, txid string, intra int, path []int, c txnContext) []Entry {
	if ours := x.ours(tx); len(ours) > 0 {
		out = append(out, x.entry(tx, ad, txid, intra, path, c, ours))
	}
	if len(ad.EvalDelta.InnerTxns) == 0 {
		return out
	}
	parent := tx
	inner := txnContext{group: c.group, parent: &parent, outer: c.outer}
	for n, itx := range ad.EvalDelta.InnerTxns {
		p := append(slices.Clone(path), n)
		out = x.visit(out, itx.Txn, itx.ApplyData, txid, intra, p, inner)
	}
	return out
}

// ours lists the watched accounts tx touches, in a stable order.
func (x *extractor) ours(tx types.Transaction) []string {
	cands := []types.Address{tx.Sender, tx.Receiver, tx.CloseRemainderTo, tx.AssetSender,
		tx.AssetReceiver, tx.AssetCloseTo, tx.RekeyTo}
	var out []string
	for _, a := range cands {
		if !a.IsZero() && x.watch[a] && !slices.Contains(out, a.String()) {
			out = append(out, a.String())
		}
	}
	return out
}

func (x *extractor) entry(tx types.Transaction, ad types.ApplyData, txid string, intra int, path []int, c txnContext, ours []string) Entry {
	e := Entry{
		Key: EntryKey(txid, path), TxID: txid, Path: path,
		Round: uint64(x.blk.Round), Intra: intra,
		Time:    time.Unix(x.blk.TimeStamp, 0).UTC(),
		Network: x.blk.GenesisID,
		Type:    string(tx.Type), Sender: tx.Sender.String(),
		Fee: uint64(tx.Fee), AppID: uint64(tx.ApplicationID), Note: tx.Note,
		Accounts: ours,
	}
	switch tx.Type {
	case types.PaymentTx:
		e.Receiver, e.Amount = addrString(tx.Receiver), uint64(tx.Amount)
		e.CloseTo, e.CloseAmount = addrString(tx.CloseRemainderTo), uint64(ad.ClosingAmount)
	case types.AssetTransferTx:
		if !tx.AssetSender.IsZero() {
			e.Sender = tx.AssetSender.String() // clawback: the asset leaves AssetSender
		}
		e.Receiver, e.Amount, e.AssetID = addrString(tx.AssetReceiver), tx.AssetAmount, uint64(tx.XferAsset)
		e.CloseTo, e.CloseAmount = addrString(tx.AssetCloseTo), ad.AssetClosingAmount
	case types.ApplicationCallTx:
		if e.AppID == 0 {
			e.AppID = uint64(ad.ApplicationID)
		}
	}
	e.Rewards = x.rewards(tx, ad)
	e.Label = x.labeler.label(tx, c)
	e.JobID = x.labeler.jobID(c.group)
	e.Counterparty = x.counterparty(e, c)
	return e
}

// rewards returns the rewards ad credits to watched accounts.
func (x *extractor) rewards(tx types.Transaction, ad types.ApplyData) map[string]uint64 {
	var out map[string]uint64
	add := func(a types.Address, r types.MicroAlgos) {
		if r == 0 || a.IsZero() || !x.watch[a] {
			return
		}
		if out == nil {
			out = map[string]uint64{}
		}
		out[a.String()] += uint64(r)
	}
	add(tx.Sender, ad.SenderRewards)
	add(tx.Receiver, ad.ReceiverRewards)
	add(tx.CloseRemainderTo, ad.CloseRewards)
	return out
}

// counterparty names the other side of a transfer when the chain data does.
func (x *extractor) counterparty(e Entry, c txnContext) string {
	if e.Label == LabelEscrowLock {
		return "" // the provider is not in the payment; the market annotates it
	}
	if c.parent != nil && c.outer != nil && !x.watch[c.outer.Sender] {
		return c.outer.Sender.String() // a payout triggered by someone else's call
	}
	sender, _ := types.DecodeAddress(e.Sender)
	if x.watch[sender] {
		return e.Receiver
	}
	return e.Sender
}

func addrString(a types.Address) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}
