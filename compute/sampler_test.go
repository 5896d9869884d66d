package compute

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSamplerRing(t *testing.T) {
	var n atomic.Int64
	read := func() ([]GPUInfo, error) {
		i := n.Add(1)
		return []GPUInfo{{Index: 0, UtilizationPct: int(i), Processes: []GPUProcess{{PID: uint32(i)}}}}, nil
	}
	s, err := NewSampler(read, time.Millisecond, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Latest(); ok {
		t.Fatal("latest before any sample")
	}
	cases := []struct {
		takes int
		want  []int // utilisation values in the snapshot, oldest first
	}{
		{1, []int{1}},
		{2, []int{1, 2, 3}},
		{3, []int{3, 4, 5, 6}},
		{1, []int{4, 5, 6, 7}},
	}
	for _, c := range cases {
		for range c.takes {
			s.SampleNow()
		}
		snap := s.Snapshot()
		if len(snap) != len(c.want) {
			t.Fatalf("snapshot has %d samples, want %v", len(snap), c.want)
		}
		for i, w := range c.want {
			if snap[i].GPUs[0].UtilizationPct != w {
				t.Fatalf("snapshot[%d] = %d, want %v", i, snap[i].GPUs[0].UtilizationPct, c.want)
			}
		}
	}
	// Snapshots are copies: changing one leaves the sampler untouched.
	snap := s.Snapshot()
	snap[3].GPUs[0].Processes[0].PID = 999
	if latest, _ := s.Latest(); latest.GPUs[0].Processes[0].PID != 7 {
		t.Fatalf("snapshot aliases the ring: %+v", latest)
	}
}

func TestSamplerRunConcurrentAndCancelled(t *testing.T) {
	s, err := NewSampler(func() ([]GPUInfo, error) { return nil, ErrNoGPU }, time.Millisecond, 16)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				for _, smp := range s.Snapshot() {
					if !IsNoGPU(smp.Err) {
						t.Error("sample lost its no-GPU state")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run ignored cancellation")
	}
	if got := len(s.Snapshot()); got < 2 {
		t.Fatalf("only %d samples taken", got)
	}
}

func TestNewSamplerRejectsBadArguments(t *testing.T) {
	read := func() ([]GPUInfo, error) { return nil, nil }
	cases := []struct {
		name     string
		read     func() ([]GPUInfo, error)
		interval time.Duration
		capacity int
	}{
		{"no reader", nil, time.Second, 1},
		{"zero interval", read, 0, 1},
		{"zero capacity", read, time.Second, 0},
	}
	for _, c := range cases {
		if _, err := NewSampler(c.read, c.interval, c.capacity); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
