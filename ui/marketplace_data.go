package ui

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OnlineWindow is how recent a provider's last heartbeat must be for the
// Marketplace to call it online. Providers heartbeat at most hourly, so two
// missed heartbeats take one offline.
const OnlineWindow = 2 * time.Hour

// ProviderListing is one provider as the Marketplace shows it: its Registry
// box (hardware, price, availability, heartbeat) and its permanent
// reputation record.
type ProviderListing struct {
	// Address is the provider's Algorand account.
	Address string
	// Endpoint is the provider's HTTP endpoint.
	Endpoint string
	// Hardware as registered.
	GPUModel           string
	GPUCount, VRAMMB   uint64
	CPUCores, RAMMB    uint64
	Driver, CUDA       string
	PricePerHour       uint64 // microAlgo per hour
	MinJobSecs         uint64
	MaxJobSecs         uint64
	Available          bool
	RegisteredRound    uint64
	LastHeartbeatRound uint64
	// LastHeartbeat is the time of LastHeartbeatRound's block; zero when
	// the source could not tell.
	LastHeartbeat time.Time
	// Reputation counters, written only by Escrow settlements.
	Completed, Failed, Disputed uint64
	ComputeSeconds, TotalEarned uint64 // seconds; microAlgo
	BadgeTier                   uint64
}

// Online reports whether the provider is available and heartbeat within
// OnlineWindow of now.
func (p ProviderListing) Online(now time.Time) bool {
	return p.Available && !p.LastHeartbeat.IsZero() && now.Sub(p.LastHeartbeat) <= OnlineWindow
}

// Score is the provider's success rate in percent: completed jobs over all
// settled ones; 0 for a provider with no settled job.
func (p ProviderListing) Score() float64 {
	total := p.Completed + p.Failed + p.Disputed
	if total == 0 {
		return 0
	}
	return 100 * float64(p.Completed) / float64(total)
}

// EndpointHealth is what a provider's endpoint answered to GET /v1/info.
type EndpointHealth struct {
	Latency          time.Duration
	Version          string
	Queue, Running   int
	SignatureChecked bool // the body's signature matched the registered address
}

// ProviderSource is what the Marketplace needs from provider discovery.
type ProviderSource interface {
	// Providers lists every registered provider.
	Providers(ctx context.Context) ([]ProviderListing, error)
	// Health asks a provider's endpoint for its live status.
	Health(ctx context.Context, p ProviderListing) (EndpointHealth, error)
}

// SortOrder orders the Marketplace list.
type SortOrder int

// Sort orders, in the order the sort selector offers them.
const (
	SortPrice SortOrder = iota
	SortReputation
	SortVRAM
	SortHeartbeat
)

// sortLabels names each SortOrder in the selector.
var sortLabels = []string{"Price (lowest first)", "Reputation (highest first)", "VRAM (most first)", "Heartbeat (latest first)"}

// allGPUs is the GPU model filter's "no filter" choice.
const allGPUs = "All GPU models"

// ProviderFilter is the Marketplace's search, filters and sort.
type ProviderFilter struct {
	Search        string  // matched against address, GPU model and endpoint, case-insensitively
	GPUModel      string  // exact model; "" for all
	MinVRAMMB     uint64  // per GPU
	MaxPrice      uint64  // microAlgo per hour; 0 for no limit
	MinReputation float64 // percent
	OnlineOnly    bool
	Sort          SortOrder
}

// Apply returns the providers that pass f, in f's order (ties by address).
func (f ProviderFilter) Apply(all []ProviderListing, now time.Time) []ProviderListing {
	q := strings.ToLower(strings.TrimSpace(f.Search))
	out := make([]ProviderListing, 0, len(all))
	for _, p := range all {
		switch {
		case f.GPUModel != "" && p.GPUModel != f.GPUModel,
			p.VRAMMB < f.MinVRAMMB,
			f.MaxPrice > 0 && p.PricePerHour > f.MaxPrice,
			p.Score() < f.MinReputation,
			f.OnlineOnly && !p.Online(now):
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(p.Address+" "+p.GPUModel+" "+p.Endpoint), q) {
			continue
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b ProviderListing) int {
		var c int
		switch f.Sort {
		case SortPrice:
			c = cmp.Compare(a.PricePerHour, b.PricePerHour)
		case SortReputation:
			c = cmp.Compare(b.Score(), a.Score())
		case SortVRAM:
			c = cmp.Compare(b.VRAMMB*b.GPUCount, a.VRAMMB*a.GPUCount)
		case SortHeartbeat:
			c = b.LastHeartbeat.Compare(a.LastHeartbeat)
		}
		return cmp.Or(c, strings.Compare(a.Address, b.Address))
	})
	return out
}

// gpuModels lists the distinct GPU models, sorted, after allGPUs.
func gpuModels(all []ProviderListing) []string {
	seen := map[string]bool{}
	var models []string
	for _, p := range all {
		if p.GPUModel != "" && !seen[p.GPUModel] {
			seen[p.GPUModel] = true
			models = append(models, p.GPUModel)
		}
	}
	slices.Sort(models)
	return append([]string{allGPUs}, models...)
}

// fmtMicroAlgo writes an amount of microAlgo in ALGO, without trailing
// zeros: 1250000 → "1.25 ALGO".
func fmtMicroAlgo(micro uint64) string {
	s := fmt.Sprintf("%d.%06d", micro/1e6, micro%1e6)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " ALGO"
}

// parseAlgo reads a non-negative ALGO amount with at most six decimals and
// returns it in microAlgo.
func parseAlgo(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 6 || strings.ContainsAny(s, "+-") {
		return 0, fmt.Errorf("not an ALGO amount: %q", s)
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || w > 1e13 {
		return 0, fmt.Errorf("not an ALGO amount: %q", s)
	}
	var f uint64
	if frac != "" {
		f, err = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("not an ALGO amount: %q", s)
		}
	}
	return w*1e6 + f, nil
}

// fmtGiB writes MiB as GiB: 81920 → "80 GiB", 1536 → "1.5 GiB".
func fmtGiB(mb uint64) string {
	return strconv.FormatFloat(float64(mb)/1024, 'f', -1, 64) + " GiB"
}

// fmtAgo says how long before now t was, coarsely.
func fmtAgo(now, t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// shortAddr shortens an address or hash to its first and last six characters.
func shortAddr(s string) string {
	if len(s) <= 15 {
		return s
	}
	return s[:6] + "…" + s[len(s)-6:]
}
