package provider_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/jobauth"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
)

func (m *market) runToResult(script string) (consumer.Job, contracts.Job) {
	m.t.Helper()
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec(script), consumer.Terms{})
	if err != nil {
		m.t.Fatalf("submit: %v", err)
	}
	if _, err := m.consumer.Events(m.ctx, job, 0, func(sse.Event) error { return nil }); err != nil {
		m.t.Fatalf("events: %v", err)
	}
	esc, _, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond)
	if err != nil {
		m.t.Fatalf("await result: %v", err)
	}
	return job, esc
}

func (m *market) txnFee(txid string) uint64 {
	m.t.Helper()
	info, _, err := m.chain.Algod().PendingTransactionInformation(txid).Do(m.ctx)
	if err != nil {
		m.t.Fatalf("transaction %s: %v", txid, err)
	}
	return uint64(info.Transaction.Txn.Fee)
}

// TestConsumerSilentProviderClaims: the consumer never releases; once the
// dispute window has passed the provider's watcher claims on its own.
func TestConsumerSilentProviderClaims(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 2})
	before := m.balance(m.prov.Address())
	job, esc := m.runToResult("echo x > /output/x")
	testkit.AdvanceRounds(t, 3)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := m.chain.Job(m.ctx, job.ID); errors.Is(err, contracts.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("provider did not claim within 30 s of the window's end")
		}
		time.Sleep(200 * time.Millisecond)
	}
	jobs, err := m.server.Jobs() // the claim confirms before the agent records it
	for end := time.Now().Add(5 * time.Second); err == nil && len(jobs) == 1 && jobs[0].State != "settled" && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		jobs, err = m.server.Jobs()
	}
	if err != nil || len(jobs) != 1 || jobs[0].State != "settled" || jobs[0].SettleTxID == "" ||
		jobs[0].Outcome != provider.OutcomeClaimed || jobs[0].Paid != esc.Bill() {
		t.Fatalf("provider jobs %+v (%v), want one settled by its claim, paid the bill %d", jobs, err, esc.Bill())
	}
	fee := m.txnFee(jobs[0].SettleTxID)
	if got, want := int64(m.balance(m.prov.Address()))-int64(before), int64(esc.Bill())-3000-int64(fee); got != want {
		t.Fatalf("provider balance changed by %d, want %d (bill %d, claim fee %d)", got, want, esc.Bill(), fee)
	}
}

// TestProviderGoneConsumerRefunded: the provider takes the payment and
// never runs the job; after the deadline the consumer's AwaitResult
// refunds everything but the fees and the pair record.
func TestProviderGoneConsumerRefunded(t *testing.T) {
	m := newMarketRun(t, provider.Config{DeadlineRounds: 3}, false)
	before := m.balance(m.cons.Address())
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("echo never"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	testkit.AdvanceRounds(t, 4)
	_, res, err := m.consumer.AwaitResult(m.ctx, job, 200*time.Millisecond)
	if !errors.Is(err, consumer.ErrRefunded) {
		t.Fatalf("await: %v, want ErrRefunded", err)
	}
	if _, err := m.chain.Job(m.ctx, job.ID); !errors.Is(err, contracts.ErrNotFound) {
		t.Fatalf("job box after refund: %v", err)
	}
	if got, want := int64(m.balance(m.cons.Address()))-int64(before), -int64(1000+res.Fees+contracts.PairRecordMBR); got != want {
		t.Fatalf("consumer balance changed by %d, want %d", got, want)
	}
}

// TestTamperedOutputDisputed: a result altered on the way fails Verify
// with ErrMismatch and the consumer disputes, getting the lock back.
func TestTamperedOutputDisputed(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 50})
	before := m.balance(m.cons.Address())
	job, _ := m.runToResult("echo genuine > /output/r.txt")
	target, _ := url.Parse(m.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/v1/jobs/"+job.ID.String()+"/result" {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		b = bytes.Replace(b, []byte("genuine"), []byte("forgery"), 1)
		r.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	tampered := job
	tampered.Endpoint = ps.URL
	if _, err := m.consumer.Verify(m.ctx, tampered); !errors.Is(err, consumer.ErrMismatch) {
		t.Fatalf("verify of a tampered output: %v, want ErrMismatch", err)
	}
	if _, err := m.consumer.Verify(m.ctx, job); err != nil {
		t.Fatalf("the untampered result must verify: %v", err)
	}
	res, err := m.consumer.Dispute(m.ctx, job)
	if err != nil {
		t.Fatalf("dispute: %v", err)
	}
	if got, want := int64(m.balance(m.cons.Address()))-int64(before), -int64(1000+res.Fees+contracts.PairRecordMBR); got != want {
		t.Fatalf("consumer balance changed by %d, want %d", got, want)
	}
	// The running agent finds the dispute on the chain and records it as
	// the outcome, paid nothing.
	jobs, err := m.server.Jobs()
	for end := time.Now().Add(30 * time.Second); err == nil && len(jobs) == 1 && jobs[0].State != "settled" && time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		jobs, err = m.server.Jobs()
	}
	if err != nil || len(jobs) != 1 || jobs[0].State != "settled" || jobs[0].Outcome != provider.OutcomeDisputed ||
		jobs[0].Paid != 0 || jobs[0].SettleTxID != res.TxIDs[0] {
		t.Fatalf("provider jobs %+v (%v), want settled by the dispute %s, paid nothing", jobs, err, res.TxIDs[0])
	}
}

