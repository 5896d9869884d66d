package consumer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/jobauth"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
)

// MaxOutputBytes bounds the output tar Result downloads (256 MiB, the
// engine's default output cap).
const MaxOutputBytes = 256 << 20

// request sends a request about job, signed with the consumer's key.
func (c *Client) request(ctx context.Context, job Job, method, path string, lastID uint64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, job.Endpoint+path, nil)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	if lastID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(lastID, 10))
	}
	if err := jobauth.Sign(req, c.signer, job.ID, c.now()); err != nil {
		return nil, err
	}
	return c.http.Do(req)
}

// Events follows job's event stream from the event after lastID until its
// end event, reconnecting and resuming after a cut; fn sees every event
// exactly once, in order. It returns the last event id seen.
func (c *Client) Events(ctx context.Context, job Job, lastID uint64, fn func(sse.Event) error) (uint64, error) {
	path := "/v1/jobs/" + job.ID.String() + "/events"
	return sse.Follow(ctx, func(ctx context.Context, last uint64) (*http.Response, error) {
		return c.request(ctx, job, http.MethodGet, path, last)
	}, lastID, fn)
}

func (c *Client) get(ctx context.Context, job Job, path string, limit int64) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	resp, err := c.request(ctx, job, http.MethodGet, "/v1/jobs/"+job.ID.String()+path, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("consumer: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("consumer: GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("consumer: GET %s: HTTP %d: %s", path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if int64(len(b)) > limit {
		return nil, nil, fmt.Errorf("consumer: GET %s: over %d bytes", path, limit)
	}
	return b, resp.Header, nil
}

// Result downloads job's output tar.
func (c *Client) Result(ctx context.Context, job Job) ([]byte, error) {
	b, _, err := c.get(ctx, job, "/result", MaxOutputBytes)
	return b, err
}

// Proof downloads job's proof chain.
func (c *Client) Proof(ctx context.Context, job Job) (*proof.Chain, error) {
	b, _, err := c.get(ctx, job, "/proof", proof.MaxDocumentSize)
	if err != nil {
		return nil, err
	}
	ch, err := proof.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("consumer: proof: %w", err)
	}
	return ch, nil
}

// ErrMismatch: the result, the proof and the chain do not agree; the
// consumer should dispute.
var ErrMismatch = errors.New("consumer: result does not verify")

// Verified is a result that checked out.
type Verified struct {
	Output []byte
	Proof  *proof.Chain
	Escrow contracts.Job
}

// Verify downloads job's output and proof and checks them: every step the
// chain has verifies (hashes, links, signatures by the provider's key,
// order); its anchor hash (hash_7, through output_hashed) is the proof hash
// the Escrow holds; the output's SHA-256 is both the proof's output_hashed
// and the Escrow's output hash. Any difference is ErrMismatch (wrapped).
// Step 8, result_anchored, names the submit_result transaction, so the
// provider records it only once that has confirmed: a proof read just after
// the result shows on the chain can end at step 7, which the anchor already
// binds.
func (c *Client) Verify(ctx context.Context, job Job) (Verified, error) {
	out, err := c.Result(ctx, job)
	if err != nil {
		return Verified{}, err
	}
	ch, err := c.Proof(ctx, job)
	if err != nil {
		return Verified{}, err
	}
	esc, err := c.chain.Job(ctx, job.ID)
	if err != nil {
		return Verified{}, fmt.Errorf("consumer: escrow box: %w", err)
	}
	return Verified{Output: out, Proof: ch, Escrow: esc}, check(job, out, ch, esc)
}

func check(job Job, out []byte, ch *proof.Chain, esc contracts.Job) error {
	id := job.ID
	if err := proof.VerifyPartial(ch, &id, job.ProviderKey()); err != nil {
		return fmt.Errorf("%w: proof chain: %v", ErrMismatch, err)
	}
	if esc.Status != contracts.JobSubmitted {
		return fmt.Errorf("%w: escrow status %d, no result anchored", ErrMismatch, esc.Status)
	}
	anchor, err := proof.AnchorHash(ch)
	if err != nil {
		return fmt.Errorf("%w: anchor: %v", ErrMismatch, err)
	}
	if [32]byte(anchor) != [32]byte(esc.ProofHash) {
		return fmt.Errorf("%w: proof anchor %x, on chain %x", ErrMismatch, anchor, esc.ProofHash)
	}
	sum := sha256.Sum256(out)
	if sum != [32]byte(esc.OutputHash) {
		return fmt.Errorf("%w: output hash %s, on chain %s", ErrMismatch, hex.EncodeToString(sum[:]), hex.EncodeToString(esc.OutputHash[:]))
	}
	return nil
}

// Release pays the provider (the result verified).
func (c *Client) Release(ctx context.Context, job Job) (contracts.Result, error) {
	return c.chain.Release(ctx, c.signer.Address(), c.signer, job.ID)
}

// Dispute takes the whole lock back within the dispute window.
func (c *Client) Dispute(ctx context.Context, job Job) (contracts.Result, error) {
	return c.chain.Dispute(ctx, c.signer.Address(), c.signer, job.ID)
}

// Refund takes the whole lock back after a missed deadline.
func (c *Client) Refund(ctx context.Context, job Job) (contracts.Result, error) {
	return c.chain.Refund(ctx, c.signer.Address(), c.signer, job.ID)
}
