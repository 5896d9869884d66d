package compute

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/kinetic-compute/kinetic/internal/testkit"
)

// noLocalImages is an allow-list that admits no local image.
var noLocalImages = []string{}

// pushedImage starts a real registry, pushes a unique image with a 256 KiB
// layer to it and returns the registry and the digest reference; the
// image is removed from the engine when the test ends.
func pushedImage(t *testing.T) (*testkit.Registry, string) {
	t.Helper()
	reg := testkit.StartRegistry(t)
	ref := reg.PushUniqueImage(t, "kinetic/job", 256<<10)
	t.Cleanup(func() {
		_, _ = testkit.Docker(t).ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
	})
	return reg, ref
}

// TestPullByDigest runs a job whose image is pinned by digest and exists
// only in a real local registry: the engine pulls it, reports progress,
// records the pull in the job and in ImagesBucket, and a second job
// reuses it without pulling.
func TestPullByDigest(t *testing.T) {
	t.Parallel()
	_, ref := pushedImage(t)
	h := newHarness(t, EngineOptions{AllowedImages: noLocalImages})
	ctx := testkit.Context(t, 2*time.Minute)
	s := h.spec(`echo payload=$(wc -c </payload.bin)`)
	s.Image = ref
	res, log, err := h.run(ctx, s)
	if err != nil || res.ExitCode != 0 || !strings.Contains(log.text(), "payload=262144") {
		t.Fatalf("err %v, result %+v, log %q", err, res, log.text())
	}
	if got := strings.Join(kindStrings(log.kinds()), ","); got != "pull,created,started,log,finished" {
		t.Errorf("events %s", got)
	}
	digest := ref[strings.Index(ref, "@")+1:]
	if res.ImageDigest != digest {
		t.Errorf("result digest %s, want %s", res.ImageDigest, digest)
	}
	recs, err := h.e.Store().List()
	if err != nil || len(recs) != 1 || recs[0].Pull == nil {
		t.Fatalf("records %+v, %v", recs, err)
	}
	p := recs[0].Pull
	if p.Ref != ref || p.Cached || p.Error != "" || p.ImageID == "" || p.Downloaded < 256<<10 || p.Size < 256<<10 || p.Finished.Before(p.Started) {
		t.Errorf("pull record %+v", p)
	}
	pulled, err := h.e.Store().PulledImages()
	if err != nil || len(pulled) != 1 || pulled[0].Ref != ref || pulled[0].ImageID != p.ImageID {
		t.Errorf("pulled images %+v, %v", pulled, err)
	}
	// Again: fetched for jobs already, so reused without a pull.
	res2, log2, err := h.run(ctx, s)
	if err != nil || res2.ExitCode != 0 {
		t.Fatalf("second job: %v, %+v", err, res2)
	}
	if got := strings.Join(kindStrings(log2.kinds()), ","); got != "created,started,log,finished" {
		t.Errorf("second job's events %s, want no pull", got)
	}
	recs, _ = h.e.Store().List()
	for _, r := range recs {
		if r.Result != nil && r.Result.ImageDigest == res2.ImageDigest && r.Pull != nil && r.Pull.Cached {
			return
		}
	}
	t.Errorf("no job record with a cached pull: %+v", recs)
}

