package consumer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/sse"
)

// step does the next thing rec's job needs, read from the chain and the
// journaled state, and journals its outcome.
func (a *Autopilot) step(ctx context.Context, rec JobRecord) error {
	id := rec.Job.ID
	esc, err := a.c.chain.Job(ctx, id)
	if errors.Is(err, contracts.ErrNotFound) {
		return a.gone(ctx, rec)
	}
	if err != nil {
		return fmt.Errorf("read the escrow box on-chain: %w", err)
	}
	if me := a.c.signer.Address(); esc.Consumer != me {
		return errNotOurs
	}
	if rec.Consumer == "" {
		if _, err := a.journal(id, func(r *JobRecord) { r.Consumer = esc.Consumer.String() }); err != nil {
			return err
		}
	}
	switch rec.State {
	case StateReleasing:
		return a.settle(ctx, rec, StateReleased, a.c.Release)
	case StateDisputing:
		return a.settle(ctx, rec, StateDisputed, a.c.Dispute)
	case StateRefunding:
		if esc.Status == contracts.JobSubmitted { // anchored before the refund went out
			return a.advance(rec, StateResult, "a result was anchored before the refund was sent", nil)
		}
		return a.settle(ctx, rec, StateRefunded, a.c.Refund)
	}
	if esc.Status == contracts.JobOpen {
		return a.open(ctx, rec, a.current().Funding)
	}
	switch rec.State {
	case StateResult:
		return a.verify(ctx, rec, esc)
	case StateVerified:
		if sc := a.current().SpotCheck; a.spotCheckPicked(rec, sc) || rec.SpotCheckJob != nil {
			return a.startSpotCheck(ctx, rec, esc, sc)
		}
		return a.advance(rec, StateReleasing, "output and proof verified", nil)
	case StateSpotCheck:
		return a.awaitSpotCheck(ctx, rec, esc)
	}
	return a.advance(rec, StateResult, "result anchored on-chain in round "+fmt.Sprint(esc.ResultRound), nil)
}

// gone journals the settlement of a job whose escrow box no longer
// exists, decided from the chain: the JobSettled event that closed it,
// searched from the last round the box was seen (BoxSeen, else the
// payment's round, at most maxSettleSearch rounds back). The settlement
// this agent set out to do is journaled as done only when the event says
// it; a claim by the provider (a dispute that came too late, or a job
// left undecided past the window) is StateSettled with the reason.
func (a *Autopilot) gone(ctx context.Context, rec JobRecord) error {
	st, err := a.c.chain.Algod().Status().Do(ctx)
	if err != nil {
		return fmt.Errorf("the escrow box is gone; node status to find how it was settled: %w", err)
	}
	from := rec.BoxSeen
	if from == 0 {
		from = rec.Job.Round
	}
	if st.LastRound > maxSettleSearch && from < st.LastRound-maxSettleSearch {
		from = st.LastRound - maxSettleSearch
	}
	ev, round, found, err := a.findSettlement(ctx, rec.Job.ID, from, st.LastRound)
	if err != nil {
		return fmt.Errorf("the escrow box is gone; find how it was settled: %w", err)
	}
	state, reason := StateSettled, fmt.Sprintf("the escrow box is gone and no settlement of it was found in rounds %d to %d: settled without this agent (a claim by the provider after the dispute window, or another copy of this wallet)", from, st.LastRound)
	if found {
		state, reason = settledState(rec.State, ev, round)
	}
	return a.advance(rec, state, reason, nil)
}

// settledState is the journal state of a job in state decided whose
// settlement event is ev, logged in round.
func settledState(decided string, ev contracts.JobSettled, round uint64) (string, string) {
	own := map[contracts.Outcome]string{contracts.OutcomeReleased: StateReleasing, contracts.OutcomeDisputed: StateDisputing, contracts.OutcomeRefunded: StateRefunding}
	done := map[contracts.Outcome]string{contracts.OutcomeReleased: StateReleased, contracts.OutcomeDisputed: StateDisputed, contracts.OutcomeRefunded: StateRefunded}
	if ev.Outcome == contracts.OutcomeClaimed {
		why := fmt.Sprintf("the provider claimed %d µALGO in round %d after the dispute window closed", ev.PaidProvider, round)
		if decided == StateDisputing {
			why = "dispute too late: " + why
		}
		return StateSettled, why
	}
	if own[ev.Outcome] != "" && own[ev.Outcome] == decided {
		return done[ev.Outcome], ""
	}
	return StateSettled, fmt.Sprintf("%s in round %d by another copy of this wallet (provider paid %d µALGO, consumer %d µALGO)",
		map[contracts.Outcome]string{contracts.OutcomeReleased: "released", contracts.OutcomeDisputed: "disputed", contracts.OutcomeRefunded: "refunded"}[ev.Outcome],
		round, ev.PaidProvider, ev.PaidConsumer)
}

