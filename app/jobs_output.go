package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/ui"
)

// The Jobs screen's settlement preview and output download, over the
// consumer agent (jobs_source.go holds the rest of the source).

// maxOutputNames is how many numbered names saveOutput tries before giving
// up on a folder crowded with earlier downloads.
const maxOutputNames = 1000

// Settlement implements ui.JobSource: what a release or a dispute of the
// job would move, read from its escrow box.
func (s *jobsSource) Settlement(ctx context.Context, id ui.JobID) (ui.JobSettlement, error) {
	env, _, _, err := s.consumerJob(ctx, id)
	if err != nil {
		return ui.JobSettlement{}, err
	}
	box, err := env.chain.Job(ctx, id)
	if errors.Is(err, contracts.ErrNotFound) {
		return ui.JobSettlement{}, fmt.Errorf("job %s is already settled: its escrow box is gone", id)
	}
	if err != nil {
		return ui.JobSettlement{}, fmt.Errorf("escrow of job %s: %w", id, err)
	}
	return jobSettlement(box), nil
}

// jobSettlement is what settling box moves, as the Escrow computes it.
func jobSettlement(box contracts.Job) ui.JobSettlement {
	return ui.JobSettlement{Provider: box.Provider.String(), Consumer: box.Consumer.String(),
		Locked: box.Locked, BoxDeposit: contracts.JobBoxMBR,
		BilledSeconds: box.BilledSeconds, RatePerHour: box.RatePerHour, Bill: box.Bill()}
}

// SaveOutput implements ui.JobSource: the job's output tar, downloaded
// from its provider, written into dir as it is or unpacked (by
// consumer.Extract, which refuses unsafe archives) into a new folder.
func (s *jobsSource) SaveOutput(ctx context.Context, id ui.JobID, dir string, extract bool) (string, error) {
	env, c, r, err := s.consumerJob(ctx, id)
	if err != nil {
		return "", err
	}
	tarball, err := verifiedOutput(ctx, env, c, r)
	if err != nil {
		return "", err
	}
	return saveOutput(tarball, dir, "kinetic-job-"+id.String()[:16], extract)
}

// verifiedOutput downloads r's output and checks it is the output that was
// verified, so a provider cannot serve the autopilot one tar and the user
// another: while the escrow box exists, against the output hash anchored
// in it (with the proof: consumer.Verify); after settlement, against the
// content digest the autopilot journaled when it verified the result.
func verifiedOutput(ctx context.Context, env *marketEnv, c *consumer.Client, r consumer.JobRecord) ([]byte, error) {
	_, err := env.chain.Job(ctx, r.Job.ID)
	switch {
	case err == nil:
		v, err := c.Verify(ctx, r.Job)
		if err != nil {
			return nil, fmt.Errorf("the output does not verify, so it was not saved: %w", err)
		}
		return v.Output, nil
	case !errors.Is(err, contracts.ErrNotFound):
		return nil, fmt.Errorf("escrow of job %s: %w", r.Job.ID, err)
	}
	if r.Digest == "" {
		return nil, fmt.Errorf("job %s is settled and its output was never verified here, so there is nothing to check a download against; not saved", r.Job.ID)
	}
	tarball, err := c.Result(ctx, r.Job)
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	d, err := consumer.ContentDigest(tarball)
	if err != nil {
		return nil, fmt.Errorf("the output does not verify, so it was not saved: %w", err)
	}
	if hex.EncodeToString(d[:]) != r.Digest {
		return nil, fmt.Errorf("the provider now serves a different output from the one verified for job %s; not saved", r.Job.ID)
	}
	return tarball, nil
}

// saveOutput writes tarball into dir as base.tar or, with extract, unpacks
// it into a new folder base. A name already taken gets a number (base-2,
// base-3, …): no existing file or folder is ever written into or replaced.
func saveOutput(tarball []byte, dir, base string, extract bool) (string, error) {
	if st, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("save the output: %w", err)
	} else if !st.IsDir() {
		return "", fmt.Errorf("save the output: %s is not a folder", dir)
	}
	for i := 1; i <= maxOutputNames; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		p := filepath.Join(dir, name+".tar")
		write := writeNew
		if extract {
			p, write = filepath.Join(dir, name), unpackInto
		}
		err := write(p, tarball)
		if errors.Is(err, fs.ErrExist) {
			continue // taken: try the next number
		}
		if err != nil {
			return "", fmt.Errorf("save the output: %w", err)
		}
		return p, nil
	}
	return "", fmt.Errorf("save the output: %s already holds %d downloads named %s; choose another folder", dir, maxOutputNames, base)
}

// writeNew creates path, failing with fs.ErrExist when it exists, and
// writes b to it.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// unpackInto creates the folder path, failing with fs.ErrExist when it
// exists, and extracts tarball into it. When the archive is refused the
// folder is removed again with whatever Extract wrote into it: it is the
// folder this call created (Mkdir fails on an existing one), so nothing
// else can be in it.
func unpackInto(path string, tarball []byte) error {
	if err := os.Mkdir(path, 0o755); err != nil {
		return err
	}
	if err := consumer.Extract(tarball, path, consumer.ExtractLimits{}); err != nil {
		if rerr := os.RemoveAll(path); rerr != nil {
			return fmt.Errorf("%w (and the partly unpacked %s could not be removed: %v)", err, path, rerr)
		}
		return err
	}
	return nil
}
