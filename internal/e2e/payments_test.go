package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/x402"
)

// payer speaks x402 to a provider process from the test process, as a
// consumer would, so that it can send payments no consumer agent builds.
type payer struct {
	m    *market
	p    provider
	acct crypto.Account
	spec compute.Spec
	body []byte // the POST /v1/jobs request, the same on every try
}

func newPayer(m *market, p provider, acct crypto.Account, specPath string) *payer {
	t := m.t
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := compute.ParseSpec(raw)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"consumer": acct.Address.String(), "spec": json.RawMessage(raw)})
	if err != nil {
		t.Fatal(err)
	}
	return &payer{m: m, p: p, acct: acct, spec: spec, body: body}
}

// post sends the job request with payment as PAYMENT-SIGNATURE ("" for none).
func (x *payer) post(payment string) (*http.Response, []byte) {
	t := x.m.t
	t.Helper()
	req, err := http.NewRequestWithContext(x.m.ctx, http.MethodPost, x.p.endpoint()+"/v1/jobs", bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if payment != "" {
		req.Header.Set(x402.HeaderPaymentSignature, payment)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s/v1/jobs: %v", x.p.endpoint(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.Fatalf("the provider rate-limited the test: %s", b)
	}
	return resp, b
}

// offer asks for a fresh offer and returns it with the terms it names.
func (x *payer) offer() (x402.PaymentRequired, contracts.Offer) {
	t := x.m.t
	t.Helper()
	resp, body := x.post("")
	if resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("unpaid job request: HTTP %d %s, want 402", resp.StatusCode, body)
	}
	pr, err := x402.DecodePaymentRequired(resp.Header.Get(x402.HeaderPaymentRequired))
	if err != nil {
		t.Fatalf("PAYMENT-REQUIRED: %v", err)
	}
	if len(pr.Accepts) != 1 || pr.Accepts[0].Extra == nil {
		t.Fatalf("offer %+v: want one kinetic-escrow entry", pr)
	}
	e := pr.Accepts[0].Extra
	nonce, err1 := base64.StdEncoding.DecodeString(e.Nonce)
	sh, err2 := base64.StdEncoding.DecodeString(e.SpecHash)
	if err := errors.Join(err1, err2); err != nil || len(nonce) != 32 || len(sh) != 32 {
		t.Fatalf("offer terms %+v: %v", e, err)
	}
	if e.Provider != x.p.acct.Address.String() || [32]byte(sh) != x.spec.Hash() {
		t.Fatalf("offer terms %+v: want the provider %s and our spec's hash", e, x.p.acct.Address)
	}
	return pr, contracts.Offer{Provider: x.p.acct.Address, Consumer: x.acct.Address, Nonce: [32]byte(nonce),
		RatePerHour: e.Rate, MaxSeconds: e.MaxSeconds, Locked: e.Locked, DeadlineRounds: e.DeadlineRounds,
		WindowRounds: e.WindowRounds, SpecHash: [32]byte(sh)}
}

// pay builds the create_job group for o as the consumer agent would, lets
// mutate change its transactions (the group id is computed again after),
// signs the payment with key (the payer's own, or another for a forgery:
// the signature then claims no other signer) and encodes the payload;
// edit may change the payload last.
func (x *payer) pay(pr x402.PaymentRequired, o contracts.Offer, mutate func([]types.Transaction), key crypto.Account, edit func(*x402.PaymentPayload)) string {
	t := x.m.t
	t.Helper()
	group, err := x.m.chain.BuildCreateJobGroup(x.m.ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(group)
		group[0].Group, group[1].Group = types.Digest{}, types.Digest{}
		gid, err := crypto.ComputeGroupID(group)
		if err != nil {
			t.Fatal(err)
		}
		group[0].Group, group[1].Group = gid, gid
	}
	_, raw, err := crypto.SignTransaction(key.PrivateKey, group[0])
	if err != nil {
		t.Fatal(err)
	}
	var paySigned types.SignedTxn
	if err := msgpack.Decode(raw, &paySigned); err != nil {
		t.Fatal(err)
	}
	paySigned.AuthAddr = types.Address{} // a forged signature claims to be the sender's own
	p := x402.PaymentPayload{X402Version: x402.Version, Resource: &pr.Resource, Accepted: pr.Accepts[0],
		Payload: x402.GroupPayload{PaymentGroup: x402.EncodeGroup([]types.SignedTxn{paySigned, {Txn: group[1]}}), PaymentIndex: 0}}
	if edit != nil {
		edit(&p)
	}
	h, err := x402.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// refused checks a refused payment: the HTTP status, the PAYMENT-RESPONSE
// header's errorReason and the body's code, and no escrow box for the job.
func (x *payer) refused(name string, resp *http.Response, body []byte, status int, code x402.ErrorCode, id jobid.ID) {
	t := x.m.t
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: HTTP %d %s, want %d", name, resp.StatusCode, body, status)
	}
	s, err := x402.DecodeSettlementResponse(resp.Header.Get(x402.HeaderPaymentResponse))
	if err != nil {
		t.Fatalf("%s: PAYMENT-RESPONSE: %v (body %s)", name, err, body)
	}
	var b struct {
		Error string
		Code  x402.ErrorCode
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("%s: body %s: %v", name, body, err)
	}
	if s.Success || s.ErrorReason != code || b.Code != code || b.Error == "" {
		t.Fatalf("%s: PAYMENT-RESPONSE %+v, body %s; want errorReason %q", name, s, body, code)
	}
	if _, err := x.m.chain.Job(x.m.ctx, id); !errors.Is(err, contracts.ErrNotFound) {
		t.Fatalf("%s: escrow box of the refused job %s: %v; want none", name, id, err)
	}
	t.Logf("%s: HTTP %d %s: %s", name, resp.StatusCode, code, b.Error)
}

