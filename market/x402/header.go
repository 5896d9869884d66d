package x402

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/algorand/go-algorand-sdk/v2/encoding/msgpack"
	"github.com/algorand/go-algorand-sdk/v2/types"
)

// The transport headers of x402 v2 over HTTP.
const (
	HeaderPaymentRequired  = "PAYMENT-REQUIRED"
	HeaderPaymentSignature = "PAYMENT-SIGNATURE"
	HeaderPaymentResponse  = "PAYMENT-RESPONSE"
)

// MaxHeaderLen is the longest encoded header value Decode* accept (48 KiB:
// a full 16-transaction group with room to spare). A server must allow at
// least this much in http.Server.MaxHeaderBytes.
const MaxHeaderLen = 48 << 10

// MaxGroupSize is the most top-level transactions in an Algorand group.
const MaxGroupSize = 16

// Encode returns the header value for v: base64 (standard, padded) of its
// JSON.
func Encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("x402: encode: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// decodeHeader undoes Encode into v, strictly: bounded length, canonical
// base64, one JSON object with no trailing data.
func decodeHeader(value string, v any) error {
	if value == "" {
		return Malformedf(InvalidPayload, "empty header")
	}
	if len(value) > MaxHeaderLen {
		return Malformedf(InvalidPayload, "header of %d bytes exceeds %d", len(value), MaxHeaderLen)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil {
		return &Error{Code: InvalidPayload, Malformed: true, Msg: "header is not base64", Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return &Error{Code: InvalidPayload, Malformed: true, Msg: "header is not the expected JSON object", Err: err}
	}
	if dec.More() {
		return Malformedf(InvalidPayload, "trailing data after the JSON object")
	}
	return nil
}

// DecodePaymentRequired reads a PAYMENT-REQUIRED header.
func DecodePaymentRequired(value string) (PaymentRequired, error) {
	var p PaymentRequired
	if err := decodeHeader(value, &p); err != nil {
		return PaymentRequired{}, err
	}
	if p.X402Version != Version {
		return PaymentRequired{}, Errorf(InvalidX402Version, "x402Version %d, want %d", p.X402Version, Version)
	}
	if len(p.Accepts) == 0 {
		return PaymentRequired{}, Malformedf(InvalidPaymentRequirements, "no accepted payment")
	}
	return p, nil
}

// DecodePaymentPayload reads a PAYMENT-SIGNATURE header and checks its
// shape: version 2, a scheme and network, a group of 1 to MaxGroupSize
// transactions and a payment index inside it.
func DecodePaymentPayload(value string) (PaymentPayload, error) {
	var p PaymentPayload
	if err := decodeHeader(value, &p); err != nil {
		return PaymentPayload{}, err
	}
	if p.X402Version != Version {
		return PaymentPayload{}, Errorf(InvalidX402Version, "x402Version %d, want %d", p.X402Version, Version)
	}
	if p.Accepted.Scheme == "" || p.Accepted.Network == "" {
		return PaymentPayload{}, Malformedf(InvalidPayload, "accepted has no scheme or network")
	}
	n := len(p.Payload.PaymentGroup)
	if n == 0 || n > MaxGroupSize {
		return PaymentPayload{}, Malformedf(InvalidPayload, "paymentGroup has %d transactions, want 1 to %d", n, MaxGroupSize)
	}
	if p.Payload.PaymentIndex < 0 || p.Payload.PaymentIndex >= n {
		return PaymentPayload{}, Malformedf(InvalidPayload, "paymentIndex %d outside a group of %d", p.Payload.PaymentIndex, n)
	}
	return p, nil
}

// DecodeSettlementResponse reads a PAYMENT-RESPONSE header.
func DecodeSettlementResponse(value string) (SettlementResponse, error) {
	var s SettlementResponse
	if err := decodeHeader(value, &s); err != nil {
		return SettlementResponse{}, err
	}
	return s, nil
}

// DecodeGroup decodes the payload's transactions. Each must be canonical
// msgpack of a signed transaction (re-encoding gives the same bytes), so
// one group has exactly one encoding.
func DecodeGroup(p GroupPayload) ([]types.SignedTxn, error) {
	out := make([]types.SignedTxn, len(p.PaymentGroup))
	for i, s := range p.PaymentGroup {
		raw, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, &Error{Code: InvalidPayload, Malformed: true, Msg: fmt.Sprintf("paymentGroup[%d] is not base64", i), Err: err}
		}
		var st types.SignedTxn
		if err := msgpack.Decode(raw, &st); err != nil {
			return nil, &Error{Code: InvalidPayload, Malformed: true, Msg: fmt.Sprintf("paymentGroup[%d] is not a msgpack transaction", i), Err: err}
		}
		if !bytes.Equal(msgpack.Encode(&st), raw) {
			return nil, Malformedf(InvalidPayload, "paymentGroup[%d] is not canonically encoded", i)
		}
		out[i] = st
	}
	return out, nil
}

// EncodeGroup is DecodeGroup's inverse: base64 msgpack of each transaction.
func EncodeGroup(group []types.SignedTxn) []string {
	out := make([]string, len(group))
	for i := range group {
		out[i] = base64.StdEncoding.EncodeToString(msgpack.Encode(&group[i]))
	}
	return out
}

// ExtPaymentIdentifier is the payment-identifier extension's key.
const ExtPaymentIdentifier = "payment-identifier"

var paymentIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

const paymentIDSchema = `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"required":{"type":"boolean"},"id":{"type":"string","minLength":16,"maxLength":128}},"required":["required"]}`

type paymentIDInfo struct {
	Required bool   `json:"required"`
	ID       string `json:"id,omitempty"`
}

// PaymentIdentifierOffer is the extension a server advertises in
// PaymentRequired; required says whether an id must be sent.
func PaymentIdentifierOffer(required bool) Extension {
	info, _ := json.Marshal(paymentIDInfo{Required: required})
	return Extension{Info: info, Schema: json.RawMessage(paymentIDSchema)}
}

// WithPaymentID returns ext (as received in PaymentRequired) with id added
// to its info, for the client's PaymentPayload.
func WithPaymentID(ext Extension, id string) (Extension, error) {
	if !paymentIDPattern.MatchString(id) {
		return Extension{}, fmt.Errorf("x402: payment id %q: want 16 to 128 letters, digits, '-' or '_'", id)
	}
	var info paymentIDInfo
	if len(ext.Info) > 0 {
		if err := json.Unmarshal(ext.Info, &info); err != nil {
			return Extension{}, fmt.Errorf("x402: payment-identifier info: %w", err)
		}
	}
	info.ID = id
	b, _ := json.Marshal(info)
	if len(ext.Schema) == 0 {
		ext.Schema = json.RawMessage(paymentIDSchema)
	}
	return Extension{Info: b, Schema: ext.Schema}, nil
}

// PaymentID returns the payment identifier of a payload, "" when it sends
// none. A present but invalid id is a malformed payload.
func PaymentID(p PaymentPayload) (string, error) {
	ext, ok := p.Extensions[ExtPaymentIdentifier]
	if !ok {
		return "", nil
	}
	var info paymentIDInfo
	if err := json.Unmarshal(ext.Info, &info); err != nil {
		return "", &Error{Code: InvalidPayload, Malformed: true, Msg: "payment-identifier info is not an object", Err: err}
	}
	if info.ID == "" {
		return "", nil
	}
	if !paymentIDPattern.MatchString(info.ID) {
		return "", Malformedf(InvalidPayload, "payment-identifier id must be 16 to 128 letters, digits, '-' or '_'")
	}
	return info.ID, nil
}

// EncodeGroupBytes is EncodeGroup for transactions already msgpack-encoded
// (as a signer returns them).
func EncodeGroupBytes(group [][]byte) []string {
	out := make([]string, len(group))
	for i, b := range group {
		out[i] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}