// TestJobRoutesAuthentication: job routes answer 401 unsigned, 403 to
// another account's valid signature and 200 to the consumer.
func TestJobRoutesAuthentication(t *testing.T) {
	m := newMarket(t, provider.Config{})
	job, _ := m.runToResult("echo a > /output/a")
	stranger := newKeyAccount(testkit.FundedAccount(t, 200_000))
	for _, path := range []string{"/proof", "/result", "/events"} {
		for _, c := range []struct {
			name   string
			signer jobauth.MessageSigner
			status int
		}{{"unsigned", nil, 401}, {"stranger", stranger, 403}, {"consumer", m.cons, 200}} {
			req, _ := http.NewRequestWithContext(m.ctx, "GET", m.url+"/v1/jobs/"+job.ID.String()+path, nil)
			if c.signer != nil {
				if err := jobauth.Sign(req, c.signer, job.ID, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("%s %s: %d, want %d", c.name, path, resp.StatusCode, c.status)
			}
		}
	}
	req, _ := http.NewRequestWithContext(m.ctx, "POST", m.url+"/v1/jobs/"+job.ID.String()+"/cancel", nil)
	_ = jobauth.Sign(req, m.cons, job.ID, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("cancel of a finished job: %d, want 409", resp.StatusCode)
	}
}

// TestTopUpExtendsTheLock: a top-up within the budget raises the job's
// billable seconds by amount·3600/rate and its runway with them, and the
// consumer pays exactly the amount and the fee.
func TestTopUpExtendsTheLock(t *testing.T) {
	m := newMarketRun(t, provider.Config{}, false)
	job, err := m.consumer.Submit(m.ctx, m.url, m.spec("sleep 1"), consumer.Terms{})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	esc, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := m.balance(m.cons.Address())
	runway, err := m.consumer.Runway(m.ctx, job)
	if err != nil || runway == 0 || runway > esc.MaxSeconds {
		t.Fatalf("runway %d (max %d): %v", runway, esc.MaxSeconds, err)
	}
	res, err := m.consumer.TopUp(m.ctx, job, 30_000) // 30 s at 1000 µALGO/s
	if err != nil {
		t.Fatalf("top up: %v", err)
	}
	after, err := m.chain.Job(m.ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.MaxSeconds != esc.MaxSeconds+30 || after.Locked != esc.Locked+30_000 || after.DeadlineRound <= esc.DeadlineRound {
		t.Fatalf("after top-up max %d locked %d deadline %d, before %d %d %d", after.MaxSeconds, after.Locked, after.DeadlineRound, esc.MaxSeconds, esc.Locked, esc.DeadlineRound)
	}
	if got, want := before-m.balance(m.cons.Address()), 30_000+res.Fees; got != want {
		t.Fatalf("top-up cost %d, want %d", got, want)
	}
	if r2, err := m.consumer.Runway(m.ctx, job); err != nil || r2 < runway {
		t.Fatalf("runway after top-up %d (was %d): %v", r2, runway, err)
	}
}
