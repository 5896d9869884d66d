package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/proof"
)

// errOnChain is wrapped by every disagreement between a proof and the chain.
var errOnChain = errors.New("proof disagrees with the chain")

// mismatchError is one field of a proof step that the chain contradicts.
type mismatchError struct {
	Step    int    // the proof step (2, 8 or 9)
	Field   string // what was compared, e.g. "anchored proof hash"
	OnChain string // the chain's value
	InProof string // what the proof implies
}

func (e *mismatchError) Error() string {
	return fmt.Sprintf("step %d: %s on chain is %s, proof says %s", e.Step, e.Field, e.OnChain, e.InProof)
}

// Is makes errors.Is(err, errOnChain) true for every mismatch.
func (e *mismatchError) Is(target error) bool { return target == errOnChain }

// onChainReport is what the on-chain check found.
type onChainReport struct {
	Network                   string // the node's genesis id
	Escrow                    uint64 // the network's Escrow app, which the proof names
	EscrowFrom                string // where that id came from (--escrow-app, the store, ARC-56)
	Locked, Anchored, Settled *contracts.AppCall
	SettledBy                 string // proof.SettlementRelease or SettlementClaim
	Paid                      uint64 // microAlgos paid to the provider
}

// onChainChecker compares a chain, already verified offline, with the
// transactions its steps 2, 8 and 9 name.
type onChainChecker struct {
	algod *algod.Client
	// escrow is the Escrow app id the proof must name (--escrow-app); 0
	// looks the network's Escrow up in stores, then in the committed
	// ARC-56 networks map. The proof's own app ids are never trusted.
	escrow uint64
	stores []contracts.DeploymentStore
}

// chainFacts are the values of the proof the chain must repeat.
type chainFacts struct {
	job      proof.JobID
	provider types.Address
	consumer string   // step 1's consumer address, "" if absent
	specHash []byte   // step 1's specHash, nil if absent
	seconds  *float64 // step 6's seconds, nil if absent
	anchor   *proof.Hash
	output   []byte // step 7's sha256, nil if absent
	// Filled in by checkLocked and checkAnchored from the calls' arguments.
	rate, maxSeconds, billed uint64
}

