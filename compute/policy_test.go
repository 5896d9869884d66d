package compute

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// monday10 is Monday 2026-11-23 10:00 local time.
var monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local)

func gpu(i int, tempC float64, usedMB uint64, procs ...GPUProcess) GPUInfo {
	return GPUInfo{Index: i, UUID: "GPU-" + string(rune('a'+i)), Name: "H100", MemoryTotalMB: 81920, MemoryUsedMB: usedMB, TemperatureC: tempC, Processes: procs}
}

func jobSpec(gpus int, vram uint64, seconds int64) Spec {
	s := Spec{Version: 1, Image: "ghcr.io/lab/train@sha256:" + strings.Repeat("ab", 32), MaxSeconds: seconds, GPUs: gpus, MinVRAMMB: vram}
	s.applyDefaults()
	return s
}

func TestPolicyAdmit(t *testing.T) {
	game := GPUProcess{PID: 4242, Name: "game.exe"}
	ours := GPUProcess{PID: 7, Ours: true}
	base := Policy{AllowedImagePrefixes: []string{"ghcr.io/lab/"}, MaxJobSeconds: 3600, ThermalSoftC: 80, MaxJobsPerGPU: 1}
	twoGPUs := []GPUInfo{gpu(0, 50, 0), gpu(1, 50, 0)}
	cases := []struct {
		name     string
		policy   Policy
		spec     Spec
		state    State
		accept   bool
		gpus     []string
		inReason string
	}{
		{"cpu job, no GPU", base, jobSpec(0, 0, 60), State{Now: monday10}, true, nil, "CPU only"},
		{"gpu job, no GPU", base, jobSpec(1, 0, 60), State{Now: monday10}, false, nil, "no NVIDIA GPU"},
		{"gpu job assigned", base, jobSpec(1, 1000, 60), State{Now: monday10, GPUs: twoGPUs}, true, []string{"GPU-a"}, "accepted"},
		{"least loaded gpu", Policy{MaxJobsPerGPU: 2}, jobSpec(1, 0, 60),
			State{Now: monday10, GPUs: twoGPUs, Running: []RunningJob{{GPUUUIDs: []string{"GPU-a"}}}}, true, []string{"GPU-b"}, "accepted"},
		{"per-gpu cap", base, jobSpec(2, 0, 60),
			State{Now: monday10, GPUs: twoGPUs, Running: []RunningJob{{GPUUUIDs: []string{"GPU-a"}}}}, false, nil, "1 available"},
		{"not enough vram", base, jobSpec(1, 81000, 60), State{Now: monday10, GPUs: []GPUInfo{gpu(0, 50, 2000)}}, false, nil, "free VRAM"},
		{"image not allowed", base, func() Spec { s := jobSpec(0, 0, 60); s.Image = "evil/miner"; return s }(), State{Now: monday10}, false, nil, "not in the allowed list"},
		{"zero policy: image not pinned", Policy{}, func() Spec { s := jobSpec(0, 0, 60); s.Image = "private/app:latest"; return s }(), State{Now: monday10}, false, nil, "not pinned by digest"},
		{"zero policy: image pinned", Policy{}, jobSpec(0, 0, 60), State{Now: monday10}, true, nil, "accepted"},
		{"allow-listed, not pinned", base, func() Spec { s := jobSpec(0, 0, 60); s.Image = "ghcr.io/lab/train:1"; return s }(), State{Now: monday10}, true, nil, "accepted"},
		{"too long", base, jobSpec(0, 0, 7200), State{Now: monday10}, false, nil, "limit is 3600"},
		{"egress refused", base, func() Spec { s := jobSpec(0, 0, 60); s.Network = NetworkEgress; return s }(), State{Now: monday10}, false, nil, "egress"},
		{"egress allowed", Policy{AllowEgress: true}, func() Spec { s := jobSpec(0, 0, 60); s.Network = NetworkEgress; return s }(), State{Now: monday10}, true, nil, "accepted"},
		{"too hot", base, jobSpec(0, 0, 60), State{Now: monday10, GPUs: []GPUInfo{gpu(0, 85, 0)}}, false, nil, "85°C"},
		{"owner gaming", base, jobSpec(0, 0, 60), State{Now: monday10, GPUs: []GPUInfo{gpu(0, 50, 0, game)}}, false, nil, "game.exe"},
		{"our own process is not foreign", base, jobSpec(0, 0, 60), State{Now: monday10, GPUs: []GPUInfo{gpu(0, 50, 0, ours)}}, true, nil, "accepted"},
		{"concurrency cap", Policy{MaxConcurrentJobs: 1}, jobSpec(0, 0, 60), State{Now: monday10, Running: []RunningJob{{}}}, false, nil, "maximum"},
		{"outside schedule", Policy{Schedule: []Window{{Days: []time.Weekday{time.Saturday, time.Sunday}}}}, jobSpec(0, 0, 60), State{Now: monday10}, false, nil, "schedule"},
		{"inside night window", Policy{Schedule: []Window{{Days: []time.Weekday{time.Sunday}, Start: Clock(22, 0), End: Clock(11, 0)}}}, jobSpec(0, 0, 60), State{Now: monday10}, true, nil, "accepted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := c.policy.Admit(c.spec, c.state)
			if d.Accept != c.accept || !slices.Equal(d.GPUUUIDs, c.gpus) || !strings.Contains(d.Reason, c.inReason) {
				t.Fatalf("got %+v, want accept=%v gpus=%v reason~%q", d, c.accept, c.gpus, c.inReason)
			}
		})
	}
}

