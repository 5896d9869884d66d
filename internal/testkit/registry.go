package testkit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
)

// RegistryBinary is Debian's container registry (package docker-registry,
// distribution 2.8), which scripts/deps.sh installs.
const RegistryBinary = "docker-registry"

// Registry is a real container registry serving the registry v2 API on a
// loopback port, over plain HTTP (which Docker allows for 127.0.0.1), with
// its storage in a temporary directory.
type Registry struct {
	// Addr is host:port, e.g. "127.0.0.1:40123": image references under it
	// are Addr + "/name".
	Addr string
	// Root is the storage directory.
	Root string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// StartRegistry starts `docker-registry serve CONFIG` on a free loopback
// port and waits until it answers GET /v2/. It is stopped when the test
// ends. A missing binary is a missing harness (Missing).
func StartRegistry(t testing.TB) *Registry {
	t.Helper()
	bin, err := exec.LookPath(RegistryBinary)
	if err != nil {
		Missing(t, "container registry ("+RegistryBinary+", installed by scripts/deps.sh)", err)
	}
	dir := t.TempDir()
	var lastErr error
	for range 3 { // the free port may be taken between probe and start
		r, err := startRegistry(bin, dir)
		if err == nil {
			t.Cleanup(r.stop)
			return r
		}
		lastErr = err
	}
	t.Fatalf("testkit: start %s: %v", RegistryBinary, lastErr)
	return nil
}

func startRegistry(bin, dir string) (*Registry, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	r := &Registry{Addr: addr, Root: filepath.Join(dir, "storage"), done: make(chan struct{})}
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", r.Root, addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "registry.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	r.cmd = exec.Command(bin, "serve", cfgPath)
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("registry exited: %s", out)
		default:
		}
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.stop()
	return nil, errors.New("registry did not answer GET /v2/ within 15 s")
}

// stop kills the registry and waits for it to exit; it is idempotent.
func (r *Registry) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.resume() // a stopped (paused) process must run to die of SIGKILL promptly
	_ = r.cmd.Process.Kill()
	<-r.done
}

// Stop stops the registry before the test ends (it is stopped at cleanup
// anyway), for tests of an unreachable registry.
func (r *Registry) Stop() { r.stop() }

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// PushUniqueImage builds an image that exists nowhere else (the test image
// plus one layer holding layerBytes random bytes, which do not compress),
// pushes it to the registry as Addr/name:tag, removes it from the local
// engine so that a pull has to download it, and returns its digest
// reference, "Addr/name@sha256:…".
func (r *Registry) PushUniqueImage(t testing.TB, name string, layerBytes int) string {
	t.Helper()
	cli := Docker(t)
	ctx := Context(t, 2*time.Minute)
	var tagBytes [6]byte
	_, _ = rand.Read(tagBytes[:])
	tag := fmt.Sprintf("%s/%s:%x", r.Addr, name, tagBytes)
	script := fmt.Sprintf("head -c %d /dev/urandom > /payload.bin", layerBytes)
	c := RunContainer(t, &container.Config{Image: TestImage(t), Cmd: []string{"sh", "-c", script}}, nil)
	if c.ExitCode != 0 {
		t.Fatalf("testkit: build unique image: exit %d: %s", c.ExitCode, c.Stderr)
	}
	if _, err := cli.ContainerCommit(ctx, c.ID, container.CommitOptions{Reference: tag}); err != nil {
		t.Fatalf("testkit: commit unique image: %v", err)
	}
	digest, err := r.push(ctx, tag)
	// The local copy goes whatever happened: the pull under test must fetch it.
	if _, rmErr := cli.ImageRemove(context.WithoutCancel(ctx), tag, image.RemoveOptions{Force: true, PruneChildren: true}); rmErr != nil && err == nil {
		err = fmt.Errorf("remove the local copy: %w", rmErr)
	}
	if err != nil {
		t.Fatalf("testkit: push %s: %v", tag, err)
	}
	return r.Addr + "/" + name + "@" + digest
}

// push pushes ref (tagged under Addr) and returns the manifest digest the
// engine reports.
func (r *Registry) push(ctx context.Context, ref string) (string, error) {
	cli, err := getDocker()
	if err != nil {
		return "", err
	}
	auth := base64.URLEncoding.EncodeToString([]byte("{}"))
	rc, err := cli.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: auth})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	digest := ""
	dec := json.NewDecoder(rc)
	for {
		var m struct {
			Error *struct{ Message string } `json:"errorDetail"`
			Aux   *json.RawMessage          `json:"aux"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", err
		}
		if m.Error != nil {
			return "", errors.New(m.Error.Message)
		}
		if m.Aux != nil {
			var aux struct{ Digest string }
			if json.Unmarshal(*m.Aux, &aux) == nil && aux.Digest != "" {
				digest = aux.Digest
			}
		}
	}
	if !strings.HasPrefix(digest, "sha256:") {
		return "", errors.New("the push reported no digest")
	}
	return digest, nil
}

// TamperManifest rewrites the stored manifest blob of digest (a
// "sha256:…" digest this registry holds) with different bytes that still
// parse as the same manifest (a trailing newline), as a compromised
// registry or storage would. The registry serves stored blobs without
// checking them, so a client that asks for digest receives bytes that do
// not hash to it.
func (r *Registry) TamperManifest(t testing.TB, digest string) {
	t.Helper()
	hexDigest, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hexDigest) != 64 {
		t.Fatalf("testkit: %q is not a sha256 digest", digest)
	}
	p := filepath.Join(r.Root, "docker", "registry", "v2", "blobs", "sha256", hexDigest[:2], hexDigest, "data")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("testkit: read manifest blob: %v", err)
	}
	if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
		t.Fatalf("testkit: tamper with manifest blob: %v", err)
	}
}
