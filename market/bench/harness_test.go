package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/sigframe"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/proof"
)

// The set-up below follows market/provider's end-to-end harness (a
// deployment, a registered provider agent on a loopback httptest server
// over a real compute.Engine, funded consumers); test files cannot be
// imported across packages, so the few steps are repeated here.

// keyAccount is an in-memory account key with the signer interfaces both
// agents need.
type keyAccount struct {
	transaction.BasicAccountTransactionSigner
}

func newKeyAccount(a crypto.Account) keyAccount {
	return keyAccount{transaction.BasicAccountTransactionSigner{Account: a}}
}

func (k keyAccount) Equals(other transaction.TransactionSigner) bool {
	o, ok := other.(keyAccount)
	return ok && o.Account.Address == k.Account.Address
}

func (k keyAccount) Address() types.Address       { return k.Account.Address }
func (k keyAccount) PublicKey() ed25519.PublicKey { return k.Account.PublicKey }
func (k keyAccount) SignMessage(domain string, msg []byte) ([]byte, error) {
	return sigframe.Sign(k.Account.PrivateKey, domain, msg), nil
}

// price is the provider's rate: 1000 µALGO per second.
const price = 3_600_000

// benchTimeout bounds one benchmark's whole run.
const benchTimeout = 15 * time.Minute

// market is one deployment with a registered provider agent serving on a
// loopback httptest server, with its own bbolt store and engine.
type market struct {
	tb     testing.TB
	ctx    context.Context
	chain  *contracts.Client
	prov   keyAccount
	server *provider.Server
	url    string
	docker *client.Client
}

// newMarket deploys the contracts, registers a fresh provider and starts
// its agent with cfg (Price and the test-image policy filled in); run
// false leaves the agent's background work (running jobs, claiming)
// stopped, as if its machine went away after taking the payment.
func newMarket(tb testing.TB, cfg provider.Config, run bool) *market {
	tb.Helper()
	ctx := testkit.Context(tb, benchTimeout)
	algod := testkit.Algod(tb)
	cli := testkit.Docker(tb)
	testkit.TestImage(tb)
	creator := newKeyAccount(testkit.FundedAccount(tb, 20_000_000))
	store := contracts.NewFileDeploymentStore(filepath.Join(tb.TempDir(), "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, algod, creator.Address(), creator, store, contracts.DeployConfig{
		Tiers: [3]uint64{1000, 2000, 3000}, MinDeadline: 1, MaxDeadline: 5000, MinWindow: 1, MaxWindow: 5000,
		BadgePool: 3 * contracts.BadgeMintCost})
	if err != nil {
		tb.Fatalf("deploy: %v", err)
	}
	cc, err := contracts.NewClient(algod, d.Apps)
	if err != nil {
		tb.Fatal(err)
	}
	m := &market{tb: tb, ctx: ctx, chain: cc, docker: cli, prov: newKeyAccount(testkit.FundedAccount(tb, 20_000_000))}
	if _, err := cc.Register(ctx, m.prov.Address(), m.prov, contracts.ProviderInfo{Endpoint: "http://127.0.0.1:8402",
		GPUModel: "none", CPUCores: 2, RAMMB: 4096, PricePerHour: price, MinJobSecs: 1, MaxJobSecs: 3600}); err != nil {
		tb.Fatalf("register provider: %v", err)
	}
	db := testkit.DB(tb)
	engine, err := compute.NewEngine(cli, db, compute.EngineOptions{OutputDir: tb.TempDir(), AllowedImages: []string{"kinetic-test/"}})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Price = price
	if cfg.ClaimInterval == 0 {
		cfg.ClaimInterval = 300 * time.Millisecond
	}
	cfg.Policy.AllowedImagePrefixes = []string{"kinetic-test/"}
	// Every consumer here is 127.0.0.1: the per-client rate limit (its own
	// tests are in market/provider) would meter the benchmark's loop, not
	// the market (the refund path's fast jobs ran into 429).
	if cfg.RequestsPerSecond == 0 {
		cfg.RequestsPerSecond, cfg.Burst = 10_000, 10_000
	}
	if m.server, err = provider.New(cfg, db, provider.AlgodChain{Client: cc}, m.prov, engine); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(m.server.Handler()) // 127.0.0.1
	tb.Cleanup(srv.Close)
	m.url = srv.URL
	if run {
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = m.server.Run(runCtx) }()
		tb.Cleanup(func() { stop(); <-done })
	}
	return m
}

// buyer is a funded consumer agent.
type buyer struct {
	acct keyAccount
	c    *consumer.Client
}

