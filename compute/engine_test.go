package compute

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

func TestEngineStatus(t *testing.T) {
	testkit.Docker(t) // Missing() when there is no engine
	ctx := testkit.Context(t, 30*time.Second)
	cli, err := Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	info, err := EngineStatus(ctx, cli)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" || info.APIVersion == "" || info.OS != "linux" || len(info.Runtimes) == 0 {
		t.Fatalf("engine info %+v", info)
	}
	if info.ClientAPIVersion == "" || versions.GreaterThan(info.ClientAPIVersion, info.APIVersion) {
		t.Fatalf("client API %s newer than the engine's %s: negotiation failed", info.ClientAPIVersion, info.APIVersion)
	}
	t.Logf("engine %+v", info)
}

func TestConnectUnreachable(t *testing.T) {
	sock := "unix://" + filepath.Join(t.TempDir(), "nothing.sock")
	t.Setenv("DOCKER_HOST", sock)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Connect(ctx)
	var ue *EngineUnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err %v, want *EngineUnreachableError", err)
	}
	if want := "Docker engine unreachable at " + sock; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("message %q, want prefix %q", err, want)
	}
}
