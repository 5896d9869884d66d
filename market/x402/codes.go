package x402

import (
	"errors"
	"fmt"
)

// ErrorCode is one of the protocol's error codes (errorReason,
// invalidReason).
type ErrorCode string

// The protocol's error codes that apply to an Algorand scheme.
const (
	InsufficientFunds          ErrorCode = "insufficient_funds"
	InvalidNetwork             ErrorCode = "invalid_network"
	InvalidPayload             ErrorCode = "invalid_payload"
	InvalidPaymentRequirements ErrorCode = "invalid_payment_requirements"
	InvalidScheme              ErrorCode = "invalid_scheme"
	UnsupportedScheme          ErrorCode = "unsupported_scheme"
	InvalidX402Version         ErrorCode = "invalid_x402_version"
	InvalidTransactionState    ErrorCode = "invalid_transaction_state"
	UnexpectedVerifyError      ErrorCode = "unexpected_verify_error"
	UnexpectedSettleError      ErrorCode = "unexpected_settle_error"
)

// Error is a payment failure with its protocol code. Malformed says the
// payload could not be read at all (HTTP 400) rather than read and refused
// (HTTP 402).
type Error struct {
	Code      ErrorCode
	Malformed bool
	Msg       string
	Err       error
}

// Error gives the code, the message and the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("x402 %s: %s: %v", e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("x402 %s: %s", e.Code, e.Msg)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a refusal (HTTP 402) with code.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Malformedf returns a malformed-payload error (HTTP 400) with code.
func Malformedf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Malformed: true, Msg: fmt.Sprintf(format, args...)}
}

// CodeOf returns the protocol code of err, or "" when err is no *Error.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsMalformed reports whether err is an *Error for an unreadable payload.
func IsMalformed(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Malformed
}
