package compute

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// ownContainers is a Docker client whose container list holds only the
// containers a test made: other packages' tests share the engine and may
// leave expired job containers of their own at any moment.
type ownContainers struct {
	client.APIClient
	ids map[string]bool
}

func (o ownContainers) ContainerList(ctx context.Context, opts container.ListOptions) ([]container.Summary, error) {
	all, err := o.APIClient.ContainerList(ctx, opts)
	var out []container.Summary
	for _, c := range all {
		if o.ids[c.ID] {
			out = append(out, c)
		}
	}
	return out, err
}

// TestReapExpired runs on the real engine, over a view of the engine that
// lists only the containers it made.
func TestReapExpired(t *testing.T) {
	engine := testkit.Docker(t)
	cli := ownContainers{APIClient: engine, ids: map[string]bool{}}
	image := testkit.TestImage(t)
	ctx := testkit.Context(t, time.Minute)
	now := time.Now()
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	run := func(name string, labels map[string]string, cmd string, wait bool) string {
		t.Helper()
		c, err := cli.ContainerCreate(ctx, &container.Config{Image: image, Cmd: []string{"sh", "-c", cmd}, Labels: labels}, nil, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		cli.ids[c.ID] = true
		t.Cleanup(func() {
			_ = cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		})
		if err := cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		if wait {
			waitC, errC := cli.ContainerWait(ctx, c.ID, container.WaitConditionNotRunning)
			select {
			case <-waitC:
			case err := <-errC:
				t.Fatal(err)
			}
		}
		return c.ID
	}
	job := func(deadline string) map[string]string {
		l := map[string]string{LabelJob: newJobID(t).String(), LabelInstance: "some-other-instance"}
		if deadline != "" {
			l[LabelDeadline] = deadline
		}
		return l
	}
	expired := run("expired", job(at(-10*time.Second)), "sleep 60", false)
	live := run("live", job(at(time.Hour)), "sleep 60", false)
	foreign := run("foreign", map[string]string{"other.app": "x"}, "sleep 60", false)
	// A generous margin: on a loaded machine creating the containers above
	// can take seconds, and "true" must still exit before this deadline.
	inTime := run("exited in time", job(at(30*time.Second)), "true", true)
	noLabel := run("no deadline label", job(""), "sleep 60", false)

	later := now.Add(40 * time.Second)
	got, err := ReapExpired(ctx, cli, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ContainerID != expired || got[0].Reason == "" || got[0].Instance != "some-other-instance" || got[0].Deadline.Unix() != now.Add(-10*time.Second).Unix() {
		t.Fatalf("reaped %+v, want only %s", got, short(expired))
	}
	if _, err := cli.ContainerInspect(ctx, expired); !cerrdefs.IsNotFound(err) {
		t.Fatalf("expired container still there: %v", err)
	}
	for _, id := range []string{live, foreign, inTime, noLabel} {
		insp, err := cli.ContainerInspect(ctx, id)
		if err != nil {
			t.Fatalf("container %s gone: %v", short(id), err)
		}
		if id != inTime && !insp.State.Running {
			t.Fatalf("container %s stopped: %+v", short(id), insp.State)
		}
	}

	// With a tiny max age, the unlabelled one and the uncollected one go too.
	got, err = ReapExpired(ctx, cli, later, ReapMaxAge(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ContainerID)
	}
	slices.Sort(ids)
	want := []string{inTime, noLabel}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("second reap %+v, want %v", got, want)
	}
	if _, err := cli.ContainerInspect(ctx, foreign); err != nil {
		t.Fatalf("foreign container touched: %v", err)
	}
}
