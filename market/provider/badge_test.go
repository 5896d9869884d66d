package provider_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/assets/badges"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// syncBuffer is a log sink the agent's goroutines and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// newBadgeMarket is newMarket on a fresh contract set whose first badge
// tier is one completed job: the provider is registered there, and the
// agent (not yet running) and the consumer use it.
func newBadgeMarket(t *testing.T, cfg provider.Config) *market {
	t.Helper()
	m := newMarketRun(t, cfg, false)
	creator := newKeyAccount(testkit.FundedAccount(t, 20_000_000))
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "badge-deployments.json"))
	d, err := contracts.EnsureDeployedWith(m.ctx, m.chain.Algod(), creator.Address(), creator, store, contracts.DeployConfig{
		Tiers: [3]uint64{1, 2, 3}, MinDeadline: 1, MaxDeadline: 5000, MinWindow: 1, MaxWindow: 5000,
		BadgePool: 3 * contracts.BadgeMintCost})
	if err != nil {
		t.Fatalf("deploy with tier 1 at one job: %v", err)
	}
	cc, err := contracts.NewClient(m.chain.Algod(), d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Register(m.ctx, m.prov.Address(), m.prov, contracts.ProviderInfo{Endpoint: "http://127.0.0.1:8402",
		GPUModel: "none", CPUCores: 2, RAMMB: 4096, PricePerHour: testPrice, MinJobSecs: 1, MaxJobSecs: 3600}); err != nil {
		t.Fatalf("register provider: %v", err)
	}
	m.chain, m.apps = cc, d.Apps
	m.consumer = consumer.New(cc, m.cons, nil)
	return m
}

// waitBadge waits until the agent's journal has tier's badge claimed.
func (m *market) waitBadge(tier uint64) provider.BadgeClaim {
	m.t.Helper()
	var last []provider.BadgeClaim
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		got, err := m.server.Badges()
		if err != nil {
			m.t.Fatal(err)
		}
		last = got
		for _, b := range got {
			if b.Tier == tier && b.Claimed {
				return b
			}
		}
	}
	m.t.Fatalf("tier %d badge not claimed within 30 s; journal %+v", tier, last)
	return provider.BadgeClaim{}
}

