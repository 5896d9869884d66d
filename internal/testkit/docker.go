package testkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/docker/docker/client"
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

// TestImage returns TestImageRef, building it from Debian's busybox-static
// if the engine lacks it (scripts/test-image.sh does the same for make).
func TestImage(t testing.TB) string {
	t.Helper()
	cli := Docker(t)
	ref, err := imageOnce.get(func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := cli.ImageInspect(ctx, TestImageRef); err == nil {
			return TestImageRef, nil
		}
		return TestImageRef, buildTestImage(ctx)
	})
	if err != nil {
		Missing(t, "test image "+TestImageRef, err)
	}
	return ref
}

// buildTestImage imports a one-layer image of /bin/busybox and its applets.
func buildTestImage(ctx context.Context) error {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		return fmt.Errorf("/bin/busybox missing (apt-get install busybox-static): %w", err)
	}
	script := `set -e; d=$(mktemp -d); mkdir -p $d/bin $d/tmp $d/output $d/work; cp /bin/busybox $d/bin/;
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $d/bin/$a; done;
tar -C $d -c . | docker import -c 'ENV PATH=/bin' - ` + TestImageRef + `; rm -rf $d`
	out, err := exec.CommandContext(ctx, "sh", "-c", script).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker import: %w: %s", err, out)
	}
	return nil
}
