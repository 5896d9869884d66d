package provider_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// secondProvider registers another provider account with its own store and
// agent, and returns its Registry entry pointing at the agent.
func (m *market) secondProvider() contracts.Provider {
	m.t.Helper()
	acct := newKeyAccount(testkit.FundedAccount(m.t, 10_000_000))
	if _, err := m.chain.Register(m.ctx, acct.Address(), acct, contracts.ProviderInfo{Endpoint: "http://127.0.0.1:8403",
		GPUModel: "none", CPUCores: 2, RAMMB: 4096, PricePerHour: testPrice, MinJobSecs: 1, MaxJobSecs: 3600}); err != nil {
		m.t.Fatalf("register second provider: %v", err)
	}
	db := testkit.DB(m.t)
	engine, err := compute.NewEngine(testkit.Docker(m.t), db, compute.EngineOptions{OutputDir: m.t.TempDir(), AllowedImages: []string{"kinetic-test/"}})
	if err != nil {
		m.t.Fatal(err)
	}
	srv, err := provider.New(m.cfg, db, provider.AlgodChain{Client: m.chain}, acct, engine)
	if err != nil {
		m.t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	m.t.Cleanup(hs.Close)
	ctx, stop := context.WithCancel(m.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Run(ctx) }()
	m.t.Cleanup(func() { stop(); <-done })
	p, err := m.chain.Provider(m.ctx, acct.Address())
	if err != nil {
		m.t.Fatal(err)
	}
	p.Endpoint = hs.URL
	return p
}

// TestSpotCheck: a deterministic job's re-run on a second provider matches
// and nothing is disputed; a job whose output differs between providers
// (each container's own hostname) is disputed and its provider blocklisted.
func TestSpotCheck(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 100})
	second := m.secondProvider()
	db := testkit.DB(t)
	for _, c := range []struct {
		name, script string
		match        bool
	}{
		{"deterministic", "echo 42 > /output/answer", true},
		{"differs", "hostname > /output/host", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer m.use(t)()
			job, _ := m.runToResult(c.script)
			v, err := m.consumer.Verify(m.ctx, job)
			if err != nil {
				t.Fatal(err)
			}
			res, err := m.consumer.RunSpotCheck(m.ctx, db, job, v.Output, second, m.spec(c.script))
			if err != nil {
				t.Fatalf("spot check: %v", err)
			}
			if res.Match != c.match {
				t.Fatalf("match %v, want %v", res.Match, c.match)
			}
			blocked, err := consumer.Blocklist(db)
			if err != nil {
				t.Fatal(err)
			}
			_, gone := m.chain.Job(m.ctx, job.ID)
			if c.match {
				if blocked[m.prov.Address()] || !errors.Is(gone, nil) {
					t.Fatalf("matching spot check: blocked %v, first job box %v", blocked, gone)
				}
				return
			}
			if !blocked[m.prov.Address()] || !errors.Is(gone, contracts.ErrNotFound) || len(res.Disputed.TxIDs) == 0 {
				t.Fatalf("differing spot check: blocked %v, first job box %v, dispute %v", blocked, gone, res.Disputed.TxIDs)
			}
		})
	}
	if _, err := m.consumer.RunSpotCheck(m.ctx, db, consumer.Job{Provider: second.Address}, nil, second, m.spec("true")); !errors.Is(err, consumer.ErrSameProvider) {
		t.Fatalf("same provider: %v", err)
	}
	n := 0
	for i := 0; i < 1000; i++ {
		if consumer.SpotCheckPicked(jobid.ID{byte(i), byte(i >> 8)}, consumer.DefaultSpotCheckShare) {
			n++
		}
	}
	if n < 70 || n > 130 {
		t.Fatalf("%d of 1000 ids picked at a 10%% share", n)
	}
}
