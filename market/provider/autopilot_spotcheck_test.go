package provider_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/algorand/go-algorand-sdk/v2/types"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/contracts"
	"github.com/kinetic-compute/kinetic/internal/jobid"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/market/discovery"
	"github.com/kinetic-compute/kinetic/market/provider"
)

// TestAutopilotSpotCheck: with every deterministic job picked, the
// autopilot re-runs the job on the second provider as a job of its own
// (recorded, verified and released), then releases the first when the
// outputs' contents match, and disputes it and blocklists its provider
// when they differ (each container's own hostname).
func TestAutopilotSpotCheck(t *testing.T) {
	m := newMarket(t, provider.Config{WindowRounds: 500})
	second := m.secondProvider()
	for _, c := range []struct {
		name, script string
		match        bool
	}{
		{"deterministic", "echo 42 > /output/answer", true},
		{"differs", "hostname > /output/host", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer m.use(t)()
			db := testkit.DB(t)
			spec := m.spec(c.script)
			job, err := m.consumer.Submit(m.ctx, m.url, spec, consumer.Terms{})
			if err != nil {
				t.Fatalf("submit: %v", err)
			}
			if err := consumer.SaveJob(db, consumer.JobRecord{Job: job, State: consumer.StatePaid, Consumer: m.cons.Address().String(), Spec: &spec}); err != nil {
				t.Fatal(err)
			}
			rec := m.autopilot(db, job.ID, "", consumer.AutopilotOptions{SpotCheck: &consumer.SpotCheckOptions{Share: 1,
				Deterministic: func(compute.Spec) bool { return true },
				Provider: func(_ context.Context, exclude types.Address) (contracts.Provider, error) {
					if exclude != m.prov.Address() {
						return contracts.Provider{}, fmt.Errorf("asked to exclude %s, not the job's provider", exclude)
					}
					return second, nil
				}}})
			sid, err := jobid.Parse(rec.SpotCheck)
			if err != nil {
				t.Fatalf("record %+v names no spot-check job: %v", rec, err)
			}
			re, ok, err := consumer.LoadJob(db, sid)
			if err != nil || !ok || re.State != consumer.StateReleased || re.SpotCheckOf != job.ID.String() || re.Job.Provider != second.Address || re.SpotCheck != "" {
				t.Fatalf("re-run record %+v (%v), want released on the second provider, checking job %s, not checked itself", re, err, job.ID)
			}
			m.boxGone(job.ID)
			m.boxGone(sid)
			blocked, err := discovery.Blocklist(db)
			if err != nil {
				t.Fatal(err)
			}
			if c.match {
				if rec.State != consumer.StateReleased || re.Digest != rec.Digest || len(blocked) != 0 {
					t.Fatalf("record %+v, blocklist %v: want released, same digest, nobody blocked", rec, blocked)
				}
				return
			}
			if rec.State != consumer.StateDisputed || re.Digest == rec.Digest || !strings.Contains(rec.Reason, "another output") {
				t.Fatalf("record %+v: want disputed over another output", rec)
			}
			if len(blocked) != 1 || blocked[0].Address != m.prov.Address() || !strings.Contains(blocked[0].Reason, "spot check") {
				t.Fatalf("blocklist %+v, want the first provider for the spot check", blocked)
			}
		})
	}
}
