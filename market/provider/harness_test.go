package provider_test

import (
	"context"
	"crypto/ed25519"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// keyAccount is an in-memory account key with the signer interfaces both
// agents need.
type keyAccount struct {
	transaction.BasicAccountTransactionSigner
}

func newKeyAccount(a crypto.Account) keyAccount {
	return keyAccount{transaction.BasicAccountTransactionSigner{Account: a}}
}

// Equals reports whether other signs for the same account.
func (k keyAccount) Equals(other transaction.TransactionSigner) bool {
	o, ok := other.(keyAccount)
	return ok && o.Account.Address == k.Account.Address
}

func (k keyAccount) Address() types.Address       { return k.Account.Address }
func (k keyAccount) PublicKey() ed25519.PublicKey { return k.Account.PublicKey }
func (k keyAccount) SignMessage(domain string, msg []byte) ([]byte, error) {
	return sigframe.Sign(k.Account.PrivateKey, domain, msg), nil
}

// clock is the wall clock plus an offset a test can move.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.offset) }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.offset += d; c.mu.Unlock() }

const testPrice = 3_600_000 // µALGO per hour: 1000 per second

// market is one deployment with a registered provider agent serving on
// loopback and a funded consumer, each with its own bbolt store and key.
type market struct {
	t        *testing.T
	ctx      context.Context
	chain    *contracts.Client
	apps     contracts.AppIDs
	prov     keyAccount
	cons     keyAccount
	server   *provider.Server
	url      string
	consumer *consumer.Client
	clock    *clock
	cfg      provider.Config
	db       *bbolt.DB
	engine   *compute.Engine
	docker   interface {
		ContainerList(context.Context, container.ListOptions) ([]container.Summary, error)
	}
}

func newMarket(t *testing.T, cfg provider.Config) *market {
	t.Helper()
	return newMarketRun(t, cfg, true)
}

// newMarketRun is newMarket; run false leaves the provider's background
// work stopped, as if its machine went away after taking the payment.
func newMarketRun(t *testing.T, cfg provider.Config, run bool) *market {
	t.Helper()
	ctx := testkit.Context(t, 4*time.Minute)
	algod := testkit.Algod(t)
	cli := testkit.Docker(t)
	testkit.TestImage(t)
	creator := newKeyAccount(testkit.FundedAccount(t, 20_000_000))
	store := contracts.NewFileDeploymentStore(filepath.Join(t.TempDir(), "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, algod, creator.Address(), creator, store, contracts.DeployConfig{
		Tiers: [3]uint64{100, 200, 300}, MinDeadline: 1, MaxDeadline: 5000, MinWindow: 1, MaxWindow: 5000,
		BadgePool: 3 * contracts.BadgeMintCost})
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	cc, err := contracts.NewClient(algod, d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	m := &market{t: t, ctx: ctx, chain: cc, apps: d.Apps, docker: cli,
		prov: newKeyAccount(testkit.FundedAccount(t, 10_000_000)),
		cons: newKeyAccount(testkit.FundedAccount(t, 10_000_000))}
	if _, err := cc.Register(ctx, m.prov.Address(), m.prov, contracts.ProviderInfo{Endpoint: "http://127.0.0.1:8402",
		GPUModel: "none", CPUCores: 2, RAMMB: 4096, PricePerHour: testPrice, MinJobSecs: 1, MaxJobSecs: 3600}); err != nil {
		t.Fatalf("register provider: %v", err)
	}
	db := testkit.DB(t)
	engine, err := compute.NewEngine(cli, db, compute.EngineOptions{OutputDir: t.TempDir(), AllowedImages: []string{"kinetic-test/"}})
	if err != nil {
		t.Fatal(err)
	}
	m.clock = &clock{}
	cfg.Now = m.clock.Now
	if cfg.Price == 0 {
		cfg.Price = testPrice
	}
	if cfg.ClaimInterval == 0 {
		cfg.ClaimInterval = 300 * time.Millisecond
	}
	cfg.Policy.AllowedImagePrefixes = []string{"kinetic-test/"}
	m.cfg, m.db, m.engine = cfg, db, engine
	m.consumer = consumer.New(cc, m.cons, nil)
	m.start(run)
	return m
}

// start creates a provider agent on the market's store and engine, serves
// it on a new loopback URL and, when run is set, runs its background work.
func (m *market) start(run bool) {
	m.t.Helper()
	var err error
	m.server, err = provider.New(m.cfg, m.db, provider.AlgodChain{Client: m.chain}, m.prov, m.engine)
	if err != nil {
		m.t.Fatal(err)
	}
	srv := httptest.NewServer(m.server.Handler())
	m.t.Cleanup(srv.Close)
	m.url = srv.URL
	if !run {
		return
	}
	runCtx, stop := context.WithCancel(m.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = m.server.Run(runCtx) }()
	m.t.Cleanup(func() { stop(); <-done })
}

func (m *market) spec(script string) compute.Spec {
	m.t.Helper()
	s, err := compute.ParseSpec([]byte(`{"version":1,"image":"` + testkit.TestImageRef + `","command":["sh","-c",` +
		quote(script) + `],"cpus":0.5,"memoryMB":64,"maxSeconds":20,"network":"none","outputs":"/output"}`))
	if err != nil {
		m.t.Fatal(err)
	}
	return s
}

func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}

// containersOf lists the containers, running or not, labelled with job id.
func (m *market) containersOf(id jobid.ID) int {
	m.t.Helper()
	list, err := m.docker.ContainerList(m.ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", compute.LabelJob+"="+id.String()))})
	if err != nil {
		m.t.Fatal(err)
	}
	return len(list)
}

func (m *market) balance(a types.Address) uint64 {
	m.t.Helper()
	info, err := m.chain.Algod().AccountInformation(a.String()).Do(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return info.Amount - info.Rewards // DevMode participation rewards are not ours
}