// settle sends the decided settlement once: it reads the node's round and
// then the box (gone: decided by gone), journals that round as BoxSeen,
// and sends; if sending fails and the box is gone, gone decides what
// landed. A dispute the Escrow refuses because its window closed is final:
// StateSettled, the provider paid.
func (a *Autopilot) settle(ctx context.Context, rec JobRecord, done string, send func(context.Context, Job) (contracts.Result, error)) error {
	st, err := a.c.chain.Algod().Status().Do(ctx)
	if err != nil {
		return fmt.Errorf("node status: %w", err)
	}
	if _, err := a.c.chain.Job(ctx, rec.Job.ID); errors.Is(err, contracts.ErrNotFound) {
		return a.gone(ctx, rec)
	} else if err != nil {
		return fmt.Errorf("read the escrow box on-chain: %w", err)
	}
	if rec.BoxSeen < st.LastRound {
		decided := rec.State
		if rec, err = a.journal(rec.Job.ID, func(r *JobRecord) { r.BoxSeen = max(r.BoxSeen, st.LastRound) }); err != nil {
			return err
		}
		if rec.State != decided || rec.Terminal() { // another writer moved it: send nothing
			return &StateChangedError{ID: rec.Job.ID, Want: decided, Have: rec.State}
		}
	}
	res, err := send(ctx, rec.Job)
	if err != nil {
		if _, jerr := a.c.chain.Job(ctx, rec.Job.ID); errors.Is(jerr, contracts.ErrNotFound) {
			return a.gone(ctx, rec)
		}
		if done == StateDisputed && contracts.IsCode(err, contracts.ErrWindowClosed) {
			return a.advance(rec, StateSettled, "dispute too late: the dispute window closed before it landed; the provider is paid when it claims", nil)
		}
		return fmt.Errorf("send the %s: %w", map[string]string{StateReleased: "release", StateDisputed: "dispute", StateRefunded: "refund"}[done], err)
	}
	return a.advance(rec, done, "", func(r *JobRecord) {
		r.Settlement, r.Fees = res.TxIDs, res.Fees
	})
}

// open watches an open job until its result is anchored (StateResult) or
// its deadline passes (StateRefunding), following its events and keeping
// it funded meanwhile.
func (a *Autopilot) open(ctx context.Context, rec JobRecord, funding *Funding) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	if !rec.EventsDone {
		wg.Add(1)
		go func() { defer wg.Done(); a.events(ctx, rec) }()
	}
	if funding != nil || a.opts.Live != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.fund(ctx, rec, funding) }()
	}
	for {
		esc, err := a.c.chain.Job(ctx, rec.Job.ID)
		switch {
		case errors.Is(err, contracts.ErrNotFound):
			cur, _, lerr := LoadJob(a.db, rec.Job.ID)
			if lerr != nil {
				return lerr
			}
			return a.gone(ctx, cur)
		case err != nil:
			return fmt.Errorf("read the escrow box on-chain: %w", err)
		case esc.Status == contracts.JobSubmitted:
			return a.advance(rec, StateResult, fmt.Sprintf("result anchored on-chain in round %d", esc.ResultRound), nil)
		}
		st, err := a.c.chain.Algod().Status().Do(ctx)
		if err != nil {
			return fmt.Errorf("node status: %w", err)
		}
		// The next block is evaluated at LastRound+1, which must be past the deadline.
		if st.LastRound >= esc.DeadlineRound {
			return a.advance(rec, StateRefunding,
				fmt.Sprintf("no result by the deadline round %d: refunding the lock", esc.DeadlineRound), nil)
		}
		if !a.sleep(ctx, a.opts.Poll) {
			return ctx.Err()
		}
	}
}

