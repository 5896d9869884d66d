package x402

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func validPayload(t *testing.T) PaymentPayload {
	t.Helper()
	var tx types.Transaction
	tx.Type = types.PaymentTx
	tx.Fee = 1000
	tx.FirstValid = 10
	tx.LastValid = 20
	tx.Amount = 123
	return PaymentPayload{
		X402Version: Version,
		Accepted:    PaymentRequirements{Scheme: SchemeEscrow, Network: Network("abc="), Amount: "123", Asset: AssetAlgo, PayTo: "X", MaxTimeoutSeconds: 60},
		Payload:     GroupPayload{PaymentGroup: EncodeGroup([]types.SignedTxn{{Txn: tx}}), PaymentIndex: 0},
	}
}

func TestDecodePaymentPayloadRoundTrip(t *testing.T) {
	p := validPayload(t)
	h, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePaymentPayload(h)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	g, err := DecodeGroup(got.Payload)
	if err != nil {
		t.Fatalf("group: %v", err)
	}
	if len(g) != 1 || g[0].Txn.Amount != 123 || g[0].Txn.LastValid != 20 {
		t.Fatalf("group decoded to %+v", g)
	}
}

func TestDecodePaymentPayloadMalformed(t *testing.T) {
	good := validPayload(t)
	enc := func(mut func(*PaymentPayload)) string {
		p := good
		p.Payload.PaymentGroup = append([]string(nil), good.Payload.PaymentGroup...)
		mut(&p)
		h, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	cases := []struct {
		name      string
		header    string
		code      ErrorCode
		malformed bool
	}{
		{"empty", "", InvalidPayload, true},
		{"not base64", "!!!not-base64!!!", InvalidPayload, true},
		{"url-safe base64", strings.NewReplacer("+", "-", "/", "_").Replace(b64(`{"x402Version":2,"a":">>>???"}`)), InvalidPayload, true},
		{"not json", b64("hello"), InvalidPayload, true},
		{"json array", b64("[1,2]"), InvalidPayload, true},
		{"trailing data", b64(`{"x402Version":2} {}`), InvalidPayload, true},
		{"too long", strings.Repeat("A", MaxHeaderLen+4), InvalidPayload, true},
		{"version 1", enc(func(p *PaymentPayload) { p.X402Version = 1 }), InvalidX402Version, false},
		{"version missing", b64(`{"accepted":{"scheme":"s","network":"n"}}`), InvalidX402Version, false},
		{"no scheme", enc(func(p *PaymentPayload) { p.Accepted.Scheme = "" }), InvalidPayload, true},
		{"empty group", enc(func(p *PaymentPayload) { p.Payload.PaymentGroup = nil }), InvalidPayload, true},
		{"group of 17", enc(func(p *PaymentPayload) {
			for len(p.Payload.PaymentGroup) < 17 {
				p.Payload.PaymentGroup = append(p.Payload.PaymentGroup, p.Payload.PaymentGroup[0])
			}
		}), InvalidPayload, true},
		{"index past end", enc(func(p *PaymentPayload) { p.Payload.PaymentIndex = 1 }), InvalidPayload, true},
		{"negative index", enc(func(p *PaymentPayload) { p.Payload.PaymentIndex = -1 }), InvalidPayload, true},
		{"amount as number", b64(`{"x402Version":2,"accepted":{"scheme":"s","network":"n","amount":5}}`), InvalidPayload, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodePaymentPayload(c.header)
			if CodeOf(err) != c.code {
				t.Fatalf("code %q (err %v), want %q", CodeOf(err), err, c.code)
			}
			if IsMalformed(err) != c.malformed {
				t.Fatalf("malformed %v, want %v (%v)", IsMalformed(err), c.malformed, err)
			}
		})
	}
}

func TestDecodeGroupMalformed(t *testing.T) {
	good := validPayload(t).Payload.PaymentGroup[0]
	raw, _ := base64.StdEncoding.DecodeString(good)
	cases := []struct {
		name string
		txn  string
	}{
		{"not base64", "%%%"},
		{"not msgpack", b64("\xc1\xc1\xc1")},
		{"truncated", base64.StdEncoding.EncodeToString(raw[:len(raw)-3])},
		{"non-canonical (extra unknown key)", base64.StdEncoding.EncodeToString(append([]byte{raw[0] + 1}, append(raw[1:], 0xa1, 'z', 0x01)...))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeGroup(GroupPayload{PaymentGroup: []string{c.txn}})
			if CodeOf(err) != InvalidPayload || !IsMalformed(err) {
				t.Fatalf("err %v (code %q), want malformed %q", err, CodeOf(err), InvalidPayload)
			}
		})
	}
}

