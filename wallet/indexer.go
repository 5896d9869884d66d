package wallet

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common/models"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/indexer"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// Indexer paging defaults.
const (
	// DefaultIndexerPageSize is the page size asked of the indexer (its own
	// default maximum).
	DefaultIndexerPageSize = 1000
	// DefaultIndexerMaxTransactions bounds the top-level transactions one
	// Backfill reads before it gives up with ErrBackfillTooLarge.
	DefaultIndexerMaxTransactions = 100_000
)

// ErrBackfillTooLarge reports a back-fill that would read more transactions
// than IndexerBackfiller.MaxTransactions; back-fill a narrower round range.
var ErrBackfillTooLarge = errors.New("wallet: back-fill exceeds the transaction limit")

// IndexerBackfiller is the Backfiller over an Algorand indexer (API v2).
//
// The indexer is optional: the Follower records history from algod blocks
// alone and never depends on it. An indexer is only used to back-fill the
// past of an account imported with a history (Follower.Backfill) or rounds
// the node no longer keeps (Follower.FillGaps). The entries it returns are
// the ones the block follower would have recorded for the same transactions
// (same keys, paths, amounts, rewards and labels), so records from either
// source merge without duplicates.
type IndexerBackfiller struct {
	Client *indexer.Client
	// Labeler must be the Follower's, so both sources label alike.
	Labeler Labeler
	// Network is the genesis id stored in each Entry; empty means each
	// transaction's own genesis-id as the indexer reports it.
	Network string
	// PageSize is the indexer page size; 0 means DefaultIndexerPageSize.
	PageSize uint64
	// MaxTransactions bounds the top-level transactions read per Backfill,
	// the round listings place needs included; 0 means
	// DefaultIndexerMaxTransactions.
	MaxTransactions int
}

// Backfill returns the entries touching addr in rounds minRound to maxRound
// inclusive: every top-level or inner transaction the block follower would
// record for addr alone, in round and payset order.
func (b *IndexerBackfiller) Backfill(ctx context.Context, addr string, minRound, maxRound uint64) ([]Entry, error) {
	a, err := types.DecodeAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("wallet: indexer back-fill: address %q: %w", addr, err)
	}
	budget := cmp.Or(b.MaxTransactions, DefaultIndexerMaxTransactions)
	roots, err := b.list(ctx, &budget, func() *indexer.SearchForTransactions {
		return b.Client.SearchForTransactions().AddressString(addr).MinRound(minRound).MaxRound(maxRound)
	})
	if err != nil {
		return nil, fmt.Errorf("wallet: indexer back-fill %s rounds %d-%d: %w", addr, minRound, maxRound, err)
	}
	watch := map[types.Address]bool{a: true}
	rounds := map[uint64][]models.Transaction{}
	seen := map[string]bool{}
	var out []Entry
	for _, m := range roots {
		if seen[m.Id] {
			continue
		}
		seen[m.Id] = true
		tx, ad, err := fromIndexer(m)
		if err != nil {
			return nil, fmt.Errorf("wallet: indexer back-fill: transaction %s: %w", m.Id, err)
		}
		intra, group, err := b.place(ctx, &budget, m, tx, rounds)
		if err != nil {
			return nil, fmt.Errorf("wallet: indexer back-fill: transaction %s: %w", m.Id, err)
		}
		blk := &types.Block{BlockHeader: types.BlockHeader{
			Round: types.Round(m.ConfirmedRound), TimeStamp: int64(m.RoundTime), GenesisID: cmp.Or(b.Network, m.GenesisId),
		}}
		x := extractor{watch: watch, labeler: b.Labeler, blk: blk}
		out = x.visit(out, tx, ad, m.Id, intra, nil, txnContext{group: group, outer: &tx})
	}
	return out, nil
}

// list pages through a transaction search, ordered by round and offset,
// charging what it reads to budget (ErrBackfillTooLarge once exhausted).
func (b *IndexerBackfiller) list(ctx context.Context, budget *int, search func() *indexer.SearchForTransactions) ([]models.Transaction, error) {
	page := cmp.Or(b.PageSize, DefaultIndexerPageSize)
	var out []models.Transaction
	next := ""
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q := search().Limit(page)
		if next != "" {
			q = q.NextToken(next)
		}
		resp, err := q.Do(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Transactions...)
		if *budget -= len(resp.Transactions); *budget < 0 {
			return nil, fmt.Errorf("%w (%d)", ErrBackfillTooLarge, cmp.Or(b.MaxTransactions, DefaultIndexerMaxTransactions))
		}
		if resp.NextToken == "" || len(resp.Transactions) == 0 {
			slices.SortStableFunc(out, func(x, y models.Transaction) int {
				return cmp.Or(cmp.Compare(x.ConfirmedRound, y.ConfirmedRound), cmp.Compare(x.IntraRoundOffset, y.IntraRoundOffset))
			})
			return out, nil
		}
		next = resp.NextToken
	}
}

