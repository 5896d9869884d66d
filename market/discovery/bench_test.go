package discovery_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/abi"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/crypto"
	"github.com/algorand/go-algorand-sdk/v2/transaction"
	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/discovery"
)

// benchProviders is how many providers the benchmark Registry holds.
const benchProviders = 10_000

// benchFunding is what each benchmark provider account is sent: its
// minimum balance, both box MBRs and the fees, with room to spare.
const benchFunding = 300_000

// benchState is the benchmark's populated Registry, remembered in the
// user cache directory so that the setup is done once per LocalNet.
type benchState struct {
	Registry   uint64  `json:"registry"`
	PopulateS  float64 `json:"populateSeconds"`
	Registered int     `json:"registered"`
}

func benchKey(label string) crypto.Account {
	seed := sha256.Sum256([]byte("kinetic/market/discovery/bench/" + label))
	a, err := crypto.AccountFromPrivateKey(ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		panic(err) // a 64-byte ed25519 key always converts
	}
	return a
}

func benchInfo(i int) contracts.ProviderInfo {
	models := []struct {
		name string
		vram uint64
	}{{"NVIDIA GeForce RTX 4090", 24564}, {"NVIDIA GeForce RTX 3090", 24576}, {"NVIDIA GeForce RTX 4070", 12282},
		{"NVIDIA H100 80GB HBM3", 81559}, {"NVIDIA A100-SXM4-40GB", 40960}, {"NVIDIA RTX A6000", 49140},
		{"NVIDIA GeForce RTX 3060", 12288}, {"NVIDIA L4", 23034}}
	m := models[i%len(models)]
	return contracts.ProviderInfo{Endpoint: fmt.Sprintf("http://10.%d.%d.%d:8402", i>>16&255, i>>8&255, i&255),
		GPUModel: m.name, GPUCount: uint64(1 + i%4), VRAMMB: m.vram, CPUCores: 16, RAMMB: 65536, Driver: "550.54.15",
		CUDA: "12.4", PricePerHour: 100_000 + uint64(i*7919%9_900_000), MinJobSecs: 1, MaxJobSecs: 86400}
}

