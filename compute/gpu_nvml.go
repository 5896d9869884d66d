//go:build !windows

package compute

import (
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// NVMLLibrary is the NVML binding the GPU functions read through:
// go-nvml's interface, so tests can pass its mock.
type NVMLLibrary = nvml.Interface

// DefaultNVML returns the real NVML library binding. Loading the library is
// deferred to Init, so this never fails on machines without a driver.
func DefaultNVML() NVMLLibrary { return nvml.New() }

// DetectGPUs initialises NVML, reads every device once and shuts NVML down.
// It returns an error wrapping ErrNoGPU when the library or driver is
// missing or no device is present. No process is marked as ours.
func DetectGPUs(lib NVMLLibrary) ([]GPUInfo, error) {
	n, err := OpenNVML(lib)
	if err != nil {
		return nil, err
	}
	defer n.Close()
	return n.Read(nil)
}

// NVML is an initialised NVML session. It is safe for concurrent use as far
// as the underlying library is (NVML is thread-safe).
type NVML struct {
	lib    nvml.Interface
	driver string
	cuda   string
}

// OpenNVML initialises NVML. It returns an error wrapping ErrNoGPU when the
// library or driver is missing or the driver reports no devices.
func OpenNVML(lib NVMLLibrary) (*NVML, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		switch ret {
		case nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED, nvml.ERROR_NO_PERMISSION:
			return nil, fmt.Errorf("%w: nvml init: %v", ErrNoGPU, ret.Error())
		}
		return nil, fmt.Errorf("nvml init: %w", ret)
	}
	n := &NVML{lib: lib}
	count, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		n.Close()
		return nil, fmt.Errorf("nvml device count: %w", ret)
	}
	if count == 0 {
		n.Close()
		return nil, fmt.Errorf("%w: driver reports zero devices", ErrNoGPU)
	}
	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		n.driver = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		n.cuda = fmt.Sprintf("%d.%d", v/1000, (v%1000)/10)
	}
	return n, nil
}

// Close shuts the NVML session down.
func (n *NVML) Close() { _ = n.lib.Shutdown() }

// Read takes one reading of every device. ours, when not nil, marks the
// processes that belong to our jobs.
func (n *NVML) Read(ours func(pid uint32) bool) ([]GPUInfo, error) {
	count, ret := n.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return nil, fmt.Errorf("nvml device count: %w", ret)
	}
	out := make([]GPUInfo, 0, count)
	for i := 0; i < count; i++ {
		dev, ret := n.lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return nil, fmt.Errorf("nvml device %d: %w", i, ret)
		}
		g, err := n.readDevice(i, dev, ours)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// readDevice reads identity (required) and telemetry (best effort: a field
// the device does not support stays zero).
func (n *NVML) readDevice(i int, dev nvml.Device, ours func(uint32) bool) (GPUInfo, error) {
	g := GPUInfo{Index: i, Driver: n.driver, CUDA: n.cuda}
	var ret nvml.Return
	if g.UUID, ret = dev.GetUUID(); ret != nvml.SUCCESS {
		return GPUInfo{}, fmt.Errorf("nvml device %d uuid: %w", i, ret)
	}
	if g.Name, ret = dev.GetName(); ret != nvml.SUCCESS {
		return GPUInfo{}, fmt.Errorf("nvml device %d name: %w", i, ret)
	}
	if mem, ret := dev.GetMemoryInfo(); ret == nvml.SUCCESS {
		g.MemoryTotalMB, g.MemoryUsedMB = mem.Total>>20, mem.Used>>20
	}
	if t, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU); ret == nvml.SUCCESS {
		g.TemperatureC = float64(t)
	}
	if p, ret := dev.GetPowerUsage(); ret == nvml.SUCCESS {
		g.PowerW = float64(p) / 1000
	}
	if p, ret := dev.GetEnforcedPowerLimit(); ret == nvml.SUCCESS {
		g.PowerLimitW = float64(p) / 1000
	}
	if u, ret := dev.GetUtilizationRates(); ret == nvml.SUCCESS {
		g.UtilizationPct, g.MemoryUtilizationPct = int(u.Gpu), int(u.Memory)
	}
	g.Processes = n.readProcesses(dev, ours)
	return g, nil
}

// readProcesses merges compute and graphics processes, one entry per PID.
func (n *NVML) readProcesses(dev nvml.Device, ours func(uint32) bool) []GPUProcess {
	var procs []GPUProcess
	seen := map[uint32]bool{}
	add := func(list []nvml.ProcessInfo, ret nvml.Return) {
		if ret != nvml.SUCCESS {
			return
		}
		for _, p := range list {
			if seen[p.Pid] {
				continue
			}
			seen[p.Pid] = true
			gp := GPUProcess{PID: p.Pid, UsedMemoryMB: p.UsedGpuMemory >> 20}
			if name, ret := n.lib.SystemGetProcessName(int(p.Pid)); ret == nvml.SUCCESS {
				gp.Name = name
			}
			if ours != nil {
				gp.Ours = ours(p.Pid)
			}
			procs = append(procs, gp)
		}
	}
	add(dev.GetComputeRunningProcesses())
	add(dev.GetGraphicsRunningProcesses())
	return procs
}
