package consumer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/x402"
	"github.com/kinetic-compute/kinetic/wallet"
)

// Terms bound what the consumer accepts in an offer.
type Terms struct {
	// MaxPricePerHour refuses offers above this rate (microAlgo/hour); 0: any.
	MaxPricePerHour uint64
	// Provider, when set, must be the offering account.
	Provider types.Address
	// BeforePay, when set, is called with the offer once it has passed
	// every check and before anything is signed, so that the caller can
	// journal the job's id (the offer decides it); its error stops the
	// payment.
	BeforePay func(contracts.Offer) error
}

// OfferError: the provider's offer was refused before anything was signed.
type OfferError struct{ Reason string }

// Error says why the offer was refused.
func (e *OfferError) Error() string { return "consumer: offer refused: " + e.Reason }

// PaymentError: the provider answered the payment with a failure.
type PaymentError struct {
	Status int
	Code   x402.ErrorCode
	Body   string
}

// Error gives the status, the x402 code and the provider's message.
func (e *PaymentError) Error() string {
	return fmt.Sprintf("consumer: payment refused: HTTP %d %s: %s", e.Status, e.Code, strings.TrimSpace(e.Body))
}

// Submit asks the provider at endpoint to run spec, pays its offer and
// returns the job once the escrow lock has confirmed.
func (c *Client) Submit(ctx context.Context, endpoint string, spec compute.Spec, terms Terms) (Job, error) {
	rawSpec, err := json.Marshal(spec)
	if err != nil {
		return Job{}, fmt.Errorf("consumer: marshal spec: %w", err)
	}
	// The provider hashes the spec as ParseSpec leaves it (defaults applied).
	if spec, err = compute.ParseSpec(rawSpec); err != nil {
		return Job{}, fmt.Errorf("consumer: %w", err)
	}
	body, _ := json.Marshal(map[string]any{"consumer": c.signer.Address().String(), "spec": json.RawMessage(rawSpec)})
	url := strings.TrimRight(endpoint, "/") + "/v1/jobs"
	resp, rbody, err := c.post(ctx, url, body, "")
	if err != nil {
		return Job{}, err
	}
	if resp.StatusCode != http.StatusPaymentRequired {
		return Job{}, fmt.Errorf("consumer: %s answered %d, want 402: %s", url, resp.StatusCode, rbody)
	}
	pr, err := x402.DecodePaymentRequired(resp.Header.Get(x402.HeaderPaymentRequired))
	if err != nil {
		return Job{}, fmt.Errorf("consumer: PAYMENT-REQUIRED: %w", err)
	}
	header, offer, bs, err := c.pay(ctx, pr, spec, terms)
	if err != nil {
		return Job{}, err
	}
	resp, rbody, err = c.post(ctx, url, body, header)
	if bs != nil {
		// Settle the budget reservation: released only when the chain shows
		// no lock for the job; a payment that may have landed counts.
		_, jerr := c.chain.Job(ctx, offer.JobID())
		if (err != nil || resp.StatusCode != http.StatusAccepted) && errors.Is(jerr, contracts.ErrNotFound) {
			_ = bs.Release(ctx)
		} else {
			_ = bs.Commit(ctx)
		}
	}
	if err != nil {
		return Job{}, err
	}
	if resp.StatusCode != http.StatusAccepted {
		pe := &PaymentError{Status: resp.StatusCode, Body: string(rbody)}
		if s, err := x402.DecodeSettlementResponse(resp.Header.Get(x402.HeaderPaymentResponse)); err == nil {
			pe.Code = s.ErrorReason
		}
		return Job{}, pe
	}
	var acc struct {
		JobID       string `json:"jobId"`
		Transaction string `json:"transaction"`
		Round       uint64 `json:"round"`
	}
	if err := json.Unmarshal(rbody, &acc); err != nil {
		return Job{}, fmt.Errorf("consumer: 202 body: %w", err)
	}
	if acc.JobID != offer.JobID().String() {
		return Job{}, fmt.Errorf("consumer: provider names job %s, the offer's id is %s", acc.JobID, offer.JobID())
	}
	amount, _ := strconv.ParseUint(pr.Accepts[0].Amount, 10, 64)
	return Job{ID: offer.JobID(), Endpoint: strings.TrimRight(endpoint, "/"), Provider: offer.Provider,
		Payment: acc.Transaction, Round: acc.Round, Amount: amount}, nil
}

func (c *Client) post(ctx context.Context, url string, body []byte, payment string) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, PostTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("consumer: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if payment != "" {
		req.Header.Set(x402.HeaderPaymentSignature, payment)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("consumer: POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("consumer: read answer: %w", err)
	}
	return resp, b, nil
}

