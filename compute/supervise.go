package compute

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ActionKind is what Supervise asks the engine to do with running jobs.
type ActionKind string

// Supervision actions, in increasing severity.
const (
	// ActionContinue: nothing to do.
	ActionContinue ActionKind = "continue"
	// ActionFinish: let running jobs finish, accept nothing new.
	ActionFinish ActionKind = "finish"
	// ActionPreempt: stop the listed jobs now.
	ActionPreempt ActionKind = "preempt"
)

// Action is Supervise's verdict.
type Action struct {
	Kind ActionKind
	// Jobs are the jobs to preempt (ActionPreempt only).
	Jobs []JobID
	// Reason is always set.
	Reason string
}

// Supervise looks at the running jobs and returns the most severe action
// due: preempt the jobs of a GPU at the hard thermal limit, or of a GPU
// where a foreign process has run for longer than Grace when OnForeign is
// ForeignPreempt; otherwise finish (no new work) while a foreign process
// is present or the schedule window has closed; otherwise continue.
func (p Policy) Supervise(s State) Action {
	var preempt []JobID
	var reasons []string
	finish := ""
	for _, g := range s.GPUs {
		jobs := jobsOn(s.Running, g.UUID)
		if len(jobs) == 0 {
			continue
		}
		if p.ThermalHardC > 0 && g.TemperatureC >= p.ThermalHardC {
			preempt = append(preempt, jobs...)
			reasons = append(reasons, fmt.Sprintf("GPU %d at %.0f°C reached the %.0f°C hard limit", g.Index, g.TemperatureC, p.ThermalHardC))
			continue
		}
		since, foreign := s.ForeignSince[g.UUID]
		if !foreign {
			continue
		}
		waited := s.Now.Sub(since)
		if p.OnForeign == ForeignPreempt && waited >= p.Grace {
			preempt = append(preempt, jobs...)
			reasons = append(reasons, fmt.Sprintf("another program has used GPU %d for %s (grace %s)", g.Index, waited.Round(time.Second), p.Grace))
			continue
		}
		if p.OnForeign == ForeignPreempt {
			finish = fmt.Sprintf("another program is using GPU %d; preempting in %s", g.Index, (p.Grace - waited).Round(time.Second))
		} else if finish == "" {
			finish = fmt.Sprintf("another program is using GPU %d; letting running jobs finish", g.Index)
		}
	}
	if len(preempt) > 0 {
		slices.SortFunc(preempt, func(a, b JobID) int { return slices.Compare(a[:], b[:]) })
		return Action{Kind: ActionPreempt, Jobs: slices.Compact(preempt), Reason: strings.Join(reasons, "; ")}
	}
	if finish != "" {
		return Action{Kind: ActionFinish, Reason: finish}
	}
	if len(s.Running) > 0 && !inSchedule(p.Schedule, s.Now) {
		return Action{Kind: ActionFinish, Reason: "the rental schedule has closed; letting running jobs finish"}
	}
	return Action{Kind: ActionContinue, Reason: "all clear"}
}

func jobsOn(running []RunningJob, uuid string) []JobID {
	var out []JobID
	for _, r := range running {
		if slices.Contains(r.GPUUUIDs, uuid) {
			out = append(out, r.ID)
		}
	}
	return out
}

// ForeignTracker remembers since when each GPU has continuously had a
// foreign process, to fill State.ForeignSince. Not safe for concurrent use.
type ForeignTracker struct {
	since map[string]time.Time
}

// Observe records a telemetry reading taken at now and returns a copy of
// the map of GPU UUID to first-seen time of the current foreign activity.
func (t *ForeignTracker) Observe(now time.Time, gpus []GPUInfo) map[string]time.Time {
	if t.since == nil {
		t.since = map[string]time.Time{}
	}
	for _, g := range gpus {
		if len(g.ForeignProcesses()) == 0 {
			delete(t.since, g.UUID)
		} else if _, ok := t.since[g.UUID]; !ok {
			t.since[g.UUID] = now
		}
	}
	out := make(map[string]time.Time, len(t.since))
	for k, v := range t.since {
		out[k] = v
	}
	return out
}