// TestPullFailures checks each way a pull from the real registry fails:
// content that does not match the digest, an image over the size cap, a
// registry that stops answering; each with its error, recorded in the
// failed job's record, and no container.
func TestPullFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   EngineOptions
		break_ func(reg *testkit.Registry, digest string)
		want   error
	}{
		{"digest mismatch", EngineOptions{}, func(reg *testkit.Registry, digest string) { reg.TamperManifest(t, digest) }, ErrDigestMismatch},
		{"over the size cap", EngineOptions{PullCapBytes: 100 << 10}, nil, ErrImageTooLarge},
		{"registry stops answering", EngineOptions{PullTimeout: 2 * time.Second}, func(reg *testkit.Registry, _ string) { reg.Pause() }, ErrPullTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reg, ref := pushedImage(t)
			if c.break_ != nil {
				c.break_(reg, ref[strings.Index(ref, "@")+1:])
			}
			c.opts.AllowedImages = noLocalImages
			h := newHarness(t, c.opts)
			ctx := testkit.Context(t, 2*time.Minute)
			s := h.spec("true")
			s.Image = ref
			id := newJobID(t)
			began := time.Now()
			_, err := h.e.Start(ctx, id, s, RunOptions{})
			if !errors.Is(err, c.want) {
				t.Fatalf("Start: %v, want %v", err, c.want)
			}
			t.Logf("Start: %v", err)
			if took := time.Since(began); c.want == ErrPullTimeout && took > 10*time.Second {
				t.Errorf("the 2 s pull timeout took %s", took)
			}
			rec, err := h.e.Store().Get(id)
			if err != nil || rec.State != StateFailed || rec.ContainerID != "" || rec.Pull == nil || rec.Pull.Ref != ref || !strings.Contains(rec.Pull.Error, c.want.Error()) || rec.Reason != rec.Pull.Error {
				t.Fatalf("record %+v (pull %+v), %v", rec, rec.Pull, err)
			}
			if pulled, _ := h.e.Store().PulledImages(); len(pulled) != 0 {
				t.Errorf("a failed pull was recorded as pulled for jobs: %+v", pulled)
			}
			if c.want == ErrImageTooLarge {
				if _, err := h.e.cli.ImageInspect(ctx, ref); err == nil {
					t.Errorf("the oversize image %s is still on the engine", ref)
				}
			}
		})
	}
}

// TestLocalImagesNotAdmitted checks the default admission on the real
// engine: a provider's own image, by tag or by a digest the engine knows
// (pulled by the provider, not for jobs), is refused, and no container is
// made.
func TestLocalImagesNotAdmitted(t *testing.T) {
	t.Parallel()
	_, ref := pushedImage(t)
	cli := testkit.Docker(t)
	ctx := testkit.Context(t, 2*time.Minute)
	// The provider pulls the image for itself.
	rc, err := cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = rc.Read(make([]byte, 1<<20))
	for buf := make([]byte, 32<<10); ; {
		if _, err := rc.Read(buf); err != nil {
			break
		}
	}
	rc.Close()
	if _, err := cli.ImageInspect(ctx, ref); err != nil {
		t.Fatalf("the provider's pull: %v", err)
	}
	h := newHarness(t, EngineOptions{AllowedImages: noLocalImages})
	cases := []struct {
		name, image, says string
	}{
		{"local image by tag", testkit.TestImageRef, "not pinned by digest"},
		{"provider's image by digest", ref, "was not pulled for jobs"},
	}
	for _, c := range cases {
		s := h.spec("true")
		s.Image = c.image
		id := newJobID(t)
		_, err := h.e.Start(ctx, id, s, RunOptions{})
		if !errors.Is(err, ErrImageNotAdmitted) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: Start: %v, want ErrImageNotAdmitted saying %q", c.name, err, c.says)
		}
		if recs, _ := h.e.Store().List(); slices.ContainsFunc(recs, func(r JobRecord) bool { return r.ID == id && r.ContainerID != "" }) {
			t.Errorf("%s: a container was made", c.name)
		}
	}
}

// TestPullSharedByConcurrentJobs starts two jobs for one digest-pinned
// image at once: both run, and the image is fetched once, the other job
// reusing it.
func TestPullSharedByConcurrentJobs(t *testing.T) {
	t.Parallel()
	_, ref := pushedImage(t)
	h := newHarness(t, EngineOptions{AllowedImages: noLocalImages})
	ctx := testkit.Context(t, 2*time.Minute)
	s := h.spec("true")
	s.Image = ref
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			res, err := h.e.Run(ctx, newJobID(t), s, RunOptions{})
			if err == nil && res.ExitCode != 0 {
				err = errors.New("job failed")
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	recs, err := h.e.Store().List()
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %+v, %v", recs, err)
	}
	if fetched := slices.IndexFunc(recs, func(r JobRecord) bool { return r.Pull != nil && !r.Pull.Cached }); fetched < 0 || recs[1-fetched].Pull == nil || !recs[1-fetched].Pull.Cached {
		t.Fatalf("pulls %+v and %+v, want one fetch and one reuse", recs[0].Pull, recs[1].Pull)
	}
}
