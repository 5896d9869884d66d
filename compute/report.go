package compute

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// FormatGPUReport writes a human-readable table of GPUs to w, or a line
// saying there is no NVIDIA GPU (CPU-only mode) when gpus is empty.
func FormatGPUReport(w io.Writer, gpus []GPUInfo) {
	if len(gpus) == 0 {
		fmt.Fprintln(w, "no NVIDIA GPU detected: CPU-only jobs")
		return
	}
	fmt.Fprintf(w, "driver %s, CUDA %s, %d GPU(s)\n", gpus[0].Driver, gpus[0].CUDA, len(gpus))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tNAME\tUUID\tVRAM USED/TOTAL\tTEMP\tPOWER/LIMIT\tUTIL\tPROCS")
	for _, g := range gpus {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d MiB\t%.0f°C\t%.0f/%.0f W\t%d%%\t%s\n",
			g.Index, g.Name, g.UUID, g.MemoryUsedMB, g.MemoryTotalMB,
			g.TemperatureC, g.PowerW, g.PowerLimitW, g.UtilizationPct, procSummary(g.Processes))
	}
	_ = tw.Flush()
}

// procSummary renders a process list as "pid name (ours|foreign), ...".
func procSummary(ps []GPUProcess) string {
	if len(ps) == 0 {
		return "-"
	}
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		owner := "foreign"
		if p.Ours {
			owner = "ours"
		}
		s += fmt.Sprintf("%d %s %dMiB (%s)", p.PID, p.Name, p.UsedMemoryMB, owner)
	}
	return s
}
