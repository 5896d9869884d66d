package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
	"github.com/kinetic-compute/kinetic/ui"
	"github.com/kinetic-compute/kinetic/wallet"
)

// jobsSource is the Submit job and Jobs tabs over market/consumer (the
// jobs this account paid for, from the consumer's job records and their
// escrow boxes) and the provider agent's store (the jobs this machine
// ran).
type jobsSource struct {
	conn *marketConn
}

// newJobsSource returns the source over conn.
func newJobsSource(conn *marketConn) *jobsSource { return &jobsSource{conn: conn} }

// agent is the consumer agent of the active account.
func (s *jobsSource) agent(ctx context.Context) (*marketEnv, *consumer.Client, error) {
	env, err := s.conn.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A dispute window shorter than this leaves the autopilot no time to
	// fetch, check and still dispute a bad result: refused before paying.
	return env, newConsumerAgent(env).WithMinWindowRounds(consumer.DefaultMinWindowRounds), nil
}

// Submit implements ui.JobSubmitter: it pays the chosen provider's offer,
// or the best discovered provider's, and records the job.
func (s *jobsSource) Submit(ctx context.Context, req ui.JobRequest) (ui.JobID, error) {
	env, c, err := s.agent(ctx)
	if err != nil {
		return ui.JobID{}, fmt.Errorf("submit: %w", err)
	}
	spec := compute.Spec{Version: compute.SpecVersion, Image: req.Image, Command: req.Command, Env: req.Env,
		GPUs: req.GPUs, MinVRAMMB: req.MinVRAMMB, CPUs: req.CPUs, MemoryMB: req.MemoryMB, MaxSeconds: req.MaxSeconds,
		Network: compute.NetworkNone, Outputs: "/output"}
	if req.Egress {
		spec.Network = compute.NetworkEgress
	}
	if err := spec.Validate(); err != nil {
		return ui.JobID{}, fmt.Errorf("submit: %w", err)
	}
	var job consumer.Job
	if req.Provider != "" {
		addr, err := types.DecodeAddress(req.Provider)
		if err != nil {
			return ui.JobID{}, fmt.Errorf("submit: provider %q: %w", req.Provider, err)
		}
		p, err := env.chain.Provider(ctx, addr)
		if err != nil {
			return ui.JobID{}, fmt.Errorf("submit: provider %s: %w", addr, err)
		}
		job, err = c.Submit(ctx, p.Endpoint, spec, consumer.Terms{Provider: addr})
		if err != nil {
			return ui.JobID{}, fmt.Errorf("submit: %w", err)
		}
	} else {
		best, err := bestProviders(ctx, env, discovery.Filter{MinGPUs: uint64(req.GPUs), MinVRAMMB: req.MinVRAMMB})
		if err != nil {
			return ui.JobID{}, fmt.Errorf("submit: %w", err)
		}
		if job, err = c.SubmitFirst(ctx, best, spec, consumer.Terms{}); err != nil {
			return ui.JobID{}, fmt.Errorf("submit: %w", err)
		}
	}
	if err := consumer.RecordPaid(env.db, job, env.signer.Address().String(), &spec, time.Now()); err != nil {
		return job.ID, fmt.Errorf("submit: job %s is paid but not recorded: %w", job.ID, err)
	}
	return job.ID, nil
}

// Budget implements ui.JobSubmitter: what the per-job and daily caps
// still allow, or the account's spendable balance when no cap is set.
func (s *jobsSource) Budget(ctx context.Context) (uint64, error) {
	env, err := s.conn.open(ctx)
	if err != nil {
		return 0, err
	}
	u, err := wallet.NewBudget(env.db, nil).Usage(ctx, wallet.JobID{})
	if err != nil {
		return 0, err
	}
	b, err := (&wallet.Chain{Client: env.algod}).Balance(ctx, env.signer.Address().String())
	if err != nil {
		return 0, fmt.Errorf("balance: %w", err)
	}
	left := b.Spendable
	if u.Limits.PerJob > 0 {
		left = min(left, u.Limits.PerJob)
	}
	if u.Limits.Daily > 0 {
		used := u.DaySpent + u.DayReserved
		left = min(left, u.Limits.Daily-min(used, u.Limits.Daily))
	}
	return left, nil
}

