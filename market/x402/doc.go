// Package x402 holds the x402 protocol version 2 types that Kinetic's
// provider and consumer exchange over HTTP: PaymentRequired,
// PaymentRequirements, PaymentPayload and SettlementResponse, their base64
// JSON transport headers (PAYMENT-REQUIRED, PAYMENT-SIGNATURE,
// PAYMENT-RESPONSE) with size limits, the protocol's error codes, and the
// payment-identifier extension used to make a retried payment idempotent.
//
// The scheme Kinetic offers is "kinetic-escrow" on network
// "algorand:<genesis hash base64>": the payload carries an Algorand payment
// group (base64 msgpack transactions) and the index of the consumer's
// payment in it, as the x402 AVM scheme does.
package x402
