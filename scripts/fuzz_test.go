package scripts

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// runFuzzScript runs scripts/fuzz.sh with the real go command on the
// targets of testdata/fuzzfloor.
func runFuzzScript(t *testing.T, floor string, targets ...string) (string, error) {
	t.Helper()
	args := append([]string{"fuzz.sh", "3s", floor}, targets...)
	cmd := exec.Command("bash", args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestFuzzScriptFailsAStalledTarget runs a target that sleeps 10 ms on
// every input: it reaches a few hundred executions in 3 s, under the floor
// of 2000, and the script must fail naming it and its count. (A longer
// sleep can leave an input running past the fuzz deadline, which go test
// reports as its own failure before the script's floor check.)
func TestFuzzScriptFailsAStalledTarget(t *testing.T) {
	out, err := runFuzzScript(t, "2000", "./testdata/fuzzfloor/:FuzzStall")
	if err == nil {
		t.Fatalf("a stalled fuzz target passed:\n%s", out)
	}
	re := regexp.MustCompile(`FAIL \./testdata/fuzzfloor/:FuzzStall ran (\d+) executions in 3s, fewer than the floor 2000: the fuzzer stalled`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no stall report:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n >= 2000 {
		t.Fatalf("reported %d executions for a target that sleeps 10ms each", n)
	}
}

// TestFuzzScriptPassesAFreeTarget runs a trivial target above the floor,
// and the same target with a per-target floor it cannot reach.
func TestFuzzScriptPassesAFreeTarget(t *testing.T) {
	out, err := runFuzzScript(t, "200", "./testdata/fuzzfloor/:FuzzFast")
	if err != nil {
		t.Fatalf("a free-running target failed: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`\./testdata/fuzzfloor/ FuzzFast: (\d+) executions in 3s`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no execution count reported:\n%s", out)
	}
	if n, _ := strconv.Atoi(m[1]); n < 200 {
		t.Fatalf("passed with %d executions, under the floor", n)
	}
	out, err = runFuzzScript(t, "200", "./testdata/fuzzfloor/:FuzzFast:1000000000")
	if err == nil || !strings.Contains(out, "fewer than the floor 1000000000") {
		t.Fatalf("the per-target floor was not applied: %v\n%s", err, out)
	}
}

// TestFuzzScriptRejectsABadSpec checks a target without a package.
func TestFuzzScriptRejectsABadSpec(t *testing.T) {
	out, err := runFuzzScript(t, "200", "FuzzFast")
	if err == nil || !strings.Contains(out, "bad target FuzzFast (want PKG:Target[:MIN])") {
		t.Fatalf("err = %v\n%s", err, out)
	}
}