// Jobs implements ui.JobSource: this account's paid jobs, then the jobs
// this machine's provider agent recorded.
func (s *jobsSource) Jobs(ctx context.Context) ([]ui.JobSummary, error) {
	env, err := s.conn.open(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := consumer.ListJobs(env.db)
	if err != nil {
		return nil, fmt.Errorf("consumer jobs: %w", err)
	}
	var out []ui.JobSummary
	for _, r := range recs {
		sum, _, err := s.consumerSummary(ctx, env, r)
		if err != nil {
			return nil, err
		}
		out = append(out, sum)
	}
	pj, err := provider.ListJobs(env.db)
	if err != nil {
		return nil, fmt.Errorf("provider jobs: %w", err)
	}
	for _, j := range pj {
		out = append(out, providerSummary(j))
	}
	return out, nil
}

// consumerSummary is a consumer job's row with its escrow box, when the
// box still exists.
func (s *jobsSource) consumerSummary(ctx context.Context, env *marketEnv, r consumer.JobRecord) (ui.JobSummary, *contracts.Job, error) {
	sum := ui.JobSummary{ID: r.Job.ID, Role: ui.RoleConsumer, Peer: r.Job.Provider.String(), Locked: r.Job.Amount}
	if r.Spec != nil {
		sum.Image = r.Spec.Image
	}
	box, err := env.chain.Job(ctx, r.Job.ID)
	switch {
	case errors.Is(err, contracts.ErrNotFound):
		sum.State = settledState(r.State)
		sum.Created, sum.Settled = r.PaidAt, r.Updated
		return sum, nil, nil
	case err != nil:
		return sum, nil, fmt.Errorf("escrow of job %s: %w", r.Job.ID, err)
	}
	sum.Locked, sum.Rate = box.Locked, box.RatePerHour
	switch {
	case !r.PaidAt.IsZero():
		// This machine's clock: block timestamps can run ahead of it (a
		// DevMode LocalNet whose time was advanced), and the provider's
		// deadline starts when it runs the job, after the payment.
		sum.Created = r.PaidAt
		sum.FundsUntil = r.PaidAt.Add(time.Duration(box.MaxSeconds) * time.Second)
	case box.CreatedTime > 0:
		sum.Created = time.Unix(int64(box.CreatedTime), 0)
		sum.FundsUntil = sum.Created.Add(time.Duration(box.MaxSeconds) * time.Second)
	}
	sum.State = ui.JobRunning
	if box.Status == contracts.JobSubmitted {
		sum.State = ui.JobSubmitted
		sum.FundsUntil = time.Time{}
	}
	return sum, &box, nil
}

// settledState names a consumer job whose escrow box is gone: what this
// account did to it, or a claim by the provider after the dispute window.
func settledState(recorded string) ui.JobState {
	switch recorded {
	case consumer.StateReleased:
		return ui.JobReleased
	case consumer.StateDisputed:
		return ui.JobDisputed
	case consumer.StateRefunded:
		return ui.JobRefunded
	}
	return ui.JobClaimed
}

// providerSummary is a provider job's row from the agent's record.
func providerSummary(j provider.JobStatus) ui.JobSummary {
	return ui.JobSummary{ID: j.ID, Role: ui.RoleProvider, State: providerState(j), Peer: j.Consumer,
		Image: j.Image, Locked: j.Locked, Rate: j.Rate, Paid: j.Paid}
}

// providerState names a provider job's recorded state; a settled one by
// its outcome on the chain (ui.JobSettled when the agent did not find it).
func providerState(j provider.JobStatus) ui.JobState {
	switch j.State {
	case "locking":
		return ui.JobPending
	case "paid", "running":
		return ui.JobRunning
	case "submitted":
		return ui.JobSubmitted
	case "settled":
		switch j.Outcome {
		case provider.OutcomeReleased:
			return ui.JobReleased
		case provider.OutcomeClaimed:
			return ui.JobClaimed
		case provider.OutcomeDisputed:
			return ui.JobDisputed
		}
		return ui.JobSettled
	}
	return ui.JobFailed
}

// record finds id among this account's paid jobs.
func record(env *marketEnv, id ui.JobID) (consumer.JobRecord, bool, error) {
	recs, err := consumer.ListJobs(env.db)
	if err != nil {
		return consumer.JobRecord{}, false, err
	}
	for _, r := range recs {
		if r.Job.ID == id {
			return r, true, nil
		}
	}
	return consumer.JobRecord{}, false, nil
}

// Job implements ui.JobSource.
func (s *jobsSource) Job(ctx context.Context, id ui.JobID) (ui.JobDetail, error) {
	env, c, err := s.agent(ctx)
	if err != nil {
		return ui.JobDetail{}, err
	}
	r, ok, err := record(env, id)
	if err != nil {
		return ui.JobDetail{}, err
	}
	if !ok {
		return s.providerJob(env, id)
	}
	sum, box, err := s.consumerSummary(ctx, env, r)
	if err != nil {
		return ui.JobDetail{}, err
	}
	d := ui.JobDetail{JobSummary: sum, Txns: []ui.ChainTx{{What: "escrow lock", TxID: r.Job.Payment, Round: r.Job.Round}}}
	if box == nil {
		return settledDetail(ctx, c, r, d), nil
	}
	if box.Status != contracts.JobSubmitted {
		if chain, err := c.Proof(ctx, r.Job); err == nil {
			d.Proof = proofSteps(chain, ui.ProofPending, "")
		}
		return d, nil
	}
	d.Progress, d.OutputReady, d.CanRelease, d.CanDispute = 1, true, true, true
	v, err := c.Verify(ctx, r.Job)
	if err != nil {
		if chain, perr := c.Proof(ctx, r.Job); perr == nil {
			d.Proof = proofSteps(chain, ui.ProofFailed, err.Error())
		}
		return d, nil
	}
	d.Proof = proofSteps(v.Proof, ui.ProofVerified, "")
	return d, nil
}

// providerJob is the detail of a job this machine ran: its record, the
// proof chain the agent built (checked as far as it goes, as the consumer
// will check it) and its transactions.
func (s *jobsSource) providerJob(env *marketEnv, id ui.JobID) (ui.JobDetail, error) {
	j, chain, ok, err := provider.LoadJob(env.db, id)
	if !ok {
		if err != nil {
			return ui.JobDetail{}, fmt.Errorf("provider jobs: %w", err)
		}
		return ui.JobDetail{}, fmt.Errorf("job %s is not known here", id)
	}
	d := ui.JobDetail{JobSummary: providerSummary(j)}
	switch d.State {
	case ui.JobSubmitted, ui.JobReleased, ui.JobClaimed, ui.JobDisputed, ui.JobSettled:
		d.Progress = 1
	}
	switch {
	case err != nil:
		d.Proof = []ui.ProofStep{{Index: 1, Kind: "proof", Mark: ui.ProofFailed, Reason: err.Error()}}
	case chain != nil:
		// Checked against the key the chain names (hashes, links and
		// signatures): the job may have run under another account of
		// this machine than the active one.
		mark, reason := ui.ProofVerified, ""
		if verr := proof.VerifyPartial(chain, &j.ID, nil); verr != nil {
			mark, reason = ui.ProofFailed, verr.Error()
		}
		d.Proof = proofSteps(chain, mark, reason)
	}
	if j.ResultTxID != "" {
		d.Txns = append(d.Txns, ui.ChainTx{What: fmt.Sprintf("result anchored (%d s billed)", j.Billed), TxID: j.ResultTxID})
	}
	if j.SettleTxID != "" {
		what := "settlement"
		if j.Outcome != "" {
			what = "settlement (" + j.Outcome + ")"
		}
		d.Txns = append(d.Txns, ui.ChainTx{What: what, TxID: j.SettleTxID})
	}
	return d, nil
}

// proofSteps draws a chain's steps, each with mark.
func proofSteps(c *proof.Chain, mark ui.ProofMark, reason string) []ui.ProofStep {
	out := make([]ui.ProofStep, 0, len(c.Steps))
	for _, st := range c.Steps {
		out = append(out, ui.ProofStep{Index: st.Index, Kind: string(st.Kind), Hash: st.Hash.String(), At: st.At, Mark: mark, Reason: reason})
	}
	return out
}

// consumerJob is this account's paid job id.
func (s *jobsSource) consumerJob(ctx context.Context, id ui.JobID) (*marketEnv, *consumer.Client, consumer.JobRecord, error) {
	env, c, err := s.agent(ctx)
	if err != nil {
		return nil, nil, consumer.JobRecord{}, err
	}
	r, ok, err := record(env, id)
	if err != nil {
		return nil, nil, r, err
	}
	if !ok {
		return nil, nil, r, fmt.Errorf("job %s was not paid from this account", id)
	}
	return env, c, r, nil
}

// Follow implements ui.JobSource with the provider's event stream.
func (s *jobsSource) Follow(ctx context.Context, id ui.JobID, fn func(ui.JobEvent)) error {
	_, c, r, err := s.consumerJob(ctx, id)
	if err != nil {
		return err
	}
	_, err = c.Events(ctx, r.Job, 0, func(ev sse.Event) error {
		fn(jobEvent(ev))
		return nil
	})
	return err
}

// jobEvent converts a provider event for the Jobs screen.
func jobEvent(ev sse.Event) ui.JobEvent {
	switch ev.Type {
	case "log":
		var l struct{ Data string }
		_ = json.Unmarshal(ev.Data, &l)
		return ui.JobEvent{Log: l.Data}
	case "proof":
		var st proof.SignedStep
		if err := json.Unmarshal(ev.Data, &st); err == nil {
			return ui.JobEvent{Step: &ui.ProofStep{Index: st.Index, Kind: string(st.Kind), Hash: st.Hash.String(), At: st.At},
				Progress: float64(st.Index) / 9}
		}
	case sse.EndType:
		var end struct{ State string }
		_ = json.Unmarshal(ev.Data, &end)
		if end.State == "submitted" {
			return ui.JobEvent{State: ui.JobSubmitted, Progress: 1}
		}
		return ui.JobEvent{State: ui.JobFailed}
	}
	return ui.JobEvent{Log: ev.Type + " " + string(ev.Data)}
}

// Release implements ui.JobSource: the result is verified first, and the
// provider is paid only when it checks out. The decision is journaled
// through consumer.Decide (refused when the autopilot decided otherwise
// meanwhile) before the release is sent; if sending fails, the autopilot
// sends the decided release.
func (s *jobsSource) Release(ctx context.Context, id ui.JobID) error {
	env, c, r, err := s.consumerJob(ctx, id)
	if err != nil {
		return err
	}
	if r.State != consumer.StateReleasing {
		v, err := c.Verify(ctx, r.Job)
		if err != nil {
			return fmt.Errorf("release: the result does not verify, dispute it instead: %w", err)
		}
		if r, err = resultSeen(env, r, v.Output); err != nil {
			return fmt.Errorf("release: %w", err)
		}
	}
	if r, err = consumer.Decide(env.db, r.Job.ID, consumer.StateReleasing, "released from the Jobs screen", time.Now()); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	res, err := c.Release(ctx, r.Job)
	if err != nil {
		return fmt.Errorf("release: %w (the release is decided; the autopilot keeps sending it)", err)
	}
	return journalSettled(env, r, consumer.StateReleased, res)
}

// Dispute implements ui.JobSource: the decision is journaled through
// consumer.Decide (refused when the autopilot is already releasing) and
// the provider blocklisted before the dispute is sent; if sending fails,
// the autopilot sends the decided dispute.
func (s *jobsSource) Dispute(ctx context.Context, id ui.JobID) error {
	env, c, r, err := s.consumerJob(ctx, id)
	if err != nil {
		return err
	}
	if r.State == consumer.StatePaid {
		box, err := env.chain.Job(ctx, r.Job.ID)
		if err != nil {
			return fmt.Errorf("dispute: escrow of job %s: %w", r.Job.ID, err)
		}
		if box.Status == contracts.JobSubmitted {
			if r, err = resultSeen(env, r, nil); err != nil {
				return fmt.Errorf("dispute: %w", err)
			}
		}
	}
	if r, err = consumer.Decide(env.db, r.Job.ID, consumer.StateDisputing, "disputed from the Jobs screen", time.Now()); err != nil {
		return fmt.Errorf("dispute: %w", err)
	}
	if err := discovery.Block(env.db, r.Job.Provider, "job "+r.Job.ID.String()+": disputed from the Jobs screen"); err != nil {
		return err
	}
	res, err := c.Dispute(ctx, r.Job)
	if err != nil {
		return fmt.Errorf("dispute: %w (the dispute is decided; the autopilot keeps sending it)", err)
	}
	return journalSettled(env, r, consumer.StateDisputed, res)
}

// resultSeen journals what the Jobs screen saw before the autopilot did:
// a result anchored on-chain (a record still "paid" moves to "result")
// and, given the verified output, its content digest (what Save output
// checks a later download against). A record that changed meanwhile is
// returned as it now is.
func resultSeen(env *marketEnv, r consumer.JobRecord, verified []byte) (consumer.JobRecord, error) {
	var digest string
	if verified != nil {
		d, err := consumer.ContentDigest(verified)
		if err != nil {
			return r, err
		}
		digest = hex.EncodeToString(d[:])
	}
	to := r.State
	if r.State == consumer.StatePaid {
		to = consumer.StateResult
	}
	if to == r.State && (digest == "" || r.Digest == digest) {
		return r, nil
	}
	rec, err := consumer.Transition(env.db, r.Job.ID, r.State, to, "", time.Now(), func(rec *consumer.JobRecord) {
		if digest != "" {
			rec.Digest = digest
		}
	})
	var changed *consumer.StateChangedError
	if errors.As(err, &changed) {
		rec, _, err = consumer.LoadJob(env.db, r.Job.ID)
	}
	return rec, err
}

// journalSettled records a settlement sent from the Jobs screen, from the
// decided state r is in (a compare-and-set: if the autopilot journaled the
// settlement first, its record stands).
func journalSettled(env *marketEnv, r consumer.JobRecord, state string, res contracts.Result) error {
	_, err := consumer.Transition(env.db, r.Job.ID, r.State, state, "", time.Now(), func(rec *consumer.JobRecord) {
		rec.Settlement, rec.Fees = res.TxIDs, res.Fees
	})
	var moved *consumer.StateChangedError
	if errors.As(err, &moved) && moved.Have == state {
		return nil
	}
	return err
}

// TopUp implements ui.JobSource.
func (s *jobsSource) TopUp(ctx context.Context, id ui.JobID, microAlgo uint64) error {
	_, c, r, err := s.consumerJob(ctx, id)
	if err != nil {
		return err
	}
	if _, err := c.TopUp(ctx, r.Job, microAlgo); err != nil {
		return fmt.Errorf("top up: %w", err)
	}
	return nil
}

// Download implements ui.JobSource: the output tar, as downloaded.
func (s *jobsSource) Download(ctx context.Context, id ui.JobID, dir string) (string, error) {
	_, c, r, err := s.consumerJob(ctx, id)
	if err != nil {
		return "", err
	}
	tarball, err := c.Result(ctx, r.Job)
	if err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	path := filepath.Join(dir, "kinetic-job-"+id.String()[:min(16, len(id.String()))]+"-"+strconv.FormatInt(time.Now().Unix(), 10)+".tar")
	if err := os.WriteFile(path, tarball, 0o600); err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	return path, nil
}
