package discovery

import (
	"bytes"
	"sort"
	"strings"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// DefaultMinRatedJobs is how many settled jobs (completed + failed +
// disputed) a provider needs before its reputation counts.
const DefaultMinRatedJobs = 3

// DefaultHeartbeatWindow is the heartbeat age, in rounds, at which the
// recency part of the score reaches zero when the filter sets no
// MaxHeartbeatAge (about two hours of 2.8 s rounds).
const DefaultHeartbeatWindow = 2600

// Score weights: Score = WeightPrice·price + WeightReputation·reputation +
// WeightHeartbeat·recency, each part in [0, 1].
const (
	WeightPrice      = 0.5
	WeightReputation = 0.3
	WeightHeartbeat  = 0.2
)

// Filter selects providers; zero fields select everything. Unavailable
// providers (set_available false) are never selected.
type Filter struct {
	// GPUModel must appear, case-insensitively, in the registered model.
	GPUModel string
	// MinVRAMMB is the least VRAM per GPU, MiB.
	MinVRAMMB uint64
	// MinGPUs is the least number of GPUs (a job's Spec.GPUs).
	MinGPUs uint64
	// MaxPricePerHour is the highest price, microAlgo per hour.
	MaxPricePerHour uint64
	// MinReputation, in [0, 1], is the least Reputation; a provider with
	// fewer than MinRatedJobs settled jobs is unrated and fails any
	// MinReputation above 0.
	MinReputation float64
	// MinRatedJobs overrides DefaultMinRatedJobs when above 0.
	MinRatedJobs uint64
	// MaxHeartbeatAge: the last heartbeat at most this many rounds before
	// the listing's round.
	MaxHeartbeatAge uint64
	// Online requires a signed GET /v1/info matching the Registry entry
	// (Find checks it; Select ignores it).
	Online bool
}

func (f Filter) minRated() uint64 {
	if f.MinRatedJobs > 0 {
		return f.MinRatedJobs
	}
	return DefaultMinRatedJobs
}

// Reputation is completed / (completed + failed + disputed) of p's
// permanent record; rated is false (and the share 0) when that total is
// below minJobs.
func Reputation(p contracts.Provider, minJobs uint64) (share float64, rated bool) {
	total := float64(p.Completed) + float64(p.Failed) + float64(p.Disputed)
	if total == 0 || total < float64(minJobs) {
		return 0, false
	}
	return float64(p.Completed) / total, true
}

// Candidate is a selected provider with its score.
type Candidate struct {
	contracts.Provider
	// Score is the ranking score in [0, 1]; higher is better.
	Score float64
	// Rep is the Reputation share; Rated says whether it counts.
	Rep   float64
	Rated bool
	// HeartbeatAge is the listing's round minus the last heartbeat round.
	HeartbeatAge uint64
}

// Select returns the providers of l that are available, not in blocked
// and pass f, ranked best first by Score: WeightPrice × (cheapest+1) /
// (price+1) over the selected set, WeightReputation × the reputation share
// (0.5 when unrated), WeightHeartbeat × (1 − age/window), window being
// f.MaxHeartbeatAge or DefaultHeartbeatWindow, clamped to [0, 1]. Ties
// go to the lower price, then the lower address bytes.
func Select(l Listing, f Filter, blocked map[types.Address]bool) []Candidate {
	model := strings.ToLower(f.GPUModel)
	var out []Candidate
	for _, p := range l.Providers {
		if !p.Available || blocked[p.Address] {
			continue
		}
		if model != "" && !strings.Contains(strings.ToLower(p.GPUModel), model) {
			continue
		}
		if p.VRAMMB < f.MinVRAMMB || p.GPUCount < f.MinGPUs || (f.MaxPricePerHour > 0 && p.PricePerHour > f.MaxPricePerHour) {
			continue
		}
		age := uint64(0)
		if l.Round > p.LastHeartbeatRound {
			age = l.Round - p.LastHeartbeatRound
		}
		if f.MaxHeartbeatAge > 0 && age > f.MaxHeartbeatAge {
			continue
		}
		rep, rated := Reputation(p, f.minRated())
		if f.MinReputation > 0 && (!rated || rep < f.MinReputation) {
			continue
		}
		out = append(out, Candidate{Provider: p, Rep: rep, Rated: rated, HeartbeatAge: age})
	}
	rank(out, f)
	return out
}

func rank(cs []Candidate, f Filter) {
	if len(cs) == 0 {
		return
	}
	cheapest := cs[0].PricePerHour
	for _, c := range cs {
		cheapest = min(cheapest, c.PricePerHour)
	}
	window := float64(DefaultHeartbeatWindow)
	if f.MaxHeartbeatAge > 0 {
		window = float64(f.MaxHeartbeatAge)
	}
	for i := range cs {
		c := &cs[i]
		price := (float64(cheapest) + 1) / (float64(c.PricePerHour) + 1)
		rep := 0.5
		if c.Rated {
			rep = c.Rep
		}
		recency := max(0, 1-float64(c.HeartbeatAge)/window)
		c.Score = WeightPrice*price + WeightReputation*rep + WeightHeartbeat*recency
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.PricePerHour != b.PricePerHour {
			return a.PricePerHour < b.PricePerHour
		}
		return bytes.Compare(a.Address[:], b.Address[:]) < 0
	})
}