func TestPaymentRequiredRoundTrip(t *testing.T) {
	pr := PaymentRequired{
		X402Version: Version,
		Resource:    ResourceInfo{URL: "http://127.0.0.1:8402/v1/jobs", Description: "job", MIMEType: "application/json"},
		Accepts: []PaymentRequirements{{Scheme: SchemeEscrow, Network: Network("g="), Amount: "1000", Asset: AssetAlgo, PayTo: "ESCROW", MaxTimeoutSeconds: 60,
			Extra: &EscrowExtra{AppID: 7, Nonce: "bg==", Provider: "P", Rate: 3600, MaxSeconds: 60, DeadlineRounds: 100, WindowRounds: 10, SpecHash: "cw==", Locked: 60}}},
		Extensions: map[string]Extension{ExtPaymentIdentifier: PaymentIdentifierOffer(false)},
	}
	h, err := Encode(pr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodePaymentRequired(h)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(h)
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	acc := generic["accepts"].([]any)[0].(map[string]any)
	if _, ok := acc["amount"].(string); !ok {
		t.Fatalf("amount is %T, the protocol wants a string", acc["amount"])
	}
	if got.Accepts[0].Extra.AppID != 7 || got.Accepts[0].Network != "algorand:g=" {
		t.Fatalf("round trip: %+v", got.Accepts[0])
	}
	if _, err := DecodePaymentRequired(b64(`{"x402Version":2,"accepts":[]}`)); CodeOf(err) != InvalidPaymentRequirements {
		t.Fatalf("no accepts: %v", err)
	}
}

func TestPaymentID(t *testing.T) {
	offer := PaymentIdentifierOffer(true)
	ext, err := WithPaymentID(offer, "pay_7d5d747be160e280504c099d984bcfe0")
	if err != nil {
		t.Fatal(err)
	}
	p := validPayload(t)
	p.Extensions = map[string]Extension{ExtPaymentIdentifier: ext}
	h, _ := Encode(p)
	got, err := DecodePaymentPayload(h)
	if err != nil {
		t.Fatal(err)
	}
	id, err := PaymentID(got)
	if err != nil || id != "pay_7d5d747be160e280504c099d984bcfe0" {
		t.Fatalf("id %q, err %v", id, err)
	}
	var info map[string]any
	_ = json.Unmarshal(ext.Info, &info)
	if info["required"] != true {
		t.Fatalf("client must keep the server's info: %v", info)
	}
	for _, bad := range []string{"short", strings.Repeat("a", 129), "has space in it!!", "ünïcödé-ünïcödé-ü"} {
		if _, err := WithPaymentID(offer, bad); err == nil {
			t.Errorf("WithPaymentID(%q) accepted", bad)
		}
		p.Extensions = map[string]Extension{ExtPaymentIdentifier: {Info: json.RawMessage(`{"required":false,"id":` + strconvQuote(bad) + `}`)}}
		if _, err := PaymentID(p); CodeOf(err) != InvalidPayload {
			t.Errorf("PaymentID(%q): %v, want %s", bad, err, InvalidPayload)
		}
	}
	p.Extensions = nil
	if id, err := PaymentID(p); id != "" || err != nil {
		t.Fatalf("no extension: %q %v", id, err)
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func FuzzDecodePaymentPayload(f *testing.F) {
	p := PaymentPayload{X402Version: 2, Accepted: PaymentRequirements{Scheme: "s", Network: "n"}, Payload: GroupPayload{PaymentGroup: []string{"gaN0eG6A"}}}
	h, _ := Encode(p)
	f.Add(h)
	f.Add(b64(`{"x402Version":2}`))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := DecodePaymentPayload(s)
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("error without a protocol code: %v", err)
			}
			return
		}
		if got.X402Version != Version || len(got.Payload.PaymentGroup) == 0 || len(got.Payload.PaymentGroup) > MaxGroupSize {
			t.Fatalf("accepted an invalid payload: %+v", got)
		}
		if _, err := DecodeGroup(got.Payload); err != nil && CodeOf(err) != InvalidPayload {
			t.Fatalf("group error without invalid_payload: %v", err)
		}
	})
}
