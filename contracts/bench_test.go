package contracts_test

import (
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
)

// BenchmarkJobLifecycle runs whole jobs on the real LocalNet — register
// once, then per job pay+create_job, submit_result and release — and
// reports the on-chain cost docs/DESIGN.md bounds: outer transactions per job
// (target ≤ 4) and fees per job, plus the provider's and the consumer's
// share of the fees. DevMode confirms each group at once, so ns/op is the
// node's and the client's own latency for three round trips.
func BenchmarkJobLifecycle(b *testing.B) {
	e := newEnv(b, testConfig([3]uint64{1_000_000, 2_000_000, 3_000_000}))
	p := e.registered()
	cons := newActor(b, contracts.PairRecordMBR+uint64(b.N+1)*(lockAmount+contracts.JobBoxMBR+10_000))
	var txns, fees, providerFees, consumerFees uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		jp := e.job(p, cons, 100, 100)
		created, err := e.create(jp)
		if err != nil {
			b.Fatalf("create_job: %v", err)
		}
		submitted, err := e.c.SubmitResult(e.ctx, p.addr, p.signer, jp.ID, proofHash, outputHash, billSecs)
		if err != nil {
			b.Fatalf("submit_result: %v", err)
		}
		released, err := e.c.Release(e.ctx, cons.addr, cons.signer, jp.ID)
		if err != nil {
			b.Fatalf("release: %v", err)
		}
		txns += uint64(len(created.TxIDs) + len(submitted.TxIDs) + len(released.TxIDs))
		fees += created.Fees + submitted.Fees + released.Fees
		// The create group is the consumer's payment (1000) and the
		// provider's create_job call (the rest).
		providerFees += created.Fees - 1000 + submitted.Fees
		consumerFees += 1000 + released.Fees
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(txns)/n, "txns/job")
	b.ReportMetric(float64(fees)/n, "µALGO-fees/job")
	b.ReportMetric(float64(providerFees)/n, "provider-µALGO/job")
	b.ReportMetric(float64(consumerFees)/n, "consumer-µALGO/job")
	if txns > 4*uint64(b.N) {
		b.Errorf("%d transactions for %d jobs: more than 4 per job", txns, b.N)
	}
}
