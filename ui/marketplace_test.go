package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// marketNow is the fixed clock of the Marketplace tests.
var marketNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// fakeProviders is a ProviderSource whose answers are function fields.
type fakeProviders struct {
	providers func(context.Context) ([]ProviderListing, error)
	health    func(context.Context, ProviderListing) (EndpointHealth, error)

	mu     sync.Mutex
	probed []string // addresses Health was called with
}

func (f *fakeProviders) Providers(ctx context.Context) ([]ProviderListing, error) {
	return f.providers(ctx)
}

func (f *fakeProviders) Health(ctx context.Context, p ProviderListing) (EndpointHealth, error) {
	f.mu.Lock()
	f.probed = append(f.probed, p.Address)
	f.mu.Unlock()
	if f.health == nil {
		return EndpointHealth{Latency: 12 * time.Millisecond, Version: "0.3.0", Running: 1, Queue: 2, SignatureChecked: true}, nil
	}
	return f.health(ctx, p)
}

func listing(n int, model string, vramGiB, price uint64, completed, failed uint64, online bool) ProviderListing {
	p := ProviderListing{
		Address:  fmt.Sprintf("PROV%052d", n),
		Endpoint: fmt.Sprintf("https://gpu%d.example.net:8443", n),
		GPUModel: model, GPUCount: 1, VRAMMB: vramGiB * 1024, CPUCores: 16, RAMMB: 65536,
		Driver: "550.54.15", CUDA: "12.4", PricePerHour: price, MinJobSecs: 60, MaxJobSecs: 7200,
		Available: online, RegisteredRound: 100, LastHeartbeatRound: 2000,
		LastHeartbeat: marketNow.Add(-10 * time.Minute),
		Completed:     completed, Failed: failed, ComputeSeconds: 7500, TotalEarned: 3_250_000,
	}
	return p
}

// sampleProviders are four providers that differ in every filtered field.
func sampleProviders() []ProviderListing {
	return []ProviderListing{
		listing(1, "NVIDIA H100 80GB HBM3", 80, 2_500_000, 98, 2, true),
		listing(2, "NVIDIA GeForce RTX 4090", 24, 600_000, 40, 10, true),
		listing(3, "NVIDIA GeForce RTX 4090", 24, 450_000, 0, 0, false),
		listing(4, "NVIDIA A100-SXM4-40GB", 40, 1_200_000, 9, 1, true),
	}
}

func newTestMarketplace(t *testing.T, src ProviderSource) (*Marketplace, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	m := NewMarketplace(src)
	m.now = func() time.Time { return marketNow }
	m.detail.now = m.now
	m.detail.spawn = func(f func()) { f() }
	w := test.NewTempWindow(t, m.Content())
	w.Resize(fyne.NewSize(1000, 640))
	return m, w
}

func shownAddrs(m *Marketplace) []int {
	var out []int
	for _, p := range m.shown {
		var n int
		fmt.Sscanf(p.Address, "PROV%d", &n)
		out = append(out, n)
	}
	return out
}

func TestMarketplaceLoadingEmptyAndError(t *testing.T) {
	block := make(chan struct{})
	src := &fakeProviders{providers: func(ctx context.Context) ([]ProviderListing, error) {
		<-block
		return nil, nil
	}}
	m, _ := newTestMarketplace(t, src)
	if got := m.status.Text; got != "Loading providers from the Registry…" {
		t.Fatalf("before load: %q", got)
	}
	close(block)
	m.Load(context.Background())
	if got := m.status.Text; got != "No provider is registered on this network yet." {
		t.Fatalf("empty: %q", got)
	}

	src.providers = func(context.Context) ([]ProviderListing, error) {
		return nil, errors.New("algod: 503 Service Unavailable")
	}
	m.Load(context.Background())
	if got := m.status.Text; got != "Could not list providers: algod: 503 Service Unavailable" {
		t.Fatalf("error: %q", got)
	}
	if m.status.Importance != widget.DangerImportance {
		t.Errorf("error importance = %v", m.status.Importance)
	}
}

