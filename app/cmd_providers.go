package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/kinetic-compute/kinetic/market/discovery"
)

// providersUsage is printed above the providers flags.
const providersUsage = "usage: kinetic providers [--gpu MODEL] [--min-vram MiB] [--max-price µALGO/h] [--min-rep R] [--max-heartbeat-age ROUNDS] [--online] [--json] [--cached | --refresh]\n" +
	"       kinetic providers --block ADDR [--reason TEXT] | --unblock ADDR | --blocklist\n"

// providersOptions are the parsed flags of `kinetic providers`.
type providersOptions struct {
	filter          discovery.Filter
	json            bool
	cached, refresh bool
	block, unblock  string
	reason          string
	showBlocklist   bool
}

func (r runner) parseProviders(args []string) (providersOptions, error) {
	fs := flag.NewFlagSet("kinetic providers", flag.ContinueOnError)
	fs.SetOutput(r.stderr)
	fs.Usage = func() { fmt.Fprint(r.stderr, providersUsage); fs.PrintDefaults() }
	var o providersOptions
	f := &o.filter
	fs.StringVar(&f.GPUModel, "gpu", "", "GPU model substring, any case, e.g. 4090")
	fs.Uint64Var(&f.MinVRAMMB, "min-vram", 0, "least VRAM per GPU, MiB")
	fs.Uint64Var(&f.MaxPricePerHour, "max-price", 0, "highest price, µALGO per hour")
	fs.Float64Var(&f.MinReputation, "min-rep", 0, "least reputation, completed/(completed+failed+disputed), 0..1; needs --min-jobs settled jobs")
	fs.Uint64Var(&f.MinRatedJobs, "min-jobs", discovery.DefaultMinRatedJobs, "settled jobs before a reputation counts")
	fs.Uint64Var(&f.MaxHeartbeatAge, "max-heartbeat-age", 0, "last heartbeat within this many rounds")
	fs.BoolVar(&f.Online, "online", false, "keep only providers whose signed GET /v1/info matches the Registry")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.BoolVar(&o.cached, "cached", false, "use the cached listing whatever its age")
	fs.BoolVar(&o.refresh, "refresh", false, "read the chain even if the cached listing is recent")
	fs.StringVar(&o.block, "block", "", "add a provider address to the local blocklist")
	fs.StringVar(&o.reason, "reason", "blocked by the user", "why, with --block")
	fs.StringVar(&o.unblock, "unblock", "", "remove a provider address from the local blocklist")
	fs.BoolVar(&o.showBlocklist, "blocklist", false, "print the local blocklist")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 0 {
		return o, errors.New(strings.TrimSpace(providersUsage))
	}
	if o.cached && o.refresh {
		return o, errors.New("providers: --cached and --refresh exclude each other")
	}
	if f.MinReputation < 0 || f.MinReputation > 1 {
		return o, fmt.Errorf("providers: --min-rep %v is not within 0..1", f.MinReputation)
	}
	return o, nil
}

// providerJSON is one line of `kinetic providers --json`.
type providerJSON struct {
	Address            string  `json:"address"`
	Endpoint           string  `json:"endpoint"`
	GPUModel           string  `json:"gpuModel"`
	GPUCount           uint64  `json:"gpuCount"`
	VRAMMB             uint64  `json:"vramMB"`
	PricePerHour       uint64  `json:"pricePerHour"`
	Completed          uint64  `json:"completed"`
	Failed             uint64  `json:"failed"`
	Disputed           uint64  `json:"disputed"`
	Reputation         float64 `json:"reputation"`
	Rated              bool    `json:"rated"`
	LastHeartbeatRound uint64  `json:"lastHeartbeatRound"`
	Score              float64 `json:"score"`
}

// providersJSON is the document `kinetic providers --json` prints.
type providersJSON struct {
	Round     uint64            `json:"round"`
	Paged     bool              `json:"paged"`
	Listed    int               `json:"listed"`
	Providers []providerJSON    `json:"providers"`
	Offline   map[string]string `json:"offline,omitempty"`
}

// runProvidersCommand is the table entry of `kinetic providers`: it lists
// the Registry's providers that pass the filters, best first, or edits the
// local blocklist.
func runProvidersCommand(ctx context.Context, r runner, inv invocation) error {
	o, err := r.parseProviders(inv.args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	db, err := OpenStore(inv.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("providers: %w", err)
	}
	defer db.Close()
	if o.block != "" || o.unblock != "" || o.showBlocklist {
		return r.editBlocklist(db, o)
	}
	c, registry, err := openRegistry(ctx, inv.cfg)
	if err != nil {
		return fmt.Errorf("providers: %w", err)
	}
	d, err := discovery.New(ctx, c, discovery.Options{Registry: registry, DB: db})
	if err != nil {
		return fmt.Errorf("providers: %w", err)
	}
	var res discovery.Result
	switch {
	case o.cached:
		l, ok, err := d.Cached()
		if err != nil {
			return fmt.Errorf("providers: %w", err)
		}
		if !ok {
			return errors.New("providers: no cached listing for this network yet (run without --cached)")
		}
		res, err = d.FindIn(ctx, l, o.filter)
		if err != nil {
			return fmt.Errorf("providers: %w", err)
		}
	case o.refresh:
		l, err := d.List(ctx)
		if err != nil {
			return fmt.Errorf("providers: %w", err)
		}
		if res, err = d.FindIn(ctx, l, o.filter); err != nil {
			return fmt.Errorf("providers: %w", err)
		}
	default:
		if res, err = d.Find(ctx, o.filter); err != nil {
			return fmt.Errorf("providers: %w", err)
		}
	}
	return r.printProviders(res, o.json)
}

func (r runner) printProviders(res discovery.Result, asJSON bool) error {
	doc := providersJSON{Round: res.Listing.Round, Paged: res.Listing.Paged, Listed: len(res.Listing.Providers), Providers: []providerJSON{}}
	for _, c := range res.Candidates {
		doc.Providers = append(doc.Providers, providerJSON{Address: c.Address.String(), Endpoint: c.Endpoint, GPUModel: c.GPUModel,
			GPUCount: c.GPUCount, VRAMMB: c.VRAMMB, PricePerHour: c.PricePerHour, Completed: c.Completed, Failed: c.Failed,
			Disputed: c.Disputed, Reputation: c.Rep, Rated: c.Rated, LastHeartbeatRound: c.LastHeartbeatRound, Score: c.Score})
	}
	if len(res.Offline) > 0 {
		doc.Offline = map[string]string{}
		for a, err := range res.Offline {
			doc.Offline[a] = err.Error()
		}
	}
	if asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	fmt.Fprintf(r.stdout, "%d of %d providers at round %d\n", len(doc.Providers), doc.Listed, doc.Round)
	for _, p := range doc.Providers {
		rep := "unrated"
		if p.Rated {
			rep = fmt.Sprintf("rep %.2f", p.Reputation)
		}
		fmt.Fprintf(r.stdout, "%s  %-24s x%d %6d MiB  %9d µALGO/h  %-9s score %.3f  %s\n", p.Address, p.GPUModel, p.GPUCount,
			p.VRAMMB, p.PricePerHour, rep, p.Score, p.Endpoint)
	}
	for a, why := range doc.Offline {
		fmt.Fprintf(r.stdout, "offline %s: %s\n", a, why)
	}
	return nil
}