// Pay checks an offer against spec and terms, builds the create_job group
// for it, signs the consumer's payment and returns the PAYMENT-SIGNATURE
// header value (with a fresh payment identifier) and the offer. Nothing is
// signed when the offer does not match.
func (c *Client) Pay(ctx context.Context, pr x402.PaymentRequired, spec compute.Spec, terms Terms) (string, contracts.Offer, error) {
	h, o, bs, err := c.pay(ctx, pr, spec, terms)
	if bs != nil {
		_ = bs.Release(ctx) // the caller sends it; Submit keeps the reservation itself
	}
	return h, o, err
}

func (c *Client) pay(ctx context.Context, pr x402.PaymentRequired, spec compute.Spec, terms Terms) (string, contracts.Offer, *wallet.BudgetedSigner, error) {
	h, o, bs, err := c.payOnce(ctx, pr, spec, terms)
	if err != nil && bs != nil {
		_ = bs.Release(ctx)
		bs = nil
	}
	return h, o, bs, err
}

func (c *Client) payOnce(ctx context.Context, pr x402.PaymentRequired, spec compute.Spec, terms Terms) (string, contracts.Offer, *wallet.BudgetedSigner, error) {
	var req *x402.PaymentRequirements
	for i := range pr.Accepts {
		if pr.Accepts[i].Scheme == x402.SchemeEscrow && pr.Accepts[i].Extra != nil {
			req = &pr.Accepts[i]
			break
		}
	}
	if req == nil {
		return "", contracts.Offer{}, nil, &OfferError{"no kinetic-escrow offer"}
	}
	o, err := c.checkOffer(ctx, *req, spec, terms)
	if err != nil {
		return "", contracts.Offer{}, nil, err
	}
	if terms.BeforePay != nil {
		if err := terms.BeforePay(o); err != nil {
			return "", contracts.Offer{}, nil, fmt.Errorf("consumer: before paying job %s: %w", o.JobID(), err)
		}
	}
	group, err := c.chain.BuildCreateJobGroup(ctx, o)
	if err != nil {
		return "", contracts.Offer{}, nil, fmt.Errorf("consumer: build group: %w", err)
	}
	var signer Signer = c.signer
	var bs *wallet.BudgetedSigner
	if c.budget != nil {
		bs = &wallet.BudgetedSigner{Signer: c.signer, Budget: c.budget, Job: o.JobID(), Purpose: string(wallet.LabelEscrowLock)}
	}
	var signed [][]byte
	if bs != nil {
		signed, err = bs.SignTransactions(group, []int{0})
	} else {
		signed, err = signer.SignTransactions(group, []int{0})
	}
	if err != nil {
		return "", contracts.Offer{}, bs, fmt.Errorf("consumer: sign payment: %w", err)
	}
	var pay types.SignedTxn
	if err := msgpack.Decode(signed[0], &pay); err != nil {
		return "", contracts.Offer{}, bs, fmt.Errorf("consumer: decode signed payment: %w", err)
	}
	p := x402.PaymentPayload{X402Version: x402.Version, Resource: &pr.Resource, Accepted: *req,
		Payload: x402.GroupPayload{PaymentGroup: x402.EncodeGroup([]types.SignedTxn{pay, {Txn: group[1]}}), PaymentIndex: 0}}
	if ext, ok := pr.Extensions[x402.ExtPaymentIdentifier]; ok {
		var rnd [16]byte
		_, _ = rand.Read(rnd[:])
		withID, err := x402.WithPaymentID(ext, "pay_"+hex.EncodeToString(rnd[:]))
		if err != nil {
			return "", contracts.Offer{}, bs, err
		}
		p.Extensions = map[string]x402.Extension{x402.ExtPaymentIdentifier: withID}
	}
	h, err := x402.Encode(p)
	return h, o, bs, err
}

