package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"
	"go.etcd.io/bbolt"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/sse"
)

// The states of a JobRecord, in the order the Autopilot journals them. Each
// is written before the step it names starts; the last four are terminal.
const (
	// StatePaid: the escrow lock confirmed; the job runs on the provider.
	StatePaid = "paid"
	// StateResult: the provider anchored a result on-chain.
	StateResult = "result"
	// StateVerified: output and proof checked out against the chain.
	StateVerified = "verified"
	// StateSpotCheck: waiting for the job's re-run on a second provider.
	StateSpotCheck = "spot-check"
	// StateReleasing, StateDisputing, StateRefunding: the settlement is
	// decided and is being sent.
	StateReleasing = "releasing"
	StateDisputing = "disputing"
	StateRefunding = "refunding"
	// StateReleased, StateDisputed, StateRefunded: settled by this agent.
	StateReleased = "released"
	StateDisputed = "disputed"
	StateRefunded = "refunded"
	// StateSettled: the escrow box is gone without this agent settling it
	// (the provider claimed after the dispute window, or another copy of
	// the wallet settled).
	StateSettled = "settled"
)

// Default timings of the Autopilot.
const (
	DefaultAutopilotPoll = 2 * time.Second
	DefaultMinBackoff    = time.Second
	DefaultMaxBackoff    = time.Minute
	// DefaultDisputeMargin is how many rounds before its dispute window
	// closes a job whose result cannot be fetched is disputed, and a job
	// whose spot check has not finished is released: about 28 s on
	// MainNet, room for a Poll to notice, the journal write, the dispute's
	// send and its confirmation. No retry sleeps past it and no fetch runs
	// past it (retryWait, windowBound), so it need not cover MaxBackoff.
	DefaultDisputeMargin = 10
	// DefaultRoundTime is the round time the Autopilot assumes to turn
	// rounds into a wall-clock bound; shorter than MainNet's ~2.8 s, so
	// that the estimate errs early.
	DefaultRoundTime = 2500 * time.Millisecond
)

// SpotCheckOptions enable spot checks: a share of deterministic jobs is
// re-run on a second provider and the outputs compared.
type SpotCheckOptions struct {
	// Share of deterministic jobs re-run (DefaultSpotCheckShare if 0).
	Share float64
	// Deterministic says whether a spec's output can be compared between
	// runs (default: the image is pinned by digest and the network is off).
	Deterministic func(compute.Spec) bool
	// Provider picks the second provider, never exclude (the job's own).
	Provider func(ctx context.Context, exclude types.Address) (contracts.Provider, error)
}

// AutopilotOptions configure an Autopilot; the zero value works.
type AutopilotOptions struct {
	// Poll is how often the chain is read (DefaultAutopilotPoll if 0).
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait before a failed step is
	// tried again; it doubles with each failure in a row.
	MinBackoff, MaxBackoff time.Duration
	// DisputeMargin overrides DefaultDisputeMargin when above 0.
	DisputeMargin uint64
	// RoundTime overrides DefaultRoundTime when above 0: the time one
	// round takes on the network, used to bound a result's fetch and a
	// retry's wait by the moment the dispute margin is reached (the chain's
	// round is also polled meanwhile, which decides).
	RoundTime time.Duration
	// Funding, when set, keeps open jobs funded (KeepFunded); its Total is
	// the cap per job over the job's life, restarts included.
	Funding *Funding
	// SpotCheck, when set, enables spot checks.
	SpotCheck *SpotCheckOptions
	// Live, if set, is called before each job step (and at each top-up
	// poll of a running job) with a copy of these options to change
	// Funding and SpotCheck, so that settings saved meanwhile (automatic
	// top-up, its cap, the spot-check share) apply to the next step
	// without a restart. It must not block.
	Live func(*AutopilotOptions)
	// Rescan is how often Run looks for records it is not driving yet
	// (10 s if 0).
	Rescan time.Duration
	// Log receives one line per step and per error (discarded if nil).
	Log *slog.Logger
	// OnEvent, if set, sees every event of every job's stream once.
	OnEvent func(Job, sse.Event)
	// OnChange, if set, is called after every journal write with the record
	// as written, from the job's goroutines (the event stream's journaling
	// runs beside the steps, so calls for one job may be concurrent); a
	// test may cancel the context there to stop the Autopilot right after
	// a step.
	OnChange func(JobRecord)
}

