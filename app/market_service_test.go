package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/market/provider"
	"github.com/kinetic-compute/kinetic/ui"
)

// TestMainWindowWithMarketServices checks that the window's market
// services reach the screens: the Jobs tab holds the jobs list and the
// Submit form, not the "needs the market" card.
func TestMainWindowWithMarketServices(t *testing.T) {
	a := test.NewTempApp(t)
	cfg := Config{DataDir: t.TempDir(), Network: TestNet, AlgodURL: "http://node:8080"}
	db, err := OpenStore(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svcs := newMarketServices(context.Background(), cfg, db, discardLog())
	src := &statusSource{network: cfg.Network, endpoint: cfg.endpoint(nil)}
	w, screens := newMainWindow(a, cfg, src, telemetry{s: testSampler(t)}, testSettings(t), svcs)
	defer w.Close()
	tabs := w.Content().(*container.AppTabs)
	if _, ok := tabs.Items[1].Content.(*container.AppTabs); !ok || screens.jobs == nil || screens.submit == nil {
		t.Fatalf("Jobs tab holds %T", tabs.Items[1].Content)
	}
	// Without a wallet the services say so rather than inventing state.
	if _, err := svcs.provider.Status(context.Background()); err == nil {
		t.Fatal("provider status without a wallet did not fail")
	}
	if _, err := svcs.jobs.Jobs(context.Background()); err == nil {
		t.Fatal("jobs without a wallet did not fail")
	}
	svcs.stopProviding(discardLog()) // not renting: nothing to stop
}

// TestProviderPolicyConversion checks the Provide form's policy as the
// agent enforces it.
func TestProviderPolicyConversion(t *testing.T) {
	p := ui.ProviderPolicy{ThermalLimitC: 83, ScheduleStart: "22:00", ScheduleEnd: "07:00", MaxJobHours: 2,
		AllowedImages: []string{"docker.io/pytorch/"}}
	cp := agentPolicy(p, 3600)
	if cp.ThermalSoftC != 83 || cp.MaxJobSeconds != 3600 || len(cp.Schedule) != 1 ||
		cp.Schedule[0].Start != compute.Clock(22, 0) || cp.Schedule[0].End != compute.Clock(7, 0) || len(cp.AllowedImagePrefixes) != 1 {
		t.Fatalf("agent policy %+v", cp)
	}
	if got := agentPolicy(p, 0).MaxJobSeconds; got != 7200 {
		t.Errorf("max job seconds without a registered cap = %d, want 7200", got)
	}
	night := time.Date(2026, 12, 1, 23, 0, 0, 0, time.Local)
	noon := time.Date(2026, 12, 1, 12, 0, 0, 0, time.Local)
	if !inWindows(cp.Schedule, night) || inWindows(cp.Schedule, noon) {
		t.Error("schedule 22:00-07:00 does not hold 23:00 but not 12:00")
	}
	if _, err := parseSchedule(ui.ProviderPolicy{ScheduleStart: "25:00", ScheduleEnd: "07:00"}); err == nil {
		t.Error("25:00 parsed")
	}
	for rec, want := range map[string]ui.JobState{"released": ui.JobReleased, "disputed": ui.JobDisputed,
		"refunded": ui.JobRefunded, "paid": ui.JobClaimed} {
		if got := settledState(rec); got != want {
			t.Errorf("settled %q = %q, want %q", rec, got, want)
		}
	}
	for _, c := range []struct {
		state, outcome string
		want           ui.JobState
	}{
		{"locking", "", ui.JobPending}, {"paid", "", ui.JobRunning}, {"running", "", ui.JobRunning},
		{"submitted", "", ui.JobSubmitted}, {"failed", "", ui.JobFailed},
		{"settled", provider.OutcomeReleased, ui.JobReleased}, {"settled", provider.OutcomeClaimed, ui.JobClaimed},
		{"settled", provider.OutcomeDisputed, ui.JobDisputed}, {"settled", "", ui.JobSettled},
	} {
		if got := providerState(provider.JobStatus{State: c.state, Outcome: c.outcome}); got != c.want {
			t.Errorf("provider %q/%q = %q, want %q", c.state, c.outcome, got, c.want)
		}
	}
}
