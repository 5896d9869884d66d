// Package consumer is the consumer agent and the Go API that scripts use
// to buy compute: Submit sends a job spec to a provider, answers its x402
// 402 by building and signing the Escrow payment group (through a signer
// that enforces the wallet's budget), and returns the job; SubmitFirst
// tries providers in order (the ranked candidates of market/discovery,
// which finds providers; this package does not); Events follows the job's
// event stream with automatic resume; AwaitResult watches the escrow box
// and refunds after a missed deadline; Result and Proof fetch the output
// tar and the proof chain; Verify checks them against each other and the
// on-chain escrow; Release and Dispute settle; KeepFunded tops up a long
// job; RunSpotCheck re-runs a deterministic job on a second provider.
//
// Autopilot does all of that on its own for every unsettled job recorded
// in the store (SaveJob, JobsBucket), journaling each step in the job's
// JobRecord before the next, so that a restart resumes where it stopped
// and nothing is left to a person remembering.
//
// A script uses it like this:
//
//	d, err := discovery.New(ctx, algodClient, discovery.Options{Registry: apps.Registry, DB: db})
//	res, err := d.Find(ctx, discovery.Filter{MaxPricePerHour: 3_600_000, Online: true})
//	c := consumer.New(chain, signer, nil)
//	job, err := c.SubmitFirst(ctx, res.Providers(), spec, consumer.Terms{MaxPricePerHour: 3_600_000})
//	rec, err := consumer.NewAutopilot(c, db, consumer.AutopilotOptions{}).Settle(ctx, job, &spec)
//	fmt.Println(rec.State, rec.Reason) // released, disputed or refunded
//
// or step by step:
//
//	_, err = c.Events(ctx, job, 0, func(ev sse.Event) error { fmt.Println(ev.Type); return nil })
//	v, err := c.Verify(ctx, job)
//	if err == nil { _, err = c.Release(ctx, job) } else { _, err = c.Dispute(ctx, job) }
package consumer

import (
	"context"
	"crypto/ed25519"
	"net"
	"net/http"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/wallet"
)

// Signer is the consumer's account: it signs its escrow payment (a
// *wallet.BudgetedSigner over the wallet's signer, so that no payment
// beyond the budget is ever signed) and its requests to providers.
type Signer interface {
	transaction.TransactionSigner
	Address() types.Address
	SignMessage(domain string, msg []byte) ([]byte, error)
}

// Chain is what the consumer needs from the network; *contracts.Client is
// the real one.
type Chain interface {
	Apps() contracts.AppIDs
	Algod() *algod.Client
	CreateJobPayment(ctx context.Context, o contracts.Offer) (uint64, error)
	BuildCreateJobGroup(ctx context.Context, o contracts.Offer) ([]types.Transaction, error)
	Job(ctx context.Context, id jobid.ID) (contracts.Job, error)
	Provider(ctx context.Context, addr types.Address) (contracts.Provider, error)
	Release(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID) (contracts.Result, error)
	Dispute(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID) (contracts.Result, error)
	Refund(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID) (contracts.Result, error)
	TopUp(ctx context.Context, sender types.Address, signer transaction.TransactionSigner, id jobid.ID, amount uint64) (contracts.Result, error)
}

// Client is the consumer agent. It is safe for concurrent use.
type Client struct {
	chain  Chain
	signer Signer
	http   *http.Client
	now    func() time.Time
	budget *wallet.Budget
	// minWindow is the shortest dispute window, in rounds, an offer may
	// give (WithMinWindowRounds).
	minWindow uint64
}

// DefaultMinWindowRounds is the shortest dispute window an offer may give
// when WithMinWindowRounds sets one: about 5 minutes of MainNet rounds
// (2.8 s each), room for the Autopilot's retries to fetch the result, its
// margin and the dispute's confirmation.
const DefaultMinWindowRounds = 100

// WithMinWindowRounds makes the client refuse, before anything is signed,
// an offer whose dispute window is shorter than rounds: a window shorter
// than the time the result takes to fetch and verify leaves no time to
// dispute a bad one.
func (c *Client) WithMinWindowRounds(rounds uint64) *Client {
	c.minWindow = rounds
	return c
}

// WithBudget makes the client sign every escrow payment through a
// wallet.BudgetedSigner over b, so that a payment over the per-job or
// daily cap is refused (*wallet.ErrOverBudget) before anything is signed.
func (c *Client) WithBudget(b *wallet.Budget) *Client {
	c.budget = b
	return c
}

// Timeouts of the client New makes when given none. The whole of a
// request is bounded per call (FetchTimeout, PostTimeout), not by the
// http.Client, whose event streams last as long as their jobs.
const (
	DialTimeout           = 10 * time.Second
	ResponseHeaderTimeout = 30 * time.Second
	// FetchTimeout bounds one download of a result or a proof.
	FetchTimeout = 10 * time.Minute
	// PostTimeout bounds one POST /v1/jobs (the offer or the payment).
	PostTimeout = 2 * time.Minute
)

// DefaultHTTPClient is the client New uses when given none: connections
// and TLS handshakes within DialTimeout, response headers within
// ResponseHeaderTimeout, idle connections dropped after 90 s.
func DefaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   DialTimeout,
		ResponseHeaderTimeout: ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          64,
	}}
}

// New returns a consumer agent; httpClient nil uses DefaultHTTPClient.
func New(chain Chain, signer Signer, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = DefaultHTTPClient()
	}
	return &Client{chain: chain, signer: signer, http: httpClient, now: time.Now}
}

// Job is a paid job as the consumer knows it.
type Job struct {
	ID       jobid.ID
	Endpoint string
	Provider types.Address
	// Payment is the settlement transaction id of the escrow lock.
	Payment string
	Round   uint64
	Amount  uint64
}

// ProviderKey is the ed25519 key of the job's provider.
func (j Job) ProviderKey() ed25519.PublicKey { return ed25519.PublicKey(j.Provider[:]) }
