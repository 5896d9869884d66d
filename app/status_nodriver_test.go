//go:build !windows

package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/ui"
)

// noDriverNVML is an NVML whose library finds no driver.
type noDriverNVML struct{ nvml.Interface }

func (noDriverNVML) Init() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }

func TestGPUsWithoutDriver(t *testing.T) {
	// A library whose Init finds no driver, as on a machine without one
	// (whatever this machine has; TestGPUsFromNVML covers GPUs via the mock).
	src := &statusSource{nvml: func() compute.NVMLLibrary { return noDriverNVML{} }}
	_, err := src.GPUs(context.Background())
	if !errors.Is(err, ui.ErrNoGPU) {
		t.Fatalf("err = %v, want ui.ErrNoGPU", err)
	}
	if !strings.HasPrefix(err.Error(), "no NVIDIA GPU/driver (nvml init: ") {
		t.Fatalf("err = %q", err)
	}
}
