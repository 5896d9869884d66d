package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/x402"
	"github.com/kinetic-compute/kinetic/proof"
)

// JobRequest is the body of POST /v1/jobs, the same on the first request
// and on the paid retry.
type JobRequest struct {
	// Consumer is the paying account's address.
	Consumer string `json:"consumer"`
	// Spec is the job spec (compute.Spec JSON).
	Spec json.RawMessage `json:"spec"`
}

// Accepted is the body of the 202 answer to a paid POST /v1/jobs.
type Accepted struct {
	JobID       string `json:"jobId"`
	Transaction string `json:"transaction"`
	Round       uint64 `json:"round"`
}

var errPayIDConflict = errors.New("payment identifier reused with a different payment")

func (s *Server) network(ctx context.Context) (string, error) {
	gh, err := s.chain.GenesisHash(ctx)
	if err != nil {
		return "", err
	}
	return x402.Network(base64.StdEncoding.EncodeToString(gh[:])), nil
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	net, err := s.network(ctx)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "chain unavailable: "+err.Error())
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", mb.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	spec, consumer, err := parseJobRequest(body)
	if err != nil {
		writeFailure(w, err, net)
		return
	}
	if s.cfg.Blocklist[consumer] {
		writeFailure(w, &requestError{http.StatusForbidden, "this provider does not take jobs from " + consumer.String()}, net)
		return
	}
	if err := s.admit(spec); err != nil {
		writeFailure(w, err, net)
		return
	}
	header := r.Header.Get(x402.HeaderPaymentSignature)
	if header == "" {
		s.offer(w, r, net, spec, consumer)
		return
	}
	s.paid(w, r, net, header, body, spec, consumer)
}

func parseJobRequest(body []byte) (compute.Spec, types.Address, error) {
	var req JobRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return compute.Spec{}, types.Address{}, badRequest("body is not a job request: " + err.Error())
	}
	consumer, err := types.DecodeAddress(req.Consumer)
	if err != nil {
		return compute.Spec{}, types.Address{}, badRequest("consumer is not an Algorand address")
	}
	spec, err := compute.ParseSpec(req.Spec)
	if err != nil {
		return compute.Spec{}, types.Address{}, badRequest("job spec: " + err.Error())
	}
	return spec, consumer, nil
}

// admit refuses, before any offer or payment, what the policy or the
// queue cannot take.
func (s *Server) admit(spec compute.Spec) error {
	if len(s.queue) >= cap(s.queue) {
		return unavailable("job queue is full; try later or another provider")
	}
	if m := s.cfg.Policy.MaxJobSeconds; m > 0 && spec.MaxSeconds > m {
		return &requestError{http.StatusUnprocessableEntity, fmt.Sprintf("maxSeconds %d over this provider's limit %d", spec.MaxSeconds, m)}
	}
	if spec.GPUs > len(s.cfg.GPUs) {
		return &requestError{http.StatusUnprocessableEntity, fmt.Sprintf("job wants %d GPUs, this provider has %d", spec.GPUs, len(s.cfg.GPUs))}
	}
	d := s.cfg.Policy.Admit(spec, compute.State{Now: s.cfg.Now(), GPUs: s.cfg.GPUs, Running: s.engine.Running()})
	if !d.Accept {
		return unavailable("not accepting this job now: " + d.Reason)
	}
	return nil
}

