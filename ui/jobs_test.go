package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeJobs is a JobSource that records the calls made to it.
type fakeJobs struct {
	jobs   func(context.Context) ([]JobSummary, error)
	job    func(context.Context, JobID) (JobDetail, error)
	follow func(context.Context, JobID, func(JobEvent)) error
	err    error // returned by the actions

	settlementErr error // returned by Settlement

	mu    sync.Mutex
	calls []string
}

func (f *fakeJobs) record(c string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	return f.err
}

func (f *fakeJobs) Jobs(ctx context.Context) ([]JobSummary, error) { return f.jobs(ctx) }
func (f *fakeJobs) Job(ctx context.Context, id JobID) (JobDetail, error) {
	return f.job(ctx, id)
}
func (f *fakeJobs) Follow(ctx context.Context, id JobID, fn func(JobEvent)) error {
	if f.follow == nil {
		return nil
	}
	return f.follow(ctx, id, fn)
}
func (f *fakeJobs) Release(_ context.Context, id JobID) error {
	return f.record("Release " + id.String())
}
func (f *fakeJobs) Dispute(_ context.Context, id JobID) error {
	return f.record("Dispute " + id.String())
}
func (f *fakeJobs) TopUp(_ context.Context, id JobID, amt uint64) error {
	return f.record(fmt.Sprintf("TopUp %s %d", id, amt))
}
func (f *fakeJobs) Settlement(_ context.Context, id JobID) (JobSettlement, error) {
	if f.settlementErr != nil {
		return JobSettlement{}, f.settlementErr
	}
	return testSettlement, nil
}
func (f *fakeJobs) SaveOutput(_ context.Context, id JobID, dir string, extract bool) (string, error) {
	name := dir + "/" + id.String()
	if !extract {
		name += ".tar"
	}
	return name, f.record(fmt.Sprintf("SaveOutput %s %s %v", id, dir, extract))
}

// testSettlement is a submitted job's escrow: 0.5 ALGO locked, 30 min
// billed at 0.6 ALGO/h, so a release pays 0.3 ALGO.
var testSettlement = JobSettlement{Provider: "PROVIDER" + strings.Repeat("P", 50), Consumer: "CONSUMER" + strings.Repeat("C", 50),
	Locked: 500_000, BoxDeposit: 108_900, BilledSeconds: 1800, RatePerHour: 600_000, Bill: 300_000}

var jobsNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func testJobID(b byte) JobID {
	var id JobID
	for i := range id {
		id[i] = b
	}
	return id
}

func summary(b byte, role JobRole, state JobState) JobSummary {
	return JobSummary{ID: testJobID(b), Role: role, State: state, Peer: fmt.Sprintf("PEER%052d", b),
		Image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", Created: jobsNow.Add(-20 * time.Minute),
		Locked: 500_000, Rate: 1_000_000, FundsUntil: jobsNow.Add(10 * time.Minute)}
}

