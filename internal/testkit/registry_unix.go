//go:build unix

package testkit

import "syscall"

// Pause stops the registry process (SIGSTOP): it keeps its port, the
// kernel still accepts connections, and nothing answers them, as with a
// registry that hangs. Resume, Stop and the test's cleanup undo it.
func (r *Registry) Pause() { _ = r.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume lets a paused registry run again.
func (r *Registry) Resume() { r.resume() }

func (r *Registry) resume() { _ = r.cmd.Process.Signal(syscall.SIGCONT) }
