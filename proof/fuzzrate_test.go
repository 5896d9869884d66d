package proof

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// fuzzStats matches the engine's progress line, "fuzz: elapsed: 6s,
// execs: 98651 (32905/sec), …".
var fuzzStats = regexp.MustCompile(`(?m)^fuzz: elapsed: (\d+)s, execs: (\d+) \((\d+)/sec\)`)

// TestFuzzDecodeVerifyKeepsFuzzing runs the fuzz pass as `make test`
// does (the real engine, with coverage guidance, from the seeds alone in
// a fresh cache, one worker) and fails if any of its three-second progress
// reports shows no executions: the stall it had while the engine spent
// its default 60 s minimizing each new input.
func TestFuzzDecodeVerifyKeepsFuzzing(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the fuzz pass: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "test", "-run=^$", "-fuzz=^FuzzDecodeVerify$",
		"-fuzztime=10s", "-parallel=1", ".", "-args", "-test.fuzzcachedir="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fuzz pass failed: %v\n%s", err, out)
	}
	reports := fuzzStats.FindAllSubmatch(out, -1)
	if len(reports) < 3 {
		t.Fatalf("fuzz pass printed %d progress reports, want at least 3:\n%s", len(reports), out)
	}
	// The last report repeats the total when the engine stops (0/sec).
	for _, r := range reports[:len(reports)-1] {
		if rate, _ := strconv.Atoi(string(r[3])); rate == 0 {
			t.Fatalf("fuzz pass stalled: at %ss it had run %s executions and none in the last interval:\n%s", r[1], r[2], out)
		}
	}
	last := reports[len(reports)-1]
	execs, _ := strconv.Atoi(string(last[2]))
	secs, _ := strconv.Atoi(string(last[1]))
	t.Logf("fuzz pass: %d executions in %ds, %d/sec", execs, secs, execs/max(secs, 1))
}
