package contracts_test

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
)

// proxied is a v2 Registry, Escrow and BadgeMinter wired through the test
// proxy (testdata/proxy.teal): the Escrow's registry and the Registry's
// escrow are the proxy, which forwards to the Registry.
type proxied struct {
	apps  contracts.AppIDs
	proxy uint64
	c     *contracts.Client
}

func (e *env) deployProxied() *proxied {
	e.t.Helper()
	reg := e.freshApp(e.creator, "Registry")
	esc := e.freshApp(e.creator, "Escrow")
	badge := e.freshApp(e.creator, "BadgeMinter")
	src, err := os.ReadFile("testdata/proxy.teal")
	if err != nil {
		e.t.Fatal(err)
	}
	src = []byte(strings.ReplaceAll(string(src), "TMPL_TARGET", strconv.FormatUint(reg, 10)))
	proxy := e.createProgram(src, "Proxy")
	for _, id := range []uint64{reg, esc, badge, proxy} {
		if _, err := e.sendTxns([]actor{e.creator}, e.pay(e.creator, crypto.GetApplicationAddress(id), 100_000).Txn); err != nil {
			e.t.Fatal(err)
		}
	}
	h := make([]byte, 32)
	for _, k := range []rawCall{
		{app: reg, sig: registryConfigureSig, args: []interface{}{proxy, badge, 1000, 2000, 3000}},
		{app: esc, sig: escrowConfigureSig, args: []interface{}{proxy, 1, 5000, 1, 5000}},
		{app: badge, sig: badgeConfigureSig, args: []interface{}{reg, "ipfs://x#arc3", h, "ipfs://y#arc3", h, "ipfs://z#arc3", h}},
	} {
		if err := e.call(e.creator, k); err != nil {
			e.t.Fatalf("configure: %v", err)
		}
	}
	apps := contracts.AppIDs{Registry: reg, Escrow: esc, Badge: badge}
	c, err := contracts.NewClient(e.c.Algod(), apps)
	if err != nil {
		e.t.Fatal(err)
	}
	return &proxied{apps: apps, proxy: proxy, c: c}
}

// TestCountersSaturateAndSettle drives a provider's compute_seconds and
// total_earned to 2^64-1 through record_job (from the proxy, which the
// Registry trusts as its Escrow), then runs a real job through the Escrow:
// create, submit and release all succeed, the bill is paid, the counters
// stay at their maximum and completed still counts.
func TestCountersSaturateAndSettle(t *testing.T) {
	e := newEnv(t, testConfig([3]uint64{1000, 2000, 3000}))
	px := e.deployProxied()
	p, cons := newActor(t, 5_000_000), newActor(t, 5_000_000)
	if _, err := px.c.Register(e.ctx, p.addr, p.signer, testInfo()); err != nil {
		t.Fatal(err)
	}
	repBox := contracts.ReputationBoxName(p.addr)
	for i := 0; i < 2; i++ {
		_, err := e.sendTxns([]actor{p}, e.appCall(p, px.proxy, types.NoOpOC,
			[][]byte{sel("record_job(address,uint8,uint64,uint64)void"), p.addr[:], {1}, u64(math.MaxUint64), u64(math.MaxUint64)}, 2,
			func(t *types.Transaction) { addBox(t, px.apps.Registry, repBox) }))
		if err != nil {
			t.Fatalf("record_job %d through the proxy: %v", i, err)
		}
	}
	rep, err := px.c.Reputation(e.ctx, p.addr)
	if err != nil || rep.ComputeSeconds != math.MaxUint64 || rep.TotalEarned != math.MaxUint64 || rep.Completed != 2 {
		t.Fatalf("reputation after driving to max %+v %v", rep, err)
	}
	j := e.job(p, cons, 100, 100)
	g, err := px.c.BuildCreateJobGroup(e.ctx, j.Offer)
	if err != nil {
		t.Fatal(err)
	}
	g[1].ForeignApps = append(g[1].ForeignApps, types.AppIndex(px.proxy))
	g[1].Fee += 1000 // one more inner call: Escrow -> proxy -> Registry
	if _, err := e.sendTxns([]actor{p, cons}, g...); err != nil {
		t.Fatalf("create_job: %v", err)
	}
	if _, err := px.c.SubmitResult(e.ctx, p.addr, p.signer, j.ID, proofHash, outputHash, billSecs); err != nil {
		t.Fatal(err)
	}
	before := e.balanceOf(p.addr)
	err = e.call(cons, rawCall{app: px.apps.Escrow, sig: "release(byte[32])void", args: []interface{}{j.ID[:]}, inner: 4,
		apps: []uint64{px.proxy, px.apps.Registry, px.apps.Badge}, accounts: []string{cons.addr.String(), p.addr.String()},
		boxes: []types.AppBoxReference{{AppID: px.apps.Escrow, Name: contracts.JobBoxName(j.ID)}, {AppID: px.apps.Registry, Name: repBox}}})
	if err != nil {
		t.Fatalf("release with saturated counters: %v", err)
	}
	if got := e.balanceOf(p.addr); got != before+billAmount {
		t.Errorf("provider balance %d, want %d (+ the bill)", got, before+billAmount)
	}
	rep, err = px.c.Reputation(e.ctx, p.addr)
	if err != nil || rep.ComputeSeconds != math.MaxUint64 || rep.TotalEarned != math.MaxUint64 || rep.Completed != 3 {
		t.Fatalf("reputation after settling %+v %v, want saturated with 3 completed", rep, err)
	}
}
