package contracts

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// BadgeAssetMBR is the minimum balance one created badge asset locks in the
// BadgeMinter account; the claim pays it back.
const BadgeAssetMBR = 100000

// BadgeBoxMBR is the minimum balance of a pending-badge box.
const BadgeBoxMBR = 2500 + 400*(41+8)

// BadgeMintCost is the spendable balance the BadgeMinter needs per mint.
const BadgeMintCost = BadgeAssetMBR + BadgeBoxMBR

// BadgeBoxName returns the BadgeMinter box name of a provider's pending badge.
func BadgeBoxName(provider types.Address, tier uint64) []byte {
	b := append([]byte{'b'}, provider[:]...)
	return binary.BigEndian.AppendUint64(b, tier)
}

// PendingBadge returns the asset id of a minted, not yet claimed badge;
// ErrNotFound when there is none.
func (c *Client) PendingBadge(ctx context.Context, provider types.Address, tier uint64) (uint64, error) {
	b, err := c.box(ctx, c.apps.Badge, BadgeBoxName(provider, tier))
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("contracts: badge box of %d bytes", len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// ClaimBadge moves a minted badge to the sender, still frozen: a group of
// the asset-MBR payment (100000), the opt-in and the claim call (fee 2000).
func (c *Client) ClaimBadge(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, tier uint64) (uint64, Result, error) {
	asset, err := c.PendingBadge(ctx, sender, tier)
	if err != nil {
		return 0, Result{}, err
	}
	pay, err := c.payment(ctx, sender, signer, crypto.GetApplicationAddress(c.apps.Badge), BadgeAssetMBR)
	if err != nil {
		return 0, Result{}, err
	}
	sp, err := c.params(ctx, 1)
	if err != nil {
		return 0, Result{}, err
	}
	optIn, err := transaction.MakeAssetAcceptanceTxn(sender.String(), nil, sp, asset)
	if err != nil {
		return 0, Result{}, fmt.Errorf("contracts: opt-in: %w", err)
	}
	res, err := c.run(ctx, sender, signer, call{app: c.apps.Badge, method: "BadgeMinter.claim", inner: 1,
		args:   []interface{}{tier, pay, transaction.TransactionWithSigner{Txn: optIn, Signer: signer}},
		assets: []uint64{asset},
		boxes:  []types.AppBoxReference{{AppID: c.apps.Badge, Name: BadgeBoxName(sender, tier)}}})
	return asset, res, err
}

// Mint calls mint directly. The BadgeMinter accepts it only as an inner
// call from the Registry, so from any account it fails with ErrNotRegistry.
func (c *Client) Mint(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, provider types.Address, tier uint64) (Result, error) {
	return c.run(ctx, sender, signer, call{app: c.apps.Badge, method: "BadgeMinter.mint", inner: 1,
		args:  []interface{}{provider[:], tier},
		boxes: []types.AppBoxReference{{AppID: c.apps.Badge, Name: BadgeBoxName(provider, tier)}}})
}
