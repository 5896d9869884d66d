package compute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"go.etcd.io/bbolt"
)

// EngineOptions configures the runner. Zero fields take the defaults below.
type EngineOptions struct {
	// OutputDir receives one "<job id>.tar" per job (required).
	OutputDir string
	// AllowEgress lets jobs that ask for network "egress" have it, on
	// EgressNetwork (see EgressLimitations).
	AllowEgress bool
	// PidsLimit caps processes per container (default 256).
	PidsLimit int64
	// WorkTmpfsMB sizes the /work and /tmp tmpfs mounts (default 256).
	WorkTmpfsMB int
	// LogCapBytes caps the logs passed on per job (default 1 MiB).
	LogCapBytes int64
	// OutputCapBytes caps the collected output tar (default 256 MiB).
	OutputCapBytes int64
	// AllowedImages is the provider's allow-list (the syntax of
	// Policy.AllowedImagePrefixes): images matching it may run from the
	// engine's local store. Any other image must be pinned by digest and
	// runs only as pulled for jobs (see ImagesBucket). Empty: none.
	AllowedImages []string
	// PullCapBytes caps an image pull: the layer sizes announced while
	// downloading and the pulled image's size (default 16 GiB).
	PullCapBytes int64
	// PullTimeout bounds an image pull (default 30 minutes).
	PullTimeout time.Duration
	// OutputUnmeasuredLimit is how long a running job's output volume may
	// go unmeasured (disk-usage errors) before the job is stopped with
	// ErrOutputUnmeasured (default 10 s).
	OutputUnmeasuredLimit time.Duration
	// NofileLimit is the open-file ulimit (soft and hard) of a job
	// (default 1024).
	NofileLimit int64
	// NprocLimit is the nproc ulimit of a job (default 4096). The kernel
	// counts it per user across the host, and every job runs as uid 65534,
	// so it bounds all jobs' processes together; PidsLimit is the
	// per-container bound.
	NprocLimit int64
	// ShmMB sizes the job's private /dev/shm (default 64); it counts
	// against the job's memory limit.
	ShmMB int64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o *EngineOptions) defaults() {
	if o.PidsLimit <= 0 {
		o.PidsLimit = 256
	}
	if o.WorkTmpfsMB <= 0 {
		o.WorkTmpfsMB = 256
	}
	if o.LogCapBytes <= 0 {
		o.LogCapBytes = 1 << 20
	}
	if o.OutputCapBytes <= 0 {
		o.OutputCapBytes = 256 << 20
	}
	if o.NofileLimit <= 0 {
		o.NofileLimit = 1024
	}
	if o.NprocLimit <= 0 {
		o.NprocLimit = 4096
	}
	if o.ShmMB <= 0 {
		o.ShmMB = 64
	}
	if o.PullCapBytes <= 0 {
		o.PullCapBytes = 16 << 30
	}
	if o.PullTimeout <= 0 {
		o.PullTimeout = 30 * time.Minute
	}
	if o.OutputUnmeasuredLimit <= 0 {
		o.OutputUnmeasuredLimit = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Engine runs jobs in sandboxed Docker containers and keeps their state in
// bbolt so that they survive a restart (see Recover).
type Engine struct {
	cli   client.APIClient
	store *JobStore
	opts  EngineOptions

	mu      sync.Mutex
	running map[JobID]*Job
	seccomp seccompCheck
	pulling map[string]*sync.Mutex // per image reference, see lockRef
	sizer   volumeSizer
	netMu   sync.Mutex // serialises ensureEgressNetwork
}

// NewEngine returns an engine over a Docker client and the app's database.
func NewEngine(cli client.APIClient, db *bbolt.DB, opts EngineOptions) (*Engine, error) {
	opts.defaults()
	if opts.OutputDir == "" {
		return nil, errors.New("compute engine: OutputDir is required")
	}
	if err := os.MkdirAll(opts.OutputDir, 0o700); err != nil {
		return nil, fmt.Errorf("compute engine: output dir: %w", err)
	}
	store, err := NewJobStore(db)
	if err != nil {
		return nil, err
	}
	return &Engine{cli: cli, store: store, opts: opts, running: map[JobID]*Job{}}, nil
}

// Store returns the engine's job store.
func (e *Engine) Store() *JobStore { return e.store }

// RunOptions are per-job settings chosen by the provider, not the consumer.
type RunOptions struct {
	// GPUUUIDs are the GPUs assigned to the job; there must be exactly
	// spec.GPUs of them.
	GPUUUIDs []string
	// OnEvent receives progress; it is called from one goroutine at a time
	// and must not block for long.
	OnEvent func(Event)
}

// Runner errors callers may branch on.
var (
	ErrImageMissing     = errors.New("image not present locally")
	ErrDigestMismatch   = errors.New("image digest mismatch")
	ErrEgressNotAllowed = errors.New("network egress not allowed by provider")
	ErrGPUAssignment    = errors.New("GPU assignment does not match the spec")
	ErrJobExists        = errors.New("job already exists")
	// ErrUnsupportedImage: the image cannot be sandboxed (it declares "/"
	// as a VOLUME).
	ErrUnsupportedImage = errors.New("image not supported by the sandbox")
	// ErrGPURuntimeMissing: the engine cannot hand GPUs to containers (no
	// NVIDIA Container Toolkit).
	ErrGPURuntimeMissing = errors.New("no NVIDIA GPU support in the Docker engine")
)

// Run starts a job and waits for it; see Start and Job.Wait.
func (e *Engine) Run(ctx context.Context, id JobID, spec Spec, opts RunOptions) (Result, error) {
	job, err := e.Start(ctx, id, spec, opts)
	if err != nil {
		return Result{}, err
	}
	return job.Wait(ctx)
}

// Start validates the job, admits its image (see admitImage: from the
// allow-list, or pinned by digest and pulled for jobs, the pull recorded in
// the job), creates its container with the full sandbox,
// copies the input in, starts it and persists it as running. The returned
// Job must be waited on; if the process dies first, Recover finds it.
func (e *Engine) Start(ctx context.Context, id JobID, spec Spec, opts RunOptions) (*Job, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := e.checkStart(id, spec, opts); err != nil {
		return nil, err
	}
	if err := e.requireSeccomp(ctx); err != nil {
		return nil, err
	}
	job := &Job{e: e, rec: JobRecord{ID: id}, onEvent: opts.OnEvent, extended: make(chan struct{}, 1)}
	stored, envNames := withoutEnv(spec)
	img, pull, err := e.admitImage(ctx, job, spec)
	if err != nil {
		if pull != nil { // a pull was tried: keep its record
			_ = e.store.Put(JobRecord{ID: id, Spec: stored, EnvNames: envNames, SpecHash: spec.Hash(), State: StateFailed, Reason: err.Error(), Pull: pull, Created: e.opts.Now()})
		}
		return nil, err
	}
	if spec.Network == NetworkEgress {
		if err := e.ensureEgressNetwork(ctx); err != nil {
			return nil, err
		}
	}
	digest := img.digest
	rec := JobRecord{ID: id, Spec: stored, EnvNames: envNames, SpecHash: spec.Hash(), State: StateCreated, ImageDigest: digest, GPUUUIDs: opts.GPUUUIDs, Created: e.opts.Now(), Pull: pull}
	cfg, host, netCfg := e.sandboxConfig(id, spec, sandboxParams{GPUUUIDs: opts.GPUUUIDs, ImageVolumes: img.volumes})
	created, err := e.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, "kinetic-job-"+id.String())
	if err != nil {
		return nil, fmt.Errorf("create container for job %s: %w", id, err)
	}
	rec.ContainerID = created.ID
	if err := e.store.Put(rec); err != nil {
		e.removeContainer(ctx, created.ID)
		return nil, err
	}
	job.rec = rec
	job.emit(Event{Kind: EventCreated, ContainerID: created.ID, ImageDigest: digest})
	if err := e.prepareAndStart(ctx, &job.rec); err != nil {
		e.removeContainer(context.WithoutCancel(ctx), created.ID)
		e.fail(id, err.Error())
		return nil, err
	}
	job.emit(Event{Kind: EventStarted, ContainerID: created.ID})
	e.track(job)
	return job, nil
}

func (e *Engine) checkStart(id JobID, spec Spec, opts RunOptions) error {
	if spec.Network == NetworkEgress && !e.opts.AllowEgress {
		return ErrEgressNotAllowed
	}
	if len(opts.GPUUUIDs) != spec.GPUs {
		return fmt.Errorf("%w: spec wants %d, got %d UUIDs", ErrGPUAssignment, spec.GPUs, len(opts.GPUUUIDs))
	}
	if _, err := e.store.Get(id); err == nil {
		return fmt.Errorf("job %s: %w", id, ErrJobExists)
	} else if !errors.Is(err, ErrJobNotFound) {
		return err
	}
	return nil
}

// withoutEnv returns the spec as the job store keeps it, without the
// environment, and the sorted variable names. The values reach the
// container's configuration only; Docker keeps that until Wait removes the
// container, and a resumed job needs nothing else.
func withoutEnv(s Spec) (Spec, []string) {
	names := make([]string, 0, len(s.Env))
	for k := range s.Env {
		names = append(names, k)
	}
	slices.Sort(names)
	s.Env = nil
	return s, names
}

// imageFacts is what Start needs to know about a job's image.
type imageFacts struct {
	// digest is recorded as the job's ImageDigest.
	digest string
	// volumes are the paths the image declares as VOLUMEs, sorted.
	volumes []string
}

// resolveImage checks that the image is present (admitImage pulls) and
// returns the digest to record: the pinned digest if the spec has one (it
// must match a repo digest or the image id), else a repo digest, else the
// image id; and the image's declared volumes.
func (e *Engine) resolveImage(ctx context.Context, spec Spec) (imageFacts, error) {
	img, err := e.cli.ImageInspect(ctx, spec.Image)
	if cerrdefs.IsNotFound(err) {
		return imageFacts{}, fmt.Errorf("%w: %s", ErrImageMissing, spec.Image)
	}
	if err != nil {
		return imageFacts{}, fmt.Errorf("inspect image %s: %w", spec.Image, err)
	}
	var facts imageFacts
	if img.Config != nil {
		for v := range img.Config.Volumes {
			clean := path.Clean("/" + v)
			if clean == "/" {
				return imageFacts{}, fmt.Errorf("%w: %s declares the root directory as a VOLUME", ErrUnsupportedImage, spec.Image)
			}
			facts.volumes = append(facts.volumes, clean)
		}
		slices.Sort(facts.volumes)
		facts.volumes = slices.Compact(facts.volumes)
	}
	switch want := spec.Digest(); {
	case want != "":
		ok := img.ID == want || slices.ContainsFunc(img.RepoDigests, func(rd string) bool { return strings.HasSuffix(rd, "@"+want) })
		if !ok {
			return imageFacts{}, fmt.Errorf("%w: %s is %s", ErrDigestMismatch, spec.Image, img.ID)
		}
		facts.digest = want
	case len(img.RepoDigests) > 0:
		facts.digest = img.RepoDigests[0]
	default:
		facts.digest = img.ID
	}
	return facts, nil
}

// prepareAndStart hands /output to the job user, copies the input in,
// starts the container and records the start time.
func (e *Engine) prepareAndStart(ctx context.Context, rec *JobRecord) error {
	cid := rec.ContainerID
	err := e.cli.CopyToContainer(ctx, cid, rec.Spec.Outputs, bytes.NewReader(ownedDirArchive(jobUID, jobGID, 0o755)), container.CopyToContainerOptions{})
	if err != nil {
		return fmt.Errorf("prepare %s: %w", rec.Spec.Outputs, err)
	}
	if len(rec.Spec.Input) > 0 {
		in, err := inputForContainer(rec.Spec.Input)
		if err != nil {
			return err
		}
		if err := e.cli.CopyToContainer(ctx, cid, InputDir, bytes.NewReader(in), container.CopyToContainerOptions{}); err != nil {
			return fmt.Errorf("copy input: %w", err)
		}
	}
	if err := e.cli.ContainerStart(ctx, cid, container.StartOptions{}); err != nil {
		if strings.Contains(err.Error(), "could not select device driver") {
			return fmt.Errorf("start container: %w: %v", ErrGPURuntimeMissing, err)
		}
		return fmt.Errorf("start container: %w", err)
	}
	started := e.opts.Now()
	if insp, err := e.cli.ContainerInspect(ctx, cid); err == nil && insp.State != nil {
		if t, err := time.Parse(time.RFC3339Nano, insp.State.StartedAt); err == nil && !t.IsZero() {
			started = t
		}
	}
	rec.State, rec.Started = StateRunning, started
	rec.Spec.Input = nil // copied in; no need to keep megabytes in the database
	return e.store.Put(*rec)
}

// removeContainer force-removes a container and its anonymous volumes.
func (e *Engine) removeContainer(ctx context.Context, cid string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = e.cli.ContainerRemove(ctx, cid, container.RemoveOptions{Force: true, RemoveVolumes: true})
}

// fail marks a stored job failed with a reason.
func (e *Engine) fail(id JobID, reason string) {
	_, _ = e.store.update(id, func(r *JobRecord) { r.State, r.Reason = StateFailed, reason })
}

// track registers a started or resumed job until its Wait ends.
func (e *Engine) track(j *Job) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.running[j.rec.ID] = j
}

func (e *Engine) untrack(id JobID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.running, id)
}

// Running lists the jobs this engine is running, for policy decisions.
func (e *Engine) Running() []RunningJob {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]RunningJob, 0, len(e.running))
	for _, j := range e.running {
		out = append(out, RunningJob{ID: j.rec.ID, GPUUUIDs: j.rec.GPUUUIDs, Started: j.rec.Started})
	}
	slices.SortFunc(out, func(a, b RunningJob) int { return a.Started.Compare(b.Started) })
	return out
}

func (e *Engine) runningContainerIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.running))
	for _, j := range e.running {
		out = append(out, j.rec.ContainerID)
	}
	return out
}

// ErrJobNotRunning is returned by Preempt for a job this engine is not running.
var ErrJobNotRunning = errors.New("job not running")

// Preempt kills a running job on the provider's behalf (policy action);
// its Wait returns a result with Preempted set and PreemptReason.
func (e *Engine) Preempt(id JobID, reason string) error {
	e.mu.Lock()
	j := e.running[id]
	e.mu.Unlock()
	if j == nil {
		return fmt.Errorf("preempt %s: %w", id, ErrJobNotRunning)
	}
	j.preempt(reason)
	e.kill(j.rec.ContainerID)
	return nil
}