// checkOffer turns the offer's terms into a contracts.Offer and refuses
// one that does not match the spec, the terms or the chain.
func (c *Client) checkOffer(ctx context.Context, req x402.PaymentRequirements, spec compute.Spec, terms Terms) (contracts.Offer, error) {
	x := req.Extra
	apps := c.chain.Apps()
	switch {
	case x.AppID != apps.Escrow:
		return contracts.Offer{}, &OfferError{fmt.Sprintf("Escrow app %d, ours is %d", x.AppID, apps.Escrow)}
	case req.PayTo != crypto.GetApplicationAddress(apps.Escrow).String():
		return contracts.Offer{}, &OfferError{"payTo is not the Escrow's address"}
	case req.Asset != x402.AssetAlgo:
		return contracts.Offer{}, &OfferError{"asset is not ALGO"}
	case x.MaxSeconds != uint64(spec.MaxSeconds):
		return contracts.Offer{}, &OfferError{fmt.Sprintf("maxSeconds %d, the spec asks %d", x.MaxSeconds, spec.MaxSeconds)}
	case terms.MaxPricePerHour > 0 && x.Rate > terms.MaxPricePerHour:
		return contracts.Offer{}, &OfferError{fmt.Sprintf("rate %d above the limit %d", x.Rate, terms.MaxPricePerHour)}
	}
	provider, err := types.DecodeAddress(x.Provider)
	if err != nil {
		return contracts.Offer{}, &OfferError{"provider is not an address"}
	}
	if !terms.Provider.IsZero() && provider != terms.Provider {
		return contracts.Offer{}, &OfferError{"offer from another provider than asked"}
	}
	if c.minWindow > 0 && x.WindowRounds < c.minWindow {
		return contracts.Offer{}, &OfferError{fmt.Sprintf("dispute window of %d rounds, under the %d this client needs to fetch and check the result and still dispute a bad one in time: choose another provider, or ask this one for a longer window", x.WindowRounds, c.minWindow)}
	}
	reg, err := c.chain.Provider(ctx, provider)
	if errors.Is(err, contracts.ErrNotFound) {
		return contracts.Offer{}, &OfferError{fmt.Sprintf("provider %s is not registered in the Registry", provider)}
	}
	if err != nil {
		return contracts.Offer{}, fmt.Errorf("consumer: read the provider's registered price: %w", err)
	}
	if x.Rate > reg.PricePerHour {
		return contracts.Offer{}, &OfferError{fmt.Sprintf("rate %d µALGO/h above the provider's registered price %d µALGO/h: the provider asks more than it advertises; choose another provider", x.Rate, reg.PricePerHour)}
	}
	nonce, err1 := decode32(x.Nonce)
	sh, err2 := decode32(x.SpecHash)
	if err := errors.Join(err1, err2); err != nil {
		return contracts.Offer{}, &OfferError{err.Error()}
	}
	if sh != spec.Hash() {
		return contracts.Offer{}, &OfferError{"specHash is not our spec's"}
	}
	if err := checkNonceTime(nonce, c.now()); err != nil {
		return contracts.Offer{}, err
	}
	o := contracts.Offer{Provider: provider, Consumer: c.signer.Address(), Nonce: nonce, RatePerHour: x.Rate,
		MaxSeconds: x.MaxSeconds, Locked: x.Locked, DeadlineRounds: x.DeadlineRounds, WindowRounds: x.WindowRounds, SpecHash: sh}
	least, err := contracts.LockFor(x.Rate, x.MaxSeconds)
	if err != nil || x.Locked < least {
		return contracts.Offer{}, &OfferError{"locked amount below the bill's ceiling"}
	}
	amount, err := c.chain.CreateJobPayment(ctx, o)
	if err != nil {
		return contracts.Offer{}, fmt.Errorf("consumer: price the offer: %w", err)
	}
	if req.Amount != strconv.FormatUint(amount, 10) {
		return contracts.Offer{}, &OfferError{fmt.Sprintf("amount %s, the Escrow needs %d for these terms", req.Amount, amount)}
	}
	return o, nil
}

func decode32(s string) ([32]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 32 {
		return [32]byte{}, fmt.Errorf("%q is not 32 bytes of base64", s)
	}
	return [32]byte(b), nil
}

var _ = jobid.ID{}

// SubmitFirst tries providers in order and returns the first job one of
// them accepts. It moves on to the next provider only while nothing was
// paid: the provider is unreachable, answers without a usable offer, or
// its offer fails the checks (OfferError). A refused payment stops the
// search, since the caller must look at the chain first.
func (c *Client) SubmitFirst(ctx context.Context, providers []contracts.Provider, spec compute.Spec, terms Terms) (Job, error) {
	var errs []error
	for _, p := range providers {
		t := terms
		t.Provider = p.Address
		job, err := c.Submit(ctx, p.Endpoint, spec, t)
		if err == nil {
			return job, nil
		}
		var pe *PaymentError
		if errors.As(err, &pe) {
			return Job{}, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", p.Address, err))
	}
	return Job{}, fmt.Errorf("consumer: no provider took the job: %w", errors.Join(errs...))
}

// MaxNonceSkew is how far ahead of the consumer's clock an offer's nonce
// may be dated. The Escrow only accepts a nonce greater than the pair's
// last one, so a nonce dated far in the future (0xff… at the extreme)
// would leave the pair unable to open another job until that date.
const MaxNonceSkew = 10 * time.Minute

// checkNonceTime refuses a nonce whose first 8 bytes (Unix nanoseconds
// big-endian, as contracts.NewNonce writes them) lie more than
// MaxNonceSkew after now.
func checkNonceTime(nonce contracts.Hash, now time.Time) error {
	at := binary.BigEndian.Uint64(nonce[:8])
	limit := now.Add(MaxNonceSkew).UnixNano()
	if limit < 0 || at > uint64(limit) {
		return &OfferError{fmt.Sprintf("nonce dated %s, more than %s ahead of this clock: accepting it would block this provider from opening another job for us until then", time.Unix(0, int64(at&(1<<63-1))).UTC().Format(time.RFC3339), MaxNonceSkew)}
	}
	return nil
}
