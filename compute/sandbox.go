package compute

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
)

// Container labels set on every job container.
const (
	// LabelJob carries the job id in hex; Recover lists containers by it.
	LabelJob = "kinetic.job"
	// LabelSpecHash carries the hex SHA-256 of the job spec.
	LabelSpecHash = "kinetic.spec"
	// LabelInstance carries the job store's instance id.
	LabelInstance = "kinetic.instance"
)

// Fixed sandbox layout and identity.
const (
	// JobUser is the uid:gid jobs run as (nobody:nogroup).
	JobUser = "65534:65534"
	jobUID  = 65534
	jobGID  = 65534
	// WorkDir is the job's tmpfs working directory.
	WorkDir = "/work"
	// InputDir holds the unpacked input archive, read-only for the job.
	InputDir = "/input"
)

// sandboxParams are the inputs of sandboxConfig besides the spec.
type sandboxParams struct {
	// GPUUUIDs are the GPUs assigned to the job.
	GPUUUIDs []string
	// ImageVolumes are the clean absolute paths the image declares as
	// VOLUMEs (see imageVolumeTmpfs).
	ImageVolumes []string
}

// sandboxConfig builds the container and host configuration of a job.
// Only fields that Docker API 1.41 honours are used.
func (e *Engine) sandboxConfig(id JobID, spec Spec, p sandboxParams) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	gpuUUIDs := p.GPUUUIDs
	cfg := &container.Config{
		Image:      spec.Image,
		Cmd:        spec.Command,
		Env:        envList(spec.Env, gpuUUIDs),
		User:       JobUser,
		WorkingDir: WorkDir,
		Labels: map[string]string{
			LabelJob:      id.String(),
			LabelSpecHash: fmt.Sprintf("%x", spec.Hash()),
			LabelInstance: e.store.Instance(),
			LabelDeadline: strconv.FormatInt(e.opts.Now().Add(time.Duration(spec.MaxSeconds)*time.Second+deadlineSlack).Unix(), 10),
		},
	}
	netMode := container.NetworkMode("none")
	if spec.Network == NetworkEgress && e.opts.AllowEgress {
		netMode = EgressNetwork
	}
	pids := e.opts.PidsLimit
	mem := int64(spec.MemoryMB) << 20
	initProcess := true
	host := &container.HostConfig{
		LogConfig:      logConfig(e.opts.LogCapBytes),
		NetworkMode:    netMode,
		ReadonlyRootfs: true,
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		IpcMode:        "private",
		ShmSize:        e.opts.ShmMB << 20,
		// An init (the engine's docker-init) as PID 1 reaps the job's
		// orphans and forwards signals.
		Init:  &initProcess,
		Tmpfs: e.tmpfsMounts(spec, p.ImageVolumes),
		// NoCopy: Docker would otherwise pre-fill a fresh volume with the
		// image's files at its path, which collection would hand out.
		Mounts: []mount.Mount{
			{Type: mount.TypeVolume, Target: spec.Outputs, VolumeOptions: &mount.VolumeOptions{NoCopy: true}},
			{Type: mount.TypeVolume, Target: InputDir, VolumeOptions: &mount.VolumeOptions{NoCopy: true}},
		},
		Resources: container.Resources{
			Memory:     mem,
			MemorySwap: mem,
			NanoCPUs:   int64(math.Round(spec.CPUs * 1e9)),
			PidsLimit:  &pids,
			Ulimits:    e.ulimits(),
		},
	}
	if len(gpuUUIDs) > 0 {
		host.DeviceRequests = []container.DeviceRequest{{
			Driver:       "nvidia",
			DeviceIDs:    gpuUUIDs,
			Capabilities: [][]string{{"gpu"}},
		}}
	}
	return cfg, host, &network.NetworkingConfig{}
}

// ulimits are a job's resource limits: open files, processes (see
// EngineOptions.NprocLimit), the size of any one file it writes anywhere,
// /work and /tmp included (the output cap: no file in /output can be
// larger than what would be collected; a write past it gets SIGXFSZ) and
// no core dumps.
func (e *Engine) ulimits() []*container.Ulimit {
	return []*container.Ulimit{
		{Name: "nofile", Soft: e.opts.NofileLimit, Hard: e.opts.NofileLimit},
		{Name: "nproc", Soft: e.opts.NprocLimit, Hard: e.opts.NprocLimit},
		{Name: "fsize", Soft: e.opts.OutputCapBytes, Hard: e.opts.OutputCapBytes},
		{Name: "core", Soft: 0, Hard: 0},
	}
}

// tmpfsMounts returns the size-capped tmpfs mounts of a job: /work, /tmp
// and one per image-declared VOLUME. Docker would back each declared
// VOLUME with an anonymous volume on the provider's disk, pre-filled from
// the image and watched by nobody, so a job could fill the disk through
// it; a tmpfs at the same path stops Docker from creating that volume.
// Such paths therefore start empty (the image's files there are not
// copied in), hold at most WorkTmpfsMB and count against the job's memory
// limit. Declared paths that coincide with the job's own mounts are left
// to those mounts.
func (e *Engine) tmpfsMounts(spec Spec, imageVolumes []string) map[string]string {
	work := fmt.Sprintf("rw,nosuid,nodev,size=%dm,uid=%d,gid=%d,mode=0700", e.opts.WorkTmpfsMB, jobUID, jobGID)
	m := map[string]string{
		WorkDir: work,
		"/tmp":  fmt.Sprintf("rw,nosuid,nodev,size=%dm,mode=1777", e.opts.WorkTmpfsMB),
	}
	for _, v := range imageVolumes {
		if _, taken := m[v]; taken || v == spec.Outputs || v == InputDir {
			continue
		}
		m[v] = work
	}
	return m
}

// minLogFileBytes is the smallest json-file log the engine keeps per job.
const minLogFileBytes = 1 << 20

// logConfig bounds the engine's own copy of a job's logs: one json-file of
// at most four times the log cap (JSON framing roughly doubles short lines)
// and never less than 1 MiB, rotated in place (max-file 1). Docker's
// default json-file log has no limit, so a chatty job could otherwise fill
// the provider's disk. The log pump follows the stream live and passes on
// only the first LogCapBytes, which the file always holds; Result.LogBytes
// counts what the pump saw and may miss output rotated away before it was
// read.
func logConfig(capBytes int64) container.LogConfig {
	size := max(minLogFileBytes, 4*capBytes)
	return container.LogConfig{Type: "json-file", Config: map[string]string{
		"max-size": strconv.FormatInt(size, 10),
		"max-file": "1",
	}}
}

// envList turns the env map into sorted KEY=VALUE entries and appends the
// NVIDIA runtime's variables, which override any the image declares (CUDA
// images set NVIDIA_VISIBLE_DEVICES=all): "void" without GPUs, so that an
// NVIDIA runtime configured as Docker's default hands the job none, else
// exactly the assigned UUIDs with compute and utility capabilities only.
// Spec validation refuses NVIDIA_ and CUDA_ names, so the job cannot
// override these.
func envList(env map[string]string, gpuUUIDs []string) []string {
	out := make([]string, 0, len(env)+2)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	if len(gpuUUIDs) == 0 {
		return append(out, "NVIDIA_VISIBLE_DEVICES=void")
	}
	return append(out, "NVIDIA_VISIBLE_DEVICES="+strings.Join(gpuUUIDs, ","), "NVIDIA_DRIVER_CAPABILITIES=compute,utility")
}
