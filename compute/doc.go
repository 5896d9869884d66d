// Package compute owns GPU detection and telemetry (NVML), the Docker runner
// and its sandbox, and the provider's idle, thermal and schedule policy.
// It never imports Fyne; callers drive it with a context and read progress
// from channels or callbacks.
//
// Jobs run as nobody with a read-only root, no capabilities, size-capped
// tmpfs mounts (image-declared VOLUMEs included), fresh NoCopy volumes for
// /input and /output, a capped json-file log, an output volume measured
// through the Docker API and no network. A job allowed egress runs on the
// kinetic-egress bridge, where it cannot reach other containers; it can
// still reach the host, the LAN and 169.254.169.254 unless the provider
// adds firewall rules, which this package does not install (see
// EgressLimitations). ReapExpired removes job containers past their
// deadline label whichever app instance made them.
package compute
