package contracts

import (
	"context"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common/models"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// simulate runs a read-only (ARC-22) method through algod's simulate
// endpoint, unsigned; caller must be an account able to pay the nominal fee.
func (c *Client) simulate(ctx context.Context, caller types.Address, k call) ([]byte, error) {
	atc, err := c.compose(ctx, caller, transaction.EmptyTransactionSigner{}, k)
	if err != nil {
		return nil, err
	}
	res, err := atc.Simulate(ctx, c.algod, models.SimulateRequest{AllowEmptySignatures: true})
	if err != nil {
		return nil, fmt.Errorf("contracts: simulate %s: %w", k.method, c.classify(err))
	}
	if msg := res.SimulateResponse.TxnGroups[0].FailureMessage; msg != "" {
		return nil, fmt.Errorf("contracts: simulate %s: %w", k.method, c.classify(fmt.Errorf("%s", msg)))
	}
	r := res.MethodResults[len(res.MethodResults)-1]
	return r.RawReturnValue, nil
}

// GetProvider calls the Registry's read-only get_provider by simulation
// (no transaction is sent); caller is any funded account. The provider box
// holds no counters: the Reputation is left zero (see GetReputation).
func (c *Client) GetProvider(ctx context.Context, caller, provider types.Address) (Provider, error) {
	raw, err := c.simulate(ctx, caller, call{app: c.apps.Registry, method: "Registry.get_provider",
		args:  []interface{}{provider[:]},
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(provider)}}})
	if err != nil {
		return Provider{}, err
	}
	return DecodeProvider(provider, raw)
}

// GetReputation calls the Registry's read-only get_reputation by simulation.
func (c *Client) GetReputation(ctx context.Context, caller, provider types.Address) (Reputation, error) {
	raw, err := c.simulate(ctx, caller, call{app: c.apps.Registry, method: "Registry.get_reputation",
		args:  []interface{}{provider[:]},
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ReputationBoxName(provider)}}})
	if err != nil {
		return Reputation{}, err
	}
	return DecodeReputation(raw)
}

// ProviderStatus is the Registry's read-only provider_status by
// simulation: 0 unregistered, 1 unavailable, 2 available.
func (c *Client) ProviderStatus(ctx context.Context, caller, provider types.Address) (uint8, error) {
	raw, err := c.simulate(ctx, caller, call{app: c.apps.Registry, method: "Registry.provider_status",
		args:  []interface{}{provider[:]},
		boxes: []types.AppBoxReference{{AppID: c.apps.Registry, Name: ProviderBoxName(provider)}}})
	if err != nil {
		return 0, err
	}
	if len(raw) != 1 {
		return 0, fmt.Errorf("contracts: provider_status returned %d bytes", len(raw))
	}
	return raw[0], nil
}

// GetJob calls the Escrow's read-only get_job by simulation.
func (c *Client) GetJob(ctx context.Context, caller types.Address, id JobID) (Job, error) {
	raw, err := c.simulate(ctx, caller, call{app: c.apps.Escrow, method: "Escrow.get_job", args: []interface{}{id[:]},
		boxes: []types.AppBoxReference{{AppID: c.apps.Escrow, Name: JobBoxName(id)}}})
	if err != nil {
		return Job{}, err
	}
	return DecodeJob(id, raw)
}