// events follows rec's stream from its last journaled event until the end
// event or ctx's end, journaling the last id at most every 5 s. The
// stream informs; it decides nothing.
func (a *Autopilot) events(ctx context.Context, rec JobRecord) {
	id := rec.Job.ID
	var last uint64
	var saved time.Time
	save := func(done bool) {
		if _, err := a.journal(id, func(r *JobRecord) {
			r.LastEventID = max(r.LastEventID, last)
			r.EventsDone = r.EventsDone || done
		}); err != nil {
			a.log.Warn("autopilot: journal events", "job", id, "err", err)
		}
		saved = time.Now()
	}
	_, err := a.c.Events(ctx, rec.Job, rec.LastEventID, func(ev sse.Event) error {
		last = ev.ID
		if a.opts.OnEvent != nil {
			a.opts.OnEvent(rec.Job, ev)
		}
		if ev.Type == sse.EndType {
			save(true)
		} else if time.Since(saved) >= 5*time.Second {
			save(false)
		}
		return nil
	})
	if last > 0 {
		save(false)
	}
	if err != nil && ctx.Err() == nil {
		a.log.Info("autopilot: event stream stopped; watching the chain", "job", id, "err", err)
	}
}

// fund runs KeepFunded with what is left of the per-job cap (funding,
// then as Live has it), journaling each top-up. When Live changes the
// funding settings it starts again with them; after a failed top-up or
// read it starts again after a backoff (MinBackoff doubling to
// MaxBackoff) with what is left then, until the job leaves the open state
// or ctx ends.
func (a *Autopilot) fund(ctx context.Context, rec JobRecord, funding *Funding) {
	var mu sync.Mutex
	toppedUp := rec.ToppedUp
	lastWhy := ""
	for failures := 0; ctx.Err() == nil; {
		if funding == nil {
			if !a.sleep(ctx, a.opts.Poll) {
				return
			}
			funding = a.current().Funding
			continue
		}
		f := *funding
		mu.Lock()
		f.Total -= min(f.Total, toppedUp)
		mu.Unlock()
		warn := f.Warn
		f.Warn = func(runway uint64, why string) {
			if why != lastWhy { // once per reason, not at every poll
				lastWhy = why
				mu.Lock()
				total := toppedUp
				mu.Unlock()
				a.log.Warn("autopilot: job running out of funds", "job", rec.Job.ID, "runway_s", runway, "why", why,
					"topped_up_microalgo", total, "cap_microalgo", funding.Total)
			}
			if warn != nil {
				warn(runway, why)
			}
		}
		f.Added = func(amount uint64) {
			mu.Lock()
			toppedUp += amount
			mu.Unlock()
			if _, err := a.journal(rec.Job.ID, func(r *JobRecord) { r.ToppedUp += amount }); err != nil {
				a.log.Warn("autopilot: journal top-up", "job", rec.Job.ID, "err", err)
			}
			failures = 0
		}
		kctx, stop := context.WithCancel(ctx)
		changed := make(chan *Funding, 1)
		if a.opts.Live != nil {
			go func() {
				for a.sleep(kctx, a.opts.Poll) {
					if now := a.current().Funding; !sameFunding(now, funding) {
						changed <- now
						stop()
						return
					}
				}
			}()
		}
		_, err := a.c.KeepFunded(kctx, rec.Job, f)
		stop()
		select {
		case now := <-changed:
			a.log.Info("autopilot: top-up settings changed", "job", rec.Job.ID)
			funding, lastWhy = now, ""
			continue
		default:
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		failures++
		wait := a.backoff(failures)
		a.log.Warn("autopilot: automatic top-up failed; will retry", "job", rec.Job.ID, "err", err, "retry_in", wait)
		if !a.sleep(ctx, wait) {
			return
		}
	}
}

// sameFunding reports whether two funding settings top up alike.
func sameFunding(x, y *Funding) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.Auto == y.Auto && x.Total == y.Total && x.Amount == y.Amount && x.Below == y.Below
}

// verify fetches and checks output and proof: StateVerified, or
// StateDisputing (the provider blocklisted) on a mismatch, or on a result
// that cannot be fetched while the dispute window is closing. The fetch is
// bounded by the moment the dispute margin is reached (the chain's round,
// polled meanwhile, or its estimate in RoundTime), so that a provider
// stalling or trickling its result cannot hold the dispute back; a failed
// fetch is tried again no later than that moment.
func (a *Autopilot) verify(ctx context.Context, rec JobRecord, esc contracts.Job) error {
	end := esc.ResultRound + esc.DisputeWindow
	vctx, cancel, by := a.windowBound(ctx, end)
	v, err := a.c.Verify(vctx, rec.Job)
	closing := errors.Is(context.Cause(vctx), errWindowClosing)
	cancel(nil)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, ErrMismatch) {
		return a.dispute(rec, plain(err))
	}
	if err != nil {
		if !closing {
			st, serr := a.c.chain.Algod().Status().Do(ctx)
			closing = serr == nil && a.closing(st.LastRound, end)
		}
		if closing {
			return a.dispute(rec, "the result could not be fetched before the dispute window closes: "+plain(err))
		}
		return &retryByError{err: fmt.Errorf("verify the result: %w", err), by: by}
	}
	digest, err := ContentDigest(v.Output)
	if err != nil {
		return a.dispute(rec, "the output is not a readable tar: "+plain(err))
	}
	return a.advance(rec, StateVerified, "output and proof verified", func(r *JobRecord) {
		r.Digest = hex.EncodeToString(digest[:])
	})
}

