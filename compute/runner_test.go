package compute

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// harness is one engine over the real Docker engine and a temp database.
type harness struct {
	t     *testing.T
	e     *Engine
	image string
}

// testImages is the allow-list under which tests run the local test image
// and the fixtures made from it.
var testImages = []string{"kinetic-test/"}

func newHarness(t *testing.T, opts EngineOptions) *harness {
	t.Helper()
	if opts.AllowedImages == nil {
		opts.AllowedImages = testImages
	}
	cli := testkit.Docker(t)
	image := testkit.TestImage(t)
	opts.OutputDir = t.TempDir()
	e, err := NewEngine(cli, testkit.DB(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, e: e, image: image}
}

// spec is a valid spec running script under sh with small limits.
func (h *harness) spec(script string) Spec {
	s := Spec{Version: SpecVersion, Image: h.image, Command: []string{"sh", "-c", script}, MaxSeconds: 30, MemoryMB: 64}
	s.applyDefaults()
	if err := s.Validate(); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func newJobID(t testing.TB) JobID {
	var id JobID
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	return id
}

// eventLog records events; it is safe for the engine's callback goroutines.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	logs   bytes.Buffer
}

func (l *eventLog) on(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
	if ev.Kind == EventLog {
		l.logs.Write(ev.Data)
	}
}

func (l *eventLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.logs.String()
}

func (l *eventLog) kinds() []EventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []EventKind
	for _, ev := range l.events {
		if len(out) == 0 || out[len(out)-1] != ev.Kind {
			out = append(out, ev.Kind)
		}
	}
	return out
}

// run runs script to completion and returns the result, error and logs.
func (h *harness) run(ctx context.Context, s Spec) (Result, *eventLog, error) {
	var log eventLog
	res, err := h.e.Run(ctx, newJobID(h.t), s, RunOptions{OnEvent: log.on})
	return res, &log, err
}

func TestRunSandbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	script := `echo uid=$(id -u)
touch /rootfile 2>/dev/null && echo root=writable || echo root=readonly
echo w > /work/f && echo work=writable
cat /input/data/hello.txt
echo x > /input/new 2>/dev/null && echo input=writable || echo input=readonly
nc -w 2 1.1.1.1 53 </dev/null && echo net=open || echo net=blocked
wget -q -T 2 -O /dev/null http://127.0.0.1:4001/ 2>/dev/null && echo host=reachable || echo host=unreachable
echo ifaces=$(ls /sys/class/net | tr '\n' ' ')
grep -q '^CapEff:.*0000000000000000' /proc/self/status && echo caps=none
grep NoNewPrivs /proc/self/status | tr -d '\t '
echo env=$GREETING`
	s := h.spec(script)
	s.Env = map[string]string{"GREETING": "hi"}
	s.Input = tarOf(t, map[string]string{"data/hello.txt": "input=present\n"})
	res, log, err := h.run(testkit.Context(t, time.Minute), s)
	if err != nil {
		t.Fatal(err)
	}
	out := log.text()
	for _, want := range []string{"uid=65534", "root=readonly", "work=writable", "input=present", "input=readonly",
		"net=blocked", "host=unreachable", "ifaces=lo\n", "caps=none", "NoNewPrivs:1", "env=hi"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if res.ExitCode != 0 || res.TimedOut || res.OOMKilled {
		t.Errorf("result %+v", res)
	}
	if got := log.kinds(); strings.Join(kindStrings(got), ",") != "created,started,log,finished" {
		t.Errorf("events %v", got)
	}
	if res.ImageDigest == "" || !strings.HasPrefix(res.ImageDigest, "sha256:") {
		t.Errorf("image digest %q", res.ImageDigest)
	}
	recs, err := h.e.Store().List()
	if err != nil || len(recs) != 1 || recs[0].SpecHash != s.Hash() || recs[0].Spec.Input != nil || recs[0].State != StateFinished {
		t.Errorf("stored records %+v, %v", recs, err)
	}
}

