package compute

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// startInspect starts a job and returns it with its container's inspection.
func (h *harness) startInspect(ctx context.Context, s Spec, opts RunOptions) (*Job, container.InspectResponse) {
	h.t.Helper()
	job, err := h.e.Start(ctx, newJobID(h.t), s, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	insp, err := h.e.cli.ContainerInspect(ctx, job.ContainerID())
	if err != nil {
		h.t.Fatal(err)
	}
	return job, insp
}

// TestLogFileBounded checks that the engine's json-file log of a job is
// size-capped on the real engine and that log streaming still works.
func TestLogFileBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{LogCapBytes: 1000})
	ctx := testkit.Context(t, time.Minute)
	var log eventLog
	// About 4 MB of log lines, a marker, then a pause to inspect the file.
	s := h.spec(`yes abcdefghijklmnopqrstuvwxyz0123456789 | head -c 4000000; echo END-OF-LOG; sleep 60`)
	job, insp := h.startInspect(ctx, s, RunOptions{OnEvent: log.on})
	lc := insp.HostConfig.LogConfig
	if lc.Type != "json-file" || lc.Config["max-size"] != "1048576" || lc.Config["max-file"] != "1" {
		t.Errorf("log config %+v", lc)
	}
	if os.Geteuid() == 0 && insp.LogPath != "" {
		waitForLogMarker(t, insp.LogPath, "END-OF-LOG")
		st, err := os.Stat(insp.LogPath)
		if err != nil {
			t.Fatal(err)
		}
		// One rotation may leave a last entry past max-size.
		if st.Size() > minLogFileBytes+64<<10 {
			t.Errorf("json-file log is %d bytes, cap %d", st.Size(), minLogFileBytes)
		}
	}
	if err := h.e.Preempt(job.ID(), "test over"); err != nil {
		t.Fatal(err)
	}
	res, err := job.Wait(ctx)
	if err != nil || !res.LogTruncated {
		t.Fatalf("err %v, result %+v", err, res)
	}
	body := strings.Split(log.text(), "[log truncated")[0]
	if len(body) != 1000 || !strings.HasPrefix(body, "abcdefghijklmnopqrstuvwxyz0123456789\n") {
		t.Fatalf("streamed log %d bytes: %.80q", len(body), body)
	}
}

// waitForLogMarker polls a json-file log until it holds marker.
func waitForLogMarker(t *testing.T, path, marker string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), marker) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("log file %s never showed %q", path, marker)
}
