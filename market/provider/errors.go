package provider

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kinetic-compute/kinetic/market/x402"
)

// errorBody is the JSON body of every error answer.
type errorBody struct {
	Error string         `json:"error"`
	Code  x402.ErrorCode `json:"code,omitempty"`
}

// requestError is a refusal that is not a payment failure.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(msg string) error  { return &requestError{http.StatusBadRequest, msg} }
func unavailable(msg string) error { return &requestError{http.StatusServiceUnavailable, msg} }

// writeError writes a plain JSON error.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// paymentFailure maps err to its HTTP status and the PAYMENT-RESPONSE it
// carries. This is the one place payment errors become statuses: a
// malformed payload is 400, a refused payment 402, a payment-identifier
// conflict 409, a request error its own status, anything else 500 with
// unexpected_settle_error.
func paymentFailure(err error, network string) (int, *x402.SettlementResponse) {
	var re *requestError
	if errors.As(err, &re) {
		return re.status, nil
	}
	if errors.Is(err, errPayIDConflict) {
		return http.StatusConflict, nil
	}
	code := x402.CodeOf(err)
	resp := &x402.SettlementResponse{Success: false, ErrorReason: code, Network: network}
	switch {
	case code == "":
		resp.ErrorReason = x402.UnexpectedSettleError
		return http.StatusInternalServerError, resp
	case x402.IsMalformed(err):
		return http.StatusBadRequest, resp
	default:
		return http.StatusPaymentRequired, resp
	}
}

// writeFailure answers a failed POST /v1/jobs.
func writeFailure(w http.ResponseWriter, err error, network string) {
	status, resp := paymentFailure(err, network)
	if resp != nil {
		if h, e := x402.Encode(resp); e == nil {
			w.Header().Set(x402.HeaderPaymentResponse, h)
		}
	}
	body := errorBody{Error: err.Error()}
	if resp != nil {
		body.Code = resp.ErrorReason
	}
	writeJSON(w, status, body)
}