// runningDetail is a consumer job half-way through, with five proof steps
// (the fifth failed to verify) and its escrow lock on-chain.
func runningDetail() JobDetail {
	d := JobDetail{JobSummary: summary(0xab, RoleConsumer, JobRunning), Progress: 0.5, CanDispute: false}
	for i := 1; i <= 5; i++ {
		d.Proof = append(d.Proof, ProofStep{Index: i, Kind: proofKinds[i-1], Hash: strings.Repeat(fmt.Sprintf("%x", i), 64), Mark: ProofVerified})
	}
	d.Proof[4].Mark, d.Proof[4].Reason = ProofFailed, "BadSignature"
	d.Txns = []ChainTx{{What: "escrow lock", TxID: "TXLOCKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Round: 1201}}
	return d
}

func newTestJobs(t *testing.T, src JobSource, notify func(string, string)) (*Jobs, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	j := NewJobs(src, notify)
	j.now = func() time.Time { return jobsNow }
	j.detail.now = j.now
	j.detail.spawn = func(f func()) { f() }
	w := test.NewTempWindow(t, j.Content())
	w.Resize(fyne.NewSize(1100, 760))
	t.Cleanup(j.Close)
	return j, w
}

func TestJobsLoadingEmptyErrorPopulated(t *testing.T) {
	src := &fakeJobs{jobs: func(context.Context) ([]JobSummary, error) { return []JobSummary{}, nil }}
	j, _ := newTestJobs(t, src, nil)
	if j.status.Text != "Loading jobs…" {
		t.Fatalf("before refresh: %q", j.status.Text)
	}
	j.Refresh(context.Background())
	if got := j.status.Text; got != "No jobs yet: submit one from Submit job, or rent out your GPU to run others'." {
		t.Fatalf("empty: %q", got)
	}
	src.jobs = func(context.Context) ([]JobSummary, error) { return nil, errors.New("bbolt: database not open") }
	j.Refresh(context.Background())
	if got := j.status.Text; got != "Could not list jobs: bbolt: database not open" {
		t.Fatalf("error: %q", got)
	}
	src.jobs = func(context.Context) ([]JobSummary, error) {
		return []JobSummary{summary(1, RoleConsumer, JobRunning), summary(2, RoleProvider, JobReleased), summary(3, RoleConsumer, JobFailed)}, nil
	}
	j.Refresh(context.Background())
	if got := j.status.Text; got != "3 of 3 jobs" {
		t.Fatalf("populated: %q", got)
	}
	j.roles.SetSelected(rolesProvider)
	if len(j.shown) != 1 || j.shown[0].Role != RoleProvider || j.status.Text != "1 of 3 jobs" {
		t.Fatalf("provider role: %d shown, %q", len(j.shown), j.status.Text)
	}
	// The row shows the state in its chip.
	r := newJobRow().(*jobRow)
	j.updateRow(0, r)
	if r.chip.text.Text != "released" || !strings.HasPrefix(r.meta.Text, "for consumer PEER00") {
		t.Errorf("row chip %q, meta %q", r.chip.text.Text, r.meta.Text)
	}
}

// submittedJob opens a consumer job whose result awaits release.
func submittedJob(t *testing.T) (*fakeJobs, *jobDetail, fyne.Window, JobDetail) {
	t.Helper()
	det := runningDetail()
	det.CanRelease, det.CanDispute, det.OutputReady = true, true, true
	det.State = JobSubmitted
	src := &fakeJobs{
		jobs: func(context.Context) ([]JobSummary, error) { return []JobSummary{det.JobSummary}, nil },
		job:  func(context.Context, JobID) (JobDetail, error) { return det, nil },
	}
	j, w := newTestJobs(t, src, nil)
	j.Refresh(context.Background())
	j.list.Select(0)
	return src, j.detail, w, det
}

// dialogButton taps the button labelled text in the window's top dialog.
func dialogButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is open to press %q", text)
	}
	test.Tap(findButton(t, top, text))
}

// dialogText is the text of the window's top dialog.
func dialogText(t *testing.T, w fyne.Window) string {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is open")
	}
	return strings.Join(labelTexts(top), "\n")
}

func TestJobsReleaseAsksThenReleases(t *testing.T) {
	src, d, w, det := submittedJob(t)
	id := det.ID.String()
	test.Tap(d.release)
	if len(src.calls) != 0 {
		t.Fatalf("released before confirming: %q", src.calls)
	}
	text := dialogText(t, w)
	for _, want := range []string{
		releaseTitle,
		"The escrow pays 0.300000 ALGO to the provider " + testSettlement.Provider + "\n(30 min billed at 0.600000 ALGO per hour).",
		"It returns 0.308900 ALGO to your account " + testSettlement.Consumer +
			"\n(the 0.200000 ALGO of the locked 0.500000 ALGO the bill leaves, plus the 0.108900 ALGO box deposit).",
		"\nA release cannot be undone.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("release dialog lacks %q:\n%s", want, text)
		}
	}
	dialogButton(t, w, "Cancel")
	if len(src.calls) != 0 || d.result.Text != "Nothing was sent." {
		t.Fatalf("after cancel: calls %q, result %q", src.calls, d.result.Text)
	}
	test.Tap(d.release)
	dialogButton(t, w, "Release")
	if fmt.Sprint(src.calls) != fmt.Sprint([]string{"Release " + id}) || d.result.Text != "Payment released." {
		t.Errorf("after confirming: calls %q, result %q", src.calls, d.result.Text)
	}

	src.err = errors.New("logic eval error: assert failed pc=412")
	test.Tap(d.release)
	dialogButton(t, w, "Release")
	if d.result.Text != "Failed: logic eval error: assert failed pc=412" || d.result.Importance != widget.DangerImportance {
		t.Errorf("failed release shows %q", d.result.Text)
	}
}

