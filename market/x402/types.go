package x402

import (
	"encoding/json"
)

// Version is the x402 protocol version this package speaks.
const Version = 2

// SchemeEscrow is Kinetic's scheme: the payment locks funds in the Escrow
// application in the same group as the provider's create_job call.
const SchemeEscrow = "kinetic-escrow"

// AssetAlgo is the asset string for the native ALGO.
const AssetAlgo = "0"

// ResourceInfo describes the resource a payment is for.
type ResourceInfo struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	MIMEType    string `json:"mimeType,omitempty"`
}

// Extension is one entry of an extensions object: data from the server
// (Info) and the JSON Schema of that data.
type Extension struct {
	Info   json.RawMessage `json:"info"`
	Schema json.RawMessage `json:"schema"`
}

// PaymentRequired is the body of the PAYMENT-REQUIRED header.
type PaymentRequired struct {
	X402Version int                   `json:"x402Version"`
	Error       string                `json:"error,omitempty"`
	Resource    ResourceInfo          `json:"resource"`
	Accepts     []PaymentRequirements `json:"accepts"`
	Extensions  map[string]Extension  `json:"extensions,omitempty"`
}

// EscrowExtra is the scheme-specific "extra" object of a kinetic-escrow
// offer: the create_job arguments the provider will sign.
type EscrowExtra struct {
	// AppID is the Escrow application id.
	AppID uint64 `json:"appId"`
	// Nonce is the create_job nonce, base64 of 32 bytes.
	Nonce string `json:"nonce"`
	// Provider is the provider's Algorand address (the call's sender).
	Provider string `json:"provider"`
	// Rate is the price in microAlgo per hour of billed seconds.
	Rate uint64 `json:"rate"`
	// MaxSeconds is the most seconds the provider may bill.
	MaxSeconds uint64 `json:"maxSeconds"`
	// DeadlineRounds and WindowRounds are the result deadline and the
	// dispute window, in rounds.
	DeadlineRounds uint64 `json:"deadlineRounds"`
	WindowRounds   uint64 `json:"windowRounds"`
	// SpecHash is the job spec's hash, base64 of 32 bytes.
	SpecHash string `json:"specHash"`
	// Locked is the part of Amount locked for the bill; the rest of Amount
	// is box minimum balance.
	Locked uint64 `json:"locked"`
}

// PaymentRequirements is one accepted way to pay.
type PaymentRequirements struct {
	Scheme            string       `json:"scheme"`
	Network           string       `json:"network"`
	Amount            string       `json:"amount"`
	Asset             string       `json:"asset"`
	PayTo             string       `json:"payTo"`
	MaxTimeoutSeconds int          `json:"maxTimeoutSeconds"`
	Extra             *EscrowExtra `json:"extra,omitempty"`
}

// GroupPayload is the scheme payload: the whole group, each transaction
// base64 of its msgpack signed-transaction encoding (unsigned ones carry
// only "txn"), and the index of the payment to PayTo.
type GroupPayload struct {
	PaymentGroup []string `json:"paymentGroup"`
	PaymentIndex int      `json:"paymentIndex"`
}

// PaymentPayload is the body of the PAYMENT-SIGNATURE header.
type PaymentPayload struct {
	X402Version int                  `json:"x402Version"`
	Resource    *ResourceInfo        `json:"resource,omitempty"`
	Accepted    PaymentRequirements  `json:"accepted"`
	Payload     GroupPayload         `json:"payload"`
	Extensions  map[string]Extension `json:"extensions,omitempty"`
}

// SettlementResponse is the body of the PAYMENT-RESPONSE header.
type SettlementResponse struct {
	Success     bool      `json:"success"`
	ErrorReason ErrorCode `json:"errorReason,omitempty"`
	Payer       string    `json:"payer,omitempty"`
	Transaction string    `json:"transaction"`
	Network     string    `json:"network"`
	Amount      string    `json:"amount,omitempty"`
}

// Network returns the CAIP-2 network id of an Algorand network from its
// genesis hash (base64, as algod reports it).
func Network(genesisHashB64 string) string { return "algorand:" + genesisHashB64 }
