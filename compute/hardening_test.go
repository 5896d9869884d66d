package compute

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"

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

// fixtureImage commits a local image from the test image with files at
// /output/secret.txt, /input/secret.txt, /data/seed.txt and
// /srv/app/secret.txt, ENV NVIDIA_VISIBLE_DEVICES=all and VOLUME /data,
// as a hostile or careless image might have. It is removed on cleanup.
func fixtureImage(t *testing.T) string {
	t.Helper()
	cli := testkit.Docker(t)
	ctx := testkit.Context(t, time.Minute)
	script := `for d in /output /input /data /srv/app; do mkdir -p $d && echo secret > $d/secret.txt; done; cp /data/secret.txt /data/seed.txt`
	c := testkit.RunContainer(t, &container.Config{Image: testkit.TestImage(t), Cmd: []string{"sh", "-c", script}}, nil)
	if c.ExitCode != 0 {
		t.Fatalf("fixture script: exit %d: %s", c.ExitCode, c.Stderr)
	}
	ref := "kinetic-test/fixture:" + newJobID(t).String()[:12]
	if _, err := cli.ContainerCommit(ctx, c.ID, container.CommitOptions{Reference: ref,
		Changes: []string{"ENV NVIDIA_VISIBLE_DEVICES=all", "VOLUME /data"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
	})
	return ref
}

// TestImageVolumesAreTmpfs checks that an image-declared VOLUME becomes a
// size-capped, empty tmpfs rather than an unwatched anonymous volume, and
// that the image's NVIDIA_VISIBLE_DEVICES=all is overridden.
func TestImageVolumesAreTmpfs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{WorkTmpfsMB: 1})
	ctx := testkit.Context(t, time.Minute)
	s := h.spec(`echo nv=$NVIDIA_VISIBLE_DEVICES
cat /data/seed.txt 2>/dev/null || echo seed=absent
grep -q '^tmpfs /data ' /proc/mounts && echo data=tmpfs
dd if=/dev/zero of=/data/big bs=1k count=2048 2>/dev/null && echo data=unbounded || echo data=capped
sleep 60`)
	s.Image = fixtureImage(t)
	var log eventLog
	job, insp := h.startInspect(ctx, s, RunOptions{OnEvent: log.on})
	if insp.HostConfig.Tmpfs["/data"] == "" {
		t.Errorf("no tmpfs for /data: %v", insp.HostConfig.Tmpfs)
	}
	var vols []string
	for _, m := range insp.Mounts {
		if m.Type == mount.TypeVolume {
			vols = append(vols, m.Destination)
		}
	}
	slices.Sort(vols)
	if !slices.Equal(vols, []string{InputDir, DefaultOutputPath}) {
		t.Errorf("volumes %v, want only /input and /output", vols)
	}
	waited := make(chan error, 1)
	go func() { _, err := job.Wait(ctx); waited <- err }()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(log.text(), "data=") < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := h.e.Preempt(job.ID(), "test over"); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nv=void\n", "seed=absent", "data=tmpfs", "data=capped"} {
		if !strings.Contains(log.text(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.text())
		}
	}
}

// TestVolumesStartEmpty checks that the output and input volumes are not
// pre-filled with the image's files at their paths (NoCopy): an image with
// /output/secret.txt and /input/secret.txt must not hand them out.
func TestVolumesStartEmpty(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{})
	ctx := testkit.Context(t, time.Minute)
	s := h.spec(`echo output=[$(ls -A /output)] input=[$(ls -A /input)]`)
	s.Image = fixtureImage(t)
	res, log, err := h.run(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.text(), "output=[] input=[]") {
		t.Errorf("volumes not empty: %s", log.text())
	}
	raw, err := os.ReadFile(res.OutputTar)
	if err != nil {
		t.Fatal(err)
	}
	if files := fileHashes(t, raw); len(files) != 0 {
		t.Errorf("output carries the image's files: %v", files)
	}
}

// listener starts a plain container on netName that accepts one TCP
// connection on port 8080 and returns its address on that network.
func listener(t *testing.T, netName string) string {
	t.Helper()
	cli := testkit.Docker(t)
	ctx := testkit.Context(t, time.Minute)
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: testkit.TestImage(t), Cmd: []string{"nc", "-l", "-p", "8080"}},
		&container.HostConfig{NetworkMode: container.NetworkMode(netName)}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	})
	if err := cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	insp, err := cli.ContainerInspect(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	ep := insp.NetworkSettings.Networks[netName]
	if ep == nil || ep.IPAddress == "" {
		t.Fatalf("listener has no address on %s: %+v", netName, insp.NetworkSettings.Networks)
	}
	return ep.IPAddress
}

// TestEgressNetwork checks that egress jobs run on the kinetic-egress
// network, created idempotently with inter-container traffic disabled, and
// that a job there cannot reach another container on it, while the same
// probe does reach a container on the default bridge.
func TestEgressNetwork(t *testing.T) {
	t.Parallel()
	h := newHarness(t, EngineOptions{AllowEgress: true})
	ctx := testkit.Context(t, time.Minute)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- h.e.ensureEgressNetwork(ctx) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n, err := h.e.cli.NetworkInspect(ctx, EgressNetwork, network.InspectOptions{})
	if err != nil || n.Driver != "bridge" || n.Options[optICC] != "false" {
		t.Fatalf("network %+v, %v", n, err)
	}
	cases := []struct {
		name, listenOn, want string
		probe                func(script string) Spec
	}{
		{"peer on kinetic-egress", EgressNetwork, "peer=unreachable", func(script string) Spec {
			s := h.spec(script)
			s.Network = NetworkEgress
			return s
		}},
	}
	for _, c := range cases {
		ip := listener(t, c.listenOn)
		res, log, err := h.run(ctx, c.probe(`nc -w 2 `+ip+` 8080 </dev/null && echo peer=reachable || echo peer=unreachable`))
		if err != nil || !strings.Contains(log.text(), c.want) {
			t.Errorf("%s: err %v, result %+v, log %q", c.name, err, res, log.text())
		}
	}
	// The control: the same probe, as a plain container on the default
	// bridge, reaches a listener there, so "unreachable" above is the
	// network's doing.
	ip := listener(t, "bridge")
	if out := probeOnBridge(t, ip); !strings.Contains(out, "peer=reachable") {
		t.Fatalf("control probe on the default bridge: %q", out)
	}
}

// probeOnBridge runs the nc probe in a plain container on the default bridge.
func probeOnBridge(t *testing.T, ip string) string {
	t.Helper()
	run := testkit.RunContainer(t, &container.Config{Image: testkit.TestImage(t),
		Cmd: []string{"sh", "-c", `nc -w 2 ` + ip + ` 8080 </dev/null && echo peer=reachable || echo peer=unreachable`}}, nil)
	return run.Stdout + run.Stderr
}
