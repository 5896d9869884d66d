package contracts_test

import (
	"flag"
	"os"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/abi"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// fuzzMinimizeDefault bounds the executions Go's fuzzer spends minimizing
// each input that finds new coverage, unless -fuzzminimizetime is given:
// with the default (60 s per input) FuzzDecodeReputation reported 0
// executions per second for the rest of the run, because minimizing
// executions are not counted, although every input decodes in
// nanoseconds.
const fuzzMinimizeDefault = "100x"

// TestMain applies fuzzMinimizeDefault.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := testkit.DefaultFuzzMinimize(fuzzMinimizeDefault); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// providerSeed is a well-formed Registry provider box value.
func providerSeed(t testing.TB) []byte {
	typ, err := abi.TypeOf("(string,string,uint64,uint64,uint64,uint64,string,string,uint64,uint64,uint64,bool,uint64,uint64)")
	if err != nil {
		t.Fatal(err)
	}
	i := testInfo()
	b, err := typ.Encode([]interface{}{i.Endpoint, i.GPUModel, i.GPUCount, i.VRAMMB, i.CPUCores, i.RAMMB, i.Driver, i.CUDA,
		i.PricePerHour, i.MinJobSecs, i.MaxJobSecs, true, 7, 9})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzDecodeProvider: any box value either decodes into strings that lie
// inside it, past the fixed head, or fails; it never panics.
func FuzzDecodeProvider(f *testing.F) {
	f.Add(providerSeed(f))
	f.Add(make([]byte, 81))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := contracts.DecodeProvider([32]byte{}, b)
		if err != nil {
			return
		}
		// Each string's 2-byte length and bytes lie past the 81-byte head.
		for _, s := range []string{p.Endpoint, p.GPUModel, p.Driver, p.CUDA} {
			if len(s)+2 > len(b)-81 {
				t.Fatalf("decoded a %d-byte string from a %d-byte box", len(s), len(b))
			}
		}
	})
}

// FuzzDecodeReputation: only a 48-byte value decodes, and each counter is
// its 8 bytes big-endian.
func FuzzDecodeReputation(f *testing.F) {
	f.Add(make([]byte, contracts.ReputationValueLen))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := contracts.DecodeReputation(b)
		if (err == nil) != (len(b) == contracts.ReputationValueLen) {
			t.Fatalf("len %d: err %v", len(b), err)
		}
		if err == nil && r.BadgeTier != uint64(b[40])<<56|uint64(b[41])<<48|uint64(b[42])<<40|uint64(b[43])<<32|
			uint64(b[44])<<24|uint64(b[45])<<16|uint64(b[46])<<8|uint64(b[47]) {
			t.Fatalf("badge tier %d from %x", r.BadgeTier, b[40:])
		}
	})
}

// FuzzDecodeJob: only a 233-byte value decodes, its fields round-trip the
// box bytes, and the bill never exceeds the locked amount.
func FuzzDecodeJob(f *testing.F) {
	f.Add(make([]byte, contracts.JobValueLen))
	f.Add(make([]byte, 217))
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := contracts.DecodeJob(contracts.JobID{}, b)
		if (err == nil) != (len(b) == contracts.JobValueLen) {
			t.Fatalf("len %d: err %v", len(b), err)
		}
		if err != nil {
			return
		}
		if j.Consumer[0] != b[0] || j.Provider[0] != b[32] || j.SpecHash[0] != b[112] || byte(j.Status) != b[144] ||
			j.ProofHash[0] != b[145] || j.OutputHash[0] != b[177] {
			t.Fatalf("fields off their offsets: %+v", j)
		}
		if j.Bill() > j.Locked {
			t.Fatalf("bill %d above locked %d", j.Bill(), j.Locked)
		}
	})
}
