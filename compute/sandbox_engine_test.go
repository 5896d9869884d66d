package compute

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestSandboxLimitsOnEngine runs a job on the real engine that prints its
// ulimits, PID 1, /dev/shm and seccomp mode, and writes one byte more
// than the output cap into a file.
func TestSandboxLimitsOnEngine(t *testing.T) {
	t.Parallel()
	const capBytes = 1 << 20
	h := newHarness(t, EngineOptions{OutputCapBytes: capBytes, WorkTmpfsMB: 4, ShmMB: 16, NofileLimit: 512, NprocLimit: 2048})
	ctx := testkit.Context(t, time.Minute)
	s := h.spec(`grep -E '^Max (open files|processes|file size|core file size) ' /proc/self/limits | tr -s ' '
echo pid1=$(tr '\0' ' ' </proc/1/cmdline)
echo shm=$(df -k /dev/shm | awk 'NR==2 {print $2}')
grep '^Seccomp:' /proc/self/status | tr -d '\t '
dd if=/dev/zero of=/work/big bs=1024 count=1025 2>/dev/null; echo dd=$?
echo size=$(wc -c </work/big)`)
	res, log, err := h.run(ctx, s)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("err %v, result %+v, log %s", err, res, log.text())
	}
	out := log.text()
	for _, want := range []string{
		"Max open files 512 512 files",
		"Max processes 2048 2048 processes",
		"Max file size 1048576 1048576 bytes",
		"Max core file size 0 0 bytes",
		"pid1=/sbin/docker-init -- sh -c",
		"shm=16384\n",
		"Seccomp:2\n",
		"dd=153\n", // 128 + SIGXFSZ (25): the write past fsize killed dd
		"size=1048576\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// fakeSecurity is the real engine whose Info reports other security options.
type fakeSecurity struct {
	client.APIClient
	opts []string
}

func (f fakeSecurity) Info(ctx context.Context) (system.Info, error) {
	info, err := f.APIClient.Info(ctx)
	info.SecurityOptions = f.opts
	return info, err
}

// TestStartRefusesWithoutSeccomp checks that Start creates no container
// when the engine reports an unconfined seccomp profile or none at all,
// and that the real engine's report passes.
func TestStartRefusesWithoutSeccomp(t *testing.T) {
	t.Parallel()
	real := testkit.Docker(t)
	ctx := testkit.Context(t, time.Minute)
	info, err := real.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := seccompVerdict(info.SecurityOptions); err != nil {
		t.Fatalf("the real engine (%q) fails the check: %v", info.SecurityOptions, err)
	}
	cases := []struct {
		name string
		opts []string
		want string
	}{
		{"unconfined", []string{"name=seccomp,profile=unconfined"}, "default profile is unconfined"},
		{"no seccomp", []string{"name=apparmor"}, "reports no seccomp support"},
		{"no security options", nil, "reports no seccomp support"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := NewEngine(fakeSecurity{APIClient: real, opts: c.opts}, testkit.DB(t), EngineOptions{OutputDir: t.TempDir(), AllowedImages: testImages})
			if err != nil {
				t.Fatal(err)
			}
			h := &harness{t: t, e: e, image: testkit.TestImage(t)}
			id := newJobID(t)
			_, err = e.Start(ctx, id, h.spec("true"), RunOptions{})
			if !errors.Is(err, ErrNoSeccomp) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Start: %v, want ErrNoSeccomp saying %q", err, c.want)
			}
			list, err := real.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelJob+"="+id.String()))})
			if err != nil || len(list) != 0 {
				t.Fatalf("containers for the refused job: %v, %v", list, err)
			}
		})
	}
}
