package provider_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/market/sse"
	"github.com/kinetic-compute/kinetic/proof"
)

// TestJobHappyPath: 402 → pay → run in Docker → SSE → proof → verify →
// release on LocalNet, with the exact balance changes.
func TestJobHappyPath(t *testing.T) {
	m := newMarket(t, provider.Config{})
	provBefore, consBefore := m.balance(m.prov.Address()), m.balance(m.cons.Address())
	spec := m.spec("echo hello; echo result > /output/out.txt")
	job, err := m.consumer.Submit(m.ctx, m.url, spec, consumer.Terms{MaxPricePerHour: testPrice})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	var kinds []string
	var sawHello bool
	var end map[string]any
	if _, err := m.consumer.Events(m.ctx, job, 0, func(ev sse.Event) error {
		switch ev.Type {
		case "proof":
			var st proof.SignedStep
			if err := json.Unmarshal(ev.Data, &st); err != nil {
				return err
			}
			kinds = append(kinds, string(st.Step.Kind))
		case "log":
			sawHello = sawHello || strings.Contains(string(ev.Data), "hello")
		case sse.EndType:
			return json.Unmarshal(ev.Data, &end)
		}
		return nil
	}); err != nil {
		t.Fatalf("events: %v", err)
	}
	want := []string{"job_received", "escrow_locked", "image_verified", "resources_allocated", "execution_started",
		"execution_finished", "output_hashed", "result_anchored"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("proof steps streamed %v, want %v", kinds, want)
	}
	if !sawHello || end["state"] != "submitted" {
		t.Fatalf("log seen %v, end %v", sawHello, end)
	}
	v, err := m.consumer.Verify(m.ctx, job)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	bill := v.Escrow.Bill()
	rel, err := m.consumer.Release(m.ctx, job)
	if err != nil {
		t.Fatalf("release: %v", err)
	}
	if _, err := m.chain.Job(m.ctx, job.ID); !errors.Is(err, contracts.ErrNotFound) {
		t.Fatalf("job box after release: %v, want gone", err)
	}
	// Provider: + bill − create_job fee (2000) − submit_result fee (1000).
	if got, want := int64(m.balance(m.prov.Address()))-int64(provBefore), int64(bill)-3000; got != want {
		t.Errorf("provider balance changed by %d, want %d (bill %d)", got, want, bill)
	}
	// Consumer: − bill − payment fee − release fees − the pair record's MBR
	// (the pair's nonce record stays); the job box MBR and the rest of the
	// lock come back.
	if got, want := int64(m.balance(m.cons.Address()))-int64(consBefore), -int64(bill+1000+rel.Fees+contracts.PairRecordMBR); got != want {
		t.Errorf("consumer balance changed by %d, want %d (bill %d, release fees %d)", got, want, bill, rel.Fees)
	}
	if bill == 0 || bill > 20*1000 {
		t.Errorf("bill %d µALGO for a job of at most 20 s at 1000 µALGO/s", bill)
	}
}
