// Package jobauth authenticates the requests a consumer makes about a job
// after paying for it: an ed25519 signature by the consumer's Algorand key
// over the method, the path (with query), the job id, a Unix timestamp and
// a random nonce,
// framed in the "market-request" domain (internal/sigframe) so it can be
// neither a transaction signature nor a proof-step signature. A Verifier
// accepts a timestamp within its window of its clock and each signature
// once.
package jobauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
)

// Domain is the sigframe domain of request signatures.
const Domain = "market-request"

// The request headers that carry the authentication.
const (
	HeaderAddress   = "Kinetic-Address"
	HeaderTimestamp = "Kinetic-Timestamp"
	HeaderSignature = "Kinetic-Signature"
	HeaderNonce     = "Kinetic-Nonce"
)

// DefaultWindow is how far a request's timestamp may be from the
// verifier's clock, either way.
const DefaultWindow = 60 * time.Second

// ErrMissing: the request carries no authentication (HTTP 401).
var ErrMissing = errors.New("jobauth: request is not signed")

// ErrInvalid: the authentication is malformed, stale, replayed or its
// signature does not verify (HTTP 401).
var ErrInvalid = errors.New("jobauth: invalid request signature")

// ErrForbidden: a valid signature by someone other than the job's consumer
// (HTTP 403).
var ErrForbidden = errors.New("jobauth: signer is not the job's consumer")

// MessageSigner signs domain-separated messages for one account
// (*wallet.Signer is one).
type MessageSigner interface {
	Address() types.Address
	SignMessage(domain string, msg []byte) ([]byte, error)
}

// Message returns the bytes signed for a request. The nonce (16 random
// bytes, hex) makes two identical requests in one second distinct.
func Message(method, pathAndQuery string, id jobid.ID, unix int64, nonce string) []byte {
	return fmt.Appendf(nil, "%s\n%s\n%s\n%d\n%s", method, pathAndQuery, id.String(), unix, nonce)
}

// Sign adds the authentication headers for job id to r, timestamped now.
func Sign(r *http.Request, s MessageSigner, id jobid.ID, now time.Time) error {
	ts := now.Unix()
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return fmt.Errorf("jobauth: nonce: %w", err)
	}
	nonce := hex.EncodeToString(n[:])
	sig, err := s.SignMessage(Domain, Message(r.Method, r.URL.RequestURI(), id, ts, nonce))
	if err != nil {
		return fmt.Errorf("jobauth: sign request: %w", err)
	}
	r.Header.Set(HeaderAddress, s.Address().String())
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	r.Header.Set(HeaderNonce, nonce)
	return nil
}

// Verifier checks request signatures. It is safe for concurrent use.
type Verifier struct {
	now    func() time.Time
	window time.Duration

	mu   sync.Mutex
	seen map[string]time.Time // signature -> when it may be forgotten
}

// NewVerifier returns a Verifier with clock now and the given window
// (DefaultWindow when 0).
func NewVerifier(now func() time.Time, window time.Duration) *Verifier {
	if now == nil {
		now = time.Now
	}
	if window <= 0 {
		window = DefaultWindow
	}
	return &Verifier{now: now, window: window, seen: map[string]time.Time{}}
}

// Verify checks that r is signed by consumer for job id. The error is
// ErrMissing, ErrInvalid or ErrForbidden (wrapped).
func (v *Verifier) Verify(r *http.Request, id jobid.ID, consumer types.Address) error {
	addrS, tsS, sigS := r.Header.Get(HeaderAddress), r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature)
	nonce := r.Header.Get(HeaderNonce)
	if addrS == "" && tsS == "" && sigS == "" && nonce == "" {
		return ErrMissing
	}
	addr, err := types.DecodeAddress(addrS)
	if err != nil {
		return fmt.Errorf("%w: address: %v", ErrInvalid, err)
	}
	ts, err := strconv.ParseInt(tsS, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrInvalid, tsS)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(sigS)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: signature encoding", ErrInvalid)
	}
	if len(nonce) != 32 {
		return fmt.Errorf("%w: nonce must be 16 bytes of hex", ErrInvalid)
	}
	now := v.now()
	at := time.Unix(ts, 0)
	if at.Before(now.Add(-v.window)) || at.After(now.Add(v.window)) {
		return fmt.Errorf("%w: timestamp %d outside ±%s of %d", ErrInvalid, ts, v.window, now.Unix())
	}
	if !sigframe.Verify(ed25519.PublicKey(addr[:]), Domain, Message(r.Method, r.URL.RequestURI(), id, ts, nonce), sig) {
		return fmt.Errorf("%w: signature does not verify", ErrInvalid)
	}
	if addr != consumer {
		return fmt.Errorf("%w: %s", ErrForbidden, addr)
	}
	return v.once(sigS, at.Add(v.window), now)
}

// once records sig as used until forget, refusing one already used.
func (v *Verifier) once(sig string, forget, now time.Time) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.seen) > 4096 {
		for k, t := range v.seen {
			if now.After(t) {
				delete(v.seen, k)
			}
		}
	}
	if _, dup := v.seen[sig]; dup {
		return fmt.Errorf("%w: replayed request", ErrInvalid)
	}
	v.seen[sig] = forget
	return nil
}

// Status maps a Verify error to its HTTP status: 401 or 403 (200 for nil).
func Status(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	default:
		return http.StatusUnauthorized
	}
}
