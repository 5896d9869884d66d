package provider_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/x402"
)

// post sends a job request, with a PAYMENT-SIGNATURE when payment is set.
func (m *market) post(spec compute.Spec, payment string) (*http.Response, []byte) {
	m.t.Helper()
	raw, _ := json.Marshal(spec)
	body, _ := json.Marshal(provider.JobRequest{Consumer: m.cons.Address().String(), Spec: raw})
	req, _ := http.NewRequestWithContext(m.ctx, "POST", m.url+"/v1/jobs", bytes.NewReader(body))
	if payment != "" {
		req.Header.Set(x402.HeaderPaymentSignature, payment)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// offerFor asks for an offer and returns it with its contracts.Offer.
func (m *market) offerFor(spec compute.Spec) (x402.PaymentRequired, contracts.Offer) {
	m.t.Helper()
	resp, body := m.post(spec, "")
	if resp.StatusCode != http.StatusPaymentRequired {
		m.t.Fatalf("unpaid request: %d %s", resp.StatusCode, body)
	}
	pr, err := x402.DecodePaymentRequired(resp.Header.Get(x402.HeaderPaymentRequired))
	if err != nil {
		m.t.Fatal(err)
	}
	x := pr.Accepts[0].Extra
	nonce, _ := base64.StdEncoding.DecodeString(x.Nonce)
	sh, _ := base64.StdEncoding.DecodeString(x.SpecHash)
	return pr, contracts.Offer{Provider: m.prov.Address(), Consumer: m.cons.Address(), Nonce: [32]byte(nonce),
		RatePerHour: x.Rate, MaxSeconds: x.MaxSeconds, Locked: x.Locked, DeadlineRounds: x.DeadlineRounds,
		WindowRounds: x.WindowRounds, SpecHash: [32]byte(sh)}
}

// payment builds the group for o, lets mutate change it (the group id is
// recomputed after), signs the payment with signer and encodes the payload
// with payment id payID ("" for none); edit may change the payload last.
func (m *market) payment(pr x402.PaymentRequired, o contracts.Offer, mutate func([]types.Transaction), signer transaction.TransactionSigner, payID string, edit func(*x402.PaymentPayload)) string {
	m.t.Helper()
	group, err := m.chain.BuildCreateJobGroup(m.ctx, o)
	if err != nil {
		m.t.Fatal(err)
	}
	if mutate != nil {
		mutate(group)
		group[0].Group, group[1].Group = types.Digest{}, types.Digest{}
		gid, err := crypto.ComputeGroupID(group)
		if err != nil {
			m.t.Fatal(err)
		}
		group[0].Group, group[1].Group = gid, gid
	}
	signed, err := signer.SignTransactions(group, []int{0})
	if err != nil {
		m.t.Fatal(err)
	}
	var pay types.SignedTxn
	if err := msgpack.Decode(signed[0], &pay); err != nil {
		m.t.Fatal(err)
	}
	p := x402.PaymentPayload{X402Version: 2, Accepted: pr.Accepts[0],
		Payload: x402.GroupPayload{PaymentGroup: x402.EncodeGroup([]types.SignedTxn{pay, {Txn: group[1]}})}}
	if payID != "" {
		ext, err := x402.WithPaymentID(pr.Extensions[x402.ExtPaymentIdentifier], payID)
		if err != nil {
			m.t.Fatal(err)
		}
		p.Extensions = map[string]x402.Extension{x402.ExtPaymentIdentifier: ext}
	}
	if edit != nil {
		edit(&p)
	}
	h, err := x402.Encode(p)
	if err != nil {
		m.t.Fatal(err)
	}
	return h
}

// forgedSigner signs with another key but claims the consumer's address.
type forgedSigner struct{ key crypto.Account }

func (f forgedSigner) SignTransactions(g []types.Transaction, idx []int) ([][]byte, error) {
	out := make([][]byte, len(idx))
	for i, j := range idx {
		_, b, err := crypto.SignTransaction(f.key.PrivateKey, g[j])
		if err != nil {
			return nil, err
		}
		var st types.SignedTxn
		_ = msgpack.Decode(b, &st)
		st.AuthAddr = types.Address{} // no rekey claim: a plain forged signature
		out[i] = msgpack.Encode(&st)
	}
	return out, nil
}
func (f forgedSigner) Equals(transaction.TransactionSigner) bool { return false }

func TestPaymentRejections(t *testing.T) {
	m := newMarket(t, provider.Config{RequestsPerSecond: 100, Burst: 100})
	spec := m.spec("echo never")
	round := func() uint64 {
		st, err := m.chain.Algod().Status().Do(m.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.LastRound
	}
	testkit.AdvanceRounds(t, 12)
	other := testkit.FundedAccount(t, 1_000_000)
	cases := []struct {
		name   string
		mutate func([]types.Transaction)
		signer transaction.TransactionSigner
		edit   func(*x402.PaymentPayload)
		raw    string // a raw header instead of a built payload
		status int
		code   x402.ErrorCode
	}{
		{name: "malformed header", raw: "not base64!", status: 400, code: x402.InvalidPayload},
		{name: "x402 version 1", edit: func(p *x402.PaymentPayload) { p.X402Version = 1 }, status: 402, code: x402.InvalidX402Version},
		{name: "wrong scheme", edit: func(p *x402.PaymentPayload) { p.Accepted.Scheme = "exact" }, status: 402, code: x402.InvalidScheme},
		{name: "wrong network in accepted", edit: func(p *x402.PaymentPayload) {
			p.Accepted.Network = "algorand:SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI="
		}, status: 402, code: x402.InvalidNetwork},
		{name: "wrong network in transactions", mutate: func(g []types.Transaction) {
			g[0].GenesisHash[0] ^= 1
			g[1].GenesisHash[0] ^= 1
		}, status: 402, code: x402.InvalidNetwork},
		{name: "wrong receiver", mutate: func(g []types.Transaction) { g[0].Receiver = g[0].Sender }, status: 402, code: x402.InvalidPayload},
		{name: "underpaid", mutate: func(g []types.Transaction) { g[0].Amount-- }, status: 402, code: x402.InsufficientFunds},
		{name: "overpaid", mutate: func(g []types.Transaction) { g[0].Amount++ }, status: 402, code: x402.InvalidPayload},
		{name: "close-to set", mutate: func(g []types.Transaction) { g[0].CloseRemainderTo = g[0].Sender }, status: 402, code: x402.InvalidPayload},
		{name: "provider fee raised", mutate: func(g []types.Transaction) { g[1].Fee = 100_000 }, status: 402, code: x402.InvalidPayload},
		{name: "rate argument lowered", mutate: func(g []types.Transaction) { g[1].ApplicationArgs[2] = make([]byte, 8) }, status: 402, code: x402.InvalidPayload},
		{name: "expired transactions", mutate: func(g []types.Transaction) {
			r := round()
			g[0].FirstValid, g[0].LastValid = types.Round(r-10), types.Round(r-1)
			g[1].FirstValid, g[1].LastValid = types.Round(r-10), types.Round(r-1)
		}, status: 402, code: x402.InvalidTransactionState},
		{name: "forged signature", signer: forgedSigner{other}, status: 402, code: x402.InvalidPayload},
		{name: "offer terms edited", edit: func(p *x402.PaymentPayload) {
			x := *p.Accepted.Extra
			x.Rate = 1
			p.Accepted.Extra = &x
		}, status: 402, code: x402.InvalidPaymentRequirements},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer m.use(t)()
			pr, o := m.offerFor(spec)
			header := c.raw
			if header == "" {
				signer := c.signer
				if signer == nil {
					signer = m.cons
				}
				header = m.payment(pr, o, c.mutate, signer, "", c.edit)
			}
			resp, body := m.post(spec, header)
			m.assertRefused(resp, body, c.status, c.code, o)
		})
	}
	t.Run("expired offer", func(t *testing.T) {
		defer m.use(t)()
		pr, o := m.offerFor(spec)
		header := m.payment(pr, o, nil, m.cons, "", nil)
		m.clock.Add(2 * time.Minute)
		defer m.clock.Add(-2 * time.Minute)
		resp, body := m.post(spec, header)
		m.assertRefused(resp, body, 402, x402.InvalidTransactionState, o)
	})
}

// use makes the helpers fail t (a subtest) until the returned func runs.
func (m *market) use(t *testing.T) func() {
	parent := m.t
	m.t = t
	return func() { m.t = parent }
}

// assertRefused checks a refusal's status and code, and that nothing ran
// and nothing was locked for the offer.
func (m *market) assertRefused(resp *http.Response, body []byte, status int, code x402.ErrorCode, o contracts.Offer) {
	m.t.Helper()
	if resp.StatusCode != status {
		m.t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	s, err := x402.DecodeSettlementResponse(resp.Header.Get(x402.HeaderPaymentResponse))
	if err != nil {
		m.t.Fatalf("PAYMENT-RESPONSE: %v", err)
	}
	if s.Success || s.ErrorReason != code {
		m.t.Fatalf("PAYMENT-RESPONSE %+v, want errorReason %q (%s)", s, code, body)
	}
	if n := m.containersOf(o.JobID()); n != 0 {
		m.t.Fatalf("%d containers for the refused job", n)
	}
	if _, err := m.chain.Job(m.ctx, o.JobID()); !errors.Is(err, contracts.ErrNotFound) {
		m.t.Fatalf("escrow box for the refused job: %v", err)
	}
}

// TestPaymentReplayAndIdempotency: the same payment with the same payment
// identifier answers the same 202 and pays once; the same group under
// another identifier is refused as replayed.
func TestPaymentReplayAndIdempotency(t *testing.T) {
	m := newMarket(t, provider.Config{})
	spec := m.spec("echo once > /output/o.txt")
	before := m.balance(m.cons.Address())
	pr, o := m.offerFor(spec)
	header := m.payment(pr, o, nil, m.cons, "pay_0123456789abcdef0123", nil)
	r1, b1 := m.post(spec, header)
	if r1.StatusCode != http.StatusAccepted {
		t.Fatalf("first payment: %d %s", r1.StatusCode, b1)
	}
	r2, b2 := m.post(spec, header)
	if r2.StatusCode != http.StatusAccepted || !bytes.Equal(b1, b2) ||
		r2.Header.Get(x402.HeaderPaymentResponse) != r1.Header.Get(x402.HeaderPaymentResponse) {
		t.Fatalf("retry with the same id: %d %s, want the cached 202 %s", r2.StatusCode, b2, b1)
	}
	s, _ := x402.DecodeSettlementResponse(r1.Header.Get(x402.HeaderPaymentResponse))
	amount, _ := strconv.ParseUint(pr.Accepts[0].Amount, 10, 64)
	if !s.Success || s.Payer != m.cons.Address().String() || s.Network != pr.Accepts[0].Network || s.Transaction == "" {
		t.Fatalf("PAYMENT-RESPONSE %+v", s)
	}
	if got, want := before-m.balance(m.cons.Address()), amount+1000; got != want {
		t.Fatalf("consumer paid %d, want %d (once)", got, want)
	}
	// The same group under another identifier: refused, nothing more paid.
	var p x402.PaymentPayload
	p, _ = x402.DecodePaymentPayload(header)
	ext, _ := x402.WithPaymentID(pr.Extensions[x402.ExtPaymentIdentifier], "pay_another_identifier_42")
	p.Extensions = map[string]x402.Extension{x402.ExtPaymentIdentifier: ext}
	replay, _ := x402.Encode(p)
	r3, b3 := m.post(spec, replay)
	if r3.StatusCode != 402 {
		t.Fatalf("replay: %d %s", r3.StatusCode, b3)
	}
	s3, _ := x402.DecodeSettlementResponse(r3.Header.Get(x402.HeaderPaymentResponse))
	if s3.ErrorReason != x402.InvalidTransactionState {
		t.Fatalf("replay errorReason %q, want %q", s3.ErrorReason, x402.InvalidTransactionState)
	}
	// Same identifier, different payment: 409.
	pr2, o2 := m.offerFor(spec)
	r4, b4 := m.post(spec, m.payment(pr2, o2, nil, m.cons, "pay_0123456789abcdef0123", nil))
	if r4.StatusCode != http.StatusConflict {
		t.Fatalf("reused identifier: %d %s, want 409", r4.StatusCode, b4)
	}
	if got, want := before-m.balance(m.cons.Address()), amount+1000; got != want {
		t.Fatalf("consumer paid %d after the replays, want %d", got, want)
	}
}
