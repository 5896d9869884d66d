//go:build unix

package localnet

import "syscall"

// processAlive reports whether process pid exists (signal 0 probes it).
func processAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// supported reports whether this system can run LocalNet: every Unix can.
func supported() error { return nil }
