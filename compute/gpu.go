package compute

import "errors"

// ErrNoGPU reports that no NVIDIA GPU can be used: the NVML library or the
// driver is missing, or the driver sees zero devices. Callers treat it as
// the normal "CPU-only" state, not as a failure.
var ErrNoGPU = errors.New("no NVIDIA GPU")

// IsNoGPU reports whether err means "no NVIDIA GPU".
func IsNoGPU(err error) bool { return errors.Is(err, ErrNoGPU) }

// GPUProcess is one process holding a context on a GPU.
type GPUProcess struct {
	// PID is the host process id as NVML reports it.
	PID uint32
	// Name is the process name, empty when NVML cannot tell.
	Name string
	// UsedMemoryMB is the GPU memory the process holds, in MiB.
	UsedMemoryMB uint64
	// Ours is true when the process belongs to one of our job containers.
	Ours bool
}

// GPUInfo is one GPU's identity and a telemetry reading. Telemetry that the
// device does not support is left at zero.
type GPUInfo struct {
	// Index is NVML's device index.
	Index int
	// Name is the product name, e.g. "NVIDIA H100 80GB HBM3".
	Name string
	// UUID is the device UUID ("GPU-…"), used for Docker device requests.
	UUID string
	// MemoryTotalMB and MemoryUsedMB are VRAM in MiB.
	MemoryTotalMB, MemoryUsedMB uint64
	// Driver is the driver version, e.g. "550.54.15".
	Driver string
	// CUDA is the highest CUDA version the driver supports, e.g. "12.4".
	CUDA string
	// TemperatureC is the core temperature in degrees Celsius.
	TemperatureC float64
	// PowerW is the current draw and PowerLimitW the enforced limit, in watts.
	PowerW, PowerLimitW float64
	// UtilizationPct is the GPU (SM) utilisation over the last sample period.
	UtilizationPct int
	// MemoryUtilizationPct is the memory-controller utilisation.
	MemoryUtilizationPct int
	// Processes lists compute and graphics processes on the device.
	Processes []GPUProcess
}

// ForeignProcesses returns the processes on the GPU that are not ours.
func (g GPUInfo) ForeignProcesses() []GPUProcess {
	var out []GPUProcess
	for _, p := range g.Processes {
		if !p.Ours {
			out = append(out, p)
		}
	}
	return out
}
