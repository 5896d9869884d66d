package compute

import (
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/client"
)

// EngineInfo describes the Docker engine the runner talks to.
type EngineInfo struct {
	// Version is the engine's version, e.g. "20.10.24".
	Version string
	// APIVersion is the engine's highest API version, e.g. "1.41".
	APIVersion string
	// ClientAPIVersion is the API version negotiated by the client.
	ClientAPIVersion string
	// OS and Arch are the engine's platform, e.g. "linux", "amd64".
	OS, Arch string
	// NvidiaRuntime reports whether a runtime named "nvidia" is registered
	// (the NVIDIA Container Toolkit), which GPU device requests need.
	NvidiaRuntime bool
	// Runtimes lists the registered OCI runtimes, sorted.
	Runtimes []string
	// EgressIsolation says what egress jobs can and cannot reach
	// (EgressLimitations): the app isolates them from each other, not
	// from the host or the LAN.
	EgressIsolation string
}

// EngineUnreachableError reports that the Docker daemon did not answer.
type EngineUnreachableError struct {
	// Host is the daemon address the client tried, e.g. unix:///var/run/docker.sock.
	Host string
	// Err is the underlying failure.
	Err error
}

// Error implements error.
func (e *EngineUnreachableError) Error() string {
	return fmt.Sprintf("Docker engine unreachable at %s: %v", e.Host, e.Err)
}

// Unwrap returns the underlying failure.
func (e *EngineUnreachableError) Unwrap() error { return e.Err }

// Connect builds a Docker client from the environment (DOCKER_HOST and
// friends), negotiates the API version with the daemon and pings it. When
// the daemon does not answer it returns an *EngineUnreachableError naming
// the address it tried.
func Connect(ctx context.Context) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	if _, err := cli.Ping(ctx); err != nil {
		host := cli.DaemonHost()
		_ = cli.Close()
		return nil, &EngineUnreachableError{Host: host, Err: err}
	}
	cli.NegotiateAPIVersion(ctx)
	return cli, nil
}

// EngineStatus asks the engine for its version and registered runtimes.
func EngineStatus(ctx context.Context, cli client.APIClient) (EngineInfo, error) {
	v, err := cli.ServerVersion(ctx)
	if err != nil {
		return EngineInfo{}, &EngineUnreachableError{Host: cli.DaemonHost(), Err: err}
	}
	info, err := cli.Info(ctx)
	if err != nil {
		return EngineInfo{}, fmt.Errorf("docker info: %w", err)
	}
	out := EngineInfo{
		Version:          v.Version,
		APIVersion:       v.APIVersion,
		ClientAPIVersion: cli.ClientVersion(),
		OS:               v.Os,
		Arch:             v.Arch,
		EgressIsolation:  EgressLimitations,
	}
	for name := range info.Runtimes {
		out.Runtimes = append(out.Runtimes, name)
		if name == "nvidia" {
			out.NvidiaRuntime = true
		}
	}
	sort.Strings(out.Runtimes)
	return out, nil
}