func TestWindowContains(t *testing.T) {
	weekdays := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	night := Window{Days: weekdays, Start: Clock(22, 0), End: Clock(6, 30)}
	office := Window{Days: weekdays, Start: Clock(9, 0), End: Clock(17, 0)}
	at := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, time.Local) } // 23 = Monday
	cases := []struct {
		name string
		w    Window
		t    time.Time
		want bool
	}{
		{"office open", office, at(23, 10, 0), true},
		{"office start inclusive", office, at(23, 9, 0), true},
		{"office end exclusive", office, at(23, 17, 0), false},
		{"office saturday", office, at(28, 10, 0), false},
		{"night late monday", night, at(23, 23, 0), true},
		{"night early tuesday", night, at(24, 5, 0), true},
		{"night early monday (opened sunday)", night, at(23, 5, 0), false},
		{"night early saturday (opened friday)", night, at(28, 6, 0), true},
		{"night closed", night, at(24, 7, 0), false},
		{"all day", Window{Days: []time.Weekday{time.Monday}}, at(23, 0, 0), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.w.Contains(c.t); got != c.want {
				t.Fatalf("%s contains %s = %v", c.w, c.t.Format(time.RFC1123), got)
			}
		})
	}
}

func TestPolicySupervise(t *testing.T) {
	job1, job2 := JobID{1}, JobID{2}
	running := []RunningJob{{ID: job1, GPUUUIDs: []string{"GPU-a"}}, {ID: job2, GPUUUIDs: []string{"GPU-b"}}}
	game := GPUProcess{PID: 4242, Name: "game.exe"}
	preempt := Policy{ThermalHardC: 90, OnForeign: ForeignPreempt, Grace: time.Minute}
	finish := Policy{ThermalHardC: 90, OnForeign: ForeignFinish}
	cases := []struct {
		name     string
		policy   Policy
		state    State
		kind     ActionKind
		jobs     []JobID
		inReason string
	}{
		{"all clear", preempt, State{Now: monday10, GPUs: []GPUInfo{gpu(0, 60, 0), gpu(1, 60, 0)}, Running: running}, ActionContinue, nil, "all clear"},
		{"hard thermal preempts that GPU's job", preempt, State{Now: monday10, GPUs: []GPUInfo{gpu(0, 60, 0), gpu(1, 93, 0)}, Running: running}, ActionPreempt, []JobID{job2}, "93°C"},
		{"foreign within grace", preempt, State{Now: monday10, GPUs: []GPUInfo{gpu(0, 60, 0, game), gpu(1, 60, 0)}, Running: running,
			ForeignSince: map[string]time.Time{"GPU-a": monday10.Add(-20 * time.Second)}}, ActionFinish, nil, "preempting in 40s"},
		{"foreign past grace", preempt, State{Now: monday10, GPUs: []GPUInfo{gpu(0, 60, 0, game), gpu(1, 60, 0)}, Running: running,
			ForeignSince: map[string]time.Time{"GPU-a": monday10.Add(-2 * time.Minute)}}, ActionPreempt, []JobID{job1}, "another program"},
		{"foreign with finish policy", finish, State{Now: monday10, GPUs: []GPUInfo{gpu(0, 60, 0, game)}, Running: running,
			ForeignSince: map[string]time.Time{"GPU-a": monday10.Add(-time.Hour)}}, ActionFinish, nil, "letting running jobs finish"},
		{"foreign on an idle GPU", preempt, State{Now: monday10, GPUs: []GPUInfo{gpu(2, 60, 0, game)}, Running: running,
			ForeignSince: map[string]time.Time{"GPU-c": monday10.Add(-time.Hour)}}, ActionContinue, nil, "all clear"},
		{"schedule closed", Policy{Schedule: []Window{{Days: []time.Weekday{time.Sunday}}}}, State{Now: monday10, Running: running}, ActionFinish, nil, "schedule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.policy.Supervise(c.state)
			if a.Kind != c.kind || !slices.Equal(a.Jobs, c.jobs) || !strings.Contains(a.Reason, c.inReason) {
				t.Fatalf("got %+v, want %s %v reason~%q", a, c.kind, c.jobs, c.inReason)
			}
		})
	}
}

