package compute

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// ForeignAction is what happens to running jobs when a process that is not
// ours starts on their GPU (the owner sits down to play).
type ForeignAction string

// Foreign-process actions.
const (
	// ForeignFinish lets running jobs finish; no new jobs are accepted.
	ForeignFinish ForeignAction = "finish"
	// ForeignPreempt stops the jobs on that GPU after the grace period.
	ForeignPreempt ForeignAction = "preempt"
)

// Policy is the provider's rule set. The zero value accepts only images
// pinned by digest (which the Engine pulls for the job: it never hands a
// job an image that merely happens to be on the machine), jobs of any
// length up to the spec limit, one job per GPU, no egress.
type Policy struct {
	// AllowedImagePrefixes lists accepted image prefixes, matched on the
	// normalised reference at path boundaries (see imageAllowed). When set,
	// only matching images are accepted, and they may run from the local
	// store (pass the same list as EngineOptions.AllowedImages). Empty:
	// any image pinned by digest, pulled for the job.
	AllowedImagePrefixes []string `json:"allowedImagePrefixes,omitempty"`
	// MaxJobSeconds caps a job's maxSeconds; 0 means no cap beyond the spec's.
	MaxJobSeconds int64 `json:"maxJobSeconds,omitempty"`
	// MaxJobsPerGPU caps concurrent jobs sharing one GPU (default 1).
	MaxJobsPerGPU int `json:"maxJobsPerGpu,omitempty"`
	// MaxConcurrentJobs caps all running jobs, CPU-only included; 0: no cap.
	MaxConcurrentJobs int `json:"maxConcurrentJobs,omitempty"`
	// ThermalSoftC stops accepting jobs when any GPU reaches it; 0: off.
	ThermalSoftC float64 `json:"thermalSoftC,omitempty"`
	// ThermalHardC preempts the jobs of a GPU that reaches it; 0: off.
	ThermalHardC float64 `json:"thermalHardC,omitempty"`
	// Schedule lists the windows in which jobs are accepted; empty: always.
	Schedule []Window `json:"schedule,omitempty"`
	// OnForeign says what to do with running jobs when a foreign process
	// appears on their GPU (default ForeignFinish); Grace is how long to
	// wait before preempting.
	OnForeign ForeignAction `json:"onForeign,omitempty"`
	Grace     time.Duration `json:"grace,omitempty"`
	// AllowEgress lets jobs that request network egress have it.
	AllowEgress bool `json:"allowEgress,omitempty"`
}

// RunningJob is a job the engine is running, for policy decisions.
type RunningJob struct {
	ID       JobID
	GPUUUIDs []string
	Started  time.Time
}

// State is everything a policy decision looks at.
type State struct {
	// Now is the current local time.
	Now time.Time
	// GPUs is the latest telemetry; empty on a CPU-only machine.
	GPUs []GPUInfo
	// Running lists our running jobs.
	Running []RunningJob
	// ForeignSince maps a GPU UUID to when a foreign process was first
	// seen on it, continuously (see ForeignTracker).
	ForeignSince map[string]time.Time
}

// Decision is the answer to a job offer.
type Decision struct {
	Accept bool
	// Reason is always set, for the UI and the 503/409 response body.
	Reason string
	// GPUUUIDs are the GPUs assigned when accepted.
	GPUUUIDs []string
}

// Accepting reports whether the provider takes new jobs at all right now,
// with the reason when not: outside the schedule, a GPU at the soft
// thermal limit, a foreign process on a GPU, or the concurrency cap.
func (p Policy) Accepting(s State) (bool, string) {
	if !inSchedule(p.Schedule, s.Now) {
		return false, fmt.Sprintf("outside the rental schedule (%s)", scheduleString(p.Schedule))
	}
	for _, g := range s.GPUs {
		if p.ThermalSoftC > 0 && g.TemperatureC >= p.ThermalSoftC {
			return false, fmt.Sprintf("GPU %d at %.0f°C, at or above the %.0f°C limit for new jobs", g.Index, g.TemperatureC, p.ThermalSoftC)
		}
		if f := g.ForeignProcesses(); len(f) > 0 {
			return false, fmt.Sprintf("GPU %d is in use by another program (%s)", g.Index, procNames(f))
		}
	}
	if p.MaxConcurrentJobs > 0 && len(s.Running) >= p.MaxConcurrentJobs {
		return false, fmt.Sprintf("already running %d job(s), the maximum", len(s.Running))
	}
	return true, "accepting jobs"
}

// Admit decides on a job offer and assigns GPUs.
func (p Policy) Admit(spec Spec, s State) Decision {
	if ok, why := p.Accepting(s); !ok {
		return Decision{Reason: why}
	}
	if len(p.AllowedImagePrefixes) > 0 && !imageAllowed(spec.Image, p.AllowedImagePrefixes) {
		return Decision{Reason: fmt.Sprintf("image %s is not in the allowed list", spec.Image)}
	}
	if len(p.AllowedImagePrefixes) == 0 && spec.Digest() == "" {
		return Decision{Reason: fmt.Sprintf("image %s is not pinned by digest (name@sha256:…); without an allow-list this provider runs only images it pulls by digest for the job", spec.Image)}
	}
	if p.MaxJobSeconds > 0 && spec.MaxSeconds > p.MaxJobSeconds {
		return Decision{Reason: fmt.Sprintf("job asks for %d s, the limit is %d s", spec.MaxSeconds, p.MaxJobSeconds)}
	}
	if spec.Network == NetworkEgress && !p.AllowEgress {
		return Decision{Reason: "network egress is not allowed on this provider"}
	}
	if spec.GPUs == 0 {
		return Decision{Accept: true, Reason: "accepted (CPU only)"}
	}
	return p.assignGPUs(spec, s)
}

// assignGPUs picks spec.GPUs GPUs with enough free VRAM and room for one
// more job, least loaded first.
func (p Policy) assignGPUs(spec Spec, s State) Decision {
	if len(s.GPUs) == 0 {
		return Decision{Reason: "no NVIDIA GPU on this provider"}
	}
	perGPU := max(1, p.MaxJobsPerGPU)
	load := map[string]int{}
	for _, r := range s.Running {
		for _, u := range r.GPUUUIDs {
			load[u]++
		}
	}
	var fit []GPUInfo
	for _, g := range s.GPUs {
		if load[g.UUID] < perGPU && g.MemoryTotalMB-min(g.MemoryUsedMB, g.MemoryTotalMB) >= spec.MinVRAMMB {
			fit = append(fit, g)
		}
	}
	if len(fit) < spec.GPUs {
		return Decision{Reason: fmt.Sprintf("job needs %d GPU(s) with %d MiB free VRAM; %d available", spec.GPUs, spec.MinVRAMMB, len(fit))}
	}
	sort.SliceStable(fit, func(i, j int) bool { return load[fit[i].UUID] < load[fit[j].UUID] })
	d := Decision{Accept: true}
	for _, g := range fit[:spec.GPUs] {
		d.GPUUUIDs = append(d.GPUUUIDs, g.UUID)
	}
	d.Reason = fmt.Sprintf("accepted on %d GPU(s)", spec.GPUs)
	return d
}

func scheduleString(ws []Window) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return strings.Join(parts, "; ")
}

func procNames(ps []GPUProcess) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("pid %d", p.PID)
		if p.Name != "" {
			parts[i] = p.Name + " " + parts[i]
		}
	}
	return strings.Join(parts, ", ")
}