// Autopilot drives every unsettled job this account paid for to its
// settlement, journaling each step in the job's record (JobsBucket) before
// the next starts: it follows the event stream (resuming after the last
// event seen), waits for the result on-chain and refunds after a missed
// deadline, verifies output and proof and releases, or disputes on a
// mismatch and blocklists the provider (discovery.Block), keeps long jobs
// funded when Funding allows, and spot-checks a share of deterministic
// jobs. Settlement is read from the chain (the escrow box present or
// gone), never from the provider's word. A failed step keeps its reason on
// the record and is retried with backoff; no record is ever deleted.
type Autopilot struct {
	c    *Client
	db   *bbolt.DB
	opts AutopilotOptions
	log  *slog.Logger

	mu      sync.Mutex
	running map[jobid.ID]chan struct{}
	runCtx  context.Context
}

// NewAutopilot returns an Autopilot over c's account and the job records in
// db (the database SaveJob writes).
func NewAutopilot(c *Client, db *bbolt.DB, opts AutopilotOptions) *Autopilot {
	if opts.Poll <= 0 {
		opts.Poll = DefaultAutopilotPoll
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.MinBackoff)
	}
	if opts.DisputeMargin == 0 {
		opts.DisputeMargin = DefaultDisputeMargin
	}
	if opts.RoundTime <= 0 {
		opts.RoundTime = DefaultRoundTime
	}
	if opts.Rescan <= 0 {
		opts.Rescan = 10 * time.Second
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Autopilot{c: c, db: db, opts: opts, log: log, running: map[jobid.ID]chan struct{}{}}
}

// Run drives every unsettled job of this account in db, and those Track
// adds, until ctx ends; it looks for new records every Rescan. It returns
// ctx's error once every job's goroutine has stopped.
func (a *Autopilot) Run(ctx context.Context) error {
	a.mu.Lock()
	a.runCtx = ctx
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.runCtx = nil
		a.mu.Unlock()
	}()
	t := time.NewTicker(a.opts.Rescan)
	defer t.Stop()
	for {
		if err := a.scan(ctx); err != nil {
			a.log.Warn("autopilot: read job records", "err", err)
		}
		select {
		case <-ctx.Done():
			a.wait()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// scan starts a goroutine for every unsettled record not driven yet.
func (a *Autopilot) scan(ctx context.Context) error {
	recs, err := ListJobs(a.db)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if !r.Terminal() && a.ours(r) {
			a.start(ctx, r.Job.ID)
		}
	}
	return nil
}

// ours reports whether r may be this account's (an old record without
// its consumer is checked against the escrow box by the first step).
func (a *Autopilot) ours(r JobRecord) bool {
	return r.Consumer == "" || r.Consumer == a.c.signer.Address().String()
}

// wait blocks until every job goroutine has stopped.
func (a *Autopilot) wait() {
	a.mu.Lock()
	var done []chan struct{}
	for _, d := range a.running {
		done = append(done, d)
	}
	a.mu.Unlock()
	for _, d := range done {
		<-d
	}
}

// Track records job (paid by this account, with spec when known, for a
// spot check; nil otherwise) as StatePaid unless it is recorded already,
// and, while Run runs, starts driving it.
func (a *Autopilot) Track(job Job, spec *compute.Spec) error {
	if err := a.record(job, spec, ""); err != nil {
		return err
	}
	a.mu.Lock()
	ctx := a.runCtx
	a.mu.Unlock()
	if ctx != nil {
		a.start(ctx, job.ID)
	}
	return nil
}

func (a *Autopilot) record(job Job, spec *compute.Spec, spotCheckOf string) error {
	_, ok, err := LoadJob(a.db, job.ID)
	if err != nil || ok {
		return err
	}
	return SaveJob(a.db, JobRecord{Job: job, State: StatePaid, Consumer: a.c.signer.Address().String(),
		Spec: spec, SpotCheckOf: spotCheckOf, PaidAt: a.c.now(), Updated: a.c.now()})
}

// Settle tracks job and drives it in the foreground until it is settled
// (its spot check's re-run with it), then returns its final record. It
// returns ctx's error, with the record as journaled, when ctx ends first.
func (a *Autopilot) Settle(ctx context.Context, job Job, spec *compute.Spec) (JobRecord, error) {
	if err := a.record(job, spec, ""); err != nil {
		return JobRecord{}, err
	}
	<-a.start(ctx, job.ID)
	rec, _, err := LoadJob(a.db, job.ID)
	if err != nil {
		return rec, err
	}
	if !rec.Terminal() {
		if err := ctx.Err(); err != nil {
			return rec, err
		}
		return rec, fmt.Errorf("consumer: job %s stopped in state %s: %s", job.ID, rec.State, rec.Error)
	}
	return rec, nil
}

// start runs drive for id in a goroutine unless one already runs, and
// returns the channel closed when it stops.
func (a *Autopilot) start(ctx context.Context, id jobid.ID) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if d, ok := a.running[id]; ok {
		return d
	}
	done := make(chan struct{})
	a.running[id] = done
	go func() {
		defer func() {
			a.mu.Lock()
			delete(a.running, id)
			a.mu.Unlock()
			close(done)
		}()
		a.drive(ctx, id)
	}()
	return done
}

