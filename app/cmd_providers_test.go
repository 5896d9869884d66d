package app

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/transaction"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestParseProviders(t *testing.T) {
	r, _, _ := testRunner(t)
	o, err := r.parseProviders([]string{"--gpu", "4090", "--min-vram", "24000", "--max-price", "5000", "--min-rep", "0.9",
		"--max-heartbeat-age", "100", "--online", "--json", "--cached"})
	if err != nil {
		t.Fatal(err)
	}
	f := o.filter
	if f.GPUModel != "4090" || f.MinVRAMMB != 24000 || f.MaxPricePerHour != 5000 || f.MinReputation != 0.9 ||
		f.MaxHeartbeatAge != 100 || !f.Online || !o.json || !o.cached || f.MinRatedJobs != 3 {
		t.Fatalf("parsed %+v", o)
	}
	for _, bad := range [][]string{{"stray"}, {"--min-rep", "1.5"}, {"--cached", "--refresh"}} {
		if _, err := r.parseProviders(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestProvidersCommandLocalNet: `kinetic providers` against a deployment on
// the LocalNet prints exactly the matching providers, cheapest first, and
// leaves out a provider blocked with --block.
func TestProvidersCommandLocalNet(t *testing.T) {
	ctx := testkit.Context(t, 2*time.Minute)
	c := testkit.Algod(t)
	url, token := testkit.AlgodEndpoint(t)
	t.Setenv(EnvAlgodURL, url)
	t.Setenv(EnvAlgodToken, token)
	dir := t.TempDir()
	creator := testkit.FundedAccount(t, 20_000_000)
	store := contracts.NewFileDeploymentStore(filepath.Join(dir, "deployments.json"))
	d, err := contracts.EnsureDeployedWith(ctx, c, creator.Address, transaction.BasicAccountTransactionSigner{Account: creator},
		store, contracts.DefaultDeployConfig())
	if err != nil {
		t.Fatal(err)
	}
	cc, err := contracts.NewClient(c, d.Apps)
	if err != nil {
		t.Fatal(err)
	}
	register := func(model string, price uint64) string {
		a := testkit.FundedAccount(t, 1_000_000)
		if _, err := cc.Register(ctx, a.Address, transaction.BasicAccountTransactionSigner{Account: a}, contracts.ProviderInfo{
			Endpoint: "http://127.0.0.1:1", GPUModel: model, GPUCount: 1, VRAMMB: 24564, PricePerHour: price,
			MinJobSecs: 1, MaxJobSecs: 60}); err != nil {
			t.Fatal(err)
		}
		return a.Address.String()
	}
	dear := register("NVIDIA GeForce RTX 4090", 2_000_000)
	cheap := register("NVIDIA RTX 4090", 1_000_000)
	register("NVIDIA GeForce RTX 3060", 500_000)
	run := func(args ...string) (providersJSON, string) {
		t.Helper()
		r, stdout, stderr := testRunner(t)
		if err := r.run(ctx, append([]string{"--data-dir", dir, "providers"}, args...)); err != nil {
			t.Fatalf("providers %v: %v\n%s", args, err, stderr)
		}
		var doc providersJSON
		if len(args) > 0 && args[len(args)-1] == "--json" {
			if err := json.NewDecoder(bytes.NewReader(stdout.Bytes())).Decode(&doc); err != nil {
				t.Fatalf("providers %v: %v\n%s", args, err, stdout)
			}
		}
		return doc, stdout.String()
	}
	got := func(doc providersJSON) []string {
		out := []string{}
		for _, p := range doc.Providers {
			out = append(out, p.Address)
		}
		return out
	}
	doc, _ := run("--gpu", "4090", "--json")
	if !doc.Paged || doc.Listed != 3 || !reflect.DeepEqual(got(doc), []string{cheap, dear}) {
		t.Fatalf("--gpu 4090: paged=%v listed=%d %v, want [%s %s]", doc.Paged, doc.Listed, got(doc), cheap, dear)
	}
	if p := doc.Providers[0]; p.PricePerHour != 1_000_000 || p.GPUModel != "NVIDIA RTX 4090" || p.Rated {
		t.Fatalf("first provider %+v", p)
	}
	if _, out := run("--block", cheap, "--reason", "tampered output"); !strings.Contains(out, "1 blocked\n"+cheap+"  tampered output") {
		t.Fatalf("--block printed %q", out)
	}
	if doc, _ = run("--gpu", "4090", "--cached", "--json"); !reflect.DeepEqual(got(doc), []string{dear}) {
		t.Fatalf("after --block: %v, want [%s]", got(doc), dear)
	}
	if doc, _ = run("--max-price", "100", "--refresh", "--json"); len(doc.Providers) != 0 || doc.Listed != 3 {
		t.Fatalf("--max-price 100: %v of %d", got(doc), doc.Listed)
	}
	if _, out := run("--unblock", cheap); !strings.Contains(out, "0 blocked") {
		t.Fatalf("--unblock printed %q", out)
	}
	if _, out := run("--gpu", "4090"); !strings.HasPrefix(out, "2 of 3 providers at round ") || !strings.Contains(out, cheap) {
		t.Fatalf("text output %q", out)
	}
}
