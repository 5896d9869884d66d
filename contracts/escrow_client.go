package contracts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// Offer is the terms of one job as a provider offers them to one consumer.
// The job id is JobIDFor(Provider, Consumer, Nonce); Nonce must be greater
// (as a 256-bit big-endian number) than the last nonce the pair used.
type Offer struct {
	Provider       types.Address
	Consumer       types.Address
	Nonce          Hash
	RatePerHour    uint64 // microAlgo per hour of billed seconds, ≥ 1
	MaxSeconds     uint64 // most seconds the provider may bill
	Locked         uint64 // ≥ LockFor(RatePerHour, MaxSeconds); the rest comes back to the consumer
	DeadlineRounds uint64 // result due within this many rounds
	WindowRounds   uint64 // rounds after the result during which the consumer may dispute
	SpecHash       Hash
}

// JobID is the id create_job derives for this offer.
func (o Offer) JobID() JobID { return JobIDFor(o.Provider, o.Consumer, o.Nonce) }

// NewNonce returns a nonce that sorts after every nonce NewNonce returned
// for an earlier time: now's Unix nanoseconds big-endian in the first 8
// bytes, random bytes after them.
func NewNonce(now time.Time) (Hash, error) {
	var n Hash
	binary.BigEndian.PutUint64(n[:8], uint64(now.UnixNano()))
	if _, err := rand.Read(n[8:]); err != nil {
		return Hash{}, fmt.Errorf("contracts: nonce: %w", err)
	}
	return n, nil
}

// PairNonce returns the last nonce the (provider, consumer) pair used in
// this Escrow; ok is false when the pair never opened a job.
func (c *Client) PairNonce(ctx context.Context, provider, consumer types.Address) (nonce Hash, ok bool, err error) {
	b, err := c.box(ctx, c.apps.Escrow, PairBoxName(provider, consumer))
	if errors.Is(err, ErrNotFound) {
		return Hash{}, false, nil
	}
	if err != nil {
		return Hash{}, false, err
	}
	if len(b) != 32 {
		return Hash{}, false, fmt.Errorf("contracts: pair record of %d bytes", len(b))
	}
	copy(nonce[:], b)
	return nonce, true, nil
}

// CreateJobPayment is what the consumer's payment must carry for an offer:
// Locked + JobBoxMBR, plus PairRecordMBR when the pair has no record yet.
func (c *Client) CreateJobPayment(ctx context.Context, o Offer) (uint64, error) {
	_, known, err := c.PairNonce(ctx, o.Provider, o.Consumer)
	if err != nil {
		return 0, err
	}
	amount := o.Locked + JobBoxMBR
	if !known {
		amount += PairRecordMBR
	}
	if amount < o.Locked {
		return 0, fmt.Errorf("contracts: locked amount %d overflows", o.Locked)
	}
	return amount, nil
}

// BuildCreateJobGroup builds, without signing, the two transactions that
// open a job, with their group id assigned: index 0 is the consumer's
// payment to the Escrow (CreateJobPayment, fee 1000), index 1 the
// provider's create_job call (fee 2000: one inner read of the Registry).
// The consumer signs index 0, the provider index 1.
func (c *Client) BuildCreateJobGroup(ctx context.Context, o Offer) ([]types.Transaction, error) {
	atc, err := c.createJobATC(ctx, o, transaction.EmptyTransactionSigner{}, transaction.EmptyTransactionSigner{})
	if err != nil {
		return nil, err
	}
	group, err := atc.BuildGroup()
	if err != nil {
		return nil, fmt.Errorf("contracts: create_job group: %w", err)
	}
	out := make([]types.Transaction, len(group))
	for i, t := range group {
		out[i] = t.Txn
	}
	return out, nil
}

func (c *Client) createJobATC(ctx context.Context, o Offer, consumer, provider transaction.TransactionSigner) (*transaction.AtomicTransactionComposer, error) {
	amount, err := c.CreateJobPayment(ctx, o)
	if err != nil {
		return nil, err
	}
	pay, err := c.payment(ctx, o.Consumer, consumer, crypto.GetApplicationAddress(c.apps.Escrow), amount)
	if err != nil {
		return nil, err
	}
	id := o.JobID()
	return c.compose(ctx, o.Provider, provider, call{app: c.apps.Escrow, method: "Escrow.create_job", inner: 1,
		args: []interface{}{o.Nonce[:], o.RatePerHour, o.MaxSeconds, o.DeadlineRounds, o.WindowRounds, o.SpecHash[:], pay},
		apps: []uint64{c.apps.Registry},
		boxes: []types.AppBoxReference{{AppID: c.apps.Escrow, Name: JobBoxName(id)},
			{AppID: c.apps.Escrow, Name: PairBoxName(o.Provider, o.Consumer)},
			{AppID: c.apps.Registry, Name: ProviderBoxName(o.Provider)}}})
}

// CreateJob opens a job, signing the consumer's payment with consumer and
// the create_job call with provider, and returns the job id the Escrow
// derived.
func (c *Client) CreateJob(ctx context.Context, o Offer, consumer, provider transaction.TransactionSigner) (JobID, Result, error) {
	atc, err := c.createJobATC(ctx, o, consumer, provider)
	if err != nil {
		return JobID{}, Result{}, err
	}
	res, err := c.execute(ctx, atc, "Escrow.create_job")
	if err != nil {
		return JobID{}, res, err
	}
	var id JobID
	raw, ok := res.Return.([]interface{})
	if !ok || len(raw) != 32 {
		return JobID{}, res, fmt.Errorf("contracts: create_job returned %T", res.Return)
	}
	for i, v := range raw {
		b, ok := v.(byte)
		if !ok {
			return JobID{}, res, fmt.Errorf("contracts: create_job returned %T elements", v)
		}
		id[i] = b
	}
	return id, res, nil
}

// TopUp adds amount to an open job's locked funds (consumer only, not past
// the deadline; pay + call, fee 2000). The Escrow raises max_seconds by
// amount*3600/rate (rounded down) and moves the deadline out by that many
// rounds, never past created_round + the configured maximum deadline.
func (c *Client) TopUp(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id JobID, amount uint64) (Result, error) {
	pay, err := c.payment(ctx, sender, signer, crypto.GetApplicationAddress(c.apps.Escrow), amount)
	if err != nil {
		return Result{}, err
	}
	return c.run(ctx, sender, signer, call{app: c.apps.Escrow, method: "Escrow.top_up",
		args:  []interface{}{id[:], pay},
		boxes: []types.AppBoxReference{{AppID: c.apps.Escrow, Name: JobBoxName(id)}}})
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
// transactions, one when that tier was minted for the address before)
// when this completion makes the provider cross a tier.
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
	k.boxes = append(k.boxes, types.AppBoxReference{AppID: c.apps.Registry, Name: ReputationBoxName(job.Provider)})
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
	p, err := c.Reputation(ctx, provider)
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
