package compute

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ErrOutputTooLarge reports an output tar over EngineOptions.OutputCapBytes.
var ErrOutputTooLarge = errors.New("job output too large")

// collectOutput copies the outputs directory out of the stopped container
// as a tar into OutputDir/<job id>.tar, hashing it on the way. Over the cap
// the file is deleted, OutputRefused set and ErrOutputTooLarge returned.
func (j *Job) collectOutput(ctx context.Context, res *Result) error {
	e := j.e
	rc, _, err := e.cli.CopyFromContainer(ctx, j.rec.ContainerID, j.rec.Spec.Outputs)
	if err != nil {
		return fmt.Errorf("copy output: %w", err)
	}
	defer rc.Close()
	path := filepath.Join(e.opts.OutputDir, j.rec.ID.String()+".tar")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("output file: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(rc, e.opts.OutputCapBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > e.opts.OutputCapBytes {
		err = fmt.Errorf("%w: more than %d bytes", ErrOutputTooLarge, e.opts.OutputCapBytes)
		res.OutputRefused = true
	}
	if err != nil {
		_ = os.Remove(path)
		return err
	}
	copy(res.OutputSHA256[:], h.Sum(nil))
	res.OutputBytes, res.OutputTar = n, path
	return nil
}
