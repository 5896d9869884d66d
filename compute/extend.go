package compute

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// ExtendDeadline raises the run limit of a job this engine is running to
// maxSeconds (counted, like spec.MaxSeconds, from its start), for a job
// whose payment now covers longer: the caller bounds maxSeconds by what the
// escrow allows. The limit is persisted in the job record, so a resumed job
// (Recover, Resume) keeps it and ReapExpired spares the container when
// given the record's deadlines (ReapDeadlines with JobStore.Deadlines); the
// running Wait moves its kill timer out, and billing caps at the new limit.
// A limit at or below the current one changes nothing. It returns the
// job's deadline after the call.
func (e *Engine) ExtendDeadline(_ context.Context, id JobID, maxSeconds int64) (time.Time, error) {
	e.mu.Lock()
	j := e.running[id]
	e.mu.Unlock()
	if j == nil {
		return time.Time{}, fmt.Errorf("extend %s: %w", id, ErrJobNotRunning)
	}
	if maxSeconds > MaxJobSeconds {
		return time.Time{}, fmt.Errorf("extend %s: %d seconds is over the %d-second cap", id, maxSeconds, MaxJobSeconds)
	}
	if maxSeconds <= j.limit() {
		return j.Deadline(), nil
	}
	if _, err := e.store.update(id, func(r *JobRecord) { r.MaxSeconds = maxSeconds }); err != nil {
		return time.Time{}, fmt.Errorf("extend %s: %w", id, err)
	}
	j.pmu.Lock()
	j.rec.MaxSeconds = maxSeconds
	j.pmu.Unlock()
	select {
	case j.extended <- struct{}{}:
	default: // a wake-up is already pending; it reads the new deadline
	}
	return j.Deadline(), nil
}

// Deadlines maps the container id of every stored, unfinished job whose
// limit ExtendDeadline raised to its extended container deadline (start
// plus limit plus the creation slack), for ReapDeadlines: Docker labels
// cannot change, so LabelDeadline keeps the original one.
func (s *JobStore) Deadlines() (map[string]time.Time, error) {
	recs, err := s.List()
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, r := range recs {
		if r.State.Terminal() || r.MaxSeconds <= r.Spec.MaxSeconds || r.ContainerID == "" {
			continue
		}
		out[r.ContainerID] = r.Started.Add(time.Duration(r.MaxSeconds)*time.Second + deadlineSlack)
	}
	return out, nil
}

// ReapDeadlines gives ReapExpired later deadlines than the containers'
// LabelDeadline, by container id (JobStore.Deadlines); an entry earlier
// than the label is ignored.
func ReapDeadlines(m map[string]time.Time) ReapOption {
	return func(c *reapConfig) { c.deadlines = m }
}

// labelDeadline is a container's deadline: its label, or a later one from
// ReapDeadlines.
func (c *reapConfig) labelDeadline(cid, label string) (time.Time, error) {
	secs, err := strconv.ParseInt(label, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	d := time.Unix(secs, 0)
	if ext, ok := c.deadlines[cid]; ok && ext.After(d) {
		d = ext
	}
	return d, nil
}