func TestForeignTracker(t *testing.T) {
	var tr ForeignTracker
	game := GPUProcess{PID: 1}
	t0 := monday10
	steps := []struct {
		at   time.Time
		gpus []GPUInfo
		want map[string]time.Time
	}{
		{t0, []GPUInfo{gpu(0, 50, 0)}, map[string]time.Time{}},
		{t0.Add(time.Second), []GPUInfo{gpu(0, 50, 0, game)}, map[string]time.Time{"GPU-a": t0.Add(time.Second)}},
		{t0.Add(5 * time.Second), []GPUInfo{gpu(0, 50, 0, game)}, map[string]time.Time{"GPU-a": t0.Add(time.Second)}},
		{t0.Add(6 * time.Second), []GPUInfo{gpu(0, 50, 0, GPUProcess{PID: 2, Ours: true})}, map[string]time.Time{}},
	}
	for i, s := range steps {
		got := tr.Observe(s.at, s.gpus)
		if len(got) != len(s.want) || !got["GPU-a"].Equal(s.want["GPU-a"]) {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
	}
}

func TestImageAllowed(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	cases := []struct {
		image, prefix string
		want          bool
	}{
		{"pytorch/pytorch:2.3", "pytorch/pytorch", true},
		{"pytorch/pytorch", "pytorch/pytorch", true},
		{"pytorch/pytorch@" + digest, "pytorch/pytorch", true},
		{"docker.io/pytorch/pytorch:2.3", "pytorch/pytorch", true},
		{"pytorch/pytorch-x:1", "pytorch/pytorch", false},
		{"pytorch/pytorchx", "pytorch/pytorch", false},
		{"pytorch/pytorch/sub:1", "pytorch/pytorch", true},
		{"ubuntu", "docker.io/library/ubuntu", true},
		{"docker.io/library/ubuntu:22.04", "ubuntu", true},
		{"library/ubuntu", "ubuntu", true},
		{"ubuntu-evil", "ubuntu", false},
		{"evil/ubuntu", "ubuntu", false},
		{"ghcr.io/lab/train:1", "ghcr.io/lab/", true},
		{"ghcr.io/lab/train:1", "ghcr.io/lab", true},
		{"ghcr.io/labx/train:1", "ghcr.io/lab/", false},
		{"ghcr.io/labx/train:1", "ghcr.io/lab", false},
		{"ghcr.io.evil.com/lab/train", "ghcr.io/lab", false},
		{"ghcr.io/anything:1", "ghcr.io/", true},
		{"ghcr.io.evil.com/x", "ghcr.io/", false},
		{"localhost:5000/x", "localhost:5000/", true},
		{"localhost:5001/x", "localhost:5000/", false},
		{"ubuntu", "library/", true},
		{"evil/ubuntu", "library/", false},
		{"pytorch/pytorch:2.3", "pytorch/", true},
		{"pytorchx/pytorch:2.3", "pytorch/", false},
		{"pytorch:2.3", "pytorch/", false},
		{"ubuntu:22.04", "ubuntu:22.04", true},
		{"ubuntu:24.04", "ubuntu:22.04", false},
		{"ubuntu", "", false},
		{"ubuntu", "NOT A REF", false},
		{"NOT A REF", "ubuntu", false},
	}
	for _, c := range cases {
		t.Run(c.image+" vs "+c.prefix, func(t *testing.T) {
			if got := imageAllowed(c.image, []string{c.prefix}); got != c.want {
				t.Fatalf("imageAllowed(%q, %q) = %v, want %v", c.image, c.prefix, got, c.want)
			}
		})
	}
	// Admit uses the same matching.
	s := jobSpec(0, 0, 60)
	s.Image = "pytorch/pytorch-x:1"
	if d := (Policy{AllowedImagePrefixes: []string{"pytorch/pytorch"}}).Admit(s, State{Now: monday10}); d.Accept {
		t.Fatalf("admitted %s: %+v", s.Image, d)
	}
}