// offer answers an unpaid request with 402 and a fresh offer.
func (s *Server) offer(w http.ResponseWriter, r *http.Request, net string, spec compute.Spec, consumer types.Address) {
	ctx := r.Context()
	now := s.cfg.Now()
	nonce, err := contracts.NewNonce(now)
	if err != nil {
		writeFailure(w, err, net)
		return
	}
	locked, err := contracts.LockFor(s.cfg.Price, uint64(spec.MaxSeconds))
	if err != nil {
		writeFailure(w, badRequest(err.Error()), net)
		return
	}
	o := offerRecord{Nonce: nonce, Consumer: consumer.String(), SpecHash: spec.Hash(), Rate: s.cfg.Price,
		MaxSeconds: uint64(spec.MaxSeconds), Locked: locked, DeadlineRounds: s.cfg.DeadlineRounds,
		WindowRounds: s.cfg.WindowRounds, Expires: now.Add(s.cfg.OfferTimeout)}
	o.Amount, err = s.chain.CreateJobPayment(ctx, s.contractOffer(o))
	if err != nil {
		writeFailure(w, fmt.Errorf("price the offer: %w", err), net)
		return
	}
	if err := s.store.putOffer(o); err != nil {
		writeFailure(w, err, net)
		return
	}
	pr := x402.PaymentRequired{X402Version: x402.Version, Error: "PAYMENT-SIGNATURE header is required",
		Resource:   x402.ResourceInfo{URL: requestURL(r), Description: "Kinetic compute job " + spec.Digest(), MIMEType: "application/json"},
		Accepts:    []x402.PaymentRequirements{s.requirements(o, net)},
		Extensions: map[string]x402.Extension{x402.ExtPaymentIdentifier: x402.PaymentIdentifierOffer(false)}}
	h, err := x402.Encode(pr)
	if err != nil {
		writeFailure(w, err, net)
		return
	}
	w.Header().Set(x402.HeaderPaymentRequired, h)
	writeJSON(w, http.StatusPaymentRequired, pr)
}

func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (s *Server) contractOffer(o offerRecord) contracts.Offer {
	consumer, _ := types.DecodeAddress(o.Consumer)
	return contracts.Offer{Provider: s.signer.Address(), Consumer: consumer, Nonce: o.Nonce, RatePerHour: o.Rate,
		MaxSeconds: o.MaxSeconds, Locked: o.Locked, DeadlineRounds: o.DeadlineRounds, WindowRounds: o.WindowRounds,
		SpecHash: o.SpecHash}
}

// requirements is the accepts entry of offer o.
func (s *Server) requirements(o offerRecord, net string) x402.PaymentRequirements {
	app := s.chain.EscrowApp()
	return x402.PaymentRequirements{Scheme: x402.SchemeEscrow, Network: net, Amount: fmt.Sprint(o.Amount),
		Asset: x402.AssetAlgo, PayTo: crypto.GetApplicationAddress(app).String(),
		MaxTimeoutSeconds: int(s.cfg.OfferTimeout / 1e9),
		Extra: &x402.EscrowExtra{AppID: app, Nonce: base64.StdEncoding.EncodeToString(o.Nonce[:]),
			Provider: s.signer.Address().String(), Rate: o.Rate, MaxSeconds: o.MaxSeconds,
			DeadlineRounds: o.DeadlineRounds, WindowRounds: o.WindowRounds,
			SpecHash: base64.StdEncoding.EncodeToString(o.SpecHash[:]), Locked: o.Locked}}
}