// errWindowClosing cancels a fetch when the dispute margin is reached.
var errWindowClosing = errors.New("consumer: the dispute window is closing")

// closing reports whether a dispute sent after round last would risk
// landing after the window that ends at round end.
func (a *Autopilot) closing(last, end uint64) bool {
	return last+a.opts.DisputeMargin >= end
}

// windowBound returns a context that ends (cause errWindowClosing) once
// the chain's round reaches the dispute margin of the window ending at
// round end, polled every Poll, or at the estimate of that moment from the
// round now and RoundTime, which it also returns (zero when the node could
// not be read).
func (a *Autopilot) windowBound(ctx context.Context, end uint64) (context.Context, context.CancelCauseFunc, time.Time) {
	vctx, cancel := context.WithCancelCause(ctx)
	var by time.Time
	if st, err := a.c.chain.Algod().Status().Do(ctx); err == nil {
		var left uint64
		if !a.closing(st.LastRound, end) {
			left = end - a.opts.DisputeMargin - st.LastRound
		}
		by = a.c.now().Add(time.Duration(left) * a.opts.RoundTime)
	}
	go func() {
		var deadline <-chan time.Time
		if !by.IsZero() {
			t := time.NewTimer(max(0, by.Sub(a.c.now())))
			defer t.Stop()
			deadline = t.C
		}
		tick := time.NewTicker(a.opts.Poll)
		defer tick.Stop()
		for {
			select {
			case <-vctx.Done():
				return
			case <-deadline:
				cancel(fmt.Errorf("consumer: no result by %s, the estimated end of the dispute margin", by.Format(time.RFC3339)))
				return
			case <-tick.C:
				if st, err := a.c.chain.Algod().Status().Do(vctx); err == nil && a.closing(st.LastRound, end) {
					cancel(errWindowClosing)
					return
				}
			}
		}
	}()
	return vctx, cancel, by
}

// dispute blocklists the provider, then journals StateDisputing.
func (a *Autopilot) dispute(rec JobRecord, reason string) error {
	if err := discovery.Block(a.db, rec.Job.Provider, "job "+rec.Job.ID.String()+": "+reason); err != nil {
		return err
	}
	return a.advance(rec, StateDisputing, reason, nil)
}

// spotCheckPicked reports whether rec's job is re-run on a second provider.
func (a *Autopilot) spotCheckPicked(rec JobRecord, sc *SpotCheckOptions) bool {
	if sc == nil || sc.Provider == nil || rec.Spec == nil || rec.SpotCheckOf != "" {
		return false
	}
	det := sc.Deterministic
	if det == nil {
		det = PinnedOffline
	}
	share := sc.Share
	if share == 0 {
		share = DefaultSpotCheckShare
	}
	return det(*rec.Spec) && SpotCheckPicked(rec.Job.ID, share)
}

// PinnedOffline is the default test of a deterministic spec: its image is
// pinned by digest and it runs without network.
func PinnedOffline(s compute.Spec) bool {
	return strings.Contains(s.Image, "@sha256:") && s.Network == compute.NetworkNone
}

