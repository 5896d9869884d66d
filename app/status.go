package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/client/v2/algod"
	"github.com/algorand/go-algorand-sdk/v2/client/v2/common"
	"github.com/docker/docker/client"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/ui"
)

// UnreachableError reports a service that did not answer at all (as
// opposed to one that answered with an error).
type UnreachableError struct {
	// Service names what was asked, e.g. "algod" or "Docker engine".
	Service string
	// Addr is where it was asked, e.g. "127.0.0.1:4001".
	Addr string
	// Err is the transport failure.
	Err error
}

// Error implements error, keeping only the useful end of the cause, e.g.
// "algod unreachable at 127.0.0.1:4001: connection refused".
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s unreachable at %s: %s", e.Service, e.Addr, shortCause(e.Err))
}

// Unwrap returns the transport failure.
func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err says a service did not answer.
func IsUnreachable(err error) bool {
	var e *UnreachableError
	return errors.As(err, &e)
}

// shortCause reduces a transport error to what a person needs to read.
func shortCause(err error) string {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer before the timeout"
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	case client.IsErrConnectionFailed(err):
		return "no daemon answers (is dockerd running?)"
	}
	return err.Error()
}

// statusSource implements ui.StatusSource over the real components: the
// algod REST API, the Docker engine, NVML and the OS keyring.
type statusSource struct {
	network  Network
	endpoint endpointFunc
	nvml     func() compute.NVMLLibrary
	keyring  *keyringProbe
	// apps returns the contracts deployment recorded for a genesis hash.
	apps func(genesisHash string) (contracts.Deployment, bool, error)

	mu     sync.Mutex
	docker *client.Client
}

var _ ui.StatusSource = (*statusSource)(nil)

// Chain asks algod for its status (timing the request) and its genesis.
func (s *statusSource) Chain(ctx context.Context) (ui.ChainStatus, error) {
	st := ui.ChainStatus{Network: s.network.String()}
	addr, token, err := s.endpoint()
	if err != nil {
		return st, err
	}
	st.URL = addr
	c, err := algod.MakeClient(addr, token)
	if err != nil {
		return st, fmt.Errorf("algod client for %s: %w", addr, err)
	}
	start := time.Now()
	ns, err := c.Status().Do(ctx)
	if err != nil {
		return st, algodError(addr, err)
	}
	st.Latency = time.Since(start)
	st.LastRound = ns.LastRound
	v, err := c.Versions().Do(ctx)
	if err != nil {
		return st, algodError(addr, err)
	}
	st.GenesisID = v.GenesisID
	st.GenesisHash = base64.StdEncoding.EncodeToString(v.GenesisHash)
	st.Contracts = s.contractsText(st.GenesisHash)
	return st, nil
}

// contractsText names the apps recorded for the chain with genesisHash.
func (s *statusSource) contractsText(genesisHash string) string {
	if s.apps == nil {
		return "not deployed on this network"
	}
	d, ok, err := s.apps(genesisHash)
	switch {
	case err != nil:
		return "unknown: " + err.Error()
	case !ok:
		if s.network == LocalNet {
			return "not deployed yet (run 'kinetic localnet up')"
		}
		return "not deployed on this network"
	}
	return fmt.Sprintf("Registry %d · Escrow %d · BadgeMinter %d", d.Apps.Registry, d.Apps.Escrow, d.Apps.Badge)
}

// algodError names the failure of a request to the algod at addr.
func algodError(addr string, err error) error {
	host := addr
	if u, perr := url.Parse(addr); perr == nil && u.Host != "" {
		host = u.Host
	}
	var uerr *url.Error
	var tokenErr common.InvalidToken
	switch {
	case errors.As(err, &tokenErr):
		return fmt.Errorf("algod at %s rejected the API token: %w", host, err)
	case errors.As(err, &uerr), errors.Is(err, context.DeadlineExceeded):
		return &UnreachableError{Service: "algod", Addr: host, Err: err}
	}
	return fmt.Errorf("algod at %s: %w", host, err)
}

// Engine asks the Docker engine for its version and runtimes, reconnecting
// after a failure so that an engine that comes back is seen.
func (s *statusSource) Engine(ctx context.Context) (ui.EngineStatus, error) {
	cli, err := s.dockerClient(ctx)
	if err != nil {
		return ui.EngineStatus{}, engineError(err)
	}
	info, err := compute.EngineStatus(ctx, cli)
	if err != nil {
		s.dropDocker(cli)
		return ui.EngineStatus{}, engineError(err)
	}
	return ui.EngineStatus{
		Version:       info.Version,
		APIVersion:    info.ClientAPIVersion,
		Platform:      info.OS + "/" + info.Arch,
		NvidiaRuntime: info.NvidiaRuntime,
	}, nil
}

func (s *statusSource) dockerClient(ctx context.Context) (*client.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docker != nil {
		return s.docker, nil
	}
	cli, err := compute.Connect(ctx)
	if err != nil {
		return nil, err
	}
	s.docker = cli
	return cli, nil
}

func (s *statusSource) dropDocker(cli *client.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docker == cli {
		_ = cli.Close()
		s.docker = nil
	}
}

// engineError shortens compute's unreachable error to its transport cause.
func engineError(err error) error {
	var unreach *compute.EngineUnreachableError
	if errors.As(err, &unreach) {
		host := strings.TrimPrefix(unreach.Host, "unix://")
		return &UnreachableError{Service: "Docker engine", Addr: host, Err: unreach.Err}
	}
	return err
}

// GPUs reads the NVIDIA GPUs through NVML.
func (s *statusSource) GPUs(context.Context) ([]ui.GPU, error) {
	gpus, err := compute.DetectGPUs(s.nvml())
	if compute.IsNoGPU(err) {
		detail := strings.TrimPrefix(err.Error(), compute.ErrNoGPU.Error()+": ")
		return nil, fmt.Errorf("%w (%s)", ui.ErrNoGPU, detail)
	}
	if err != nil {
		return nil, err
	}
	out := make([]ui.GPU, 0, len(gpus))
	for _, g := range gpus {
		out = append(out, ui.GPU{Name: g.Name, MemoryMB: g.MemoryTotalMB, Driver: g.Driver, CUDA: g.CUDA})
	}
	return out, nil
}

// Keyring reports whether the OS keyring answers (probed at most once a
// minute; see keyringProbe).
func (s *statusSource) Keyring(ctx context.Context) error { return s.keyring.Check(ctx) }

// Close releases the Docker client.
func (s *statusSource) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docker != nil {
		_ = s.docker.Close()
		s.docker = nil
	}
}