// errNotOurs stops the goroutine of a record another account paid for.
var errNotOurs = errors.New("consumer: the job is another account's")

// drive steps id until it is settled, ctx ends or it turns out to be
// another account's; a failed step is journaled with its reason and tried
// again after a backoff.
func (a *Autopilot) drive(ctx context.Context, id jobid.ID) {
	for ctx.Err() == nil {
		rec, ok, err := LoadJob(a.db, id)
		if err != nil || !ok {
			a.log.Warn("autopilot: job record", "job", id, "err", err)
			return
		}
		if rec.Terminal() {
			return
		}
		if wait := time.Until(rec.NextTry); wait > 0 && !a.sleep(ctx, wait) {
			return
		}
		err = a.step(ctx, rec)
		var moved *StateChangedError
		switch {
		case err == nil:
			continue
		case errors.Is(err, errNotOurs):
			return
		case ctx.Err() != nil:
			return
		case errors.As(err, &moved):
			// Another writer decided first: read the record again.
			a.log.Info("autopilot: the job moved on meanwhile", "job", id, "state", moved.Have, "decided", moved.Want)
			continue
		}
		a.log.Warn("autopilot: step failed; will retry", "job", id, "state", rec.State, "err", err)
		var by time.Time
		var rb *retryByError
		if errors.As(err, &rb) {
			by = rb.by
		}
		if _, jerr := a.journal(id, func(r *JobRecord) {
			if r.Terminal() {
				return
			}
			r.Error = plain(err)
			r.Attempts++
			r.NextTry = a.c.now().Add(a.retryWait(r.Attempts, by))
		}); jerr != nil {
			a.log.Warn("autopilot: journal", "job", id, "err", jerr)
			if !a.sleep(ctx, a.backoff(rec.Attempts+1)) {
				return
			}
		}
	}
}

// current is the options as Live has them now: Funding and SpotCheck
// fresh, the rest as given.
func (a *Autopilot) current() AutopilotOptions {
	o := a.opts
	if o.Live != nil {
		o.Live(&o)
	}
	return o
}

// retryByError is a failed step that must be tried again no later than
// by (the moment its dispute margin is reached), whatever the backoff.
type retryByError struct {
	err error
	by  time.Time
}

func (e *retryByError) Error() string { return e.err.Error() }
func (e *retryByError) Unwrap() error { return e.err }

// retryWait is the backoff after attempts failures in a row, cut short so
// that the next try comes no later than by (when by is set): a job whose
// dispute window is closing is never left asleep past its last chance.
func (a *Autopilot) retryWait(attempts int, by time.Time) time.Duration {
	d := a.backoff(attempts)
	if by.IsZero() {
		return d
	}
	return max(0, min(d, by.Sub(a.c.now())))
}

func (a *Autopilot) backoff(attempts int) time.Duration {
	d := a.opts.MinBackoff
	for i := 1; i < attempts && d < a.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, a.opts.MaxBackoff)
}

// sleep waits d or until ctx ends (false).
func (a *Autopilot) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// plain is err's message without the package prefixes, for a person.
func plain(err error) string {
	return strings.ReplaceAll(err.Error(), "consumer: ", "")
}

// journal changes the record of id with fn, stamps it and tells OnChange.
func (a *Autopilot) journal(id jobid.ID, fn func(*JobRecord)) (JobRecord, error) {
	rec, err := UpdateJob(a.db, id, func(r *JobRecord) error {
		fn(r)
		r.Updated = a.c.now()
		return nil
	})
	if err != nil {
		return rec, fmt.Errorf("journal: %w", err)
	}
	if a.opts.OnChange != nil {
		a.opts.OnChange(rec)
	}
	return rec, nil
}

// advance journals the next state of a successful step decided from rec
// (compare-and-set: refused with a *StateChangedError when the stored
// record is no longer in rec's state or is settled), clearing the error
// of the failed attempts before it.
func (a *Autopilot) advance(rec JobRecord, state, reason string, fn func(*JobRecord)) error {
	id := rec.Job.ID
	got, err := Transition(a.db, id, rec.State, state, reason, a.c.now(), fn)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if a.opts.OnChange != nil {
		a.opts.OnChange(got)
	}
	a.log.Info("autopilot: "+state, "job", id, "reason", reason)
	return nil
}
