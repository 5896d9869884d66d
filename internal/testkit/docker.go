package testkit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

// TestImageRef is the offline busybox image every Docker test uses.
const TestImageRef = "kinetic-test/busybox:1"

var dockerOnce once[*client.Client]

func getDocker() (*client.Client, error) {
	return dockerOnce.get(func() (*client.Client, error) {
		cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := cli.Ping(ctx); err != nil {
			cli.Close()
			return nil, fmt.Errorf("Docker engine does not answer (start it with 'make docker'): %w", err)
		}
		return cli, nil
	})
}

// Docker returns a client of the running Docker engine, API version negotiated.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	cli, err := getDocker()
	if err != nil {
		Missing(t, "Docker engine", err)
	}
	return cli
}

var imageOnce once[string]

// TestImage returns TestImageRef. The image is built once per machine by
// scripts/dockerd.sh --test-image (make docker, which make test runs); a
// missing image is a missing harness.
func TestImage(t testing.TB) string {
	t.Helper()
	cli := Docker(t)
	ref, err := imageOnce.get(func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cli.ImageInspect(ctx, TestImageRef); err != nil {
			return "", fmt.Errorf("%w (build it with 'make docker')", err)
		}
		return TestImageRef, nil
	})
	if err != nil {
		Missing(t, "test image "+TestImageRef, err)
	}
	return ref
}

// ContainerRun is the outcome of RunContainer.
type ContainerRun struct {
	ID             string // the container, removed when the test ends
	ExitCode       int64
	Stdout, Stderr string
}

// RunContainer creates and starts a plain container (no Kinetic sandbox)
// from cfg and host, waits for it to exit and returns its exit code and
// output. The container and its anonymous volumes are removed when the
// test ends, so it can still be inspected or committed until then.
func RunContainer(t testing.TB, cfg *container.Config, host *container.HostConfig) ContainerRun {
	t.Helper()
	cli := Docker(t)
	ctx := Context(t, 2*time.Minute)
	c, err := cli.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		t.Fatalf("testkit: create container: %v", err)
	}
	t.Cleanup(func() {
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = cli.ContainerRemove(rctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	})
	if err := cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatalf("testkit: start container: %v", err)
	}
	run := ContainerRun{ID: c.ID}
	waitC, errC := cli.ContainerWait(ctx, c.ID, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		run.ExitCode = w.StatusCode
	case err := <-errC:
		t.Fatalf("testkit: wait for container: %v", err)
	}
	logs, err := cli.ContainerLogs(ctx, c.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatalf("testkit: container logs: %v", err)
	}
	defer logs.Close()
	var stdout, stderr strings.Builder
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		t.Fatalf("testkit: read container logs: %v", err)
	}
	run.Stdout, run.Stderr = stdout.String(), stderr.String()
	return run
}
