package compute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/image"
)

// Image admission and pull errors callers may branch on.
var (
	// ErrImageNotAdmitted: the image is neither pinned by digest (and so
	// fetched for the job) nor on the provider's allow-list.
	ErrImageNotAdmitted = errors.New("image not admitted")
	// ErrImagePull: the engine could not pull the image.
	ErrImagePull = errors.New("image pull failed")
	// ErrImageTooLarge: the image is over EngineOptions.PullCapBytes.
	ErrImageTooLarge = errors.New("image over the pull size cap")
	// ErrPullTimeout: the pull took longer than EngineOptions.PullTimeout.
	ErrPullTimeout = errors.New("image pull timed out")
)

// ImagePull records how a job's image was fetched: kept in the job record
// (JobRecord.Pull) and, once it succeeded, in ImagesBucket.
type ImagePull struct {
	// Ref is the normalised digest reference pulled, "registry/name@sha256:…".
	Ref string `json:"ref"`
	// ImageID is the local image id once pulled.
	ImageID string `json:"imageId,omitempty"`
	// Downloaded is the sum of the layer sizes the engine announced while
	// downloading (compressed); layers already on the machine count 0.
	Downloaded int64 `json:"downloaded"`
	// Size is the image's size once pulled (unpacked), as the engine reports it.
	Size int64 `json:"size,omitempty"`
	// Cached: pulled for an earlier job and still present; nothing fetched.
	Cached   bool      `json:"cached,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Error says why the pull failed; empty on success.
	Error string `json:"error,omitempty"`
}

// PullProgress is one progress report of a pull (Event.Pull).
type PullProgress struct {
	// Ref is the reference being pulled.
	Ref string
	// Layer and Status are the engine's current message ("Downloading",
	// "Pull complete"…) and the layer it is about, if any.
	Layer, Status string
	// Downloaded and Announced sum, over the layers seen so far, the bytes
	// downloaded and the layer sizes the engine announced.
	Downloaded, Announced int64
}

// pullMessage is one line of the engine's JSON pull stream.
type pullMessage struct {
	Status   string `json:"status"`
	ID       string `json:"id"`
	Progress *struct {
		Current int64 `json:"current"`
		Total   int64 `json:"total"`
	} `json:"progressDetail"`
	Error *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// admitImage decides where the job's image comes from: an image matching
// EngineOptions.AllowedImages is used from the local store (and pulled
// when it is pinned by digest and absent); any other image must be pinned
// by digest and is used only as fetched for jobs (fetchForJob). Nothing
// else on the machine is ever handed to a job.
func (e *Engine) admitImage(ctx context.Context, job *Job, spec Spec) (imageFacts, *ImagePull, error) {
	pinned := spec.Digest() != ""
	if imageAllowed(spec.Image, e.opts.AllowedImages) {
		facts, err := e.resolveImage(ctx, spec)
		if err == nil || !errors.Is(err, ErrImageMissing) || !pinned {
			return facts, nil, err
		}
	} else if !pinned {
		return imageFacts{}, nil, fmt.Errorf("%w: %s is not pinned by digest (name@sha256:…) and not on the provider's allow-list", ErrImageNotAdmitted, spec.Image)
	}
	pull, err := e.fetchForJob(ctx, job, spec.Image)
	if err != nil {
		return imageFacts{}, &pull, err
	}
	facts, err := e.resolveImage(ctx, spec)
	return facts, &pull, err
}

// fetchForJob returns the image named by the digest reference ref as
// pulled for jobs: reused when ImagesBucket records it and the engine
// still has it, else pulled. An image the engine has under that reference
// that was not pulled for jobs (the provider's own) is refused.
func (e *Engine) fetchForJob(ctx context.Context, job *Job, ref string) (ImagePull, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ImagePull{}, fmt.Errorf("%w: %v", ErrBadImageRef, err)
	}
	norm := named.String()
	// One fetch per reference at a time: a second job for the same image
	// waits and then finds it recorded, rather than seeing an image that is
	// present but not yet recorded.
	unlock := e.lockRef(norm)
	defer unlock()
	rec := ImagePull{Ref: norm, Started: e.opts.Now()}
	prev, known, err := e.store.pulledImage(norm)
	if err != nil {
		return rec, err
	}
	insp, inspErr := e.cli.ImageInspect(ctx, norm)
	switch {
	case inspErr == nil && known && insp.ID == prev.ImageID:
		rec.ImageID, rec.Size, rec.Cached, rec.Finished = insp.ID, insp.Size, true, e.opts.Now()
		return rec, nil
	case inspErr == nil:
		return rec, fmt.Errorf("%w: %s is on this machine but was not pulled for jobs (remove it, or add it to the provider's allow-list)", ErrImageNotAdmitted, norm)
	case !cerrdefs.IsNotFound(inspErr):
		return rec, fmt.Errorf("inspect image %s: %w", norm, inspErr)
	}
	err = e.pull(ctx, job, &rec)
	rec.Finished = e.opts.Now()
	if err != nil {
		rec.Error = err.Error()
		return rec, err
	}
	return rec, e.store.putPulledImage(rec)
}

// lockRef takes the fetch lock of an image reference.
func (e *Engine) lockRef(ref string) (unlock func()) {
	e.mu.Lock()
	if e.pulling == nil {
		e.pulling = map[string]*sync.Mutex{}
	}
	m := e.pulling[ref]
	if m == nil {
		m = &sync.Mutex{}
		e.pulling[ref] = m
	}
	e.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// pull runs the engine's pull of rec.Ref under PullTimeout, passing
// progress on as events and stopping it once the announced layer sizes
// pass PullCapBytes; then it checks the pulled image's size and digest.
func (e *Engine) pull(ctx context.Context, job *Job, rec *ImagePull) error {
	capBytes := e.opts.PullCapBytes
	pctx, cancel := context.WithTimeout(ctx, e.opts.PullTimeout)
	defer cancel()
	rc, err := e.cli.ImagePull(pctx, rec.Ref, image.PullOptions{})
	if err != nil {
		return e.pullError(ctx, pctx, rec.Ref, err)
	}
	defer rc.Close()
	layers := map[string][2]int64{} // current, total
	dec := json.NewDecoder(rc)
	for {
		var m pullMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return e.pullError(ctx, pctx, rec.Ref, err)
		}
		if m.Error != nil {
			return e.pullError(ctx, pctx, rec.Ref, errors.New(m.Error.Message))
		}
		if m.Progress != nil && m.ID != "" && m.Status == "Downloading" {
			layers[m.ID] = [2]int64{m.Progress.Current, m.Progress.Total}
		}
		p := PullProgress{Ref: rec.Ref, Layer: m.ID, Status: m.Status}
		for _, l := range layers {
			p.Downloaded += l[0]
			p.Announced += max(l[0], l[1])
		}
		rec.Downloaded = p.Announced
		job.emit(Event{Kind: EventPull, Pull: &p})
		if p.Announced > capBytes {
			cancel()
			return fmt.Errorf("%w: %s announced %d bytes of layers, the cap is %d; pull stopped", ErrImageTooLarge, rec.Ref, p.Announced, capBytes)
		}
	}
	if pctx.Err() != nil {
		return e.pullError(ctx, pctx, rec.Ref, pctx.Err())
	}
	return e.checkPulled(ctx, rec)
}

// checkPulled inspects the pulled image: over the cap it is removed (this
// reference only) and refused; it must carry the digest it was pulled by.
func (e *Engine) checkPulled(ctx context.Context, rec *ImagePull) error {
	insp, err := e.cli.ImageInspect(ctx, rec.Ref)
	if err != nil {
		return fmt.Errorf("%w: inspect %s after the pull: %v", ErrImagePull, rec.Ref, err)
	}
	rec.ImageID, rec.Size = insp.ID, insp.Size
	if insp.Size > e.opts.PullCapBytes {
		_, _ = e.cli.ImageRemove(context.WithoutCancel(ctx), rec.Ref, image.RemoveOptions{})
		return fmt.Errorf("%w: %s is %d bytes, the cap is %d; removed", ErrImageTooLarge, rec.Ref, insp.Size, e.opts.PullCapBytes)
	}
	if !slices.Contains(insp.RepoDigests, rec.Ref) {
		return fmt.Errorf("%w: pulled %s but the engine lists %v", ErrDigestMismatch, rec.Ref, insp.RepoDigests)
	}
	return nil
}

// pullError classifies a pull failure: the timeout, the caller's
// cancellation, a digest the content did not match, or another failure.
func (e *Engine) pullError(ctx, pctx context.Context, ref string, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("pull %s: %w", ref, ctx.Err())
	case errors.Is(pctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: %s after %s", ErrPullTimeout, ref, e.opts.PullTimeout)
	}
	msg := err.Error()
	if strings.Contains(msg, "verification failed") || strings.Contains(msg, "digest did not match") || strings.Contains(msg, "unexpected digest") {
		return fmt.Errorf("%w: %s: the registry's content does not hash to the digest: %v", ErrDigestMismatch, ref, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrImagePull, ref, err)
}