// place returns m's position in its block's payset and its top-level group.
// The indexer's intra-round-offset also counts the inner transactions of
// earlier transactions, so unless m is the round's first, place lists the
// round's top-level transactions (once per round, cached in rounds).
func (b *IndexerBackfiller) place(ctx context.Context, budget *int, m models.Transaction, tx types.Transaction, rounds map[uint64][]models.Transaction) (int, []types.Transaction, error) {
	if m.IntraRoundOffset == 0 && len(m.Group) == 0 {
		return 0, []types.Transaction{tx}, nil
	}
	all, ok := rounds[m.ConfirmedRound]
	if !ok {
		var err error
		all, err = b.list(ctx, budget, func() *indexer.SearchForTransactions {
			return b.Client.SearchForTransactions().Round(m.ConfirmedRound)
		})
		if err != nil {
			return 0, nil, fmt.Errorf("round %d: %w", m.ConfirmedRound, err)
		}
		rounds[m.ConfirmedRound] = all
	}
	intra := slices.IndexFunc(all, func(r models.Transaction) bool { return r.Id == m.Id })
	if intra < 0 {
		return 0, nil, fmt.Errorf("not among the transactions of round %d", m.ConfirmedRound)
	}
	if len(m.Group) == 0 {
		return intra, []types.Transaction{tx}, nil
	}
	var group []types.Transaction
	for _, r := range all {
		if !bytes.Equal(r.Group, m.Group) {
			continue
		}
		gtx, _, err := fromIndexer(r)
		if err != nil {
			return 0, nil, fmt.Errorf("group member %s: %w", r.Id, err)
		}
		group = append(group, gtx)
	}
	return intra, group, nil
}

// fromIndexer rebuilds, from an indexer transaction, the SDK transaction and
// apply data a block holds for it (inner transactions recursively), as far as
// the extractor and the Labeler read them.
func fromIndexer(m models.Transaction) (types.Transaction, types.ApplyData, error) {
	var d addrDecoder
	tx := types.Transaction{Type: types.TxType(m.Type)}
	tx.Sender = d.addr(m.Sender)
	tx.RekeyTo = d.addr(m.RekeyTo)
	tx.Fee, tx.Note, tx.GenesisID = types.MicroAlgos(m.Fee), m.Note, m.GenesisId
	tx.FirstValid, tx.LastValid = types.Round(m.FirstValid), types.Round(m.LastValid)
	copy(tx.GenesisHash[:], m.GenesisHash)
	copy(tx.Group[:], m.Group)
	copy(tx.Lease[:], m.Lease)
	ad := types.ApplyData{
		SenderRewards: types.MicroAlgos(m.SenderRewards), ReceiverRewards: types.MicroAlgos(m.ReceiverRewards),
		CloseRewards: types.MicroAlgos(m.CloseRewards),
		ConfigAsset:  types.AssetIndex(m.CreatedAssetIndex), ApplicationID: types.AppIndex(m.CreatedApplicationIndex),
	}
	switch tx.Type {
	case types.PaymentTx:
		p := m.PaymentTransaction
		tx.Receiver, tx.Amount, tx.CloseRemainderTo = d.addr(p.Receiver), types.MicroAlgos(p.Amount), d.addr(p.CloseRemainderTo)
		ad.ClosingAmount = types.MicroAlgos(cmp.Or(p.CloseAmount, m.ClosingAmount))
	case types.AssetTransferTx:
		x := m.AssetTransferTransaction
		tx.XferAsset, tx.AssetAmount = types.AssetIndex(x.AssetId), x.Amount
		tx.AssetSender, tx.AssetReceiver, tx.AssetCloseTo = d.addr(x.Sender), d.addr(x.Receiver), d.addr(x.CloseTo)
		ad.AssetClosingAmount = x.CloseAmount
	case types.AssetConfigTx:
		tx.ConfigAsset = types.AssetIndex(m.AssetConfigTransaction.AssetId)
	case types.AssetFreezeTx:
		tx.FreezeAsset = types.AssetIndex(m.AssetFreezeTransaction.AssetId)
		tx.FreezeAccount = d.addr(m.AssetFreezeTransaction.Address)
	case types.ApplicationCallTx:
		fromIndexerApp(&tx, m.ApplicationTransaction)
	}
	if d.err != nil {
		return types.Transaction{}, types.ApplyData{}, d.err
	}
	for i, im := range m.InnerTxns {
		itx, iad, err := fromIndexer(im)
		if err != nil {
			return types.Transaction{}, types.ApplyData{}, fmt.Errorf("inner %d: %w", i, err)
		}
		ad.EvalDelta.InnerTxns = append(ad.EvalDelta.InnerTxns,
			types.SignedTxnWithAD{SignedTxn: types.SignedTxn{Txn: itx}, ApplyData: iad})
	}
	return tx, ad, nil
}

// fromIndexerApp fills the application-call fields the Labeler reads.
func fromIndexerApp(tx *types.Transaction, a models.TransactionApplication) {
	tx.ApplicationID = types.AppIndex(a.ApplicationId)
	tx.ApplicationArgs = a.ApplicationArgs
	for _, app := range a.ForeignApps {
		tx.ForeignApps = append(tx.ForeignApps, types.AppIndex(app))
	}
	for _, asset := range a.ForeignAssets {
		tx.ForeignAssets = append(tx.ForeignAssets, types.AssetIndex(asset))
	}
	for _, br := range a.BoxReferences {
		// The block names the box's app by its slot in ForeignApps (0: this app).
		idx := uint64(0)
		if br.App != 0 && br.App != a.ApplicationId {
			if i := slices.Index(tx.ForeignApps, types.AppIndex(br.App)); i >= 0 {
				idx = uint64(i) + 1
			}
		}
		tx.BoxReferences = append(tx.BoxReferences, types.BoxReference{ForeignAppIdx: idx, Name: br.Name})
	}
}

// addrDecoder decodes optional addresses, keeping the first error.
type addrDecoder struct{ err error }

func (d *addrDecoder) addr(s string) types.Address {
	if s == "" || d.err != nil {
		return types.Address{}
	}
	a, err := types.DecodeAddress(s)
	if err != nil {
		d.err = fmt.Errorf("address %q: %w", s, err)
	}
	return a
}
