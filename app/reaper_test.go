package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestReapAtStartRemovesExpiredJob leaves a job container whose deadline
// passed (as if the app had crashed) and checks start-up removes it.
func TestReapAtStartRemovesExpiredJob(t *testing.T) {
	cli := testkit.Docker(t)
	img := testkit.TestImage(t)
	ctx := testkit.Context(t, time.Minute)
	job := strings.Repeat("ab", 32)
	created, err := cli.ContainerCreate(ctx, &container.Config{
		Image: img, Cmd: []string{"sleep", "60"},
		Labels: map[string]string{
			compute.LabelJob:      job,
			compute.LabelDeadline: strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10),
		},
	}, &container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cli.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	})
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	// Other packages' tests leave expired containers on the same engine for
	// their own reapers: this one sees only its own container.
	only := func(ctx context.Context) (client.APIClient, error) {
		c, err := connectDocker(ctx)
		return onlyContainer{APIClient: c, id: created.ID}, err
	}
	var buf bytes.Buffer
	reaped := reapAtStart(ctx, only, slog.New(slog.NewJSONHandler(&buf, nil)))
	found := false
	for _, r := range reaped {
		found = found || (r.ContainerID == created.ID && r.Err == nil)
	}
	if !found {
		t.Fatalf("expired container not reaped: %+v\nlog: %s", reaped, buf.String())
	}
	if _, err := cli.ContainerInspect(ctx, created.ID); !cerrdefs.IsNotFound(err) {
		t.Fatalf("container still there: %v", err)
	}
	if !strings.Contains(buf.String(), "expired job container removed") || !strings.Contains(buf.String(), job) {
		t.Fatalf("log does not name the reaped job: %s", buf.String())
	}
}

func TestReapAtStartWithoutEngine(t *testing.T) {
	var buf bytes.Buffer
	down := func(context.Context) (client.APIClient, error) { return nil, errors.New("connection refused") }
	if got := reapAtStart(context.Background(), down, slog.New(slog.NewJSONHandler(&buf, nil))); got != nil {
		t.Fatalf("reaped %v without an engine", got)
	}
	if !strings.Contains(buf.String(), "Docker engine unreachable") {
		t.Fatalf("log: %s", buf.String())
	}
}

// onlyContainer is a Docker client whose container list holds one container.
type onlyContainer struct {
	client.APIClient
	id string
}

func (o onlyContainer) ContainerList(ctx context.Context, opts container.ListOptions) ([]container.Summary, error) {
	all, err := o.APIClient.ContainerList(ctx, opts)
	var out []container.Summary
	for _, c := range all {
		if c.ID == o.id {
			out = append(out, c)
		}
	}
	return out, err
}
