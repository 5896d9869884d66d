package app

import (
	"context"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
)

func runGPUsArgs(t *testing.T, lib func() nvml.Interface, args ...string) (string, error) {
	t.Helper()
	r, stdout, _ := testRunner(t)
	r.nvml = lib
	err := r.run(context.Background(), append([]string{"--data-dir", t.TempDir(), "gpus"}, args...))
	return stdout.String(), err
}

func TestRunGPUsOnDGXH100Mock(t *testing.T) {
	out, err := runGPUsArgs(t, h100, "--samples", "3", "--interval", "1ms")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"8 GPU(s)", "NVIDIA H100 80GB HBM3", "GPU-", "vram used", "#7"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// 3 samples of 8 GPUs after the header line.
	if n := strings.Count(out, "  #"); n != 3*8 {
		t.Errorf("%d sample lines, want 24:\n%s", n, out)
	}
}

func TestRunGPUsWithoutDriver(t *testing.T) {
	noLib := func() nvml.Interface {
		return &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }}
	}
	out, err := runGPUsArgs(t, noLib, "--samples", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "no NVIDIA GPU/driver (") || !strings.Contains(out, "CPU-only") {
		t.Fatalf("output %q", out)
	}
}

func TestRunGPUsArguments(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"--samples", "-1"}, {"--interval", "0s"}, {"--bogus"}} {
		if _, err := runGPUsArgs(t, h100, args...); err == nil {
			t.Errorf("gpus %v: no error", args)
		}
	}
}
