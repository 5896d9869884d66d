package proof

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// fuzzMinimizeBudget is the time the fuzzing engine may spend minimizing
// one new input of this package's fuzz target, unless -fuzzminimizetime
// says otherwise. Go's default, 60 s, is spent in full on a proof
// document: its minimizer tries every byte range (quadratic in the input,
// about 12 million candidates for a 5 KB chain) at a millisecond or so
// each, and counts none of them until it stops, so a fuzz pass shorter
// than a minute reports 0 execs/sec after its first new input. A budget
// of 1 s was still too much: on a loaded 2-core CI machine three new
// inputs in one 3-second report interval left it with 0 executions
// (TestFuzzDecodeVerifyKeepsFuzzing failed so). 100 candidates, as the
// compute and contracts targets use, is about a tenth of a second.
const fuzzMinimizeBudget = "100x"

// TestMain applies fuzzMinimizeBudget before running the tests.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := testkit.DefaultFuzzMinimize(fuzzMinimizeBudget); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