// check verifies the steps of c that name transactions (2, 8, 9) against
// the node. c must have passed proof.Verify or, with a partial chain,
// proof.VerifyPartial.
func (k onChainChecker) check(ctx context.Context, c *proof.Chain) (onChainReport, error) {
	var rep onChainReport
	params, err := k.algod.SuggestedParams().Do(ctx)
	if err != nil {
		return rep, fmt.Errorf("cannot reach algod: %w", err)
	}
	rep.Network = params.GenesisID
	escrow, err := escrowOf(genesisHashOf(params.GenesisHash), params.GenesisID, k.escrow, k.stores)
	if err != nil {
		return rep, err
	}
	if err := checkEscrowProgram(ctx, k.algod, escrow); err != nil {
		return rep, err
	}
	rep.Escrow, rep.EscrowFrom = escrow.id, escrow.from
	facts, err := factsOf(c)
	if err != nil {
		return rep, err
	}
	if len(c.Steps) >= 2 {
		if rep.Locked, err = k.checkLocked(ctx, c.Steps[1].Step, &facts, &escrow); err != nil {
			return rep, err
		}
	}
	if len(c.Steps) >= 8 {
		if rep.Anchored, err = k.checkAnchored(ctx, c.Steps[7].Step, &facts, &escrow); err != nil {
			return rep, err
		}
	}
	if len(c.Steps) >= 9 {
		if err := k.checkSettled(ctx, c.Steps[8].Step, facts, &escrow, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func factsOf(c *proof.Chain) (chainFacts, error) {
	f := chainFacts{job: c.JobID}
	copy(f.provider[:], c.Provider)
	if len(c.Steps) >= 1 {
		var b proof.JobReceived
		if err := c.Steps[0].DecodeBody(&b); err != nil {
			return f, err
		}
		f.consumer = b.Consumer
		spec, err := hex.DecodeString(b.SpecHash)
		if err != nil {
			return f, fmt.Errorf("step 1: specHash: %w", err)
		}
		f.specHash = spec
	}
	if len(c.Steps) >= 6 {
		var b proof.ExecutionFinished
		if err := c.Steps[5].DecodeBody(&b); err != nil {
			return f, err
		}
		f.seconds = &b.Seconds
	}
	if len(c.Steps) >= proof.AnchorIndex {
		var b proof.OutputHashed
		if err := c.Steps[proof.AnchorIndex-1].DecodeBody(&b); err != nil {
			return f, err
		}
		out, err := hex.DecodeString(b.SHA256)
		if err != nil {
			return f, fmt.Errorf("step 7: sha256: %w", err)
		}
		h := c.Steps[proof.AnchorIndex-1].Hash
		f.anchor, f.output = &h, out
	}
	return f, nil
}

// txRef is the transaction a proof step names.
type txRef struct {
	step  int
	round uint64
	txid  string
	appID uint64 // the Escrow app id the step names
}

// escrowRef is the Escrow app id every step must name, and where it came
// from; id 0 until a step or the caller sets it.
type escrowRef struct {
	id   uint64
	from string
}

// fetchCall reads the call a step names and checks that it is a call of
// one of methods, on the network's Escrow app, for the chain's job.
func (k onChainChecker) fetchCall(ctx context.Context, ref txRef, escrow *escrowRef, f chainFacts, methods ...string) (*contracts.AppCall, string, error) {
	if ref.appID != escrow.id {
		return nil, "", fmt.Errorf("step %d: names Escrow app %d, but %s names %d (%w)", ref.step, ref.appID, escrow.from, escrow.id, errOnChain)
	}
	call, err := contracts.AppCallAt(ctx, k.algod, ref.round, ref.txid)
	switch {
	case errors.Is(err, contracts.ErrTxNotFound), errors.Is(err, contracts.ErrRoundInFuture):
		return nil, "", fmt.Errorf("step %d: %w (is the node on the network the proof was made on?)", ref.step, err)
	case err != nil:
		return nil, "", fmt.Errorf("step %d: %w", ref.step, err)
	}
	if call.AppID != ref.appID {
		return nil, "", &mismatchError{ref.step, "app id of " + ref.txid, fmt.Sprint(call.AppID), fmt.Sprint(ref.appID)}
	}
	method := ""
	for _, m := range methods {
		sel, err := contracts.MethodSelector("Escrow", m)
		if err != nil {
			return nil, "", err
		}
		if len(call.Args) > 0 && bytes.Equal(call.Args[0], sel) {
			method = m
		}
	}
	if method == "" || len(call.Args) < 2 {
		return nil, "", &mismatchError{ref.step, "method of " + ref.txid, selectorOf(call), strings.Join(methods, " or ")}
	}
	id := call.Args[1]
	if method == "create_job" {
		// Escrow v2: create_job's first argument is the nonce; the job id
		// it derived (SHA-256 of provider, consumer, nonce) is in its event.
		ev, ok := contracts.DecodeJobCreated(call.Logs)
		if !ok {
			return nil, "", fmt.Errorf("step %d: create_job %s logged no JobCreated event (%w)", ref.step, ref.txid, errOnChain)
		}
		id = ev.ID[:]
	}
	if !bytes.Equal(id, f.job[:]) {
		return nil, "", &mismatchError{ref.step, "job id", hex.EncodeToString(id), f.job.String()}
	}
	return &call, method, nil
}

// selectorOf names the method a call invokes: an Escrow method's name, or
// its raw selector.
func selectorOf(c contracts.AppCall) string {
	if len(c.Args) == 0 {
		return "a call with no arguments"
	}
	for _, d := range contracts.Apps() {
		if d.Name != "Escrow" {
			continue
		}
		for _, md := range d.Methods {
			name, _, _ := strings.Cut(md.Signature, "(")
			if sel, err := contracts.MethodSelector(d.Name, name); err == nil && bytes.Equal(sel, c.Args[0]) {
				return name
			}
		}
	}
	return "selector " + hex.EncodeToString(c.Args[0])
}

// create_job's application arguments (after the selector): nonce,
// rate_per_hour, max_seconds, deadline_rounds, window_rounds, spec_hash.
const (
	createJobRate       = 2
	createJobMaxSeconds = 3
	createJobSpecHash   = 6
	createJobArgs       = 7
	submitResultSeconds = 4
)

// checkLocked checks step 2: the create_job call for this job, by step 1's
// consumer, for this provider, locking the amount the body states, for
// step 1's spec hash. It records the call's rate and max seconds in f.
func (k onChainChecker) checkLocked(ctx context.Context, s proof.Step, f *chainFacts, escrow *escrowRef) (*contracts.AppCall, error) {
	var b proof.EscrowLocked
	if err := s.DecodeBody(&b); err != nil {
		return nil, err
	}
	call, _, err := k.fetchCall(ctx, txRef{2, b.Round, b.TxID, b.AppID}, escrow, *f, "create_job")
	if err != nil {
		return nil, err
	}
	ev, ok := contracts.DecodeJobCreated(call.Logs)
	switch {
	case !ok:
		return nil, fmt.Errorf("step 2: create_job %s logged no JobCreated event (%w)", b.TxID, errOnChain)
	case ev.Provider != f.provider:
		return nil, &mismatchError{2, "job's provider", ev.Provider.String(), f.provider.String() + " (the proof's signer)"}
	case f.consumer != "" && ev.Consumer.String() != f.consumer:
		return nil, &mismatchError{2, "job's consumer", ev.Consumer.String(), f.consumer + " (step 1)"}
	case ev.Locked != b.Amount:
		return nil, &mismatchError{2, "locked amount", fmt.Sprint(ev.Locked), fmt.Sprint(b.Amount)}
	case len(call.Args) != createJobArgs || len(call.Args[createJobRate]) != 8 || len(call.Args[createJobMaxSeconds]) != 8:
		return nil, fmt.Errorf("step 2: create_job %s has malformed arguments (%w)", b.TxID, errOnChain)
	case f.specHash != nil && !bytes.Equal(call.Args[createJobSpecHash], f.specHash):
		return nil, &mismatchError{1, "create_job spec hash", hex.EncodeToString(call.Args[createJobSpecHash]), hex.EncodeToString(f.specHash)}
	}
	f.rate = binary.BigEndian.Uint64(call.Args[createJobRate])
	f.maxSeconds = binary.BigEndian.Uint64(call.Args[createJobMaxSeconds])
	return call, nil
}

// checkBill checks step 9's amount against the bill at create_job's rate
// for submit_result's billed seconds, rounded down (submit_result keeps it
// within the locked amount).
func checkBill(f chainFacts, amount uint64) error {
	bill := contracts.Job{RatePerHour: f.rate, BilledSeconds: f.billed, Locked: math.MaxUint64}.Bill()
	if bill != amount {
		return &mismatchError{9, "bill at create_job's rate", fmt.Sprintf("%d (%d µALGO/h for %d s)", bill, f.rate, f.billed), fmt.Sprint(amount)}
	}
	return nil
}

// checkBilled checks submit_result's billed seconds against step 6: the
// run time rounded up to whole seconds, or less only where the job's
// max_seconds capped it (as compute bills a job).
func checkBilled(f *chainFacts, billed uint64) error {
	if f.seconds == nil {
		return nil
	}
	want := uint64(math.Ceil(max(*f.seconds, 0)))
	if billed == want || billed < want && billed >= f.maxSeconds {
		return nil
	}
	return &mismatchError{6, "billed seconds (submit_result)", fmt.Sprint(billed),
		fmt.Sprintf("%d (%v s rounded up, capped at create_job's max_seconds %d)", min(want, f.maxSeconds), *f.seconds, f.maxSeconds)}
}

// checkAnchored checks step 8: the provider's submit_result call for this
// job, anchoring hash_7 and step 7's output hash.
func (k onChainChecker) checkAnchored(ctx context.Context, s proof.Step, f *chainFacts, escrow *escrowRef) (*contracts.AppCall, error) {
	var b proof.ResultAnchored
	if err := s.DecodeBody(&b); err != nil {
		return nil, err
	}
	call, _, err := k.fetchCall(ctx, txRef{8, b.Round, b.TxID, b.AppID}, escrow, *f, "submit_result")
	if err != nil {
		return nil, err
	}
	switch {
	case len(call.Args) != 5 || len(call.Args[submitResultSeconds]) != 8:
		return nil, fmt.Errorf("step 8: submit_result %s has %d arguments (%w)", b.TxID, len(call.Args), errOnChain)
	case call.Sender != f.provider:
		return nil, &mismatchError{8, "submitter", call.Sender.String(), f.provider.String() + " (the proof's signer)"}
	}
	// Step 6's seconds first: a proof edited there also changes hash_7,
	// and this says which field differs.
	f.billed = binary.BigEndian.Uint64(call.Args[submitResultSeconds])
	if err := checkBilled(f, f.billed); err != nil {
		return nil, err
	}
	switch {
	case !bytes.Equal(call.Args[2], f.anchor[:]):
		return nil, &mismatchError{8, "anchored proof hash", hex.EncodeToString(call.Args[2]), f.anchor.String() + " (hash_7)"}
	case !bytes.Equal(call.Args[3], f.output):
		return nil, &mismatchError{8, "anchored output hash", hex.EncodeToString(call.Args[3]), hex.EncodeToString(f.output) + " (step 7)"}
	}
	return call, nil
}

// checkSettled checks step 9: the release or claim call for this job whose
// JobSettled event repeats hash_7 and the output hash and pays the amount.
func (k onChainChecker) checkSettled(ctx context.Context, s proof.Step, f chainFacts, escrow *escrowRef, rep *onChainReport) error {
	var b proof.PaymentReleased
	if err := s.DecodeBody(&b); err != nil {
		return err
	}
	call, method, err := k.fetchCall(ctx, txRef{9, b.Round, b.TxID, escrow.id}, escrow, f, proof.SettlementRelease, proof.SettlementClaim)
	if err != nil {
		return err
	}
	if method != b.Kind {
		return &mismatchError{9, "settlement", method, b.Kind}
	}
	ev, ok := contracts.DecodeJobSettled(call.Logs)
	want := map[string]contracts.Outcome{proof.SettlementRelease: contracts.OutcomeReleased, proof.SettlementClaim: contracts.OutcomeClaimed}[b.Kind]
	switch {
	case !ok:
		return fmt.Errorf("step 9: %s %s logged no JobSettled event (%w)", method, b.TxID, errOnChain)
	case ev.ID != contracts.JobID(f.job):
		return &mismatchError{9, "settled job id", hex.EncodeToString(ev.ID[:]), f.job.String()}
	case ev.Outcome != want:
		return &mismatchError{9, "outcome", fmt.Sprint(ev.Outcome), fmt.Sprint(want)}
	case ev.ProofHash != contracts.Hash(*f.anchor):
		return &mismatchError{9, "settled proof hash", hex.EncodeToString(ev.ProofHash[:]), f.anchor.String() + " (hash_7)"}
	case !bytes.Equal(ev.OutputHash[:], f.output):
		return &mismatchError{9, "settled output hash", hex.EncodeToString(ev.OutputHash[:]), hex.EncodeToString(f.output) + " (step 7)"}
	case ev.PaidProvider != b.Amount:
		return &mismatchError{9, "amount paid to the provider", fmt.Sprint(ev.PaidProvider), fmt.Sprint(b.Amount)}
	}
	if err := checkBill(f, b.Amount); err != nil {
		return err
	}
	rep.Settled, rep.SettledBy, rep.Paid = call, method, ev.PaidProvider
	return nil
}
