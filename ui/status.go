package ui

import (
	"context"
	"errors"
	"time"
)

// ErrNoGPU is wrapped by a StatusSource's GPUs method when no NVIDIA GPU or
// driver is present: the normal CPU-only state rather than a failure.
var ErrNoGPU = errors.New("no NVIDIA GPU/driver")

// ChainStatus is what the Dashboard shows about the Algorand node.
type ChainStatus struct {
	// Network is the configured preset, e.g. "LocalNet" or "TestNet".
	Network string
	// URL is the algod endpoint the app talks to.
	URL string
	// GenesisID and GenesisHash identify the chain the node follows.
	GenesisID, GenesisHash string
	// LastRound is the node's latest round.
	LastRound uint64
	// Latency is the round-trip time of the status request.
	Latency time.Duration
	// Contracts names the Kinetic apps on this chain, or says why there
	// are none (e.g. "not deployed on this network").
	Contracts string
}

// EngineStatus is what the Dashboard shows about the Docker engine.
type EngineStatus struct {
	// Version is the engine version, e.g. "20.10.24".
	Version string
	// APIVersion is the API version negotiated with the engine.
	APIVersion string
	// Platform is the engine's OS/architecture, e.g. "linux/amd64".
	Platform string
	// NvidiaRuntime reports whether the NVIDIA container runtime is registered.
	NvidiaRuntime bool
}

// GPU is one GPU found on this machine.
type GPU struct {
	// Name is the product name, e.g. "NVIDIA H100 80GB HBM3".
	Name string
	// MemoryMB is the total VRAM in MiB.
	MemoryMB uint64
	// Driver and CUDA are the driver version and the CUDA version it supports.
	Driver, CUDA string
}

// StatusSource answers the Dashboard's questions about the real components.
// Each method may block on the network and must honour ctx.
type StatusSource interface {
	// Chain reports the Algorand node's status, or why it is unreachable.
	Chain(ctx context.Context) (ChainStatus, error)
	// Engine reports the Docker engine's status, or why it is unreachable.
	Engine(ctx context.Context) (EngineStatus, error)
	// GPUs lists the NVIDIA GPUs; the error wraps ErrNoGPU when there are none.
	GPUs(ctx context.Context) ([]GPU, error)
	// Keyring returns nil when an OS keyring answers.
	Keyring(ctx context.Context) error
}
