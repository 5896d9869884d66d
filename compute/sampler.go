package compute

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Sample is one telemetry reading.
type Sample struct {
	Time time.Time
	// GPUs is empty when the machine has no GPU or the read failed.
	GPUs []GPUInfo
	// Err is the read error, if any (ErrNoGPU on CPU-only machines).
	Err error
}

// Sampler reads GPU telemetry at a fixed interval into a fixed-size ring
// buffer the UI can chart. All methods are safe for concurrent use.
type Sampler struct {
	read     func() ([]GPUInfo, error)
	interval time.Duration

	mu    sync.RWMutex
	ring  []Sample
	next  int
	count int
}

// NewSampler samples read every interval, keeping the last capacity
// samples. A typical read is an open NVML session's Read bound to the
// engine's ownership test: func() ([]GPUInfo, error) { return n.Read(e.OwnsPID) }.
func NewSampler(read func() ([]GPUInfo, error), interval time.Duration, capacity int) (*Sampler, error) {
	if read == nil || interval <= 0 || capacity <= 0 {
		return nil, errors.New("sampler: need a reader, a positive interval and a positive capacity")
	}
	return &Sampler{read: read, interval: interval, ring: make([]Sample, capacity)}, nil
}

// Run samples immediately and then every interval until ctx is done; it
// returns ctx's error.
func (s *Sampler) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.SampleNow()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// SampleNow takes one reading, stores it and returns it.
func (s *Sampler) SampleNow() Sample {
	gpus, err := s.read()
	smp := Sample{Time: time.Now(), GPUs: gpus, Err: err}
	s.mu.Lock()
	s.ring[s.next] = smp
	s.next = (s.next + 1) % len(s.ring)
	s.count = min(s.count+1, len(s.ring))
	s.mu.Unlock()
	return copySample(smp)
}

// Snapshot returns a deep copy of the stored samples, oldest first.
func (s *Sampler) Snapshot() []Sample {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Sample, 0, s.count)
	start := (s.next - s.count + len(s.ring)) % len(s.ring)
	for i := 0; i < s.count; i++ {
		out = append(out, copySample(s.ring[(start+i)%len(s.ring)]))
	}
	return out
}

// Latest returns the newest sample, false when none was taken yet.
func (s *Sampler) Latest() (Sample, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.count == 0 {
		return Sample{}, false
	}
	return copySample(s.ring[(s.next-1+len(s.ring))%len(s.ring)]), true
}

func copySample(s Sample) Sample {
	if s.GPUs == nil {
		return s
	}
	gpus := make([]GPUInfo, len(s.GPUs))
	for i, g := range s.GPUs {
		g.Processes = append([]GPUProcess(nil), g.Processes...)
		gpus[i] = g
	}
	s.GPUs = gpus
	return s
}
