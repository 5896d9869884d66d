package discovery

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/x402"
)

// MaxInfoBytes caps the GET /v1/info body read.
const MaxInfoBytes = 64 << 10

// Errors of CheckInfo; test for them with errors.Is.
var (
	// ErrInfoUnreachable: the endpoint did not answer 200 (a redirect
	// counts: the document must come from the registered endpoint).
	ErrInfoUnreachable = errors.New("discovery: /v1/info unreachable")
	// ErrInfoSignature: the body is not signed by the registered address.
	ErrInfoSignature = errors.New("discovery: /v1/info not signed by the registered key")
	// ErrInfoMismatch: a signed document that disagrees with the Registry
	// entry: another provider's address, another network, or a higher
	// price.
	ErrInfoMismatch = errors.New("discovery: /v1/info does not match the Registry")
)

// CheckInfo fetches p's GET /v1/info from its registered endpoint and
// checks that the body is signed (provider.HeaderInfoSignature, domain
// provider.InfoDomain) by p's registered address, names that address, is
// of this network and asks no more than the registered price.
func (d *Discoverer) CheckInfo(ctx context.Context, p contracts.Provider) (provider.Info, error) {
	url := strings.TrimRight(p.Endpoint, "/") + "/v1/info"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return provider.Info{}, fmt.Errorf("%w: %s: %w", ErrInfoUnreachable, p.Address, err)
	}
	resp, err := d.opts.HTTP.Do(req)
	if err != nil {
		return provider.Info{}, fmt.Errorf("%w: %s: %w", ErrInfoUnreachable, p.Address, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return provider.Info{}, fmt.Errorf("%w: %s: HTTP %d from %s", ErrInfoUnreachable, p.Address, resp.StatusCode, url)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxInfoBytes))
	if err != nil {
		return provider.Info{}, fmt.Errorf("%w: %s: %w", ErrInfoUnreachable, p.Address, err)
	}
	sig, err := base64.StdEncoding.DecodeString(resp.Header.Get(provider.HeaderInfoSignature))
	if err != nil || !sigframe.Verify(ed25519.PublicKey(p.Address[:]), provider.InfoDomain, body, sig) {
		return provider.Info{}, fmt.Errorf("%w: %s at %s", ErrInfoSignature, p.Address, url)
	}
	var in provider.Info
	if err := json.Unmarshal(body, &in); err != nil {
		return provider.Info{}, fmt.Errorf("%w: %s: %w", ErrInfoMismatch, p.Address, err)
	}
	switch {
	case in.Provider != p.Address.String():
		return in, fmt.Errorf("%w: document names %s, registered %s", ErrInfoMismatch, in.Provider, p.Address)
	case in.Network != x402.Network(d.genesis):
		return in, fmt.Errorf("%w: %s is on network %q, not %q", ErrInfoMismatch, p.Address, in.Network, x402.Network(d.genesis))
	case in.PricePerHour > p.PricePerHour:
		return in, fmt.Errorf("%w: %s asks %d µALGO/h, registered %d", ErrInfoMismatch, p.Address, in.PricePerHour, p.PricePerHour)
	}
	return in, nil
}

// Result is what Find returns.
type Result struct {
	// Listing is the listing the candidates were selected from.
	Listing Listing
	// Candidates pass the filter (and, with Filter.Online, the /v1/info
	// check), best first.
	Candidates []Candidate
	// Offline maps each candidate dropped by the /v1/info check to why.
	Offline map[string]error
}

// Providers returns the candidates' Registry entries, best first, the
// order in which to try them.
func (r Result) Providers() []contracts.Provider {
	out := make([]contracts.Provider, len(r.Candidates))
	for i, c := range r.Candidates {
		out[i] = c.Provider
	}
	return out
}

// Find returns the ranked providers that pass f: FindIn of Listing (the
// cache policy).
func (d *Discoverer) Find(ctx context.Context, f Filter) (Result, error) {
	l, err := d.Listing(ctx)
	if err != nil {
		return Result{}, err
	}
	return d.FindIn(ctx, l, f)
}

// FindIn returns the providers of l that pass f, best first: Select
// without the blocklist's addresses, then with f.Online a concurrent
// CheckInfo of each selected provider, keeping the order.
func (d *Discoverer) FindIn(ctx context.Context, l Listing, f Filter) (Result, error) {
	blocked, err := blockedSet(d.opts.DB)
	if err != nil {
		return Result{}, err
	}
	res := Result{Listing: l, Candidates: Select(l, f, blocked), Offline: map[string]error{}}
	if !f.Online || len(res.Candidates) == 0 {
		return res, nil
	}
	errs := make([]error, len(res.Candidates))
	sem := make(chan struct{}, d.opts.InfoConcurrency)
	var wg sync.WaitGroup
	for i := range res.Candidates {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, errs[i] = d.CheckInfo(ctx, res.Candidates[i].Provider)
		}()
	}
	wg.Wait()
	kept := res.Candidates[:0]
	for i, c := range res.Candidates {
		if errs[i] != nil {
			res.Offline[c.Address.String()] = errs[i]
			continue
		}
		kept = append(kept, c)
	}
	res.Candidates = kept
	return res, nil
}
