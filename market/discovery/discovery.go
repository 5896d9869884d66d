package discovery

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"go.etcd.io/bbolt"
)

// DefaultMaxStaleRounds is how many rounds a cached listing may lag the
// node's last round before Listing reads the chain again.
const DefaultMaxStaleRounds = 20

// Options configure a Discoverer. Only Registry is required.
type Options struct {
	// Registry is the Registry app id.
	Registry uint64
	// Mode chooses paged listing, the per-box fallback, or automatic
	// fallback (the zero value).
	Mode Mode
	// PageSize is the limit of one paged request (DefaultPageSize if 0).
	PageSize uint64
	// Concurrency bounds the fallback's concurrent box reads
	// (DefaultConcurrency if 0).
	Concurrency int
	// DB, when set, holds the cached listing and the blocklist.
	DB *bbolt.DB
	// MaxStaleRounds: a cached listing at most this many rounds behind the
	// node is served by Listing (DefaultMaxStaleRounds if 0).
	MaxStaleRounds uint64
	// HTTP fetches GET /v1/info (a client with a 5 s timeout that follows
	// no redirect if nil).
	HTTP *http.Client
	// InfoConcurrency bounds concurrent /v1/info checks (8 if 0).
	InfoConcurrency int
}

// Discoverer finds the providers of one Registry on one network. It is
// safe for concurrent use.
type Discoverer struct {
	algod   *algod.Client
	opts    Options
	genesis string
}

// New returns a Discoverer for the node c; it asks the node for its
// genesis hash, which names the cache bucket and the expected network of
// /v1/info documents.
func New(ctx context.Context, c *algod.Client, opts Options) (*Discoverer, error) {
	if opts.Registry == 0 {
		return nil, errors.New("discovery: no Registry app id")
	}
	v, err := c.Versions().Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("discovery: node versions: %w", err)
	}
	if opts.PageSize == 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxStaleRounds == 0 {
		opts.MaxStaleRounds = DefaultMaxStaleRounds
	}
	if opts.InfoConcurrency <= 0 {
		opts.InfoConcurrency = 8
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 5 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Discoverer{algod: c, opts: opts, genesis: base64.StdEncoding.EncodeToString(v.GenesisHash)}, nil
}

// Genesis returns the network's genesis hash, base64.
func (d *Discoverer) Genesis() string { return d.genesis }

// List reads the Registry's provider and reputation boxes from the chain
// (never the cache) and, when a DB is set, caches the result. In ModeAuto
// it pages "p" then "r" boxes with include=values, both pinned to the
// round of the first page (ListPaged, with its restarts); only on ErrNoValuePaging does it fall back to
// listing names and reading the boxes concurrently.
func (d *Discoverer) List(ctx context.Context) (Listing, error) {
	l := Listing{Genesis: d.genesis, Registry: d.opts.Registry}
	var boxes []rawBox
	var err error
	switch d.opts.Mode {
	case ModePerBox:
		boxes, l.Round, err = d.perBox(ctx)
	case ModePaged, ModeAuto:
		boxes, l.Round, err = d.paged(ctx)
		l.Paged = err == nil
		if errors.Is(err, ErrNoValuePaging) && d.opts.Mode == ModeAuto {
			boxes, l.Round, err = d.perBox(ctx)
		}
	default:
		return Listing{}, fmt.Errorf("discovery: unknown mode %d", d.opts.Mode)
	}
	if err != nil {
		return Listing{}, err
	}
	l.Providers, l.Skipped = decodeBoxes(boxes)
	if d.opts.DB != nil {
		if err := saveListing(d.opts.DB, l); err != nil {
			return Listing{}, err
		}
	}
	return l, nil
}

func (d *Discoverer) paged(ctx context.Context) ([]rawBox, uint64, error) {
	return listPinned(ctx, d.algod, d.opts.Registry, [][]byte{{'p'}, {'r'}}, d.opts.PageSize)
}

func (d *Discoverer) perBox(ctx context.Context) ([]rawBox, uint64, error) {
	return listPerBox(ctx, d.algod, d.opts.Registry, [][]byte{{'p'}, {'r'}}, d.opts.Concurrency)
}

// Listing returns the cached listing when it is of this network and
// Registry and at most MaxStaleRounds behind the node's last round (and
// not ahead of it, as after a chain reset); otherwise it calls List.
// Without a DB it always calls List.
func (d *Discoverer) Listing(ctx context.Context) (Listing, error) {
	if d.opts.DB == nil {
		return d.List(ctx)
	}
	l, ok, err := loadListing(d.opts.DB, d.genesis)
	if err != nil {
		return Listing{}, err
	}
	if ok && l.Registry == d.opts.Registry {
		st, err := d.algod.Status().Do(ctx)
		if err != nil {
			return Listing{}, fmt.Errorf("discovery: node status: %w", err)
		}
		if l.Round <= st.LastRound && st.LastRound-l.Round <= d.opts.MaxStaleRounds {
			return l, nil
		}
	}
	return d.List(ctx)
}

// Cached returns the cached listing of this network whatever its age; ok
// is false when there is none (or no DB).
func (d *Discoverer) Cached() (l Listing, ok bool, err error) {
	if d.opts.DB == nil {
		return Listing{}, false, nil
	}
	return loadListing(d.opts.DB, d.genesis)
}
