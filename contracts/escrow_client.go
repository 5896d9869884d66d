package contracts

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// JobParams are the terms of a new job.
type JobParams struct {
	ID             JobID
	Provider       types.Address
	Amount         uint64 // locked for the provider's bill, refundable
	RatePerHour    uint64 // microAlgo per hour of billed seconds
	DeadlineRounds uint64 // result due within this many rounds
	DisputeWindow  uint64 // rounds after the result during which the consumer may dispute
	SpecHash       Hash
}

// CreateJobGroup builds, without signing or sending, the two transactions
// that open a job: a payment of Amount + JobBoxMBR from sender to the Escrow
// and the create_job call (fee 2000: one inner read of the Registry).
func (c *Client) CreateJobGroup(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, p JobParams) ([]transaction.TransactionWithSigner, error) {
	atc, err := c.createJobATC(ctx, sender, signer, p)
	if err != nil {
		return nil, err
	}
	group, err := atc.BuildGroup()
	if err != nil {
		return nil, fmt.Errorf("contracts: create_job group: %w", err)
	}
	return group, nil
}

func (c *Client) createJobATC(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, p JobParams) (*transaction.AtomicTransactionComposer, error) {
	pay, err := c.payment(ctx, sender, signer, crypto.GetApplicationAddress(c.apps.Escrow), p.Amount+JobBoxMBR)
	if err != nil {
		return nil, err
	}
	return c.compose(ctx, sender, signer, call{app: c.apps.Escrow, method: "Escrow.create_job", inner: 1,
		args: []interface{}{p.ID[:], p.Provider[:], p.RatePerHour, p.DeadlineRounds, p.DisputeWindow, p.SpecHash[:], pay},
		apps: []uint64{c.apps.Registry},
		boxes: []types.AppBoxReference{{AppID: c.apps.Escrow, Name: JobBoxName(p.ID)},
			{AppID: c.apps.Registry, Name: ProviderBoxName(p.Provider)}}})
}

// CreateJob opens a job and locks Amount (plus the box MBR) in the Escrow.
func (c *Client) CreateJob(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, p JobParams) (Result, error) {
	atc, err := c.createJobATC(ctx, sender, signer, p)
	if err != nil {
		return Result{}, err
	}
	return c.execute(ctx, atc, "Escrow.create_job")
}

// SubmitResult anchors the proof and output hashes and the billed seconds
// (provider only, open job, not past the deadline; fee 1000).
func (c *Client) SubmitResult(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID, proof, output Hash, seconds uint64) (Result, error) {
	return c.run(ctx, sender, signer, call{app: c.apps.Escrow, method: "Escrow.submit_result",
		args:  []interface{}{id[:], proof[:], output[:], seconds},
		boxes: []types.AppBoxReference{{AppID: c.apps.Escrow, Name: JobBoxName(id)}}})
}

// Release pays the provider its bill and the consumer the rest (consumer only).
func (c *Client) Release(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID) (Result, error) {
	return c.settle(ctx, sender, signer, id, "Escrow.release", true)
}

// Claim settles like Release once the dispute window has passed (anyone).
func (c *Client) Claim(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID) (Result, error) {
	return c.settle(ctx, sender, signer, id, "Escrow.claim", true)
}

// Refund returns everything to the consumer after the deadline with no result (anyone).
func (c *Client) Refund(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID) (Result, error) {
	return c.settle(ctx, sender, signer, id, "Escrow.refund", false)
}

// Dispute returns everything to the consumer within the dispute window (consumer only).
func (c *Client) Dispute(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID) (Result, error) {
	return c.settle(ctx, sender, signer, id, "Escrow.dispute", false)
}

// settle builds a settlement call with the references and pooled fee it
// needs: one inner payment to the consumer, one to the provider when the
// bill is positive, the record_job call, and the badge mint (two more inner
// transactions) when this completion makes the provider cross a tier.
func (c *Client) settle(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID, method string, paysProvider bool) (Result, error) {
	k := call{app: c.apps.Escrow, method: method, args: []interface{}{id[:]}, inner: 2,
		apps:  []uint64{c.apps.Registry, c.apps.Badge},
		boxes: []types.AppBoxReference{{AppID: c.apps.Escrow, Name: JobBoxName(id)}}}
	job, err := c.Job(ctx, id)
	if errors.Is(err, ErrNotFound) {
		// Let the Escrow reject it with its own code (ErrNoSuchJob).
		return c.run(ctx, sender, signer, k)
	}
	if err != nil {
		return Result{}, err
	}
	k.accounts = []string{job.Consumer.String(), job.Provider.String()}
	k.boxes = append(k.boxes, types.AppBoxReference{AppID: c.apps.Registry, Name: ProviderBoxName(job.Provider)})
	if paysProvider && job.Status == JobSubmitted {
		if job.Bill() > 0 {
			k.inner++
		}
		tier, err := c.nextBadgeTier(ctx, job.Provider)
		if err != nil {
			return Result{}, err
		}
		if tier > 0 {
			// mint, plus the asset creation unless this tier was minted
			// for the provider before (it re-registered).
			k.inner++
			if _, err := c.Badge(ctx, job.Provider, tier); errors.Is(err, ErrNotFound) {
				k.inner++
			} else if err != nil {
				return Result{}, err
			}
			k.boxes = append(k.boxes, types.AppBoxReference{AppID: c.apps.Badge, Name: BadgeBoxName(job.Provider, tier)})
		}
	}
	return c.run(ctx, sender, signer, k)
}

// nextBadgeTier mirrors the Registry's mint rule: the tier one more
// completed job would mint, or 0.
func (c *Client) nextBadgeTier(ctx context.Context, provider types.Address) (uint64, error) {
	p, err := c.Provider(ctx, provider)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	next := p.BadgeTier + 1
	if next > 3 {
		return 0, nil
	}
	tiers, err := c.tierThresholds(ctx)
	if err != nil {
		return 0, err
	}
	if p.Completed+1 < tiers[next-1] {
		return 0, nil
	}
	info, err := c.algod.AccountInformation(crypto.GetApplicationAddress(c.apps.Badge).String()).Do(ctx)
	if err != nil {
		return 0, fmt.Errorf("contracts: badge app account: %w", err)
	}
	if info.Amount < info.MinBalance || info.Amount-info.MinBalance < BadgeMintCost {
		return 0, nil
	}
	return next, nil
}

func (c *Client) tierThresholds(ctx context.Context) ([3]uint64, error) {
	var out [3]uint64
	app, err := c.algod.GetApplicationByID(c.apps.Registry).Do(ctx)
	if err != nil {
		return out, fmt.Errorf("contracts: registry app: %w", err)
	}
	for _, kv := range app.Params.GlobalState {
		if kv.Key == "dGllcnM=" { // "tiers"
			b, err := base64.StdEncoding.DecodeString(kv.Value.Bytes)
			if err == nil && len(b) == 24 {
				for i := range out {
					out[i] = binary.BigEndian.Uint64(b[8*i:])
				}
				return out, nil
			}
		}
	}
	return out, fmt.Errorf("contracts: registry %d is not configured", c.apps.Registry)
}

// Job reads and decodes a job's Escrow box; ErrNotFound once settled.
func (c *Client) Job(ctx context.Context, id JobID) (Job, error) {
	b, err := c.box(ctx, c.apps.Escrow, JobBoxName(id))
	if err != nil {
		return Job{}, err
	}
	return DecodeJob(id, b)
}
