//go:build !windows

package app

import (
	"context"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// slowNVML is an NVML whose Init blocks until released, as a driver
// without persistence mode (or a wedged one) does.
type slowNVML struct {
	nvml.Interface
	called, release chan struct{}
}

func (s slowNVML) Init() nvml.Return {
	close(s.called)
	<-s.release
	return nvml.ERROR_LIBRARY_NOT_FOUND
}

// TestStartTelemetryDoesNotWaitForNVML: the window's start calls
// startTelemetry on the UI goroutine; it returns while NVML is still
// starting, and NVML is started on the sampler's goroutine.
func TestStartTelemetryDoesNotWaitForNVML(t *testing.T) {
	lib := slowNVML{called: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	returned := make(chan struct{})
	go func() {
		startTelemetry(ctx, lib)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		close(lib.release)
		t.Fatal("startTelemetry waited for NVML's Init")
	}
	select {
	case <-lib.called:
	case <-time.After(10 * time.Second):
		t.Fatal("NVML was never started")
	}
	close(lib.release)
}