func kindStrings(ks []EventKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// tarOf builds a tar of regular files.
func tarOf(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRunOutputHash(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	res, _, err := h.run(ctx, h.spec(`echo alpha > /output/a.txt; mkdir /output/sub; dd if=/dev/urandom of=/output/sub/b.bin bs=1k count=40 2>/dev/null`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(res.OutputTar)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(raw) != res.OutputSHA256 || int64(len(raw)) != res.OutputBytes {
		t.Fatalf("output hash/size do not match the tar file")
	}
	files := fileHashes(t, raw)
	if len(files) != 2 {
		t.Fatalf("files in output: %v", files)
	}
	// A second container hashes the same files with busybox sha256sum.
	check := h.spec(`cd /input/output && sha256sum a.txt sub/b.bin`)
	check.Input = raw
	_, log, err := h.run(ctx, check)
	if err != nil {
		t.Fatal(err)
	}
	for name, sum := range files {
		if !strings.Contains(log.text(), sum+"  "+strings.TrimPrefix(name, "output/")) {
			t.Errorf("in-container sha256 of %s differs from %s:\n%s", name, sum, log.text())
		}
	}
}

// fileHashes returns hex SHA-256 of every regular file in a tar.
func fileHashes(t testing.TB, raw []byte) map[string]string {
	out := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			hs := sha256.New()
			_, _ = io.Copy(hs, tr)
			out[hdr.Name] = hex.EncodeToString(hs.Sum(nil))
		}
	}
}

func TestRunLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{PidsLimit: 32, OutputCapBytes: 64 << 10, LogCapBytes: 1000})
	cases := []struct {
		name   string
		script string
		mod    func(*Spec)
		check  func(t *testing.T, res Result, err error, logs string, took time.Duration)
	}{
		{"fork bomb stopped by pids limit", `b(){ b|b& }; b; sleep 2; echo procs=$(ls -d /proc/[0-9]* | wc -l)`, nil,
			func(t *testing.T, res Result, err error, logs string, took time.Duration) {
				if err != nil || res.TimedOut || !strings.Contains(logs, "can't fork") {
					t.Fatalf("err %v, result %+v, logs %.300q", err, res, logs)
				}
			}},
		{"memory hog OOM-killed", "", func(s *Spec) {
			s.MemoryMB = 16
			// The pause lets the engine's OOM monitor attach: a process that
			// dies while the container is still starting is reported as a
			// plain exit 137.
			s.Command = []string{"sh", "-c", "sleep 0.5; exec dd if=/dev/zero of=/dev/null bs=64M count=1"}
		},
			func(t *testing.T, res Result, err error, logs string, took time.Duration) {
				if err != nil || !res.OOMKilled || res.ExitCode != 137 {
					t.Fatalf("err %v, result %+v, logs %q", err, res, logs)
				}
			}},
		{"deadline kills and bills to the deadline", `sleep 60`, func(s *Spec) { s.MaxSeconds = 2 },
			func(t *testing.T, res Result, err error, logs string, took time.Duration) {
				if err != nil || !res.TimedOut || res.BilledSeconds != 2 || took > 20*time.Second {
					t.Fatalf("err %v, result %+v, took %v", err, res, took)
				}
			}},
		{"oversize output refused", `dd if=/dev/urandom of=/output/big bs=1k count=256 2>/dev/null`, nil,
			func(t *testing.T, res Result, err error, logs string, took time.Duration) {
				if !errors.Is(err, ErrOutputTooLarge) || !res.OutputRefused || res.OutputTar != "" {
					t.Fatalf("err %v, result %+v", err, res)
				}
			}},
		// Files under the fsize ulimit (the cap) each, together well past it.
		{"output growing past the cap is stopped early", `for i in 1 2 3 4 5 6 7 8; do dd if=/dev/zero of=/output/big$i bs=1k count=60 2>/dev/null; done; sleep 60`, nil,
			func(t *testing.T, res Result, err error, logs string, took time.Duration) {
				if !errors.Is(err, ErrOutputTooLarge) || !res.OutputRefused || res.TimedOut || took > 15*time.Second {
					t.Fatalf("err %v, result %+v, took %v", err, res, took)
				}
			}},
		{"log capped and truncated", `i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done`, nil,
			func(t *testing.T, res Result, err error, logs string, took time.Duration) {
				if err != nil || !res.LogTruncated || res.LogBytes < 2000 || !strings.Contains(logs, "[log truncated at 1000 bytes]") {
					t.Fatalf("err %v, result %+v", err, res)
				}
				if body := strings.Split(logs, "[log truncated")[0]; len(body) != 1000 {
					t.Fatalf("passed %d log bytes, want 1000", len(body))
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := h.spec(c.script)
			if c.mod != nil {
				c.mod(&s)
			}
			start := time.Now()
			res, log, err := h.run(testkit.Context(t, time.Minute), s)
			c.check(t, res, err, log.text(), time.Since(start))
		})
	}
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx, cancel := context.WithCancel(testkit.Context(t, time.Minute))
	var cid string
	job, err := h.e.Start(ctx, newJobID(t), h.spec(`sleep 60`), RunOptions{OnEvent: func(ev Event) {
		if ev.Kind == EventStarted {
			cid = ev.ContainerID
			cancel()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := job.Wait(ctx)
	if err != nil || !res.Canceled || res.TimedOut {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if _, err := h.e.cli.ContainerInspect(context.Background(), cid); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container still exists after cancel: %v", err)
	}
	rec, err := h.e.Store().Get(job.ID())
	if err != nil || rec.State != StateFinished || rec.Result == nil || !rec.Result.Canceled {
		t.Fatalf("stored %+v, %v", rec, err)
	}
}

func TestPreemptAndOwnership(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	job, err := h.e.Start(ctx, newJobID(t), h.spec(`sleep 60`), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.e.Running(); len(got) != 1 || got[0].ID != job.ID() {
		t.Fatalf("running %+v", got)
	}
	insp, err := h.e.cli.ContainerInspect(ctx, job.ContainerID())
	if err != nil {
		t.Fatal(err)
	}
	if !h.e.OwnsPID(uint32(insp.State.Pid)) {
		t.Errorf("container pid %d not recognised as ours", insp.State.Pid)
	}
	if h.e.OwnsPID(uint32(os.Getpid())) {
		t.Error("the test process counted as a job process")
	}
	if err := h.e.Preempt(job.ID(), "GPU 0 too hot"); err != nil {
		t.Fatal(err)
	}
	res, err := job.Wait(ctx)
	if err != nil || !res.Preempted || res.PreemptReason != "GPU 0 too hot" || res.TimedOut {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if len(h.e.Running()) != 0 {
		t.Fatal("job still listed as running")
	}
	if err := h.e.Preempt(job.ID(), ""); !errors.Is(err, ErrJobNotRunning) {
		t.Fatalf("second preempt: %v", err)
	}
}

// TestOOMEventSeen checks the fallback that reads the engine's event log
// when Docker's OOMKilled flag loses a race with the exit.
func TestOOMEventSeen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	cases := []struct {
		name string
		cmd  []string
		mem  uint64
		want bool
	}{
		{"memory hog", []string{"sh", "-c", "sleep 0.5; exec dd if=/dev/zero of=/dev/null bs=64M count=1"}, 16, true},
		{"clean exit", []string{"true"}, 64, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.spec("")
			s.Command, s.MemoryMB = c.cmd, c.mem
			var cid string
			res, err := h.e.Run(ctx, newJobID(t), s, RunOptions{OnEvent: func(ev Event) {
				if ev.Kind == EventCreated {
					cid = ev.ContainerID
				}
			}})
			if err != nil {
				t.Fatal(err)
			}
			if got := h.e.oomEventSeen(ctx, cid, res.Started); got != c.want {
				t.Fatalf("oom event seen = %v, want %v (result %+v)", got, c.want, res)
			}
		})
	}
}
