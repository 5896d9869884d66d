package contracts_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"testing"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/abi"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestSpecsMatchSources recompiles every TEAL source on the LocalNet and
// fails when the committed ARC-56 JSON (bytecode, pc error map, ABI) has
// drifted from the sources and abi.go: run `go generate ./contracts`.
func TestSpecsMatchSources(t *testing.T) {
	comp := contracts.AlgodCompiler{Client: testkit.Algod(t)}
	for _, d := range contracts.Apps() {
		t.Run(d.Name, func(t *testing.T) {
			spec, err := contracts.BuildSpec(testkit.Context(t, time.Minute), comp, d)
			if err != nil {
				t.Fatal(err)
			}
			want, err := contracts.MarshalSpec(spec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := contracts.CommittedSpec(d.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s drifted from %s / abi.go: run go generate ./contracts", contracts.SpecPath(d.Name), d.Source)
			}
		})
	}
}

func selector(sig string) []byte {
	h := sha512.Sum512_256([]byte(sig))
	return h[:4]
}

// TestSpecsRouteDeclaredSelectors checks, without a node, that each
// declared method and event selector is a constant of the committed
// program, and that each error code the programs can raise is declared.
func TestSpecsRouteDeclaredSelectors(t *testing.T) {
	declared := map[contracts.ErrorCode]bool{}
	for _, c := range contracts.AllErrorCodes() {
		declared[c] = true
	}
	raised := map[contracts.ErrorCode]bool{}
	for _, d := range contracts.Apps() {
		spec, err := contracts.LoadSpec(d.Name)
		if err != nil {
			t.Fatal(err)
		}
		prog, _, err := spec.Programs()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range d.Methods {
			if !bytes.Contains(prog, selector(m.Signature)) {
				t.Errorf("%s does not route %s", d.Name, m.Signature)
			}
		}
		for _, ev := range spec.Events {
			sig := ev.Name + "("
			for i, a := range ev.Args {
				if i > 0 {
					sig += ","
				}
				sig += a.Type
			}
			sig += ")"
			if !bytes.Contains(prog, selector(sig)) {
				t.Errorf("%s never logs event %s", d.Name, sig)
			}
		}
		src, _ := base64.StdEncoding.DecodeString(spec.Source["approval"])
		want, _ := contracts.Source(d.Source)
		if !bytes.Equal(src, want) {
			t.Errorf("%s: committed source differs from %s", d.Name, d.Source)
		}
		for _, info := range spec.SourceInfo["approval"].SourceInfo {
			raised[contracts.ErrorCode(info.ErrorMessage)] = true
			if !declared[contracts.ErrorCode(info.ErrorMessage)] {
				t.Errorf("%s raises undeclared %s", d.Name, info.ErrorMessage)
			}
		}
	}
	for c := range declared {
		if !raised[c] {
			t.Errorf("declared %s is raised nowhere", c)
		}
	}
}

func TestDecodeProviderMatchesABI(t *testing.T) {
	info := contracts.ProviderInfo{Endpoint: "https://a.example", GPUModel: "RTX 4090", GPUCount: 2, VRAMMB: 24564,
		CPUCores: 24, RAMMB: 65536, Driver: "550", CUDA: "12.4", PricePerHour: 123456, MinJobSecs: 60, MaxJobSecs: 7200}
	typ, err := abi.TypeOf("(string,string,uint64,uint64,uint64,uint64,string,string,uint64,uint64,uint64,bool,uint64,uint64)")
	if err != nil {
		t.Fatal(err)
	}
	b, err := typ.Encode([]interface{}{info.Endpoint, info.GPUModel, info.GPUCount, info.VRAMMB, info.CPUCores, info.RAMMB,
		info.Driver, info.CUDA, info.PricePerHour, info.MinJobSecs, info.MaxJobSecs, true, 11, 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != contracts.ProviderValueLen(info) {
		t.Fatalf("encoded %d bytes, ProviderValueLen says %d", len(b), contracts.ProviderValueLen(info))
	}
	p, err := contracts.DecodeProvider([32]byte{1}, b)
	if err != nil {
		t.Fatal(err)
	}
	want := contracts.Provider{Address: [32]byte{1}, ProviderInfo: info, Available: true, RegisteredRound: 11,
		LastHeartbeatRound: 12}
	if p != want {
		t.Fatalf("decoded %+v\nwant %+v", p, want)
	}
	rtyp, err := abi.TypeOf("(uint64,uint64,uint64,uint64,uint64,uint64)")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rtyp.Encode([]interface{}{13, 14, 15, 16, 17, 2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := contracts.DecodeReputation(rb)
	if err != nil || rep != (contracts.Reputation{Completed: 13, Failed: 14, Disputed: 15, ComputeSeconds: 16, TotalEarned: 17, BadgeTier: 2}) {
		t.Fatalf("reputation %+v %v", rep, err)
	}
	if _, err := contracts.DecodeProvider([32]byte{}, b[:80]); err == nil {
		t.Error("short box decoded")
	}
	b[1] = 0xff // endpoint offset past the end
	if _, err := contracts.DecodeProvider([32]byte{}, b); err == nil {
		t.Error("corrupt offset decoded")
	}
}

func TestJobBill(t *testing.T) {
	cases := []struct {
		name                  string
		locked, rate, seconds uint64
		want                  uint64
	}{
		{"partial hour", 1_000_000, 3_600_000, 300, 300_000},
		{"rounds down", 1_000_000, 1, 3599, 0},
		{"capped at locked", 1_000, 3_600_000, 3600, 1_000},
		{"zero seconds", 5, 100, 0, 0},
		{"product overflows 64 bits", 7, 1 << 62, 1 << 40, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := contracts.Job{Locked: c.locked, RatePerHour: c.rate, BilledSeconds: c.seconds}
			if got := j.Bill(); got != c.want {
				t.Fatalf("Bill() = %d, want %d", got, c.want)
			}
		})
	}
}
