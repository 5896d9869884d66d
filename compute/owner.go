package compute

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// pidInContainers reports whether the host process pid belongs to one of
// the given containers, by looking for a full container id in
// <procRoot>/<pid>/cgroup (cgroup v1 "/docker/<id>" and v2
// "docker-<id>.scope" both contain it). Unknown or vanished pids are not ours.
func pidInContainers(procRoot string, pid uint32, containerIDs []string) bool {
	if len(containerIDs) == 0 {
		return false
	}
	b, err := os.ReadFile(filepath.Join(procRoot, fmt.Sprint(pid), "cgroup"))
	if err != nil {
		return false
	}
	cg := string(b)
	for _, id := range containerIDs {
		if len(id) == 64 && strings.Contains(cg, id) {
			return true
		}
	}
	return false
}

// OwnsPID reports whether a host pid (as NVML reports GPU processes)
// belongs to one of the engine's running job containers. Pass it to
// NVML.Read to mark our processes.
func (e *Engine) OwnsPID(pid uint32) bool {
	return pidInContainers("/proc", pid, e.runningContainerIDs())
}
