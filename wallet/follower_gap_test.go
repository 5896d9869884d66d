package wallet

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// prunedNode fronts the real LocalNet algod and answers, for every block
// (and block hash) below cutoff, exactly what a non-archival algod answers
// for a round it no longer keeps: 404 "failed to retrieve information from
// the ledger". It counts requests per refused round.
type prunedNode struct {
	cutoff uint64
	mu     sync.Mutex
	asked  map[uint64]int
}

func (p *prunedNode) client(t *testing.T) *algod.Client {
	t.Helper()
	raw, token := testkit.AlgodEndpoint(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/v2/blocks/"); ok {
			if round, err := strconv.ParseUint(strings.TrimSuffix(rest, "/hash"), 10, 64); err == nil && round < p.cutoff {
				p.mu.Lock()
				p.asked[round]++
				p.mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"message":"failed to retrieve information from the ledger"}`))
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := algod.MakeClient(srv.URL, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// blockIndexer stands in for an indexer: it reads the real node directly.
type blockIndexer struct {
	c *algod.Client
}

func (b blockIndexer) Backfill(ctx context.Context, addr string, minRound, maxRound uint64) ([]Entry, error) {
	a, err := types.DecodeAddress(addr)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for r := minRound; r <= maxRound; r++ {
		blk, err := b.c.Block(r).Do(ctx)
		if err != nil {
			return nil, err
		}
		x := extractor{watch: map[types.Address]bool{a: true}, blk: &blk}
		out = append(out, x.entries()...)
	}
	return out, nil
}

// TestFollowerSkipsPrunedRounds: after the app was offline longer than the
// node keeps blocks, the follower records the gap, jumps to the oldest
// round the node has, keeps following (CatchUp and Run), and FillGaps
// back-fills the gap from an indexer.
func TestFollowerSkipsPrunedRounds(t *testing.T) {
	real := testkit.Algod(t)
	ctx := testkit.Context(t, 2*time.Minute)
	me := testkit.FundedAccount(t, 2_000_000)
	to := crypto.GenerateAccount().Address.String()
	st, err := real.Status().Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := st.LastRound + 1
	// The real node's answer for a round it lacks is what prunedNode mimics.
	if _, err := real.Block(st.LastRound + 1_000_000).Do(ctx); err == nil || !notAvailable(err) {
		t.Fatalf("real node on a missing round: %v", err)
	}
	ch, signer := &Chain{Client: real}, transaction.BasicAccountTransactionSigner{Account: me}
	lost := pay(t, ctx, ch, signer, me.Address.String(), to, 111_000)
	kept := pay(t, ctx, ch, signer, me.Address.String(), to, 222_000)
	node := &prunedNode{cutoff: kept.Round, asked: map[uint64]int{}}
	c := node.client(t)
	watch := func(context.Context) ([]string, error) { return []string{me.Address.String()}, nil }
	db := openTestDB(t, t.TempDir())
	var told []Gap
	f := &Follower{Client: c, DB: db, Watch: watch, StartRound: start, BatchBlocks: 4, OnGap: func(g Gap) { told = append(told, g) }}

	_, err = f.CatchUp(ctx, 0)
	var ge *HistoryGapError
	if !errors.As(err, &ge) || !errors.Is(err, ErrHistoryGap) || len(ge.Gaps) != 1 {
		t.Fatalf("CatchUp err = %v, want one *HistoryGapError", err)
	}
	want := Gap{From: start, To: kept.Round - 1}
	if g := ge.Gaps[0]; g.From != want.From || g.To != want.To || g.Detected.IsZero() {
		t.Fatalf("gap %+v, want %d-%d", g, want.From, want.To)
	}
	if len(told) != 1 || told[0].From != want.From {
		t.Fatalf("OnGap told %+v", told)
	}
	got := keysOf(t, db, me.Address.String())
	if _, ok := got[kept.TxID]; !ok {
		t.Fatal("payment after the gap not recorded")
	}
	if _, ok := got[lost.TxID]; ok {
		t.Fatal("payment inside the gap recorded although the node lacks its block")
	}
	if next, _, _ := f.Cursor(ctx); next <= kept.Round {
		t.Fatalf("cursor %d not past %d", next, kept.Round)
	}
	if node.asked[start] != 1 {
		t.Fatalf("pruned round %d asked %d times", start, node.asked[start])
	}
	// The gap is persisted for the UI and is not reported again.
	if gaps, err := f.Gaps(ctx); err != nil || len(gaps) != 1 || gaps[0].From != want.From || gaps[0].To != want.To {
		t.Fatalf("Gaps = %+v, %v", gaps, err)
	}
	if _, err := f.CatchUp(ctx, 0); err != nil {
		t.Fatalf("second CatchUp: %v", err)
	}

	// Run on a fresh DB does not stay stuck on the first pruned round.
	db2 := openTestDB(t, t.TempDir())
	runCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	reached := make(chan struct{})
	var once sync.Once
	fr := &Follower{Client: c, DB: db2, Watch: watch, StartRound: start, OnBatch: func(b BatchResult) {
		if b.To >= kept.Round {
			once.Do(func() { close(reached) })
		}
	}}
	go func() { _ = fr.Run(runCtx) }()
	select {
	case <-reached:
	case <-runCtx.Done():
		t.Fatal("Run did not get past the pruned rounds")
	}
	cancel()

	// Without an indexer the gap stays; with one it is filled.
	if _, err := f.FillGaps(ctx); !errors.Is(err, ErrNoIndexer) {
		t.Fatalf("FillGaps without indexer: %v", err)
	}
	f.Indexer = blockIndexer{c: real}
	if n, err := f.FillGaps(ctx); err != nil || n < 1 {
		t.Fatalf("FillGaps: %d %v", n, err)
	}
	if _, ok := keysOf(t, db, me.Address.String())[lost.TxID]; !ok {
		t.Fatal("gap payment not back-filled")
	}
	if gaps, _ := f.Gaps(ctx); len(gaps) != 0 {
		t.Fatalf("gaps after fill %+v", gaps)
	}
}
