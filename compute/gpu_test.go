//go:build !windows

package compute

import (
	"bytes"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// telemetry is what the fake devices report; the dgxh100 mock only models
// identity and memory, so the test adds the sensor readings.
type telemetry struct {
	tempC   uint32
	powerMW uint32
	limitMW uint32
	util    nvml.Utilization
	usedMiB uint64
	procs   []nvml.ProcessInfo
}

// newH100 returns the DGX H100 mock with telemetry installed on every device.
func newH100(t *testing.T, tel func(i int) telemetry) *server.Server {
	t.Helper()
	s := dgxh100.New()
	for i, d := range s.Devices {
		dev := d.(*server.Device)
		tm := tel(i)
		dev.MemoryInfo.Used = tm.usedMiB << 20
		dev.MemoryInfo.Free = dev.MemoryInfo.Total - dev.MemoryInfo.Used
		dev.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return tm.tempC, nvml.SUCCESS }
		dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return tm.powerMW, nvml.SUCCESS }
		dev.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return tm.limitMW, nvml.SUCCESS }
		dev.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return tm.util, nvml.SUCCESS }
		dev.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return tm.procs, nvml.SUCCESS }
		dev.GetGraphicsRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED }
	}
	s.SystemGetProcessNameFunc = func(pid int) (string, nvml.Return) {
		return map[int]string{100: "python", 200: "game.exe"}[pid], nvml.SUCCESS
	}
	return s
}

func TestDetectGPUsDGXH100(t *testing.T) {
	s := newH100(t, func(i int) telemetry {
		tm := telemetry{tempC: uint32(40 + i), powerMW: 350500, limitMW: 700000, util: nvml.Utilization{Gpu: 87, Memory: 41}, usedMiB: 1024}
		if i == 1 {
			tm.procs = []nvml.ProcessInfo{{Pid: 100, UsedGpuMemory: 512 << 20}, {Pid: 200, UsedGpuMemory: 256 << 20}}
		}
		return tm
	})
	gpus, err := DetectGPUs(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(gpus) != 8 {
		t.Fatalf("got %d GPUs, want 8", len(gpus))
	}
	g := gpus[1]
	uuid, _ := s.Devices[1].GetUUID()
	checks := []struct {
		name      string
		got, want any
	}{
		{"index", g.Index, 1},
		{"name", g.Name, "NVIDIA H100 80GB HBM3"},
		{"uuid", g.UUID, uuid},
		{"vram total", g.MemoryTotalMB, uint64(81920)},
		{"vram used", g.MemoryUsedMB, uint64(1024)},
		{"driver", g.Driver, "550.54.15"},
		{"cuda", g.CUDA, "12.4"},
		{"temperature", g.TemperatureC, 41.0},
		{"power", g.PowerW, 350.5},
		{"power limit", g.PowerLimitW, 700.0},
		{"utilization", g.UtilizationPct, 87},
		{"memory utilization", g.MemoryUtilizationPct, 41},
		{"processes", len(g.Processes), 2},
		{"process name", g.Processes[0].Name, "python"},
		{"process memory", g.Processes[0].UsedMemoryMB, uint64(512)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestOpenNVMLNoDriver(t *testing.T) {
	cases := []struct {
		name  string
		lib   nvml.Interface
		noGPU bool
	}{
		{"library not found", &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }}, true},
		{"driver not loaded", &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_DRIVER_NOT_LOADED }}, true},
		{"zero devices", &mock.Interface{
			InitFunc:           func() nvml.Return { return nvml.SUCCESS },
			ShutdownFunc:       func() nvml.Return { return nvml.SUCCESS },
			DeviceGetCountFunc: func() (int, nvml.Return) { return 0, nvml.SUCCESS },
		}, true},
		{"unknown error", &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_UNKNOWN }}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DetectGPUs(c.lib)
			if err == nil {
				t.Fatal("no error")
			}
			if IsNoGPU(err) != c.noGPU {
				t.Fatalf("IsNoGPU(%v) = %v, want %v", err, IsNoGPU(err), c.noGPU)
			}
		})
	}
}

func TestDefaultNVMLWithoutDriver(t *testing.T) {
	gpus, err := DetectGPUs(DefaultNVML())
	if err != nil && !IsNoGPU(err) {
		t.Fatalf("real NVML: %v", err)
	}
	var buf bytes.Buffer
	FormatGPUReport(&buf, gpus)
	if len(gpus) == 0 && !strings.Contains(buf.String(), "no NVIDIA GPU") {
		t.Fatalf("report without GPUs: %q", buf.String())
	}
	t.Log(buf.String())
}

func TestReadMarksOurProcesses(t *testing.T) {
	s := newH100(t, func(i int) telemetry {
		return telemetry{tempC: 50, procs: []nvml.ProcessInfo{{Pid: 100}, {Pid: 200}}}
	})
	n, err := OpenNVML(s)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	gpus, err := n.Read(func(pid uint32) bool { return pid == 100 })
	if err != nil {
		t.Fatal(err)
	}
	procs := gpus[0].Processes
	if len(procs) != 2 || !procs[0].Ours || procs[1].Ours {
		t.Fatalf("processes %+v", procs)
	}
	if f := gpus[0].ForeignProcesses(); len(f) != 1 || f[0].Name != "game.exe" {
		t.Fatalf("foreign %+v", f)
	}
	var buf bytes.Buffer
	FormatGPUReport(&buf, gpus[:1])
	for _, want := range []string{"driver 550.54.15, CUDA 12.4", "NVIDIA H100 80GB HBM3", "100 python 0MiB (ours)", "200 game.exe 0MiB (foreign)", "50°C"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}
