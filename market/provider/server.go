// Package provider is the provider agent: the HTTP server a GPU owner runs
// (GET /v1/info, POST /v1/jobs with x402 v2 payment, job events, result,
// proof and cancel), the payment check against its own offer, the job's
// execution through compute.Engine with its proof chain, submit_result and
// the claim once the dispute window has passed.
package provider

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"
	"golang.org/x/time/rate"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/market/jobauth"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/market/x402"
	"github.com/kinetic-compute/kinetic/proof"
)

// DefaultListen is the address the agent listens on unless told otherwise:
// loopback only.
const DefaultListen = "127.0.0.1:8402"

// Signer is the provider's account key: it signs its create_job calls and
// settlement transactions, GET /v1/info and proof steps.
type Signer interface {
	transaction.TransactionSigner
	Address() types.Address
	PublicKey() ed25519.PublicKey
	SignMessage(domain string, msg []byte) ([]byte, error)
}

// Engine runs jobs; *compute.Engine is the real one.
type Engine interface {
	Start(ctx context.Context, id compute.JobID, spec compute.Spec, opts compute.RunOptions) (*compute.Job, error)
	Recover(ctx context.Context) (compute.Recovery, error)
	Resume(ctx context.Context, id compute.JobID, opts compute.RunOptions) (*compute.Job, error)
	Running() []compute.RunningJob
	ExtendDeadline(ctx context.Context, id compute.JobID, maxSeconds int64) (time.Time, error)
}

// Config is the provider's offer and limits. Zero fields take defaults.
type Config struct {
	// Price is the rate offered, microAlgo per hour (required).
	Price uint64
	// Policy is what jobs the provider accepts.
	Policy compute.Policy
	// GPUs is the detected hardware (compute.DetectGPUs); empty: CPU only.
	GPUs []compute.GPUInfo
	// DeadlineRounds (default 1000) and WindowRounds (default 100) go into
	// every offer.
	DeadlineRounds, WindowRounds uint64
	// OfferTimeout is maxTimeoutSeconds: how long an offer can be paid
	// (default 60 s).
	OfferTimeout time.Duration
	// QueueLimit bounds paid jobs waiting to run (default 8).
	QueueLimit int
	// RequestsPerSecond and Burst bound each client IP (default 5, 20).
	RequestsPerSecond float64
	Burst             int
	// MaxBodyBytes bounds a request body (default 12 MiB).
	MaxBodyBytes int64
	// ClaimInterval is how often settled-pending jobs are checked against
	// the chain (default 5 s).
	ClaimInterval time.Duration
	// Blocklist lists consumers this provider refuses (403, before any
	// offer).
	Blocklist map[types.Address]bool
	// Version is reported by GET /v1/info.
	Version string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the agent's log (default slog.Default()).
	Logger *slog.Logger
}

func (c *Config) defaults() error {
	if c.Price == 0 {
		return errors.New("provider: Config.Price is required")
	}
	if c.DeadlineRounds == 0 {
		c.DeadlineRounds = 1000
	}
	if c.WindowRounds == 0 {
		c.WindowRounds = 100
	}
	if c.OfferTimeout == 0 {
		c.OfferTimeout = 60 * time.Second
	}
	if c.QueueLimit == 0 {
		c.QueueLimit = 8
	}
	if c.RequestsPerSecond == 0 {
		c.RequestsPerSecond = 5
	}
	if c.Burst == 0 {
		c.Burst = 20
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 12 << 20
	}
	if c.ClaimInterval == 0 {
		c.ClaimInterval = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Server is the provider agent. Create it with New, serve Handler (or
// ListenAndServe) and run Run for the background work.
type Server struct {
	cfg    Config
	chain  Chain
	signer Signer
	engine Engine
	store  *store
	events *sse.Log
	auth   *jobauth.Verifier
	queue  chan jobRunItem

	mu       sync.Mutex // limiters
	limiters map[string]*rate.Limiter

	payMu sync.Mutex // payments with an identifier, one at a time

	jmu     sync.Mutex
	cancels map[compute.JobID]context.CancelFunc

	pmu      sync.Mutex
	builders map[compute.JobID]*proof.Builder

	search settleSearch // settlement searches, off the tick loop
}

type jobRunItem struct{ id compute.JobID }

// New returns a provider agent keeping its state in db.
func New(cfg Config, db *bbolt.DB, chain Chain, signer Signer, engine Engine) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	st, err := newStore(db)
	if err != nil {
		return nil, err
	}
	ev, err := sse.NewLog(db, cfg.Now)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, chain: chain, signer: signer, engine: engine, store: st, events: ev,
		auth: jobauth.NewVerifier(cfg.Now, 0), queue: make(chan jobRunItem, cfg.QueueLimit),
		limiters: map[string]*rate.Limiter{}, cancels: map[compute.JobID]context.CancelFunc{},
		builders: map[compute.JobID]*proof.Builder{}}, nil
}

// Handler is the agent's HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/info", s.info)
	mux.HandleFunc("POST /v1/jobs", s.submit)
	mux.HandleFunc("GET /v1/jobs/{id}/events", s.jobEvents)
	mux.HandleFunc("GET /v1/jobs/{id}/result", s.result)
	mux.HandleFunc("GET /v1/jobs/{id}/proof", s.proof)
	mux.HandleFunc("POST /v1/jobs/{id}/cancel", s.cancel)
	return s.limit(mux)
}

// HTTPServer returns an http.Server for Handler on addr with timeouts on
// every connection. Event streams set their own write deadlines.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      0, // set per request by limit, per write by event streams
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    x402.MaxHeaderLen + 16<<10,
	}
}

// limit applies the per-client-IP rate limit and the body size limit.
func (s *Server) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		s.mu.Lock()
		l, ok := s.limiters[host]
		if !ok {
			if len(s.limiters) > 10000 {
				s.limiters = map[string]*rate.Limiter{}
			}
			l = rate.NewLimiter(rate.Limit(s.cfg.RequestsPerSecond), s.cfg.Burst)
			s.limiters[host] = l
		}
		s.mu.Unlock()
		if !l.Allow() {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, "too many requests from this address")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		// Every answer but an event stream (which sets its own per write)
		// must be written within two minutes.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Minute))
		next.ServeHTTP(w, r)
	})
}

// Run does the background work until ctx ends: it starts queued jobs and
// watches submitted jobs on the chain to record their settlement or claim
// them once the dispute window is over.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer s.search.wg.Wait()
	tick := time.NewTicker(s.cfg.ClaimInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case it := <-s.queue:
			wg.Add(1)
			go func() { defer wg.Done(); s.runJob(ctx, it.id) }()
		case <-tick.C:
			s.watchSettlements(ctx)
		}
	}
}

// ListenAndServe serves the API on addr and runs the background work until
// ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("provider: listen on %s: %w", addr, err)
	}
	srv := s.HTTPServer(addr)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	go func() { errc <- s.Run(ctx) }()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