// checkHeldBadge checks that the provider holds exactly one unit of the
// tier-1 badge asset, frozen, that the BadgeMinter's box says claimed, and
// that the asset is the ARC-3 tier-1 badge.
func (m *market) checkHeldBadge(asset uint64) {
	m.t.Helper()
	hold, err := m.chain.Algod().AccountAssetInformation(m.prov.Address().String(), asset).Do(m.ctx)
	if err != nil {
		m.t.Fatalf("provider's holding of badge %d: %v", asset, err)
	}
	if hold.AssetHolding.Amount != 1 || !hold.AssetHolding.IsFrozen {
		m.t.Fatalf("holding %+v, want exactly 1, frozen", hold.AssetHolding)
	}
	rec, err := m.chain.Badge(m.ctx, m.prov.Address(), 1)
	if err != nil || !rec.Claimed || rec.Asset != asset {
		m.t.Fatalf("badge box %+v (%v), want asset %d claimed", rec, err, asset)
	}
	if _, err := m.chain.PendingBadge(m.ctx, m.prov.Address(), 1); !errors.Is(err, contracts.ErrNotFound) {
		m.t.Fatalf("pending badge after the claim: %v, want ErrNotFound", err)
	}
	a, err := m.chain.Algod().GetAssetByID(asset).Do(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	want, err := badges.Tier(1)
	if err != nil {
		m.t.Fatal(err)
	}
	if a.Params.Url != want.URL || !bytes.Equal(a.Params.MetadataHash, want.Hash[:]) || !strings.HasSuffix(a.Params.Url, "#arc3") ||
		a.Params.Name != "Kinetic Provider Tier 1" || a.Params.Total != 1 {
		m.t.Fatalf("badge asset %+v, want the ARC-3 tier-1 badge (url %s)", a.Params, want.URL)
	}
}

// TestBadgeClaimedAfterRelease: on a deployment whose first tier is one
// completed job, the consumer's release mints the tier-1 badge and the
// agent claims it by itself: the provider holds exactly 1 unit, frozen,
// the BadgeMinter's box says claimed, the asset is the ARC-3 tier-1 badge,
// and the provider paid exactly the claim payment and the group's 4000
// µALGO of fees. A restarted agent on the same store claims nothing again.
func TestBadgeClaimedAfterRelease(t *testing.T) {
	m := newBadgeMarket(t, provider.Config{WindowRounds: 50})
	m.start(true)
	job, esc := m.runToResult("echo badge > /output/b")
	before := m.balance(m.prov.Address())
	if _, err := m.consumer.Release(m.ctx, job); err != nil {
		t.Fatalf("release: %v", err)
	}
	claim := m.waitBadge(1)
	m.checkHeldBadge(claim.Asset)
	if claim.Attempts != 1 || claim.TxID == "" || claim.LastError != "" {
		t.Fatalf("journal %+v, want one claim sent, no error", claim)
	}
	if got, want := int64(m.balance(m.prov.Address()))-int64(before), int64(esc.Bill())-contracts.BadgeClaimPayment-4000; got != want {
		t.Fatalf("provider balance moved %d, want %d (bill %d − claim payment %d − fees 4000)", got, want, esc.Bill(), contracts.BadgeClaimPayment)
	}
	afterClaim := m.balance(m.prov.Address())

	m.start(true) // a restarted agent on the same store
	if _, err := m.server.Recover(m.ctx); err != nil {
		t.Fatalf("recover: %v", err)
	}
	time.Sleep(2 * time.Second) // several claim ticks
	again, err := m.server.Badges()
	if err != nil || len(again) != 1 || again[0] != claim {
		t.Fatalf("journal after the restart %+v (%v), want %+v unchanged", again, err, claim)
	}
	if got := m.balance(m.prov.Address()); got != afterClaim {
		t.Fatalf("the restarted agent spent %d µALGO", int64(afterClaim)-int64(got))
	}
	m.checkHeldBadge(claim.Asset)
}

// TestBadgeClaimRetriedAfterFunding: a provider too poor for the claim (its
// spendable balance under provider.BadgeClaimCost) gets its job settled
// all the same, a warning naming the shortfall, and the claim journaled as
// failed; once the account is funded the agent's retry claims it.
func TestBadgeClaimRetriedAfterFunding(t *testing.T) {
	logs := &syncBuffer{}
	m := newBadgeMarket(t, provider.Config{WindowRounds: 50, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	m.start(true)
	job, _ := m.runToResult("echo poor > /output/p")
	info, err := m.chain.Algod().AccountInformation(m.prov.Address().String()).Do(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	keep := uint64(150_000) // well under a claim's cost, even with the bill added
	sp, err := m.chain.Algod().SuggestedParams().Do(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	sp.FlatFee, sp.Fee = true, 1000
	drain, err := transaction.MakePaymentTxn(m.prov.Address().String(), m.cons.Address().String(), info.Amount-info.MinBalance-keep-1000, nil, "", sp)
	if err != nil {
		t.Fatal(err)
	}
	var atc transaction.AtomicTransactionComposer
	_ = atc.AddTransaction(transaction.TransactionWithSigner{Txn: drain, Signer: m.prov})
	if _, err := atc.Execute(m.chain.Algod(), m.ctx, 4); err != nil {
		t.Fatalf("drain the provider: %v", err)
	}
	if _, err := m.consumer.Release(m.ctx, job); err != nil {
		t.Fatalf("release: %v", err)
	}
	var failed provider.BadgeClaim
	for end := time.Now().Add(30 * time.Second); failed.LastError == ""; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no failed claim journaled within 30 s; log:\n%s", logs)
		}
		got, err := m.server.Badges()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			failed = got[0]
		}
	}
	if failed.Claimed || failed.Tier != 1 || failed.Attempts != 0 || !strings.Contains(failed.LastError, "fund "+m.prov.Address().String()) ||
		!strings.Contains(failed.LastError, "a claim needs 226500") {
		t.Fatalf("failed claim %+v, want tier 1 unclaimed, none sent, the shortfall named", failed)
	}
	if !strings.Contains(logs.String(), "badge claim failed; will retry") {
		t.Fatalf("no warning logged:\n%s", logs)
	}
	jobs, err := m.server.Jobs()
	for end := time.Now().Add(5 * time.Second); err == nil && len(jobs) == 1 && jobs[0].State != "settled" && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		jobs, err = m.server.Jobs()
	}
	if err != nil || len(jobs) != 1 || jobs[0].State != "settled" || jobs[0].Error != "" {
		t.Fatalf("jobs %+v (%v), want the job settled despite the failed claim", jobs, err)
	}
	testkit.Fund(t, m.prov.Address().String(), 1_000_000)
	claim := m.waitBadge(1)
	if claim.Attempts != 1 || claim.LastError != "" {
		t.Fatalf("journal %+v, want claimed on the first claim sent", claim)
	}
	m.checkHeldBadge(claim.Asset)
}

// TestBadgeClaimedAfterOwnClaim: the consumer stays silent; the agent's
// own claim after the dispute window completes the job, mints the tier-1
// badge, and the agent claims the badge too.
func TestBadgeClaimedAfterOwnClaim(t *testing.T) {
	m := newBadgeMarket(t, provider.Config{WindowRounds: 2})
	m.start(true)
	m.runToResult("echo silent > /output/s")
	testkit.AdvanceRounds(t, 3)
	claim := m.waitBadge(1)
	if claim.Attempts != 1 || claim.TxID == "" {
		t.Fatalf("journal %+v, want one claim sent", claim)
	}
	m.checkHeldBadge(claim.Asset)
	jobs, err := m.server.Jobs()
	if err != nil || len(jobs) != 1 || jobs[0].State != "settled" {
		t.Fatalf("jobs %+v (%v), want the job settled by the agent's claim", jobs, err)
	}
}

// TestBadgeClaimedBeforeRestartNotSentAgain: the badge was claimed from
// the provider's account while no agent ran (as when an agent's claim
// confirmed and it stopped before journaling it). The agent started again
// reads the BadgeMinter's box, journals the badge claimed without sending
// a claim, and spends nothing.
func TestBadgeClaimedBeforeRestartNotSentAgain(t *testing.T) {
	m := newBadgeMarket(t, provider.Config{WindowRounds: 50})
	runCtx, stop := context.WithCancel(m.ctx)
	m.start(false)
	done := make(chan struct{})
	go func() { defer close(done); _ = m.server.Run(runCtx) }()
	job, _ := m.runToResult("echo once > /output/o")
	stop()
	<-done
	if _, err := m.consumer.Release(m.ctx, job); err != nil {
		t.Fatalf("release: %v", err)
	}
	asset, _, err := m.chain.ClaimBadge(m.ctx, m.prov.Address(), m.prov, 1)
	if err != nil {
		t.Fatalf("claim from the account: %v", err)
	}
	before := m.balance(m.prov.Address())
	m.start(true)
	if _, err := m.server.Recover(m.ctx); err != nil {
		t.Fatalf("recover: %v", err)
	}
	claim := m.waitBadge(1)
	if claim.Asset != asset || claim.Attempts != 0 || claim.TxID != "" {
		t.Fatalf("journal %+v, want asset %d found claimed, no claim sent", claim, asset)
	}
	time.Sleep(time.Second) // more ticks
	if got := m.balance(m.prov.Address()); got != before {
		t.Fatalf("the agent spent %d µALGO on a claimed badge", int64(before)-int64(got))
	}
	m.checkHeldBadge(asset)
}