// benchRegistry returns the benchmark Registry with benchProviders
// registered, registering only those missing, and the seconds spent.
func benchRegistry(b *testing.B, ctx context.Context, c *algod.Client) (uint64, benchState, float64) {
	b.Helper()
	start := time.Now()
	v, err := c.Versions().Do(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(cache, "kinetic", "discovery-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	creator := benchKey("creator")
	if info, err := c.AccountInformation(creator.Address.String()).Do(ctx); err != nil || info.Amount < 10_000_000 {
		testkit.Fund(b, creator.Address.String(), 50_000_000)
	}
	store := contracts.NewFileDeploymentStore(filepath.Join(dir, "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, c, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator},
		store, contracts.DefaultDeployConfig())
	if err != nil {
		b.Fatalf("deploy: %v", err)
	}
	app := d.Apps.Registry
	statePath := filepath.Join(dir, fmt.Sprintf("state-%x-%d.json", sha256.Sum256(v.GenesisHash), app))
	var st benchState
	if raw, err := os.ReadFile(statePath); err == nil {
		_ = json.Unmarshal(raw, &st)
	}
	have := map[types.Address]bool{}
	boxes, _, err := discovery.ListPaged(ctx, c, app, [][]byte{{'p'}}, discovery.DefaultPageSize)
	if err != nil {
		b.Fatal(err)
	}
	for _, bx := range boxes {
		var a types.Address
		copy(a[:], bx[0][1:])
		have[a] = true
	}
	var missing []int
	accts := make([]crypto.Account, benchProviders)
	for i := range accts {
		accts[i] = benchKey(fmt.Sprintf("%d/provider/%d", app, i))
		if !have[accts[i].Address] {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		b.Logf("registering %d of %d benchmark providers in groups of 16 transactions", len(missing), benchProviders)
		populate(b, ctx, c, d.Apps, accts, missing)
		st = benchState{Registry: app, Registered: benchProviders, PopulateS: time.Since(start).Seconds() + st.PopulateS}
		raw, _ := json.Marshal(st)
		if err := os.WriteFile(statePath, raw, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return app, st, time.Since(start).Seconds()
}

// populate funds (16 payments a group) and registers (8 payment + call
// pairs a group) the missing providers, four groups in flight.
func populate(b *testing.B, ctx context.Context, c *algod.Client, apps contracts.AppIDs, accts []crypto.Account, missing []int) {
	b.Helper()
	disp := testkit.Dispenser(b)
	var method abi.Method
	for _, a := range contracts.Apps() {
		for _, m := range a.Methods {
			if mm, err := abi.MethodFromSignature(m.Signature); err == nil && a.Name == "Registry" && mm.Name == "register" {
				method = mm
			}
		}
	}
	regAddr := crypto.GetApplicationAddress(apps.Registry)
	run := func(groups [][]int, send func([]int) error) {
		work := make(chan []int)
		var wg sync.WaitGroup
		var once sync.Once
		var first error
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for g := range work {
					if err := send(g); err != nil {
						once.Do(func() { first = err })
					}
				}
			}()
		}
		for _, g := range groups {
			work <- g
		}
		close(work)
		wg.Wait()
		if first != nil {
			b.Fatal(first)
		}
	}
	chunk := func(n int) (out [][]int) {
		for i := 0; i < len(missing); i += n {
			out = append(out, missing[i:min(i+n, len(missing))])
		}
		return out
	}
	run(chunk(16), func(g []int) error {
		sp, err := c.SuggestedParams().Do(ctx)
		if err != nil {
			return err
		}
		var txns []types.Transaction
		for _, i := range g {
			t, err := transaction.MakePaymentTxn(disp.Address.String(), accts[i].Address.String(), benchFunding, nil, "", sp)
			if err != nil {
				return err
			}
			txns = append(txns, t)
		}
		if len(txns) > 1 {
			gid, err := crypto.ComputeGroupID(txns)
			if err != nil {
				return err
			}
			for k := range txns {
				txns[k].Group = gid
			}
		}
		var raw []byte
		var last string
		for _, t := range txns {
			id, stx, err := crypto.SignTransaction(disp.PrivateKey, t)
			if err != nil {
				return err
			}
			raw, last = append(raw, stx...), id
		}
		if _, err := c.SendRawTransaction(raw).Do(ctx); err != nil {
			return fmt.Errorf("fund: %w", err)
		}
		_, err = transaction.WaitForConfirmation(c, last, 8, ctx)
		return err
	})
	run(chunk(8), func(g []int) error {
		sp, err := c.SuggestedParams().Do(ctx)
		if err != nil {
			return err
		}
		sp.FlatFee, sp.Fee = true, transaction.MinTxnFee
		var atc transaction.AtomicTransactionComposer
		for _, i := range g {
			info := benchInfo(i)
			signer := transaction.BasicAccountTransactionSigner{Account: accts[i]}
			pay, err := transaction.MakePaymentTxn(accts[i].Address.String(), regAddr.String(),
				contracts.BoxMBR(33, contracts.ProviderValueLen(info))+contracts.ReputationBoxMBR, nil, "", sp)
			if err != nil {
				return err
			}
			args := []interface{}{info.Endpoint, info.GPUModel, info.GPUCount, info.VRAMMB, info.CPUCores, info.RAMMB,
				info.Driver, info.CUDA, info.PricePerHour, info.MinJobSecs, info.MaxJobSecs,
				transaction.TransactionWithSigner{Txn: pay, Signer: signer}}
			if err := atc.AddMethodCall(transaction.AddMethodCallParams{AppID: apps.Registry, Method: method, MethodArgs: args,
				Sender: accts[i].Address, SuggestedParams: sp, OnComplete: types.NoOpOC, Signer: signer,
				BoxReferences: []types.AppBoxReference{{AppID: apps.Registry, Name: contracts.ProviderBoxName(accts[i].Address)},
					{AppID: apps.Registry, Name: contracts.ReputationBoxName(accts[i].Address)}}}); err != nil {
				return err
			}
		}
		if _, err := atc.Execute(c, ctx, 8); err != nil {
			return fmt.Errorf("register: %w", err)
		}
		return nil
	})
}

// BenchmarkDiscovery10k: discovery (list, decode, filter, rank) of the
// 10,000 providers of the benchmark Registry against the raw paged
// include=values listing of the same "p" and "r" boxes, in one run.
func BenchmarkDiscovery10k(b *testing.B) {
	ctx := testkit.Context(b, 30*time.Minute)
	c := testkit.Algod(b)
	app, st, setup := benchRegistry(b, ctx, c)
	d, err := discovery.New(ctx, c, discovery.Options{Registry: app})
	if err != nil {
		b.Fatal(err)
	}
	f := discovery.Filter{MaxPricePerHour: 8_000_000, MinVRAMMB: 16000}
	var raw, disc time.Duration
	selected := 0
	b.ResetTimer()
	listRaw := func() {
		t0 := time.Now()
		boxes, _, err := discovery.ListPaged(ctx, c, app, [][]byte{{'p'}, {'r'}}, discovery.DefaultPageSize)
		if err != nil {
			b.Fatal(err)
		}
		raw += time.Since(t0)
		if len(boxes) != 2*benchProviders {
			b.Fatalf("raw listing: %d provider and reputation boxes, want %d", len(boxes), 2*benchProviders)
		}
	}
	discover := func() {
		t1 := time.Now()
		l, err := d.List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sel := discovery.Select(l, f, nil)
		disc += time.Since(t1)
		if len(l.Providers) != benchProviders || !l.Paged || l.Skipped != 0 {
			b.Fatalf("discovered %d providers (paged %v, %d skipped), want %d", len(l.Providers), l.Paged, l.Skipped, benchProviders)
		}
		selected = len(sel)
	}
	for i := 0; i < b.N; i++ {
		if i%2 == 0 { // alternate the order so neither gains from the other's warm caches
			listRaw()
			discover()
		} else {
			discover()
			listRaw()
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(raw)/1e6/n, "raw-ms/op")
	b.ReportMetric(float64(disc)/1e6/n, "discovery-ms/op")
	b.ReportMetric(float64(disc)/float64(raw), "ratio")
	b.ReportMetric(setup, "setup-s")
	b.ReportMetric(float64(selected), "selected")
	b.Logf("registry %d: %d providers; setup this run %.1f s; first population took %.1f s", app, benchProviders, setup, st.PopulateS)
}
