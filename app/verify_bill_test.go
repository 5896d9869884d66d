package app

import (
	"errors"
	"testing"
)

// TestCheckBillAndBilled: step 9's amount must be the bill at create_job's
// rate for submit_result's seconds, and those seconds step 6's run time
// rounded up, or less only where max_seconds capped them.
func TestCheckBillAndBilled(t *testing.T) {
	secs := func(s float64) *float64 { return &s }
	tests := []struct {
		name    string
		f       chainFacts
		amount  uint64
		wantErr string // "" for none
	}{
		{name: "bill matches", f: chainFacts{rate: 3_600_000, billed: 300}, amount: 300_000},
		{name: "bill rounds down", f: chainFacts{rate: 1_000, billed: 7}, amount: 1},
		{name: "amount above the rate", f: chainFacts{rate: 3_600_000, billed: 300}, amount: 300_001,
			wantErr: "step 9: bill at create_job's rate on chain is 300000 (3600000 µALGO/h for 300 s), proof says 300001"},
		{name: "seconds rounded up", f: chainFacts{seconds: secs(299.2), billed: 300, maxSeconds: 1000}},
		{name: "seconds capped", f: chainFacts{seconds: secs(1000.4), billed: 1000, maxSeconds: 1000}},
		{name: "seconds overbilled", f: chainFacts{seconds: secs(10), billed: 11, maxSeconds: 1000},
			wantErr: "step 6: billed seconds (submit_result) on chain is 11, proof says 10 (10 s rounded up, capped at create_job's max_seconds 1000)"},
		{name: "seconds underbilled below the cap", f: chainFacts{seconds: secs(10.5), billed: 10, maxSeconds: 1000},
			wantErr: "step 6: billed seconds (submit_result) on chain is 10, proof says 11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.f.seconds != nil {
				err = checkBilled(&tt.f, tt.f.billed)
			} else {
				err = checkBill(tt.f, tt.amount)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !errors.Is(err, errOnChain) || len(err.Error()) < len(tt.wantErr) || err.Error()[:len(tt.wantErr)] != tt.wantErr):
				t.Fatalf("err = %v, want %q…", err, tt.wantErr)
			}
		})
	}
}