// startSpotCheck pays the re-run on a second provider and journals both
// records; the re-run is then driven like any job. The re-run's id (the
// offer decides it) is journaled on this job before its payment is
// signed, and the re-run pays at most the lower of the second provider's
// registered price and this job's rate (checkOffer also refuses any rate
// above the registered price). A payment that may have been sent is never
// sent again: its escrow box decides (resumeSpotCheck).
func (a *Autopilot) startSpotCheck(ctx context.Context, rec JobRecord, esc contracts.Job, sc *SpotCheckOptions) error {
	if rec.SpotCheckJob != nil {
		return a.resumeSpotCheck(ctx, rec)
	}
	second, err := sc.Provider(ctx, rec.Job.Provider)
	if ctx.Err() != nil {
		return ctx.Err() // stopping decides nothing
	}
	if err != nil {
		return a.advance(rec, StateReleasing, "spot check skipped, no second provider: "+plain(err), nil)
	}
	limit := min(second.PricePerHour, esc.RatePerHour)
	if limit == 0 {
		return a.advance(rec, StateReleasing, "spot check skipped: no price limit for "+second.Address.String()+" (registered price or the job's rate unknown)", nil)
	}
	journaled := false
	job, err := a.c.Submit(ctx, second.Endpoint, *rec.Spec, Terms{Provider: second.Address, MaxPricePerHour: limit,
		BeforePay: func(o contracts.Offer) error {
			pending := Job{ID: o.JobID(), Endpoint: strings.TrimRight(second.Endpoint, "/"), Provider: o.Provider}
			if _, err := a.journal(rec.Job.ID, func(r *JobRecord) { r.SpotCheckJob = &pending }); err != nil {
				return err
			}
			journaled = true
			return nil
		}})
	if journaled && err != nil {
		// The payment may have landed: its box decides, now or at restart.
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cur, _, lerr := LoadJob(a.db, rec.Job.ID)
		if lerr != nil {
			return lerr
		}
		return a.resumeSpotCheck(ctx, cur)
	}
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		// Nothing was signed: skipped, not retried.
		return a.advance(rec, StateReleasing, "spot check skipped, "+second.Address.String()+" took no job: "+plain(err), nil)
	}
	return a.spotCheckPaid(rec, job)
}

// spotCheckPaid records the paid re-run job and journals StateSpotCheck.
func (a *Autopilot) spotCheckPaid(rec JobRecord, job Job) error {
	if err := a.record(job, rec.Spec, rec.Job.ID.String()); err != nil {
		return fmt.Errorf("spot check job %s is paid but not recorded: %w", job.ID, err)
	}
	return a.advance(rec, StateSpotCheck, "re-run on "+job.Provider.String()+" as job "+job.ID.String(), func(r *JobRecord) {
		r.SpotCheck = job.ID.String()
	})
}

// resumeSpotCheck decides a re-run whose payment was being made: its
// escrow box there (paid by this account) records and drives it; no box
// means the payment did not land, and the job is released on its own
// verification (a second payment is never attempted).
func (a *Autopilot) resumeSpotCheck(ctx context.Context, rec JobRecord) error {
	pending := *rec.SpotCheckJob
	esc, err := a.c.chain.Job(ctx, pending.ID)
	switch {
	case errors.Is(err, contracts.ErrNotFound):
		return a.advance(rec, StateReleasing, "spot check payment for job "+pending.ID.String()+" did not land; released on its own verification", nil)
	case err != nil:
		return fmt.Errorf("read the spot check's escrow box on-chain: %w", err)
	case esc.Consumer != a.c.signer.Address():
		return a.advance(rec, StateReleasing, "spot check job "+pending.ID.String()+" is another account's; released on its own verification", nil)
	}
	pending.Round = esc.CreatedRound
	return a.spotCheckPaid(rec, pending)
}

// awaitSpotCheck drives the re-run and, once it has settled, releases the
// job when the outputs match and disputes it (blocklisting its provider)
// when they differ. A re-run that fails, or does not finish before the
// dispute window closes, leaves the job's own verification to decide.
func (a *Autopilot) awaitSpotCheck(ctx context.Context, rec JobRecord, esc contracts.Job) error {
	sid, err := jobid.Parse(rec.SpotCheck)
	if err != nil {
		return a.advance(rec, StateReleasing, "spot check record unreadable; released on its own verification", nil)
	}
	second, ok, err := LoadJob(a.db, sid)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		return a.advance(rec, StateReleasing, "spot check record missing; released on its own verification", nil)
	case second.State == StateReleased && second.Digest != "":
		if second.Digest == rec.Digest {
			return a.advance(rec, StateReleasing, "spot check job "+rec.SpotCheck+" gave the same output", nil)
		}
		return a.dispute(rec, "spot check job "+rec.SpotCheck+" gave another output")
	case second.Terminal():
		return a.advance(rec, StateReleasing, "spot check job "+rec.SpotCheck+" ended "+second.State+"; released on its own verification", nil)
	}
	st, err := a.c.chain.Algod().Status().Do(ctx)
	if err != nil {
		return fmt.Errorf("node status: %w", err)
	}
	if a.closing(st.LastRound, esc.ResultRound+esc.DisputeWindow) {
		return a.advance(rec, StateReleasing, "spot check not finished before the dispute window closes; released on its own verification", nil)
	}
	a.start(ctx, sid)
	if !a.sleep(ctx, a.opts.Poll) {
		return ctx.Err()
	}
	return nil
}