func TestMarketplaceWithoutDiscovery(t *testing.T) {
	m, _ := newTestMarketplace(t, nil)
	m.Load(context.Background())
	if got := m.status.Text; got != "No provider discovery is connected: this build has no consumer agent to read the Registry." {
		t.Fatalf("status = %q", got)
	}
}

func TestMarketplaceFiltersAndSort(t *testing.T) {
	src := &fakeProviders{providers: func(context.Context) ([]ProviderListing, error) { return sampleProviders(), nil }}
	m, _ := newTestMarketplace(t, src)
	m.Load(context.Background())
	if got, want := fmt.Sprint(shownAddrs(m)), "[3 2 4 1]"; got != want {
		t.Fatalf("by price: %s, want %s", got, want)
	}
	if got := m.status.Text; got != "4 of 4 providers" {
		t.Fatalf("status %q", got)
	}
	tests := []struct {
		name string
		set  func()
		want string
	}{
		{"online only", func() { m.online.SetChecked(true) }, "[2 4 1]"},
		{"min VRAM 40", func() { m.minVRAM.SetText("40") }, "[4 1]"},
		{"max price 2", func() { m.maxPrice.SetText("2") }, "[4]"},
		{"clear price, min reputation 95", func() { m.maxPrice.SetText(""); m.minRep.SetText("95") }, "[1]"},
		{"reset, GPU model", func() {
			m.minRep.SetText("")
			m.minVRAM.SetText("")
			m.online.SetChecked(false)
			m.model.SetSelected("NVIDIA GeForce RTX 4090")
		}, "[3 2]"},
		{"sort by reputation", func() { m.sort.SetSelectedIndex(int(SortReputation)) }, "[2 3]"},
		{"search", func() { m.model.SetSelectedIndex(0); m.search.SetText("gpu4.example") }, "[4]"},
	}
	for _, tt := range tests {
		tt.set()
		if got := fmt.Sprint(shownAddrs(m)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	m.search.SetText("no such provider")
	if got := m.status.Text; got != "No provider matches these filters (4 registered)." {
		t.Errorf("no match status %q", got)
	}
}

func TestMarketplaceFilterValidation(t *testing.T) {
	src := &fakeProviders{providers: func(context.Context) ([]ProviderListing, error) { return sampleProviders(), nil }}
	m, _ := newTestMarketplace(t, src)
	m.Load(context.Background())
	cases := []struct {
		entry *widget.Entry
		text  string
		want  string
	}{
		{m.minVRAM, "lots", "Min VRAM must be a number of GiB"},
		{m.maxPrice, "1.2345678", "Max price must be an ALGO amount, e.g. 1.5"},
		{m.minRep, "120", "Min reputation must be a percentage from 0 to 100"},
	}
	for _, c := range cases {
		c.entry.SetText(c.text)
		if !m.filterErr.Visible() || m.filterErr.Text != c.want {
			t.Errorf("%q: message %q (visible %v), want %q", c.text, m.filterErr.Text, m.filterErr.Visible(), c.want)
		}
		if len(m.shown) != 4 {
			t.Errorf("%q: an invalid filter changed the list to %d rows", c.text, len(m.shown))
		}
		c.entry.SetText("")
	}
	if m.filterErr.Visible() {
		t.Error("message still shown after the entries were cleared")
	}
}

func TestMarketplaceDetail(t *testing.T) {
	ps := sampleProviders()
	ps[0].BadgeTier = 2
	src := &fakeProviders{providers: func(context.Context) ([]ProviderListing, error) { return ps, nil }}
	m, _ := newTestMarketplace(t, src)
	m.Load(context.Background())
	m.sort.SetSelectedIndex(int(SortReputation))
	m.list.Select(0) // the H100, best reputation

	d := m.detail
	want := map[string]string{
		"title":     "NVIDIA H100 80GB HBM3 ×1",
		"subtitle":  "Online · accepting jobs",
		"hardware":  "1 × NVIDIA H100 80GB HBM3, 80 GiB VRAM each",
		"price":     "2.5 ALGO per hour",
		"job len":   "1 min to 2 h",
		"heartbeat": "round 2000 · 10 min ago",
		"health":    "answers in 12.0 ms · 1 running, 2 queued · version 0.3.0 · signed by the registered address",
		"completed": "98", "failed": "2", "disputed": "0",
		"compute": "2 h 5 min", "earned": "3.25 ALGO",
	}
	got := map[string]string{
		"title": d.card.Title, "subtitle": d.card.Subtitle, "hardware": d.hardware.Text, "price": d.price.Text,
		"job len": d.jobLen.Text, "heartbeat": d.heartbeat.Text, "health": d.health.Text,
		"completed": d.completed.Text, "failed": d.failed.Text, "disputed": d.disputed.Text,
		"compute": d.compute.Text, "earned": d.earned.Text,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if n := len(d.badges.Objects); n != 2 {
		t.Fatalf("%d badges drawn, want 2", n)
	}
	assertShows(t, d.badges, "Bronze", "Silver")
	if len(src.probed) != 1 || src.probed[0] != ps[0].Address {
		t.Errorf("Health called with %q", src.probed)
	}
}

func TestMarketplaceDetailUnreachable(t *testing.T) {
	src := &fakeProviders{
		providers: func(context.Context) ([]ProviderListing, error) { return sampleProviders()[2:3], nil },
		health: func(context.Context, ProviderListing) (EndpointHealth, error) {
			return EndpointHealth{}, errors.New("dial tcp: connection refused")
		},
	}
	m, _ := newTestMarketplace(t, src)
	m.Load(context.Background())
	m.list.Select(0)
	if got := m.detail.health.Text; got != "unreachable: dial tcp: connection refused" {
		t.Errorf("health = %q", got)
	}
	if got := m.detail.card.Subtitle; got != "Offline · marked unavailable" {
		t.Errorf("subtitle = %q", got)
	}
	assertShows(t, m.detail.badges, "No badge yet")
}

// TestMarketplaceTenThousandRowsBuildsOnlyVisibleRows loads 10,000
// providers and checks that the list builds and updates only the rows on
// screen, when loaded, refiltered and scrolled to the end.
func TestMarketplaceTenThousandRowsBuildsOnlyVisibleRows(t *testing.T) {
	ps := make([]ProviderListing, 10_000)
	for i := range ps {
		ps[i] = listing(i, fmt.Sprintf("GPU model %d", i%37), uint64(8+i%80), uint64(100_000+i*37%5_000_000), uint64(i%100), uint64(i%7), i%3 != 0)
	}
	src := &fakeProviders{providers: func(context.Context) ([]ProviderListing, error) { return ps, nil }}
	m, w := newTestMarketplace(t, src)
	var created, updated int
	create, update := m.list.CreateItem, m.list.UpdateItem
	m.list.CreateItem = func() fyne.CanvasObject { created++; return create() }
	m.list.UpdateItem = func(id widget.ListItemID, o fyne.CanvasObject) { updated++; update(id, o) }

	start := time.Now()
	m.Load(context.Background())
	w.Canvas().Refresh(m.Content())
	loaded := time.Since(start)
	if m.status.Text != "10000 of 10000 providers" {
		t.Fatalf("status %q", m.status.Text)
	}
	// A 640-pixel window shows about 15 rows; allow for the list's spares.
	const bound = 60
	if created > bound || updated > bound {
		t.Fatalf("after load: %d rows created, %d updated; want at most %d each", created, updated, bound)
	}
	updated = 0
	m.online.SetChecked(true)
	m.list.ScrollToBottom()
	if updated > bound {
		t.Fatalf("after refilter and scroll: %d rows updated, want at most %d", updated, bound)
	}
	if created > bound {
		t.Fatalf("after scroll: %d rows created in all", created)
	}
	t.Logf("10,000 providers: load+filter+sort+layout %v, %d rows created, %d updated on scroll", loaded, created, updated)
}

func TestMarketplaceGolden(t *testing.T) {
	ps := sampleProviders()
	ps[0].BadgeTier = 3
	src := &fakeProviders{providers: func(context.Context) ([]ProviderListing, error) { return ps, nil }}
	m, w := newTestMarketplace(t, src)
	m.Load(context.Background())
	m.list.Select(3) // cheapest-first: the H100 is last
	w.Resize(fyne.NewSize(1100, 1000))
	test.AssertImageMatches(t, "marketplace.png", w.Canvas().Capture())
}
