// Package compute owns GPU detection and telemetry (NVML), the Docker runner
// and its sandbox, and the provider's idle, thermal and schedule policy.
// It never imports Fyne; callers drive it with a context and read progress
// from channels or callbacks.
package compute
