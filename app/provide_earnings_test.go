package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
)

// providerJobsBucket is where market/provider's store keeps its job
// records (market/provider/store.go); the test writes records the way the
// agent does, and reads them back through provider.ListJobs.
const providerJobsBucket = "market/provider/jobs"

// recordedJob is the part of the agent's job record the earnings read.
type recordedJob struct {
	ID         jobid.ID `json:"id"`
	Consumer   string   `json:"consumer"`
	State      string   `json:"state"`
	ResultTxID string   `json:"resultTxId,omitempty"`
	SettleTxID string   `json:"settleTxId,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Paid       uint64   `json:"paid,omitempty"`
}

func earningsStore(t *testing.T, jobs ...recordedJob) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "kinetic.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	putJobs(t, db, jobs...)
	return db
}

func putJobs(t *testing.T, db *bbolt.DB, jobs ...recordedJob) {
	t.Helper()
	err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(providerJobsBucket))
		if err != nil {
			return err
		}
		for _, j := range jobs {
			v, _ := json.Marshal(j)
			if err := b.Put(j.ID[:], v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func earnID(b byte) jobid.ID {
	var id jobid.ID
	for i := range id {
		id[i] = b
	}
	return id
}

// fakeEarningsChain holds escrow boxes and settlement events by job, and
// counts the settlement searches.
type fakeEarningsChain struct {
	boxes    map[jobid.ID]contracts.Job
	settled  map[jobid.ID]contracts.JobSettled
	at       map[jobid.ID]time.Time
	paid     map[jobid.ID]string // the provider a settlement's payment names
	searches int
	repeated int // searches for a job already searched in vain
	boxErr   error
	// searchErr is what the block search of a job not yet searched
	// returns (a pruned block), as algodEarnings does.
	searchErr map[jobid.ID]error
}

func (f *fakeEarningsChain) Job(_ context.Context, id jobid.ID) (contracts.Job, error) {
	if f.boxErr != nil {
		return contracts.Job{}, f.boxErr
	}
	b, ok := f.boxes[id]
	if !ok {
		return contracts.Job{}, contracts.ErrNotFound
	}
	return b, nil
}

func (f *fakeEarningsChain) Settled(_ context.Context, id jobid.ID, txID string, rec earningRecord) (settlement, bool, error) {
	f.searches++
	if rec.Searched {
		f.repeated++
	} else if err := f.searchErr[id]; err != nil {
		return settlement{}, false, err
	}
	ev, ok := f.settled[id]
	p := f.paid[id]
	if p == "" {
		p = rec.Provider
	}
	return settlement{Event: ev, At: f.at[id], TxID: txID, Provider: p}, ok, nil
}

func noHistory(context.Context, string) (map[string]earningRecord, error) { return nil, nil }

// TestProviderEarningsFromJobRecords: a store with two jobs settled (one
// today, one yesterday), one disputed, one pending in its window and one
// still running. Pending and settled are summed apart, the dispute pays 0,
// and once read a settlement is not searched for again.
func TestProviderEarningsFromJobRecords(t *testing.T) {
	var me, other types.Address
	me[0], other[0] = 7, 8
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.Local)
	db := earningsStore(t,
		recordedJob{ID: earnID(1), Consumer: other.String(), State: "settled", SettleTxID: "TXREL"},
		recordedJob{ID: earnID(2), Consumer: other.String(), State: "settled", SettleTxID: "TXCLAIM"},
		recordedJob{ID: earnID(3), Consumer: other.String(), State: "settled", SettleTxID: "TXDISPUTE"},
		recordedJob{ID: earnID(4), Consumer: other.String(), State: "submitted", ResultTxID: "TXRESULT"},
		recordedJob{ID: earnID(5), Consumer: other.String(), State: "running"},
		recordedJob{ID: earnID(6), Consumer: me.String(), State: "settled", SettleTxID: "TXOTHER"}, // another account provided
	)
	if jobs, err := provider.ListJobs(db); err != nil || len(jobs) != 6 {
		t.Fatalf("the agent's store lists %d jobs (%v)", len(jobs), err)
	}
	chain := &fakeEarningsChain{
		boxes: map[jobid.ID]contracts.Job{
			earnID(4): {ID: earnID(4), Provider: me, Consumer: other, Status: contracts.JobSubmitted, Locked: 1_000_000,
				RatePerHour: 600_000, BilledSeconds: 1_800, ResultRound: 900, DisputeWindow: 100},
			earnID(5): {ID: earnID(5), Provider: me, Consumer: other, Status: contracts.JobOpen, Locked: 1_000_000},
		},
		settled: map[jobid.ID]contracts.JobSettled{
			earnID(1): {ID: earnID(1), Outcome: contracts.OutcomeReleased, PaidProvider: 250_000, PaidConsumer: 858_900},
			earnID(2): {ID: earnID(2), Outcome: contracts.OutcomeClaimed, PaidProvider: 400_000, PaidConsumer: 708_900},
			earnID(3): {ID: earnID(3), Outcome: contracts.OutcomeDisputed, PaidConsumer: 1_108_900},
			earnID(6): {ID: earnID(6), Outcome: contracts.OutcomeReleased, PaidProvider: 999_000},
		},
		at:   map[jobid.ID]time.Time{earnID(1): now.Add(-time.Hour), earnID(2): now.Add(-20 * time.Hour), earnID(3): now.Add(-2 * time.Hour), earnID(6): now},
		paid: map[jobid.ID]string{earnID(1): me.String(), earnID(2): me.String(), earnID(6): other.String()},
	}
	want := ui.ProviderEarnings{SettledToday: 250_000, SettledTotal: 650_000, SettledJobs: 3, Pending: 300_000, PendingJobs: 1}
	got, err := providerEarnings(context.Background(), db, chain, noHistory, me.String(), now)
	if err != nil || got != want {
		t.Fatalf("earnings %+v, %v; want %+v", got, err, want)
	}
	if chain.searches != 4 {
		t.Errorf("%d settlement searches, want 4", chain.searches)
	}

	// The pending job is released and the agent records it: it moves from
	// pending to settled, and only it is searched for.
	delete(chain.boxes, earnID(4))
	chain.settled[earnID(4)] = contracts.JobSettled{ID: earnID(4), Outcome: contracts.OutcomeReleased, PaidProvider: 300_000}
	chain.at[earnID(4)] = now.Add(-time.Minute)
	putJobs(t, db, recordedJob{ID: earnID(4), Consumer: other.String(), State: "settled", ResultTxID: "TXRESULT", SettleTxID: "TXREL4"})
	want = ui.ProviderEarnings{SettledToday: 550_000, SettledTotal: 950_000, SettledJobs: 4}
	got, err = providerEarnings(context.Background(), db, chain, noHistory, me.String(), now)
	if err != nil || got != want {
		t.Fatalf("after the release: %+v, %v; want %+v", got, err, want)
	}
	if chain.searches != 5 {
		t.Errorf("%d settlement searches in all, want 5 (cached ones are not searched again)", chain.searches)
	}

	// The other account of this machine gets its own job and the dispute
	// (whose provider no read showed), not this account's.
	got, err = providerEarnings(context.Background(), db, chain, noHistory, other.String(), now)
	if want := (ui.ProviderEarnings{SettledToday: 999_000, SettledTotal: 999_000, SettledJobs: 2}); err != nil || got != want {
		t.Errorf("the other account's earnings %+v, %v; want %+v", got, err, want)
	}
}

// TestProviderEarningsUnreadSettlement: a settled job whose event neither
// the node nor the wallet's history has is counted as unpriced, not as 0;
// the history fills it in once it has the payout.
func TestProviderEarningsUnreadSettlement(t *testing.T) {
	var me types.Address
	me[0] = 7
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.Local)
	db := earningsStore(t, recordedJob{ID: earnID(9), State: "settled", SettleTxID: "TXOLD"})
	chain := &fakeEarningsChain{}
	got, err := providerEarnings(context.Background(), db, chain, noHistory, me.String(), now)
	if err != nil || got != (ui.ProviderEarnings{Unpriced: 1}) {
		t.Fatalf("earnings %+v, %v; want one unpriced job", got, err)
	}
	hist := func(_ context.Context, addr string) (map[string]earningRecord, error) {
		return map[string]earningRecord{earnID(9).String(): {Provider: addr, Settled: true, Paid: 123_000, At: now.Add(-48 * time.Hour), TxID: "TXOLD"}}, nil
	}
	got, err = providerEarnings(context.Background(), db, chain, hist, me.String(), now)
	if err != nil || got != (ui.ProviderEarnings{SettledTotal: 123_000, SettledJobs: 1}) {
		t.Fatalf("with the history: %+v, %v", got, err)
	}
	chain.boxErr = errors.New("algod: 503 catching up")
	db2 := earningsStore(t, recordedJob{ID: earnID(10), State: "submitted"})
	if _, err := providerEarnings(context.Background(), db2, chain, noHistory, me.String(), now); err == nil || !errors.Is(err, chain.boxErr) {
		t.Errorf("a node error reads as %v", err)
	}
}

// TestProviderEarningsSearchOnce: a job seen pending whose settlement the
// block search cannot find is searched once, then marked, so that the
// Provide screen's polling does not scan the chain again and again.
func TestProviderEarningsSearchOnce(t *testing.T) {
	var me, other types.Address
	me[0], other[0] = 7, 8
	now := time.Now()
	db := earningsStore(t, recordedJob{ID: earnID(3), Consumer: other.String(), State: "submitted"})
	chain := &fakeEarningsChain{boxes: map[jobid.ID]contracts.Job{earnID(3): {ID: earnID(3), Provider: me, Consumer: other,
		Status: contracts.JobSubmitted, Locked: 100_000, RatePerHour: 3_600_000, BilledSeconds: 10, ResultRound: 40, DisputeWindow: 10}}}
	if got, err := providerEarnings(context.Background(), db, chain, noHistory, me.String(), now); err != nil || got.Pending != 10_000 {
		t.Fatalf("pending: %+v, %v", got, err)
	}
	delete(chain.boxes, earnID(3)) // settled, by a transaction the search misses
	for range 3 {
		got, err := providerEarnings(context.Background(), db, chain, noHistory, me.String(), now)
		if err != nil || got != (ui.ProviderEarnings{Unpriced: 1}) {
			t.Fatalf("after settling: %+v, %v", got, err)
		}
	}
	cache, err := loadEarnings(db)
	if err != nil || !cache[earnID(3)].Searched || cache[earnID(3)].Provider != me.String() {
		t.Fatalf("cached %+v, %v", cache[earnID(3)], err)
	}
	if chain.searches != 3 || chain.repeated != 2 {
		t.Errorf("%d searches, %d of them marked searched, want 3 and 2", chain.searches, chain.repeated)
	}
	// The node-backed search returns at once for a marked record: with no
	// client at all, it would panic if it read a block.
	if _, found, err := (algodEarnings{}).Settled(context.Background(), earnID(3), "", cache[earnID(3)]); found || err != nil {
		t.Errorf("a marked record was searched again: found %v, %v", found, err)
	}
}

// TestProviderEarningsPrunedNode: on a node that no longer serves the
// blocks after a job's result, that job counts as unpriced, with the
// reason cached, and the other job's payout is still summed; no refresh
// fails, and none searches the blocks again. Once the wallet's history has
// the payout it is summed and the reason dropped.
func TestProviderEarningsPrunedNode(t *testing.T) {
	var me, other types.Address
	me[0], other[0] = 7, 8
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.Local)
	db := earningsStore(t,
		recordedJob{ID: earnID(1), Consumer: other.String(), State: "submitted"},
		recordedJob{ID: earnID(2), Consumer: other.String(), State: "settled", SettleTxID: "TXREL"},
	)
	chain := &fakeEarningsChain{
		boxes: map[jobid.ID]contracts.Job{earnID(1): {ID: earnID(1), Provider: me, Consumer: other, Status: contracts.JobSubmitted,
			Locked: 100_000, RatePerHour: 3_600_000, BilledSeconds: 10, ResultRound: 40, DisputeWindow: 10}},
		settled:   map[jobid.ID]contracts.JobSettled{earnID(2): {ID: earnID(2), Outcome: contracts.OutcomeReleased, PaidProvider: 70_000}},
		at:        map[jobid.ID]time.Time{earnID(2): now.Add(-time.Hour)},
		paid:      map[jobid.ID]string{earnID(2): me.String()},
		searchErr: map[jobid.ID]error{earnID(1): fmt.Errorf("settlement of job: provider: block 41: %w", provider.ErrBlockPruned)},
	}
	ctx := context.Background()
	if got, err := providerEarnings(ctx, db, chain, noHistory, me.String(), now); err != nil ||
		got != (ui.ProviderEarnings{SettledToday: 70_000, SettledTotal: 70_000, SettledJobs: 1, Pending: 10_000, PendingJobs: 1}) {
		t.Fatalf("pending: %+v, %v", got, err)
	}
	delete(chain.boxes, earnID(1)) // settled while its blocks were pruned
	want := "settlement not read: settlement of job: provider: block 41: " + provider.ErrBlockPruned.Error() + "; connect to an archival node to read it"
	for i := range 3 {
		got, err := providerEarnings(ctx, db, chain, noHistory, me.String(), now)
		if err != nil || got != (ui.ProviderEarnings{SettledToday: 70_000, SettledTotal: 70_000, SettledJobs: 1, Unpriced: 1, UnpricedWhy: want}) {
			t.Fatalf("refresh %d on a pruned node: %+v, %v; want one unpriced job, its reason and no error", i, got, err)
		}
	}
	cache, err := loadEarnings(db)
	if c := cache[earnID(1)]; err != nil || !c.Searched || c.Settled || c.Unread != want || c.Provider != me.String() {
		t.Fatalf("cached %+v, %v; want searched, unread %q", c, err, want)
	}
	if chain.searches != 4 || chain.repeated != 2 {
		t.Errorf("%d searches, %d of them marked searched; want 4 and 2 (the pruned one is not searched again)", chain.searches, chain.repeated)
	}
	hist := func(_ context.Context, addr string) (map[string]earningRecord, error) {
		return map[string]earningRecord{earnID(1).String(): {Provider: addr, Settled: true, Paid: 10_000, At: now.Add(-2 * time.Hour), TxID: "TXCLAIM"}}, nil
	}
	if got, err := providerEarnings(ctx, db, chain, hist, me.String(), now); err != nil ||
		got != (ui.ProviderEarnings{SettledToday: 80_000, SettledTotal: 80_000, SettledJobs: 2}) {
		t.Fatalf("with the history: %+v, %v", got, err)
	}
	if cache, err = loadEarnings(db); err != nil || cache[earnID(1)].Unread != "" || cache[earnID(1)].Paid != 10_000 {
		t.Fatalf("cached after the history: %+v, %v", cache[earnID(1)], err)
	}
}

// TestProviderEarningsPrunedLocalNet: the node-backed earnings over the
// LocalNet, for a job settled while nobody looked, whose result was in
// round 2. The LocalNet is not archival: once it no longer serves round 2
// the search ends with provider.ErrBlockPruned, and the earnings count the
// job unpriced with that reason instead of failing; a node that still
// serves it searches to the end and finds nothing. Either way the refresh
// after it does not search again.
func TestProviderEarningsPrunedLocalNet(t *testing.T) {
	node := testkit.Algod(t)
	c, err := contracts.NewClient(node, contracts.AppIDs{Registry: 1, Escrow: 2, Badge: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, berr := node.Block(2).Do(ctx)
	var nf common.NotFound
	pruned := errors.As(berr, &nf)
	t.Logf("round 2 pruned: %v (%v)", pruned, berr)
	var me types.Address
	me[0] = 7
	db := earningsStore(t, recordedJob{ID: earnID(5), State: "settled"})
	if err := saveEarnings(db, map[jobid.ID]earningRecord{earnID(5): {Provider: me.String(), Bill: 9, ResultRound: 2, Window: 10}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var whys []string
	for i := range 2 {
		got, err := providerEarnings(ctx, db, algodEarnings{c: c}, noHistory, me.String(), now)
		if err != nil || got != (ui.ProviderEarnings{Unpriced: 1, UnpricedWhy: got.UnpricedWhy}) {
			t.Fatalf("refresh %d: %+v, %v; want one unpriced job and no error", i, got, err)
		}
		whys = append(whys, got.UnpricedWhy)
	}
	cache, err := loadEarnings(db)
	if err != nil {
		t.Fatal(err)
	}
	rec := cache[earnID(5)]
	// Both refreshes say why the job is unpriced: the reason cached.
	if whys[0] != rec.Unread || whys[1] != rec.Unread {
		t.Errorf("UnpricedWhy %q, %q; want the cached reason %q both times", whys[0], whys[1], rec.Unread)
	}
	// The search reads its range in concurrent chunks, so the first pruned
	// block it reports is any of the pruned ones, not always round 2.
	want := regexp.MustCompile(`^$`)
	if pruned {
		want = regexp.MustCompile(`^settlement not read: provider: block \d+: ` + regexp.QuoteMeta(provider.ErrBlockPruned.Error()) + `; connect to an archival node to read it$`)
	}
	if !rec.Searched || rec.Settled || !want.MatchString(rec.Unread) {
		t.Fatalf("cached %+v, want searched, unread matching %s", rec, want)
	}
}
