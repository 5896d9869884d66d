package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
)

// DiscoverPage is the page size of the Registry box listing.
const DiscoverPage = 1000

// ProvidersBucket caches the last discovery, one JSON Provider per address.
const ProvidersBucket = "market/consumer/providers"

// Listing is the Registry's providers as of one round.
type Listing struct {
	Round     uint64
	Providers []contracts.Provider
	// Paged says the node served box values in pages (include=values);
	// false means the per-box fallback was used.
	Paged bool
}

// Discover reads every provider box ("p" ‖ address) and reputation record
// ("r" ‖ address) of the Registry app: paged listings with include=values,
// every page after the first pinned to the first page's round; on a node
// without value paging, the names are listed and the boxes read
// concurrently. Undecodable boxes are skipped.
func Discover(ctx context.Context, c *algod.Client, registry uint64) (Listing, error) {
	boxes, round, err := listPaged(ctx, c, registry)
	if err != nil {
		return DiscoverPerBox(ctx, c, registry)
	}
	return decodeListing(boxes, round, true), nil
}

// DiscoverPerBox is Discover's fallback on its own: the box names are
// listed and every box is read concurrently (Paged is false). Discover uses
// it when the node does not page box values; it reads the same boxes.
func DiscoverPerBox(ctx context.Context, c *algod.Client, registry uint64) (Listing, error) {
	boxes, round, err := listPerBox(ctx, c, registry)
	if err != nil {
		return Listing{}, err
	}
	return decodeListing(boxes, round, false), nil
}

// decodeListing decodes the provider and reputation boxes of a listing,
// skipping undecodable ones, sorted by address.
func decodeListing(boxes map[string]string, round uint64, paged bool) Listing {
	provs := map[types.Address]*contracts.Provider{}
	reps := map[types.Address]contracts.Reputation{}
	for name, value := range boxes {
		if len(name) != 33 {
			continue
		}
		var addr types.Address
		copy(addr[:], name[1:])
		switch name[0] {
		case 'p':
			p, err := contracts.DecodeProvider(addr, []byte(value))
			if err == nil {
				provs[addr] = &p
			}
		case 'r':
			if r, err := contracts.DecodeReputation([]byte(value)); err == nil {
				reps[addr] = r
			}
		}
	}
	out := Listing{Round: round, Paged: paged}
	for addr, p := range provs {
		p.Reputation = reps[addr]
		out.Providers = append(out.Providers, *p)
	}
	sort.Slice(out.Providers, func(i, j int) bool {
		return strings.Compare(out.Providers[i].Address.String(), out.Providers[j].Address.String()) < 0
	})
	return out
}

func listPaged(ctx context.Context, c *algod.Client, app uint64) (map[string]string, uint64, error) {
	out := map[string]string{}
	var round uint64
	next := ""
	for {
		q := c.GetApplicationBoxes(app).Include([]string{"values"}).Limit(DiscoverPage)
		if next != "" {
			q = q.Next(next).Round(round)
		}
		resp, err := q.Do(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("consumer: list boxes: %w", err)
		}
		if round == 0 {
			round = resp.Round
		}
		for _, b := range resp.Boxes {
			if b.Value == nil && len(b.Name) == 33 {
				return nil, 0, errors.New("consumer: node returned no box values")
			}
			out[string(b.Name)] = string(b.Value)
		}
		if resp.NextToken == "" {
			return out, round, nil
		}
		next = resp.NextToken
	}
}

func listPerBox(ctx context.Context, c *algod.Client, app uint64) (map[string]string, uint64, error) {
	names, err := c.GetApplicationBoxes(app).Do(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("consumer: list box names: %w", err)
	}
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var round uint64
	sem := make(chan struct{}, 8)
	var firstErr error
	for _, b := range names.Boxes {
		if len(b.Name) != 33 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(name []byte) {
			defer wg.Done()
			defer func() { <-sem }()
			box, err := c.GetApplicationBoxByName(app, name).Do(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("consumer: read box: %w", err)
				}
				return
			}
			out[string(name)] = string(box.Value)
			round = max(round, box.Round)
		}(b.Name)
	}
	wg.Wait()
	return out, round, firstErr
}

// Filter selects providers; zero fields select everything.
type Filter struct {
	// GPUModel must appear (case-insensitively) in the provider's GPU model.
	GPUModel string
	// MinVRAMMB, MinGPUs: per-GPU VRAM and GPU count at least this.
	MinVRAMMB, MinGPUs uint64
	// MaxPricePerHour: price at most this (microAlgo/hour).
	MaxPricePerHour uint64
	// MinCompleted: at least this many completed jobs; MaxDisputeRate: at
	// most this share of disputed jobs among completed + disputed.
	MinCompleted   uint64
	MaxDisputeRate float64
	// MaxHeartbeatAge: last heartbeat within this many rounds of the
	// listing's round.
	MaxHeartbeatAge uint64
	// Exclude is a blocklist of addresses.
	Exclude map[types.Address]bool
}

// Select returns the available providers of l that pass f, best first:
// cheapest, then most completed jobs, then most recent heartbeat.
func Select(l Listing, f Filter) []contracts.Provider {
	var out []contracts.Provider
	for _, p := range l.Providers {
		if !p.Available || f.Exclude[p.Address] {
			continue
		}
		if f.GPUModel != "" && !strings.Contains(strings.ToLower(p.GPUModel), strings.ToLower(f.GPUModel)) {
			continue
		}
		if p.VRAMMB < f.MinVRAMMB || p.GPUCount < f.MinGPUs || p.Completed < f.MinCompleted {
			continue
		}
		if f.MaxPricePerHour > 0 && p.PricePerHour > f.MaxPricePerHour {
			continue
		}
		if n := p.Completed + p.Disputed; f.MaxDisputeRate > 0 && n > 0 && float64(p.Disputed)/float64(n) > f.MaxDisputeRate {
			continue
		}
		if f.MaxHeartbeatAge > 0 && l.Round > p.LastHeartbeatRound+f.MaxHeartbeatAge {
			continue
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.PricePerHour != b.PricePerHour {
			return a.PricePerHour < b.PricePerHour
		}
		if a.Completed != b.Completed {
			return a.Completed > b.Completed
		}
		return a.LastHeartbeatRound > b.LastHeartbeatRound
	})
	return out
}

// SaveListing replaces the cached listing in db.
func SaveListing(db *bbolt.DB, l Listing) error {
	return db.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte(ProvidersBucket)) != nil {
			if err := tx.DeleteBucket([]byte(ProvidersBucket)); err != nil {
				return err
			}
		}
		b, err := tx.CreateBucket([]byte(ProvidersBucket))
		if err != nil {
			return err
		}
		raw, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return b.Put([]byte("listing"), raw)
	})
}

// CachedListing returns the listing SaveListing stored; ok is false when
// there is none.
func CachedListing(db *bbolt.DB) (l Listing, ok bool, err error) {
	err = db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(ProvidersBucket))
		if b == nil {
			return nil
		}
		raw := b.Get([]byte("listing"))
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &l)
	})
	return l, ok, err
}