func TestJobsDisputeAsksThenDisputes(t *testing.T) {
	src, d, w, det := submittedJob(t)
	test.Tap(d.dispute)
	text := dialogText(t, w)
	for _, want := range []string{
		disputeTitle,
		"The escrow returns everything to your account " + testSettlement.Consumer + ": 0.608900 ALGO\n(the locked 0.500000 ALGO plus the 0.108900 ALGO box deposit).",
		"The provider " + testSettlement.Provider + " is paid nothing for its 30 min billed (0.300000 ALGO),\nand the registry records a dispute against it.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("dispute dialog lacks %q:\n%s", want, text)
		}
	}
	dialogButton(t, w, "Cancel")
	if len(src.calls) != 0 {
		t.Fatalf("disputed although cancelled: %q", src.calls)
	}
	test.Tap(d.dispute)
	dialogButton(t, w, "Dispute")
	if fmt.Sprint(src.calls) != fmt.Sprint([]string{"Dispute " + det.ID.String()}) || d.result.Text != "Dispute opened." {
		t.Errorf("after confirming: calls %q, result %q", src.calls, d.result.Text)
	}
}

func TestJobsSettlementUnreadableAsksNothing(t *testing.T) {
	src, d, w, _ := submittedJob(t)
	src.settlementErr = errors.New("escrow box not found")
	test.Tap(d.release)
	if w.Canvas().Overlays().Top() != nil || len(src.calls) != 0 {
		t.Fatalf("a dialog or a call without the escrow's amounts: calls %q", src.calls)
	}
	if d.result.Text != "Failed: could not read what the escrow would pay: escrow box not found" {
		t.Errorf("result %q", d.result.Text)
	}
}

func TestJobsDownloadPicksAFolder(t *testing.T) {
	src, d, w, det := submittedJob(t)
	id := det.ID.String()
	if d.topUpBtn.Visible() {
		t.Error("top-up offered for a job that no longer runs")
	}
	// The real picker is Fyne's folder dialog; nothing is saved until a
	// folder is chosen.
	test.Tap(d.download)
	if top := w.Canvas().Overlays().Top(); top == nil || len(src.calls) != 0 {
		t.Fatalf("download called %q; want the folder dialog and no call", src.calls)
	}
	findButton(t, w.Canvas().Overlays().Top(), "Save here")
	dialogButton(t, w, "Cancel")
	if w.Canvas().Overlays().Top() != nil || len(src.calls) != 0 {
		t.Fatalf("cancelling the folder dialog called %q", src.calls)
	}

	d.chooseDir = func(fn func(string)) { fn("/tmp/out") }
	test.Tap(d.download)
	if want := "Output archive saved to /tmp/out/" + id + ".tar"; d.result.Text != want {
		t.Errorf("after download: %q, want %q", d.result.Text, want)
	}
	d.extract.SetChecked(true)
	test.Tap(d.download)
	if want := "Output files unpacked into /tmp/out/" + id; d.result.Text != want {
		t.Errorf("after unpacking: %q, want %q", d.result.Text, want)
	}
	want := []string{"SaveOutput " + id + " /tmp/out false", "SaveOutput " + id + " /tmp/out true"}
	if fmt.Sprint(src.calls) != fmt.Sprint(want) {
		t.Errorf("calls %q, want %q", src.calls, want)
	}
	d.chooseDir = func(func(string)) {} // cancelled
	test.Tap(d.download)
	if len(src.calls) != 2 {
		t.Errorf("a cancelled folder choice saved: %q", src.calls)
	}
}

