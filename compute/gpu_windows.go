//go:build windows

package compute

import "fmt"

// NVMLLibrary stands for the NVML binding. The binding this package uses
// (go-nvml) loads libnvml with dlopen and does not build for Windows, so a
// Windows build has no NVML: every function below reports ErrNoGPU and the
// app runs CPU-only.
type NVMLLibrary interface{}

// DefaultNVML returns nil: a Windows build has no NVML binding.
func DefaultNVML() NVMLLibrary { return nil }

// errNoNVMLOnWindows says why a Windows build sees no GPU.
var errNoNVMLOnWindows = fmt.Errorf("%w: NVML is not available in Windows builds (go-nvml is Linux-only); running CPU-only", ErrNoGPU)

// DetectGPUs reports ErrNoGPU on Windows (see NVMLLibrary).
func DetectGPUs(NVMLLibrary) ([]GPUInfo, error) { return nil, errNoNVMLOnWindows }

// NVML is an NVML session; a Windows build never opens one.
type NVML struct{}

// OpenNVML reports ErrNoGPU on Windows (see NVMLLibrary).
func OpenNVML(NVMLLibrary) (*NVML, error) { return nil, errNoNVMLOnWindows }

// Close does nothing.
func (n *NVML) Close() {}

// Read reports ErrNoGPU on Windows.
func (n *NVML) Read(func(pid uint32) bool) ([]GPUInfo, error) { return nil, errNoNVMLOnWindows }
