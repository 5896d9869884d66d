package ui

import (
	"context"
	"sync"
	"time"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// JobID identifies a job; the same id keys its escrow box and starts its
// proof chain.
type JobID = jobid.ID

// JobRole says which side of a job this machine is on.
type JobRole int

// Job roles.
const (
	RoleConsumer JobRole = iota // submitted from here
	RoleProvider                // run on this machine
)

// JobState is a job's state as the Jobs screen names it.
type JobState string

// Job states.
const (
	JobPending   JobState = "pending"   // offered, escrow not locked yet
	JobRunning   JobState = "running"   // escrow locked, container running
	JobSubmitted JobState = "submitted" // result anchored, awaiting release
	JobReleased  JobState = "released"  // paid
	JobRefunded  JobState = "refunded"
	JobDisputed  JobState = "disputed"
	JobClaimed   JobState = "claimed" // paid after the dispute window
	// JobSettled is a job this machine ran whose escrow was settled by a
	// transaction it could not read (a node that no longer serves the
	// blocks): how, and what it paid, are unknown here.
	JobSettled JobState = "settled"
	JobFailed  JobState = "failed"
)

// JobSummary is one row of the Jobs list.
type JobSummary struct {
	ID      JobID
	Role    JobRole
	State   JobState
	Peer    string // the other party's address
	Image   string
	Created time.Time
	Locked  uint64 // microAlgo in escrow
	Rate    uint64 // microAlgo per hour
	Paid    uint64 // microAlgo paid to the provider, once settled
	// FundsUntil is when the locked funds run out for a running job.
	FundsUntil time.Time
	// Settled is when this machine recorded the job's settlement, for a
	// job of this account whose escrow box is gone.
	Settled time.Time
}

// ProofMark is a proof step's verification state.
type ProofMark int

// Proof marks.
const (
	ProofPending  ProofMark = iota // not recorded yet
	ProofVerified                  // hash, link and signature check
	ProofFailed                    // see ProofStep.Reason
)

// ProofStep is one step of a job's proof chain.
type ProofStep struct {
	Index  int    // 1..9
	Kind   string // e.g. "job_received"
	Hash   string // 64 hex digits
	At     time.Time
	Mark   ProofMark
	Reason string // why verification failed
}

// ChainTx is an on-chain transaction of a job.
type ChainTx struct {
	What  string // e.g. "escrow lock", "result anchored", "release"
	TxID  string
	Round uint64
}

// JobDetail is everything the detail pane shows about a job.
type JobDetail struct {
	JobSummary
	Progress    float64 // 0..1
	Proof       []ProofStep
	Txns        []ChainTx
	OutputReady bool
	// CanRelease and CanDispute say whether those calls are open now.
	CanRelease, CanDispute bool
}

// JobEvent is one live event of a job (from its SSE stream).
type JobEvent struct {
	Log      string     // a log line, or ""
	Progress float64    // > 0 when the event carries progress
	Step     *ProofStep // a new proof step, or nil
	State    JobState   // a new state, or ""
}

// JobSource is what the Jobs screen needs from the market agents.
type JobSource interface {
	Jobs(ctx context.Context) ([]JobSummary, error)
	Job(ctx context.Context, id JobID) (JobDetail, error)
	// Follow calls fn with each live event of the job until ctx ends or
	// the stream closes; fn may be called from any goroutine.
	Follow(ctx context.Context, id JobID, fn func(JobEvent)) error
	Release(ctx context.Context, id JobID) error
	Dispute(ctx context.Context, id JobID) error
	TopUp(ctx context.Context, id JobID, microAlgo uint64) error
	// Settlement reads from the job's escrow what a release or a dispute
	// would pay, for the confirmation the user sees first.
	Settlement(ctx context.Context, id JobID) (JobSettlement, error)
	// SaveOutput writes the job's output into dir, as its tar archive or,
	// when extract is set, unpacked into a new folder, and returns the
	// path written. It never replaces an existing file or folder: a name
	// already taken gets a numbered one.
	SaveOutput(ctx context.Context, id JobID, dir string, extract bool) (string, error)
}

// JobSettlement is what settling a submitted job moves, read from its
// escrow box, in microAlgos.
type JobSettlement struct {
	// Provider and Consumer are the two parties' addresses.
	Provider, Consumer string
	// Locked is what the escrow holds for the job; BoxDeposit the box's
	// minimum balance, which the consumer paid and gets back either way.
	Locked, BoxDeposit uint64
	// BilledSeconds and RatePerHour price the result; Bill is what a
	// release pays the provider (RatePerHour × BilledSeconds / 3600).
	BilledSeconds, RatePerHour, Bill uint64
}

// ReleaseRefund is what a release returns to the consumer: the locked
// funds the bill leaves, and the box deposit.
func (s JobSettlement) ReleaseRefund() uint64 { return s.Locked - min(s.Bill, s.Locked) + s.BoxDeposit }

// DisputeRefund is what a dispute returns to the consumer: everything
// locked, and the box deposit; the provider is paid nothing.
func (s JobSettlement) DisputeRefund() uint64 { return s.Locked + s.BoxDeposit }

// CoalesceInterval is how often buffered live events reach the widgets.
const CoalesceInterval = 100 * time.Millisecond

// coalescer buffers events from any goroutine and hands them over in
// batches, so that a burst of SSE events costs one widget update per
// interval rather than one per event.
type coalescer struct {
	mu      sync.Mutex
	pending []JobEvent
}

// add buffers ev; it never blocks on the UI.
func (c *coalescer) add(ev JobEvent) {
	c.mu.Lock()
	c.pending = append(c.pending, ev)
	c.mu.Unlock()
}

// take returns and clears the buffered events.
func (c *coalescer) take() []JobEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.pending
	c.pending = nil
	return out
}

// run calls apply with each non-empty batch every interval until ctx ends,
// then once more with what is left.
func (c *coalescer) run(ctx context.Context, interval time.Duration, apply func([]JobEvent)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if b := c.take(); len(b) > 0 {
				apply(b)
			}
			return
		case <-t.C:
			if b := c.take(); len(b) > 0 {
				apply(b)
			}
		}
	}
}
