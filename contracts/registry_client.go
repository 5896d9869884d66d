package contracts

import (
	"context"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// ErrNotFound reports a box (provider, job or badge) that does not exist.
var ErrNotFound = errors.New("contracts: not found")

// payment builds an unsigned payment with the minimum fee.
func (c *Client) payment(ctx context.Context, from types.Address, signer transaction.TransactionSigner, to types.Address, amount uint64) (transaction.TransactionWithSigner, error) {
	sp, err := c.params(ctx, 1)
	if err != nil {
		return transaction.TransactionWithSigner{}, err
	}
	txn, err := transaction.MakePaymentTxn(from.String(), to.String(), amount, nil, "", sp)
	if err != nil {
		return transaction.TransactionWithSigner{}, fmt.Errorf("contracts: payment: %w", err)
	}
	return transaction.TransactionWithSigner{Txn: txn, Signer: signer}, nil
}

func providerArgValues(info ProviderInfo) []interface{} {
	return []interface{}{info.Endpoint, info.GPUModel, info.GPUCount, info.VRAMMB, info.CPUCores, info.RAMMB,
		info.Driver, info.CUDA, info.PricePerHour, info.MinJobSecs, info.MaxJobSecs}
}

// Register creates the sender's provider box, paying its MBR in the same
// group, plus ReputationBoxMBR when the address has no reputation record
// yet (2 transactions, 2000 microAlgo in fees).
func (c *Client) Register(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, info ProviderInfo) (Result, error) {
	mbr := BoxMBR(33, ProviderValueLen(info))
	if _, err := c.Reputation(ctx, sender); errors.Is(err, ErrNotFound) {
		mbr += ReputationBoxMBR
	} else if err != nil {
		return Result{}, err
	}
	pay, err := c.payment(ctx, sender, signer, crypto.GetApplicationAddress(c.apps.Registry), mbr)
	if err != nil {
		return Result{}, err
	}
	return c.run(ctx, sender, signer, call{app: c.apps.Registry, method: "Registry.register",
		args: append(providerArgValues(info), pay),
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(sender)},
			{AppID: c.apps.Registry, Name: ReputationBoxName(sender)}}})
}

// Update rewrites the sender's provider info, keeping counters and
// availability. Growth of the box is paid in the group; shrinkage is
// refunded by an inner payment (one more fee).
func (c *Client) Update(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, info ProviderInfo) (Result, error) {
	cur, err := c.Provider(ctx, sender)
	if err != nil {
		return Result{}, err
	}
	oldMBR := BoxMBR(33, ProviderValueLen(cur.ProviderInfo))
	newMBR := BoxMBR(33, ProviderValueLen(info))
	var amount, inner uint64
	switch {
	case newMBR > oldMBR:
		amount = newMBR - oldMBR
	case newMBR < oldMBR:
		inner = 1
	}
	pay, err := c.payment(ctx, sender, signer, crypto.GetApplicationAddress(c.apps.Registry), amount)
	if err != nil {
		return Result{}, err
	}
	return c.run(ctx, sender, signer, call{app: c.apps.Registry, method: "Registry.update", inner: inner,
		args:  append(providerArgValues(info), pay),
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(sender)}}})
}

// SetAvailable toggles the sender's availability (also a heartbeat).
func (c *Client) SetAvailable(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, available bool) (Result, error) {
	return c.run(ctx, sender, signer, call{app: c.apps.Registry, method: "Registry.set_available", args: []interface{}{available},
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(sender)}}})
}

// Heartbeat records the current round as the sender's last heartbeat.
func (c *Client) Heartbeat(ctx context.Context, sender types.Address, signer transaction.TransactionSigner) (Result, error) {
	return c.run(ctx, sender, signer, call{app: c.apps.Registry, method: "Registry.heartbeat",
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(sender)}}})
}

// Deregister deletes the sender's provider box; the Registry pays its MBR
// back by inner payment (fee 2000 microAlgo). The reputation record stays.
func (c *Client) Deregister(ctx context.Context, sender types.Address, signer transaction.TransactionSigner) (Result, error) {
	return c.run(ctx, sender, signer, call{app: c.apps.Registry, method: "Registry.deregister", inner: 1,
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(sender)}}})
}

// RecordJob calls record_job directly. The Registry accepts it only as an
// inner call from the Escrow app, so from any account it fails with
// ErrNotEscrow; it exists so that this guarantee can be exercised.
func (c *Client) RecordJob(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, provider types.Address, outcome uint8, seconds, earned uint64) (Result, error) {
	return c.run(ctx, sender, signer, call{app: c.apps.Registry, method: "Registry.record_job",
		args:  []interface{}{provider[:], outcome, seconds, earned},
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ReputationBoxName(provider)}}})
}

// Provider reads and decodes a provider's Registry box and its reputation
// record; ErrNotFound when it is not registered.
func (c *Client) Provider(ctx context.Context, addr types.Address) (Provider, error) {
	b, err := c.box(ctx, c.apps.Registry, ProviderBoxName(addr))
	if err != nil {
		return Provider{}, err
	}
	p, err := DecodeProvider(addr, b)
	if err != nil {
		return Provider{}, err
	}
	if p.Reputation, err = c.Reputation(ctx, addr); err != nil {
		return Provider{}, err
	}
	return p, nil
}

// Reputation reads an address's permanent reputation record; ErrNotFound
// when it never registered.
func (c *Client) Reputation(ctx context.Context, addr types.Address) (Reputation, error) {
	b, err := c.box(ctx, c.apps.Registry, ReputationBoxName(addr))
	if err != nil {
		return Reputation{}, err
	}
	return DecodeReputation(b)
}

// box reads one box value; ErrNotFound when absent.
func (c *Client) box(ctx context.Context, app uint64, name []byte) ([]byte, error) {
	resp, err := c.algod.GetApplicationBoxByName(app, name).Do(ctx)
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("%w: box of app %d", ErrNotFound, app)
		}
		return nil, fmt.Errorf("contracts: read box of app %d: %w", app, err)
	}
	return resp.Value, nil
}

func isNotFound(err error) bool {
	var nf common.NotFound
	return errors.As(err, &nf)
}
