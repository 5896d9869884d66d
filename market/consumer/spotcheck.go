package consumer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/sse"
)

// DefaultSpotCheckShare is the share of deterministic jobs re-run on a
// second provider.
const DefaultSpotCheckShare = 0.10

// SpotCheckPicked reports whether job id falls in share (0 to 1) of jobs,
// decided from the id's hash so that the choice cannot be steered by the
// provider and is the same on every run.
func SpotCheckPicked(id jobid.ID, share float64) bool {
	h := sha256.Sum256(append([]byte("kinetic/spot-check:"), id[:]...))
	return float64(binary.BigEndian.Uint64(h[:8]))/float64(^uint64(0)) < share
}

// Blocklist returns the providers discovery.Block has blocked in db (the
// list discovery.Find leaves out), as a set.
func Blocklist(db *bbolt.DB) (map[types.Address]bool, error) {
	list, err := discovery.Blocklist(db)
	out := make(map[types.Address]bool, len(list))
	for _, e := range list {
		out[e.Address] = true
	}
	return out, err
}

// SpotCheck is the outcome of re-running a deterministic job.
type SpotCheck struct {
	Second   Job
	Match    bool
	Disputed contracts.Result // the first job's dispute, when they differ
}

// ErrSameProvider: a spot check must run on another provider.
var ErrSameProvider = errors.New("consumer: spot check needs a different provider")

// RunSpotCheck re-runs spec (a deterministic job, already run as first with
// output firstOutput, not yet released) on second, verifies and releases
// the re-run, and compares the outputs' ContentDigest (the tars' own
// hashes differ by their timestamps). When they differ it disputes
// the first job and blocklists its provider in db (discovery.Block).
func (c *Client) RunSpotCheck(ctx context.Context, db *bbolt.DB, first Job, firstOutput []byte, second contracts.Provider, spec compute.Spec) (SpotCheck, error) {
	if second.Address == first.Provider {
		return SpotCheck{}, ErrSameProvider
	}
	job, err := c.Submit(ctx, second.Endpoint, spec, Terms{Provider: second.Address, MaxPricePerHour: second.PricePerHour})
	if err != nil {
		return SpotCheck{}, fmt.Errorf("consumer: spot check submit: %w", err)
	}
	out := SpotCheck{Second: job}
	if _, err := c.Events(ctx, job, 0, func(sse.Event) error { return nil }); err != nil {
		return out, fmt.Errorf("consumer: spot check events: %w", err)
	}
	if _, _, err := c.AwaitResult(ctx, job, time.Second); err != nil {
		return out, fmt.Errorf("consumer: spot check result: %w", err)
	}
	v, err := c.Verify(ctx, job)
	if err != nil {
		return out, fmt.Errorf("consumer: spot check verify: %w", err)
	}
	if _, err := c.Release(ctx, job); err != nil {
		return out, fmt.Errorf("consumer: spot check release: %w", err)
	}
	a, err := ContentDigest(v.Output)
	if err != nil {
		return out, err
	}
	b, err := ContentDigest(firstOutput)
	if err != nil {
		return out, err
	}
	out.Match = a == b
	if out.Match {
		return out, nil
	}
	if out.Disputed, err = c.Dispute(ctx, first); err != nil {
		return out, fmt.Errorf("consumer: dispute after a failed spot check: %w", err)
	}
	return out, discovery.Block(db, first.Provider, "spot check of job "+first.ID.String()+" gave another output")
}
