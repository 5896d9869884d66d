package app

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// providersUsage is printed above the providers flags.
const providersUsage = "usage: kinetic providers [--gpu MODEL] [--min-vram MB] [--max-price µALGO/h] [--min-jobs N] [--cached]\n"

func (r runner) parseProviders(args []string) (consumer.Filter, bool, error) {
	fs := flag.NewFlagSet("kinetic providers", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprint(r.stderr, providersUsage); fs.PrintDefaults() }
	var f consumer.Filter
	fs.StringVar(&f.GPUModel, "gpu", "", "GPU model substring, e.g. 4090")
	fs.Uint64Var(&f.MinVRAMMB, "min-vram", 0, "least VRAM per GPU, MiB")
	fs.Uint64Var(&f.MaxPricePerHour, "max-price", 0, "highest price, µALGO per hour")
	fs.Uint64Var(&f.MinCompleted, "min-jobs", 0, "least completed jobs")
	fs.Uint64Var(&f.MaxHeartbeatAge, "max-heartbeat-age", 0, "last heartbeat within this many rounds")
	cached := fs.Bool("cached", false, "use the last listing instead of reading the chain")
	if err := fs.Parse(args); err != nil {
		return f, false, err
	}
	if fs.NArg() != 0 {
		return f, false, errors.New(strings.TrimSpace(providersUsage))
	}
	return f, *cached, nil
}

// runProvidersCommand is the table entry of `kinetic providers`: it lists
// the Registry's providers that pass the filters, best first.
func runProvidersCommand(ctx context.Context, r runner, inv invocation) error {
	f, cached, err := r.parseProviders(inv.args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	env, err := openMarket(ctx, inv.cfg)
	if err != nil {
		return fmt.Errorf("providers: %w", err)
	}
	defer env.Close()
	var l consumer.Listing
	ok := false
	if cached {
		if l, ok, err = consumer.CachedListing(env.db); err != nil {
			return fmt.Errorf("providers: %w", err)
		}
	}
	if !ok {
		if l, err = consumer.Discover(ctx, env.algod, env.chain.Apps().Registry); err != nil {
			return fmt.Errorf("providers: %w", err)
		}
		if err := consumer.SaveListing(env.db, l); err != nil {
			return fmt.Errorf("providers: %w", err)
		}
	}
	sel := consumer.Select(l, f)
	fmt.Fprintf(r.stdout, "%d of %d providers at round %d\n", len(sel), len(l.Providers), l.Round)
	for _, p := range sel {
		fmt.Fprintf(r.stdout, "%s  %-24s x%d %6d MiB  %9d µALGO/h  %4d jobs  %s\n", p.Address, p.GPUModel, p.GPUCount, p.VRAMMB, p.PricePerHour, p.Completed, p.Endpoint)
	}
	return nil
}

// checkInfo fetches endpoint's GET /v1/info and checks its signature by
// addr.
func checkInfo(ctx context.Context, endpoint, addr string) error {
	a, err := types.DecodeAddress(addr)
	if err != nil {
		return err
	}
	var last error
	for range 20 { // the listener may still be starting
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/v1/info", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		sig, _ := base64.StdEncoding.DecodeString(resp.Header.Get(provider.HeaderInfoSignature))
		if resp.StatusCode != http.StatusOK || !sigframe.Verify(ed25519.PublicKey(a[:]), provider.InfoDomain, body, sig) {
			return fmt.Errorf("GET /v1/info: HTTP %d, signature valid: false", resp.StatusCode)
		}
		return nil
	}
	return fmt.Errorf("GET /v1/info on %s: %w (is the port free and reachable?)", endpoint, last)
}