func TestJobsTopUpValidatesAndCalls(t *testing.T) {
	det := runningDetail()
	det.FundsUntil = jobsNow.Add(4 * time.Minute)
	src := &fakeJobs{
		jobs: func(context.Context) ([]JobSummary, error) { return []JobSummary{det.JobSummary}, nil },
		job:  func(context.Context, JobID) (JobDetail, error) { return det, nil },
	}
	j, _ := newTestJobs(t, src, nil)
	j.Refresh(context.Background())
	j.list.Select(0)
	d := j.detail
	if !strings.HasPrefix(d.funds.Text, "0.5 ALGO locked at 1 ALGO/h · funds run out in 4 min (at ") || d.funds.Importance != widget.DangerImportance {
		t.Errorf("funds %q (importance %v)", d.funds.Text, d.funds.Importance)
	}
	if d.release.Disabled() == false || d.dispute.Disabled() == false {
		t.Error("release/dispute enabled while the job runs")
	}
	d.topUp.SetText("lots")
	test.Tap(d.topUpBtn)
	if d.result.Text != "Top-up must be an ALGO amount above 0, e.g. 0.5" || len(src.calls) != 0 {
		t.Fatalf("invalid top-up: %q, calls %q", d.result.Text, src.calls)
	}
	d.topUp.SetText("0.25")
	test.Tap(d.topUpBtn)
	if want := fmt.Sprintf("TopUp %s 250000", det.ID); len(src.calls) != 1 || src.calls[0] != want {
		t.Fatalf("calls %q, want %q", src.calls, want)
	}
	if d.result.Text != "Topped up 0.25 ALGO." {
		t.Errorf("result %q", d.result.Text)
	}
}

func TestJobsDetailProofAndTransactions(t *testing.T) {
	det := runningDetail()
	src := &fakeJobs{
		jobs: func(context.Context) ([]JobSummary, error) { return []JobSummary{det.JobSummary}, nil },
		job:  func(context.Context, JobID) (JobDetail, error) { return det, nil },
	}
	j, _ := newTestJobs(t, src, nil)
	j.Refresh(context.Background())
	j.list.Select(0)
	p := j.detail.proof
	for i := 0; i < 4; i++ {
		if p.marks[i].Text != "verified" || p.hashes[i].Text != det.Proof[i].Hash {
			t.Errorf("step %d: %q %q", i+1, p.marks[i].Text, p.hashes[i].Text)
		}
	}
	if p.marks[4].Text != "failed: BadSignature" {
		t.Errorf("step 5 mark %q", p.marks[4].Text)
	}
	for i := 5; i < 9; i++ {
		if p.marks[i].Text != "waiting" || p.titles[i].Text != fmt.Sprintf("%d · %s", i+1, proofKinds[i]) {
			t.Errorf("step %d: %q %q", i+1, p.titles[i].Text, p.marks[i].Text)
		}
	}
	assertShows(t, j.detail.txns, "escrow lock · round 1201 · TXLOCKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if j.detail.progress.Value != 0.5 {
		t.Errorf("progress %v", j.detail.progress.Value)
	}
}

// TestJobsLiveEventsAreCoalesced streams 2,000 events at once: they reach
// the widgets in a few batches, all of them, in order.
func TestJobsLiveEventsAreCoalesced(t *testing.T) {
	det := runningDetail()
	det.Proof = det.Proof[:4]
	src := &fakeJobs{
		jobs: func(context.Context) ([]JobSummary, error) { return []JobSummary{det.JobSummary}, nil },
		job:  func(context.Context, JobID) (JobDetail, error) { return det, nil },
		follow: func(ctx context.Context, id JobID, fn func(JobEvent)) error {
			for i := range 2000 {
				fn(JobEvent{Log: fmt.Sprintf("line %d", i), Progress: float64(i+1) / 4000})
			}
			fn(JobEvent{Step: &ProofStep{Index: 5, Kind: "execution_started", Hash: strings.Repeat("5", 64), Mark: ProofVerified}})
			return errors.New("stream closed by the provider")
		},
	}
	j, _ := newTestJobs(t, src, nil)
	j.Refresh(context.Background())
	j.list.Select(0)
	d := j.detail
	if len(d.logs) != 2000 || d.logs[0] != "line 0" || d.logs[1999] != "line 1999" {
		t.Fatalf("%d log lines (first %q)", len(d.logs), d.logs[:1])
	}
	if d.progress.Value != 0.5 || d.proof.marks[4].Text != "verified" {
		t.Errorf("progress %v, step 5 %q", d.progress.Value, d.proof.marks[4].Text)
	}
	if d.card.Subtitle != "Live stream ended: stream closed by the provider" {
		t.Errorf("subtitle %q", d.card.Subtitle)
	}
}

