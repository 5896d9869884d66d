package compute

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// TestSandboxConfig checks the container configuration without an engine.
func TestSandboxConfig(t *testing.T) {
	store, err := NewJobStore(testkit.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	created := time.Unix(1_800_000_000, 0)
	mk := func(allowEgress bool) *Engine {
		o := EngineOptions{AllowEgress: allowEgress, Now: func() time.Time { return created }}
		o.defaults()
		return &Engine{store: store, opts: o}
	}
	s := Spec{Version: 1, Image: "img:1", MaxSeconds: 10, CPUs: 1.5, MemoryMB: 100, Network: NetworkEgress, Outputs: "/output/results", GPUs: 1, Env: map[string]string{"B": "2", "A": "1"}}
	id := JobID{0xab}
	cases := []struct {
		name    string
		e       *Engine
		gpus    []string
		network container.NetworkMode
		nvidia  []string // the NVIDIA runtime variables, last in Env
	}{
		{"egress requested but not allowed", mk(false), nil, "none", []string{"NVIDIA_VISIBLE_DEVICES=void"}},
		{"egress allowed", mk(true), nil, EgressNetwork, []string{"NVIDIA_VISIBLE_DEVICES=void"}},
		{"with a GPU", mk(false), []string{"GPU-1"}, "none", []string{"NVIDIA_VISIBLE_DEVICES=GPU-1", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"}},
		{"with two GPUs", mk(false), []string{"GPU-1", "GPU-2"}, "none", []string{"NVIDIA_VISIBLE_DEVICES=GPU-1,GPU-2", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, host, _ := c.e.sandboxConfig(id, s, sandboxParams{GPUUUIDs: c.gpus})
			if cfg.User != JobUser || cfg.WorkingDir != WorkDir || cfg.Labels[LabelJob] != id.String() || cfg.Labels[LabelInstance] != store.Instance() {
				t.Errorf("config %+v", cfg)
			}
			// The deadline label: creation + maxSeconds (10) + deadlineSlack.
			if got, want := cfg.Labels[LabelDeadline], strconv.FormatInt(created.Add(10*time.Second+deadlineSlack).Unix(), 10); got != want {
				t.Errorf("deadline label %q, want %q", got, want)
			}
			if want := append([]string{"A=1", "B=2"}, c.nvidia...); !slices.Equal(cfg.Env, want) {
				t.Errorf("env %q, want %q", cfg.Env, want)
			}
			// Four times the default 1 MiB log cap.
			if lc := host.LogConfig; lc.Type != "json-file" || lc.Config["max-size"] != "4194304" || lc.Config["max-file"] != "1" {
				t.Errorf("log config %+v", lc)
			}
			if cfg.Labels[LabelSpecHash] != fmt.Sprintf("%x", s.Hash()) {
				t.Errorf("spec hash label %q", cfg.Labels[LabelSpecHash])
			}
			if host.NetworkMode != c.network || !host.ReadonlyRootfs || !slices.Equal(host.CapDrop, []string{"ALL"}) ||
				!slices.Contains(host.SecurityOpt, "no-new-privileges") || host.Privileged {
				t.Errorf("host config %+v", host)
			}
			if host.Init == nil || !*host.Init || host.ShmSize != 64<<20 {
				t.Errorf("init %v, shm %d", host.Init, host.ShmSize)
			}
			r := host.Resources
			wantUlimits := map[string]int64{"nofile": 1024, "nproc": 4096, "fsize": 256 << 20, "core": 0}
			if len(r.Ulimits) != len(wantUlimits) {
				t.Errorf("ulimits %v", r.Ulimits)
			}
			for _, u := range r.Ulimits {
				if w, ok := wantUlimits[u.Name]; !ok || u.Soft != w || u.Hard != w {
					t.Errorf("ulimit %+v, want %d", *u, w)
				}
			}
			if r.Memory != 100<<20 || r.MemorySwap != r.Memory || r.NanoCPUs != 1_500_000_000 || r.PidsLimit == nil || *r.PidsLimit != 256 {
				t.Errorf("resources %+v", r)
			}
			if host.Tmpfs[WorkDir] == "" || len(host.Mounts) != 2 || host.Mounts[0].Target != "/output/results" || host.Mounts[1].Target != InputDir {
				t.Errorf("mounts %v %v", host.Tmpfs, host.Mounts)
			}
			for _, m := range host.Mounts {
				if m.Type != mount.TypeVolume || m.VolumeOptions == nil || !m.VolumeOptions.NoCopy {
					t.Errorf("mount %s is not a NoCopy volume: %+v", m.Target, m)
				}
			}
			if len(c.gpus) == 0 && len(r.DeviceRequests) != 0 {
				t.Errorf("device requests without GPUs: %+v", r.DeviceRequests)
			}
			if len(c.gpus) > 0 && (len(r.DeviceRequests) != 1 || r.DeviceRequests[0].Driver != "nvidia" || !slices.Equal(r.DeviceRequests[0].DeviceIDs, c.gpus)) {
				t.Errorf("device requests %+v", r.DeviceRequests)
			}
		})
	}
}

func TestLogConfigSize(t *testing.T) {
	cases := []struct {
		capBytes int64
		want     string
	}{
		{1000, "1048576"},
		{1 << 20, "4194304"},
		{10 << 20, "41943040"},
	}
	for _, c := range cases {
		lc := logConfig(c.capBytes)
		if lc.Type != "json-file" || lc.Config["max-size"] != c.want || lc.Config["max-file"] != "1" {
			t.Errorf("cap %d: %+v, want max-size %s", c.capBytes, lc, c.want)
		}
	}
}

func TestSandboxImageVolumes(t *testing.T) {
	store, err := NewJobStore(testkit.DB(t))
	if err != nil {
		t.Fatal(err)
	}
	o := EngineOptions{WorkTmpfsMB: 8}
	o.defaults()
	e := &Engine{store: store, opts: o}
	s := Spec{Version: 1, Image: "img:1", MaxSeconds: 10, CPUs: 1, MemoryMB: 100, Network: NetworkNone, Outputs: DefaultOutputPath}
	_, host, _ := e.sandboxConfig(JobID{1}, s, sandboxParams{ImageVolumes: []string{"/data", "/input", "/output", "/srv/x", "/tmp", "/work"}})
	work := "rw,nosuid,nodev,size=8m,uid=65534,gid=65534,mode=0700"
	want := map[string]string{WorkDir: work, "/tmp": "rw,nosuid,nodev,size=8m,mode=1777", "/data": work, "/srv/x": work}
	if len(host.Tmpfs) != len(want) {
		t.Fatalf("tmpfs %v, want %v", host.Tmpfs, want)
	}
	for k, v := range want {
		if host.Tmpfs[k] != v {
			t.Errorf("tmpfs %s = %q, want %q", k, host.Tmpfs[k], v)
		}
	}
	if len(host.Mounts) != 2 || host.Mounts[0].Target != DefaultOutputPath || host.Mounts[1].Target != InputDir {
		t.Errorf("mounts %+v", host.Mounts)
	}
}
