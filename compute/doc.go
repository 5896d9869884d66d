// Package compute owns GPU detection and telemetry (NVML, in Linux builds;
// a Windows build reports no GPU and runs CPU-only), the Docker runner and
// its sandbox, and the provider's policy: a rental schedule, thermal
// limits, and what to do when a foreign process (a game, or any program
// that is not one of our jobs) holds a context on a GPU, as NVML's process
// lists show. That is all "in use" means here: the package does not
// detect whether the owner is at the machine (keyboard, mouse or screen
// activity). It never imports Fyne; callers drive it with a context and
// read progress from channels or callbacks.
//
// Images: a job's image runs only if it matches the provider's allow-list
// (EngineOptions.AllowedImages, used from the local store) or is pinned by
// digest and pulled for jobs, with a size cap, a timeout and progress
// events, the pull recorded in the job and in ImagesBucket. Nothing else
// on the machine is handed to a job; the zero-value Policy admits only
// digest-pinned images.
//
// Jobs run as nobody with a read-only root, no capabilities,
// no-new-privileges, the engine's seccomp profile (Start refuses an engine
// that reports no seccomp or an "unconfined" default), docker-init as
// PID 1, ulimits (nofile, nproc, fsize at the output cap, core 0), pids,
// memory and CPU limits, a size-capped private /dev/shm, size-capped tmpfs
// mounts (image-declared VOLUMEs included), fresh NoCopy volumes for
// /input and /output, a capped json-file log, an output volume measured
// through the Docker API (a job whose output cannot be measured is
// stopped: ErrOutputUnmeasured) and no network. Environment values, which
// may be the consumer's secrets, go to the container only and are never
// written to the job store. A job allowed egress runs on the
// kinetic-egress bridge, where it cannot reach other containers; it can
// still reach the host, the LAN and 169.254.169.254 unless the provider
// adds firewall rules, which this package does not install (see
// EgressLimitations). ReapExpired removes job containers past their
// deadline label whichever app instance made them.
//
// The spec hash (Spec.Hash) is SHA-256 of the RFC 8785 form of the object
// docs/spec-hash.md defines, with a golden vector in testdata.
package compute