// paid handles a request carrying PAYMENT-SIGNATURE, answering from the
// payment-identifier cache when the same payment was seen before.
func (s *Server) paid(w http.ResponseWriter, r *http.Request, net, header string, body []byte, spec compute.Spec, consumer types.Address) {
	p, err := x402.DecodePaymentPayload(header)
	if err != nil {
		writeFailure(w, err, net)
		return
	}
	payID, err := x402.PaymentID(p)
	if err != nil {
		writeFailure(w, err, net)
		return
	}
	digest := sha256.Sum256(append([]byte(header+"\n"), body...))
	if payID != "" {
		s.payMu.Lock() // one payment with an identifier at a time
		defer s.payMu.Unlock()
		if rec, ok, err := s.store.payID(payID); err != nil {
			writeFailure(w, err, net)
			return
		} else if ok {
			if rec.PayloadHash != digest {
				writeFailure(w, errPayIDConflict, net)
				return
			}
			w.Header().Set(x402.HeaderPaymentResponse, rec.Response)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Status)
			_, _ = w.Write(rec.Body)
			return
		}
	}
	acc, err := s.settle(r.Context(), p, net, spec, consumer)
	status, resp := http.StatusAccepted, &x402.SettlementResponse{Success: true, Network: net, Payer: consumer.String()}
	var out []byte
	if err != nil {
		status, resp = paymentFailure(err, net)
		out, _ = json.Marshal(errorBody{Error: err.Error(), Code: x402.CodeOf(err)})
	} else {
		resp.Transaction, resp.Amount = acc.Transaction, p.Accepted.Amount
		out, _ = json.Marshal(acc)
	}
	out = append(out, '\n')
	h := ""
	if resp != nil {
		h, _ = x402.Encode(resp)
		w.Header().Set(x402.HeaderPaymentResponse, h)
	}
	if payID != "" && status < 500 && resp != nil {
		if err := s.store.putPayID(payID, payIDRecord{PayloadHash: digest, Status: status, Response: h, Body: out}); err != nil {
			s.cfg.Logger.Error("store payment id", "err", err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// settle verifies the payment against its offer, records the group,
// simulates, signs the create_job call, submits the group and waits for
// it, then queues the job.
func (s *Server) settle(ctx context.Context, p x402.PaymentPayload, net string, spec compute.Spec, consumer types.Address) (Accepted, error) {
	acc := p.Accepted
	if acc.Scheme != x402.SchemeEscrow {
		return Accepted{}, x402.Errorf(x402.InvalidScheme, "scheme %q is not offered (want %q)", acc.Scheme, x402.SchemeEscrow)
	}
	if acc.Network != net {
		return Accepted{}, x402.Errorf(x402.InvalidNetwork, "network %q, this provider is on %q", acc.Network, net)
	}
	if acc.Extra == nil {
		return Accepted{}, x402.Errorf(x402.InvalidPaymentRequirements, "accepted has no extra (offer terms)")
	}
	group, err := x402.DecodeGroup(p.Payload)
	if err != nil {
		return Accepted{}, err
	}
	if used, err := s.store.groupUsed([32]byte(group[0].Txn.Group)); err != nil {
		return Accepted{}, err
	} else if used {
		return Accepted{}, x402.Errorf(x402.InvalidTransactionState, "payment group already used")
	}
	nb, err := base64.StdEncoding.Strict().DecodeString(acc.Extra.Nonce)
	if err != nil || len(nb) != 32 {
		return Accepted{}, x402.Errorf(x402.InvalidPaymentRequirements, "extra.nonce is not 32 bytes of base64")
	}
	o, ok, err := s.store.offer([32]byte(nb))
	if err != nil {
		return Accepted{}, err
	}
	if !ok {
		return Accepted{}, x402.Errorf(x402.InvalidPaymentRequirements, "no open offer with that nonce (already paid or never made)")
	}
	if s.cfg.Now().After(o.Expires) {
		return Accepted{}, x402.Errorf(x402.InvalidTransactionState, "offer expired at %s; ask for a new one", o.Expires.UTC().Format("15:04:05"))
	}
	if want := s.requirements(o, net); !reflect.DeepEqual(acc, want) {
		return Accepted{}, x402.Errorf(x402.InvalidPaymentRequirements, "accepted differs from the offer")
	}
	if o.Consumer != consumer.String() || o.SpecHash != spec.Hash() {
		return Accepted{}, x402.Errorf(x402.InvalidPaymentRequirements, "request (consumer or spec) differs from the one offered")
	}
	co := s.contractOffer(o)
	expGroup, err := s.chain.BuildCreateJobGroup(ctx, co)
	if err != nil {
		return Accepted{}, fmt.Errorf("build the expected group: %w", err)
	}
	if uint64(expGroup[0].Amount) != o.Amount {
		return Accepted{}, x402.Errorf(x402.InvalidPaymentRequirements, "the offer's amount is stale; ask for a new offer")
	}
	gh, err := s.chain.GenesisHash(ctx)
	if err != nil {
		return Accepted{}, err
	}
	round, err := s.chain.LastRound(ctx)
	if err != nil {
		return Accepted{}, err
	}
	exp := Expected{Group: expGroup, GenesisHash: gh, Round: round, Consumer: consumer, Provider: s.signer.Address()}
	if err := CheckGroup(exp, group, p.Payload.PaymentIndex); err != nil {
		return Accepted{}, err
	}
	gid := [32]byte(group[0].Txn.Group)
	id := co.JobID()
	rec := jobRecord{ID: id, Consumer: consumer.String(), Spec: spec, Offer: o, State: stateLocking,
		PayTxID: crypto.GetTxID(group[0].Txn)}
	if err := s.store.accept(gid, rec); errors.Is(err, errGroupUsed) {
		return Accepted{}, x402.Errorf(x402.InvalidTransactionState, "payment group already used")
	} else if err != nil {
		return Accepted{}, err
	}
	res, err := s.lock(ctx, group)
	if err != nil {
		_, _ = s.store.update(id, func(r *jobRecord) { r.State, r.Error = stateFailed, err.Error() })
		return Accepted{}, err
	}
	if _, err := s.store.update(id, func(r *jobRecord) { r.State, r.LockRound = statePaid, res.Round }); err != nil {
		return Accepted{}, err
	}
	s.afterLock(ctx, id, spec, consumer, res, o.Amount)
	return Accepted{JobID: id.String(), Transaction: rec.PayTxID, Round: res.Round}, nil
}

// lock signs the provider's call, simulates the whole group and submits it.
func (s *Server) lock(ctx context.Context, group []types.SignedTxn) (contracts.Result, error) {
	signed, err := s.signer.SignTransactions([]types.Transaction{group[0].Txn, group[1].Txn}, []int{1})
	if err != nil {
		return contracts.Result{}, fmt.Errorf("sign create_job: %w", err)
	}
	if len(signed) != 1 {
		return contracts.Result{}, fmt.Errorf("sign create_job: signer returned %d transactions", len(signed))
	}
	var call types.SignedTxn
	if err := msgpack.Decode(signed[0], &call); err != nil {
		return contracts.Result{}, fmt.Errorf("decode own signature: %w", err)
	}
	full := []types.SignedTxn{group[0], call}
	msg, err := s.chain.Simulate(ctx, full)
	if err != nil {
		return contracts.Result{}, err
	}
	if msg != "" {
		if strings.Contains(msg, "overspend") {
			return contracts.Result{}, x402.Errorf(x402.InsufficientFunds, "simulation: %s", msg)
		}
		return contracts.Result{}, x402.Errorf(x402.InvalidTransactionState, "simulation: %s", msg)
	}
	res, err := s.chain.SendGroup(ctx, [][]byte{msgpack.Encode(&full[0]), signed[0]})
	if err != nil {
		return contracts.Result{}, &x402.Error{Code: x402.InvalidTransactionState, Msg: "submit the group", Err: err}
	}
	return res, nil
}

// afterLock records the first two proof steps and queues the job.
func (s *Server) afterLock(ctx context.Context, id compute.JobID, spec compute.Spec, consumer types.Address, res contracts.Result, amount uint64) {
	now := s.cfg.Now()
	_ = s.step(ctx, id, proof.KindJobReceived, proof.NewJobReceived(spec.Hash(), consumer.String()), now)
	txid := ""
	if len(res.TxIDs) > 0 {
		txid = res.TxIDs[0]
	}
	_ = s.step(ctx, id, proof.KindEscrowLocked, proof.NewEscrowLocked(s.chain.EscrowApp(), txid, res.Round, amount), now)
	s.enqueue(id)
}