func TestCoalescerBatchesPerInterval(t *testing.T) {
	var c coalescer
	ctx, cancel := context.WithCancel(context.Background())
	var batches [][]JobEvent
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(ctx, 50*time.Millisecond, func(b []JobEvent) { batches = append(batches, b) })
	}()
	for i := range 1000 {
		c.add(JobEvent{Log: fmt.Sprint(i)})
	}
	time.Sleep(120 * time.Millisecond)
	cancel()
	<-done
	n := 0
	for _, b := range batches {
		for _, ev := range b {
			if ev.Log != fmt.Sprint(n) {
				t.Fatalf("event %d is %q", n, ev.Log)
			}
			n++
		}
	}
	if n != 1000 || len(batches) > 3 {
		t.Fatalf("%d events in %d batches; want 1000 in at most 3", n, len(batches))
	}
}

func TestJobsNotifications(t *testing.T) {
	var got []string
	notify := func(title, body string) { got = append(got, title+": "+body) }
	states := []JobSummary{summary(1, RoleConsumer, JobRunning), summary(2, RoleProvider, JobRunning), summary(3, RoleConsumer, JobRunning)}
	src := &fakeJobs{jobs: func(context.Context) ([]JobSummary, error) { return append([]JobSummary(nil), states...), nil }}
	j, _ := newTestJobs(t, src, notify)
	j.Refresh(context.Background())
	if len(got) != 0 {
		t.Fatalf("first poll notified: %q", got)
	}
	states[0].State = JobSubmitted
	states[1].State, states[1].Paid = JobReleased, 420_000
	states[2].FundsUntil = jobsNow.Add(3 * time.Minute)
	j.Refresh(context.Background())
	j.Refresh(context.Background()) // nothing new: no repeat
	want := []string{
		"Job finished: Job 010101…010101 finished: its output and proof are checked before the payment is released.",
		"Payment received: Job 020202…020202 was released: 0.42 ALGO is in your account.",
		"Funds running low: Job 030303…030303 runs out of locked funds in 3 min (at " +
			jobsNow.Add(3*time.Minute).Local().Format("15:04") + "); top it up in Jobs.",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("notifications\n%q\nwant\n%q", got, want)
	}
	states[2].State = JobFailed
	j.Refresh(context.Background())
	if last := got[len(got)-1]; last != "Job failed: Job 030303…030303 failed; open Jobs for the log and the escrow state." {
		t.Fatalf("failure notification %q", last)
	}
	// Disputes, for each side, and a settlement whose outcome the node no
	// longer serves.
	states = append(states, summary(4, RoleProvider, JobSubmitted), summary(5, RoleConsumer, JobSubmitted), summary(6, RoleProvider, JobSubmitted))
	j.Refresh(context.Background())
	got = nil
	states[3].State, states[4].State, states[5].State = JobDisputed, JobDisputed, JobSettled
	j.Refresh(context.Background())
	want = []string{
		"Job disputed: Job 040404…040404 was disputed by its consumer: it paid you nothing. Open Jobs for its proof.",
		"Job disputed: Job 050505…050505 was disputed: its locked funds went back to your account and nothing was paid.",
		"Job finished: Job 060606…060606 was settled, but this node no longer serves the blocks that say how: see Provide for what it paid.",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("notifications\n%q\nwant\n%q", got, want)
	}
}

func TestJobsDetailGolden(t *testing.T) {
	det := runningDetail()
	src := &fakeJobs{
		jobs: func(context.Context) ([]JobSummary, error) {
			return []JobSummary{det.JobSummary, summary(2, RoleProvider, JobReleased)}, nil
		},
		job: func(context.Context, JobID) (JobDetail, error) { return det, nil },
		follow: func(_ context.Context, _ JobID, fn func(JobEvent)) error {
			fn(JobEvent{Log: "epoch 1/4 loss 0.913"})
			fn(JobEvent{Log: "epoch 2/4 loss 0.655"})
			return nil
		},
	}
	local := time.Local
	time.Local = time.UTC // the golden image shows clock times
	t.Cleanup(func() { time.Local = local })
	j, w := newTestJobs(t, src, nil)
	j.Refresh(context.Background())
	j.list.Select(0)
	w.Resize(fyne.NewSize(1100, 1300))
	test.AssertImageMatches(t, "jobs_detail.png", w.Canvas().Capture())
}