// containers counts the Docker containers labelled with job id.
func (m *market) containers(id jobid.ID) int {
	m.t.Helper()
	list, err := testkit.Docker(m.t).ContainerList(m.ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", compute.LabelJob+"="+id.String()))})
	if err != nil {
		m.t.Fatalf("docker ps -a --filter label=%s=%s: %v", compute.LabelJob, id, err)
	}
	return len(list)
}

// TestPaymentRejectionsByProviderProcess: the test process sends the
// provider process x402 payments no consumer agent would build (forged,
// underpaid, for another network, to another receiver, expired, and one
// replayed after it was accepted); each is answered with its HTTP status
// and x402 errorReason, no escrow box is made and no container started
// for it, and the payer's balance moves only by the one accepted payment.
func TestPaymentRejectionsByProviderProcess(t *testing.T) {
	m := newMarket(t)
	p := m.newProvider()
	p.serve(true)
	acct := testkit.FundedAccount(t, 5_000_000)
	other := crypto.GenerateAccount()
	x := newPayer(m, p, acct, writeJob(t, "sleep 4; echo paid-once > /output/o.txt"))
	start := m.balance(acct.Address)

	cases := []struct {
		name   string
		mutate func([]types.Transaction)
		forged bool
		edit   func(*x402.PaymentPayload)
		status int
		code   x402.ErrorCode
	}{
		{name: "forged signature", forged: true, status: 402, code: x402.InvalidPayload},
		{name: "underpaid", mutate: func(g []types.Transaction) { g[0].Amount-- }, status: 402, code: x402.InsufficientFunds},
		{name: "wrong network in the transactions", mutate: func(g []types.Transaction) {
			g[0].GenesisHash[0] ^= 1
			g[1].GenesisHash[0] ^= 1
		}, status: 402, code: x402.InvalidNetwork},
		{name: "wrong network in accepted", edit: func(p *x402.PaymentPayload) {
			p.Accepted.Network = "algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI=" // MainNet's genesis hash
		}, status: 402, code: x402.InvalidNetwork},
		{name: "wrong receiver", mutate: func(g []types.Transaction) { g[0].Receiver = other.Address }, status: 402, code: x402.InvalidPayload},
		{name: "expired transactions", mutate: func(g []types.Transaction) {
			r := m.round()
			g[0].FirstValid, g[0].LastValid = types.Round(r-10), types.Round(r-1)
			g[1].FirstValid, g[1].LastValid = types.Round(r-10), types.Round(r-1)
		}, status: 402, code: x402.InvalidTransactionState},
	}
	var refusedIDs []jobid.ID
	for _, c := range cases {
		pr, o := x.offer()
		key := acct
		if c.forged {
			key = other
		}
		resp, body := x.post(x.pay(pr, o, c.mutate, key, c.edit))
		x.refused(c.name, resp, body, c.status, c.code, o.JobID())
		refusedIDs = append(refusedIDs, o.JobID())
		time.Sleep(200 * time.Millisecond) // under the provider's 5 requests a second
	}
	if got := m.balance(acct.Address); got != start {
		t.Fatalf("payer's balance %d after the refused payments, want %d: nothing may move", got, start)
	}

	// A good payment is accepted and its job runs; the same payment sent
	// again is refused as a used group and pays nothing more.
	pr, o := x.offer()
	header := x.pay(pr, o, nil, acct, nil)
	resp, body := x.post(header)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the good payment: HTTP %d %s, want 202", resp.StatusCode, body)
	}
	id := o.JobID()
	m.removeJobContainers(id)
	amount, err := strconv.ParseUint(pr.Accepts[0].Amount, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	resp, body = x.post(header)
	if resp.StatusCode == http.StatusAccepted {
		t.Fatalf("the replayed payment was accepted again: %s", body)
	}
	s, err := x402.DecodeSettlementResponse(resp.Header.Get(x402.HeaderPaymentResponse))
	if err != nil || resp.StatusCode != 402 || s.Success || s.ErrorReason != x402.InvalidTransactionState {
		t.Fatalf("replayed payment: HTTP %d %+v (%v) %s; want 402 %s", resp.StatusCode, s, err, body, x402.InvalidTransactionState)
	}
	t.Logf("replayed payment: HTTP %d %s: %s", resp.StatusCode, s.ErrorReason, bytes.TrimSpace(body))
	if got, want := start-m.balance(acct.Address), amount+1000; got != want {
		t.Fatalf("payer paid %d µALGO in all, want %d: the accepted payment and its fee, once", got, want)
	}
	if esc, err := m.chain.Job(m.ctx, id); err != nil || esc.Consumer != acct.Address || esc.Locked != o.Locked {
		t.Fatalf("escrow box of the accepted job: %+v, %v", esc, err)
	}
	// The accepted job's container shows under its label (the check that
	// finds none for the refused ones finds this one).
	for end := time.Now().Add(time.Minute); m.containers(id) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no container labelled %s=%s within a minute for the accepted job", compute.LabelJob, id)
		}
	}
	for i, rid := range refusedIDs {
		if n := m.containers(rid); n != 0 {
			t.Fatalf("%s: %d containers for the refused job %s", cases[i].name, n, rid)
		}
	}
}
