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
// BadgeMinter account for good (the minter stays its creator).
const BadgeAssetMBR = 100000

// BadgeBoxMBR is the minimum balance of one badge record box ("b" ‖
// provider ‖ tier → asset id ‖ claimed flag). The box is never deleted: it
// is what makes a (provider, tier) mintable only once.
const BadgeBoxMBR = 2500 + 400*(41+9)

// BadgeMintCost is the spendable balance the BadgeMinter needs per mint:
// the asset MBR plus the record box MBR, both locked from then on.
const BadgeMintCost = BadgeAssetMBR + BadgeBoxMBR

// BadgeClaimPayment is what a claim pays to the BadgeMinter: the whole
// BadgeMintCost, so a claimed badge leaves the minting pool as it was.
const BadgeClaimPayment = BadgeMintCost

// BadgeRecord is the BadgeMinter's permanent record of one minted badge.
type BadgeRecord struct {
	Asset   uint64
	Claimed bool
}

// BadgeBoxName returns the BadgeMinter box name of a provider's badge record.
func BadgeBoxName(provider types.Address, tier uint64) []byte {
	b := append([]byte{'b'}, provider[:]...)
	return binary.BigEndian.AppendUint64(b, tier)
}

// Badge returns the record of a provider's badge of a tier, claimed or
// not; ErrNotFound when that tier was never minted for it.
func (c *Client) Badge(ctx context.Context, provider types.Address, tier uint64) (BadgeRecord, error) {
	b, err := c.box(ctx, c.apps.Badge, BadgeBoxName(provider, tier))
	if err != nil {
		return BadgeRecord{}, err
	}
	if len(b) != 9 || b[8]&^0x80 != 0 {
		return BadgeRecord{}, fmt.Errorf("contracts: malformed badge box %x", b)
	}
	return BadgeRecord{Asset: binary.BigEndian.Uint64(b), Claimed: b[8] == 0x80}, nil
}

// PendingBadge returns the asset id of a minted, not yet claimed badge;
// ErrNotFound when there is none (never minted, or already claimed).
func (c *Client) PendingBadge(ctx context.Context, provider types.Address, tier uint64) (uint64, error) {
	rec, err := c.Badge(ctx, provider, tier)
	if err != nil {
		return 0, err
	}
	if rec.Claimed {
		return 0, fmt.Errorf("%w: tier %d badge %d already claimed", ErrNotFound, tier, rec.Asset)
	}
	return rec.Asset, nil
}

// ClaimBadge moves a minted badge to the sender, still frozen: a group of
// three transactions, the BadgeClaimPayment (fee 1000), the opt-in (fee
// 1000) and the claim call (fee 2000, pooling its inner clawback
// transfer), 4000 microAlgo in all.
func (c *Client) ClaimBadge(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, tier uint64) (uint64, Result, error) {
	asset, err := c.PendingBadge(ctx, sender, tier)
	if err != nil {
		return 0, Result{}, err
	}
	pay, err := c.payment(ctx, sender, signer, crypto.GetApplicationAddress(c.apps.Badge), BadgeClaimPayment)
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