func TestJobsReleaseDialogGolden(t *testing.T) {
	_, d, w, _ := submittedJob(t)
	test.Tap(d.release)
	test.AssertImageMatches(t, "jobs_release_confirm.png", w.Canvas().Capture())
}

func TestJobsSettledDetailSaysWhatIsKnown(t *testing.T) {
	for _, c := range []struct {
		role  JobRole
		state JobState
		paid  uint64
		want  string
	}{
		{RoleConsumer, JobReleased, 0, "0.5 ALGO was locked; settled (released)"},
		{RoleConsumer, JobReleased, 250_000, "0.5 ALGO was locked; settled (released) · 0.25 ALGO paid to the provider"},
		{RoleProvider, JobClaimed, 250_000, "0.5 ALGO was locked; settled (claimed) · 0.25 ALGO paid to you"},
		{RoleProvider, JobDisputed, 0, "0.5 ALGO was locked; settled (disputed)"},
		{RoleProvider, JobSettled, 0, "0.5 ALGO was locked; settled by a transaction this node no longer serves"},
	} {
		paid, want := c.paid, c.want
		det := runningDetail()
		det.Role, det.State, det.Rate, det.Progress, det.Paid = c.role, c.state, 0, 1, paid
		src := &fakeJobs{
			jobs: func(context.Context) ([]JobSummary, error) { return []JobSummary{det.JobSummary}, nil },
			job:  func(context.Context, JobID) (JobDetail, error) { return det, nil },
		}
		j, _ := newTestJobs(t, src, nil)
		j.Refresh(context.Background())
		j.list.Select(0)
		if got := j.detail.funds.Text; got != want {
			t.Errorf("%v %s paid %d: funds %q, want %q", c.role, c.state, paid, got, want)
		}
	}
}

// TestJobRowMetaPerState pins each row's second line: the peer worded
// without a state name, the escrow while it is locked, what was paid once
// settled where it is known, and the creation or settlement time.
func TestJobRowMetaPerState(t *testing.T) {
	created := "created " + jobsNow.Add(-20*time.Minute).Local().Format("Jan 2 15:04")
	settledAt := jobsNow.Add(-5 * time.Minute)
	settled := "settled " + settledAt.Local().Format("Jan 2 15:04")
	peer := shortAddr(fmt.Sprintf("PEER%052d", 7))
	for _, c := range []struct {
		role  JobRole
		state JobState
		paid  uint64
		gone  bool // the escrow box is gone: no creation time, a settlement time
		want  string
	}{
		{RoleConsumer, JobRunning, 0, false, "to provider " + peer + " · 0.5 ALGO locked · " + created},
		{RoleConsumer, JobSubmitted, 0, false, "to provider " + peer + " · 0.5 ALGO locked · " + created},
		{RoleProvider, JobPending, 0, false, "for consumer " + peer + " · 0.5 ALGO locked · " + created},
		{RoleConsumer, JobReleased, 420_000, false, "to provider " + peer + " · 0.42 ALGO paid · " + created},
		{RoleConsumer, JobReleased, 0, true, "to provider " + peer + " · " + settled},
		{RoleConsumer, JobClaimed, 480_000, true, "to provider " + peer + " · 0.48 ALGO paid · " + settled},
		{RoleConsumer, JobRefunded, 0, true, "to provider " + peer + " · " + settled},
		{RoleProvider, JobDisputed, 0, false, "for consumer " + peer + " · " + created},
		{RoleProvider, JobFailed, 0, true, "for consumer " + peer},
	} {
		s := summary(7, c.role, c.state)
		s.Paid = c.paid
		if c.gone {
			s.Created = time.Time{}
			if c.role == RoleConsumer {
				s.Settled = settledAt
			}
		}
		if got := rowMeta(s); got != c.want {
			t.Errorf("%v %s: %q, want %q", c.role, c.state, got, c.want)
		}
	}
}
