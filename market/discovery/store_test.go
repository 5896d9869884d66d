package discovery_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/discovery"
)

func openDB(t *testing.T, path string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCacheRoundTripAndRefresh: List caches the listing under the
// network's genesis hash with its round; Listing serves it while it is at
// most MaxStaleRounds behind the node (a provider registered since is not
// in it) and reads the chain again once it is older.
func TestCacheRoundTripAndRefresh(t *testing.T) {
	f := newFleet(t)
	db := testkit.DB(t)
	d := f.discoverer(t, f.algod, discovery.Options{DB: db, MaxStaleRounds: 5})
	l, err := d.List(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	cached, ok, err := d.Cached()
	if err != nil || !ok || !reflect.DeepEqual(cached, l) {
		t.Fatalf("cached ok=%v err=%v equal=%v", ok, err, reflect.DeepEqual(cached, l))
	}
	if cached.Genesis != f.genesisB64(t) || cached.Round != l.Round {
		t.Fatalf("cached genesis %q round %d", cached.Genesis, cached.Round)
	}
	late := f.register(t, crypto.GenerateAccount(), contracts.ProviderInfo{Endpoint: "http://127.0.0.1:2", GPUModel: "late",
		GPUCount: 1, VRAMMB: 1, PricePerHour: 1, MinJobSecs: 1, MaxJobSecs: 60})
	fresh, err := d.Listing(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Round != l.Round || len(fresh.Providers) != 5 {
		t.Fatalf("within MaxStaleRounds: round %d (cached %d), %d providers, want the cached 5", fresh.Round, l.Round, len(fresh.Providers))
	}
	testkit.AdvanceRounds(t, 6)
	again, err := d.Listing(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.Round <= l.Round+5 || len(again.Providers) != 6 {
		t.Fatalf("stale cache: round %d, %d providers, want a re-read with 6", again.Round, len(again.Providers))
	}
	found := false
	for _, p := range again.Providers {
		found = found || p.Address == late.Address
	}
	if !found {
		t.Fatal("re-read listing lacks the late provider")
	}
}

// TestBlocklistPersisted: a blocked provider is left out of Find, stays
// blocked across reopening the store, and is back once unblocked.
func TestBlocklistPersisted(t *testing.T) {
	f := newFleet(t)
	path := filepath.Join(t.TempDir(), "kinetic.db")
	db := openDB(t, path)
	if err := discovery.Block(db, f.b4090.Address, "disputed output"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openDB(t, path)
	defer db.Close()
	list, err := discovery.Blocklist(db)
	if err != nil || len(list) != 1 || list[0].Address != f.b4090.Address || list[0].Reason != "disputed output" {
		t.Fatalf("blocklist %+v err=%v", list, err)
	}
	d := f.discoverer(t, f.algod, discovery.Options{DB: db})
	res, err := d.Find(f.ctx, discovery.Filter{GPUModel: "4090"})
	if err != nil {
		t.Fatal(err)
	}
	if got := addrs(res.Candidates); !reflect.DeepEqual(got, names(f.a4090)) {
		t.Fatalf("blocked: %v, want only %v", got, f.a4090.Address)
	}
	if err := discovery.Unblock(db, f.b4090.Address); err != nil {
		t.Fatal(err)
	}
	res, err = d.Find(f.ctx, discovery.Filter{GPUModel: "4090"})
	if err != nil {
		t.Fatal(err)
	}
	if got := addrs(res.Candidates); !reflect.DeepEqual(got, names(f.b4090, f.a4090)) {
		t.Fatalf("unblocked: %v", got)
	}
}

// TestOnlineInfo: only the provider whose /v1/info is signed by its
// registered key, names it, is of this network and asks no more than it
// registered is online; the forged, dearer and unreachable ones are
// dropped with the matching error.
func TestOnlineInfo(t *testing.T) {
	f := newFleet(t)
	d := f.discoverer(t, f.algod, discovery.Options{})
	res, err := d.Find(f.ctx, discovery.Filter{Online: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := addrs(res.Candidates); !reflect.DeepEqual(got, names(f.a4090)) {
		t.Fatalf("online: %v, want only the honest %v", got, f.a4090.Address)
	}
	if ps := res.Providers(); len(ps) != 1 || !reflect.DeepEqual(ps[0], f.a4090) {
		t.Fatalf("Providers() %+v", ps)
	}
	want := map[string]error{f.b4090.Address.String(): discovery.ErrInfoSignature,
		f.r3060.Address.String(): discovery.ErrInfoMismatch, f.h100.Address.String(): discovery.ErrInfoUnreachable}
	if len(res.Offline) != len(want) {
		t.Fatalf("offline %v", res.Offline)
	}
	for a, w := range want {
		if !errors.Is(res.Offline[a], w) {
			t.Errorf("%s: %v, want %v", a, res.Offline[a], w)
		}
	}
	// The honest document served under another registered address: signed,
	// but not by that address.
	impostor := f.b4090
	impostor.Endpoint = f.honestURL
	if _, err := d.CheckInfo(f.ctx, impostor); !errors.Is(err, discovery.ErrInfoSignature) {
		t.Fatalf("honest document for another address: %v", err)
	}
	// The honest document reached through a redirect: not served by the
	// registered endpoint.
	redirect := httptest.NewServer(http.RedirectHandler(f.honestURL+"/v1/info", http.StatusFound))
	t.Cleanup(redirect.Close)
	moved := f.a4090
	moved.Endpoint = redirect.URL
	if _, err := d.CheckInfo(f.ctx, moved); !errors.Is(err, discovery.ErrInfoUnreachable) {
		t.Fatalf("redirected document: %v", err)
	}
	// A signed document of another network.
	other := f.a4090
	other.Endpoint = infoServer(t, f.a4090.Address, f.keyOf(t, 0), "algorand:AAAA", f.a4090.PricePerHour).URL
	if _, err := d.CheckInfo(f.ctx, other); !errors.Is(err, discovery.ErrInfoMismatch) {
		t.Fatalf("other network: %v", err)
	}
}