// newBuyer funds a fresh consumer account with microAlgos; a non-empty
// from is the loopback source address its HTTP requests leave from, so
// that each buyer is a separate client to the provider's per-IP limits.
func (m *market) newBuyer(microAlgos uint64, from string) buyer {
	m.tb.Helper()
	acct := newKeyAccount(testkit.FundedAccount(m.tb, microAlgos))
	var hc *http.Client
	if from != "" {
		ip := net.ParseIP(from)
		if ip == nil || !ip.IsLoopback() {
			m.tb.Fatalf("source address %q is not loopback", from)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}).DialContext
		m.tb.Cleanup(tr.CloseIdleConnections)
		hc = &http.Client{Transport: tr}
	}
	return buyer{acct: acct, c: consumer.New(m.chain, acct, hc)}
}

// spec is a small job of the test image running script under sh.
func spec(tb testing.TB, script string) compute.Spec {
	tb.Helper()
	raw, _ := json.Marshal(map[string]any{"version": 1, "image": testkit.TestImageRef, "command": []string{"sh", "-c", script},
		"cpus": 0.5, "memoryMB": 64, "maxSeconds": 20, "network": "none", "outputs": "/output"})
	s, err := compute.ParseSpec(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// stepKind is the proof step kind of a "proof" event's data, "" otherwise.
func stepKind(data []byte) string {
	var st proof.SignedStep
	if json.Unmarshal(data, &st) != nil {
		return ""
	}
	return string(st.Step.Kind)
}

// balance is a's balance less DevMode participation rewards.
func (m *market) balance(a types.Address) int64 {
	m.tb.Helper()
	info, err := m.chain.Algod().AccountInformation(a.String()).Do(m.ctx)
	if err != nil {
		m.tb.Fatal(err)
	}
	return int64(info.Amount - info.Rewards)
}

func (m *market) lastRound() uint64 {
	m.tb.Helper()
	st, err := m.chain.Algod().Status().Do(m.ctx)
	if err != nil {
		m.tb.Fatal(err)
	}
	return st.LastRound
}

// containersOf counts the containers, running or not, labelled with id.
func (m *market) containersOf(id jobid.ID) int {
	m.tb.Helper()
	list, err := m.docker.ContainerList(m.ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", compute.LabelJob+"="+id.String()))})
	if err != nil {
		m.tb.Fatal(err)
	}
	return len(list)
}

// onChain is what the confirmed blocks hold for a set of senders.
type onChain struct {
	Txns      int    // top-level transactions sent by them
	Inner     int    // inner transactions those caused
	Fees      uint64 // fee fields of all of them, µALGO
	OtherPaid uint64 // µALGO paid to anyone but the senders and the apps
}

// scan reads every confirmed block in rounds [from, to] and tallies the
// top-level transactions sent by senders and their inner transactions.
func (m *market) scan(from, to uint64, senders ...types.Address) onChain {
	m.tb.Helper()
	ours := map[types.Address]bool{}
	for _, s := range senders {
		ours[s] = true
	}
	apps := m.chain.Apps()
	known := map[types.Address]bool{crypto.GetApplicationAddress(apps.Escrow): true, crypto.GetApplicationAddress(apps.Registry): true}
	for s := range ours {
		known[s] = true
	}
	var out onChain
	var inner func(list []types.SignedTxnWithAD)
	tally := func(tx types.Transaction) {
		out.Fees += uint64(tx.Fee)
		if tx.Type == types.PaymentTx && !known[tx.Receiver] {
			out.OtherPaid += uint64(tx.Amount)
		}
		if tx.Type == types.PaymentTx && !tx.CloseRemainderTo.IsZero() && !known[tx.CloseRemainderTo] {
			out.OtherPaid++ // a close-out to a stranger: flagged whatever its amount
		}
	}
	inner = func(list []types.SignedTxnWithAD) {
		for _, it := range list {
			out.Inner++
			tally(it.Txn)
			inner(it.EvalDelta.InnerTxns)
		}
	}
	for r := from; r <= to; r++ {
		blk, err := m.chain.Algod().Block(r).Do(m.ctx)
		if err != nil {
			m.tb.Fatalf("block %d: %v", r, err)
		}
		for _, st := range blk.Payset {
			if !ours[st.Txn.Sender] {
				continue
			}
			out.Txns++
			tally(st.Txn)
			inner(st.EvalDelta.InnerTxns)
		}
	}
	return out
}

// waitGone waits up to limit for job id's escrow box to be deleted.
func (m *market) waitGone(id jobid.ID, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		_, err := m.chain.Job(m.ctx, id)
		switch {
		case err == nil:
		case errors.Is(err, contracts.ErrNotFound):
			return nil
		default:
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("escrow box of %s still there after %v", id, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// specT is a job spec.
type specT = compute.Spec

// endState is the "state" of an end event's data.
func endState(data []byte) string {
	var d struct {
		State string `json:"state"`
	}
	_ = json.Unmarshal(data, &d)
	return d.State
}
