package app

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kinetic-compute/kinetic/compute"
	"github.com/kinetic-compute/kinetic/internal/testkit"
	"github.com/kinetic-compute/kinetic/market/consumer"
	"github.com/kinetic-compute/kinetic/ui"
)

// TestConsumerAutopilotLocalNet: on the real LocalNet and Docker, a job
// submitted from the Submit tab without a provider goes to the provider
// discovery ranks first, and the desktop's background autopilot verifies
// and releases it with no one pressing Release; the stop function returns
// once it has stopped. Then `submit --wait`'s waitJob drives a second job
// through the autopilot in the foreground, printing its events and steps.
func TestConsumerAutopilotLocalNet(t *testing.T) {
	ctx, _, prov, cons := newServiceMarket(t)
	svc := newProviderService(ctx, prov.conn, newMarketplaceSource(prov.cfg), freeListen(t), testLog(t))
	if err := svc.SetPolicy(ctx, ui.ProviderPolicy{PricePerHour: 3_600_000, AllowedImages: []string{"kinetic-test/"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatalf("start providing: %v", err)
	}
	defer func() { _ = svc.shutdown(context.Background()) }()

	stop := startConsumerAutopilot(ctx, cons.cfg, cons.conn, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	jobs := newJobsSource(cons.conn)
	id, err := jobs.Submit(ctx, ui.JobRequest{Image: testkit.TestImageRef, Command: []string{"sh", "-c", "echo auto > /output/a.txt"},
		CPUs: 0.5, MemoryMB: 64, MaxSeconds: 20})
	if err != nil {
		t.Fatalf("submit to the best match: %v", err)
	}
	sum := waitJob(t, ctx, jobs, id, ui.RoleConsumer, ui.JobReleased, 2*time.Minute)
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the autopilot's stop did not return within 10 s")
	}
	rec, ok, err := consumer.LoadJob(cons.conn.db, id)
	if err != nil || !ok || rec.State != consumer.StateReleased || len(rec.Settlement) != 1 || rec.Spec == nil ||
		rec.Consumer != cons.addr.String() || rec.Job.Provider != prov.addr || sum.Peer != prov.addr.String() {
		t.Fatalf("record %+v (%v), want released once by the autopilot, paid to the discovered provider", rec, err)
	}

	env, err := cons.conn.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := compute.ParseSpec([]byte(`{"version":1,"image":"` + testkit.TestImageRef + `","command":["sh","-c","echo wait > /output/w.txt"],"cpus":0.5,"memoryMB":64,"maxSeconds":20,"network":"none"}`))
	if err != nil {
		t.Fatal(err)
	}
	job, err := newConsumerAgent(env).Submit(ctx, rec.Job.Endpoint, spec, consumer.Terms{})
	if err != nil {
		t.Fatalf("second submit: %v", err)
	}
	var stdout bytes.Buffer
	r := runner{stdout: &stdout, stderr: testWriter{t}}
	if err := r.waitJob(ctx, cons.cfg, env, job, &spec); err != nil {
		t.Fatalf("wait: %v\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{"[1] ", "result: result anchored on-chain", "verified: output and proof verified", "releasing", "released: output and proof verified (in ["} {
		if !strings.Contains(out, want) {
			t.Errorf("submit --wait output lacks %q:\n%s", want, out)
		}
	}
	if rec, _, _ := consumer.LoadJob(env.db, job.ID); rec.State != consumer.StateReleased {
		t.Fatalf("second job %s, want released", rec.State)
	}
}

// TestAutopilotPreferencesApplyWithoutRestart: the autopilot's options
// follow the preferences file as Settings saves it: with automatic top-up
// off and no spot checks at start, a save of top-up on with a 40 000 µALGO
// cap and a 50 % spot-check share shows in the next step's options (Live)
// exactly, without a new autopilot; an unreadable file keeps the last
// options.
func TestAutopilotPreferencesApplyWithoutRestart(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	store := NewPreferenceStore(cfg.DataDir)
	p := DefaultPreferences()
	p.AutoTopUp, p.AutoTopUpMax, p.SpotCheckPercent = false, 0, 0
	if err := store.Save(p); err != nil {
		t.Fatal(err)
	}
	o := liveOptions(cfg, nil, testLog(t))
	if o.Live == nil || o.Funding == nil || o.Funding.Auto || o.SpotCheck != nil {
		t.Fatalf("at start: live %v, funding %+v, spot check %+v; want top-up off, no spot checks", o.Live != nil, o.Funding, o.SpotCheck)
	}
	p.AutoTopUp, p.AutoTopUpMax, p.SpotCheckPercent = true, 40_000, 50
	if err := store.Save(p); err != nil {
		t.Fatal(err)
	}
	step := o
	o.Live(&step)
	if f := step.Funding; f == nil || !f.Auto || f.Total != 40_000 || f.Amount != 10_000 || f.Below != topUpBelow {
		t.Fatalf("after the save: funding %+v, want auto, total 40000, amount 10000", f)
	}
	if step.SpotCheck == nil || step.SpotCheck.Share != 0.5 || step.SpotCheck.Provider == nil {
		t.Fatalf("after the save: spot check %+v, want share 0.5 with a provider finder", step.SpotCheck)
	}
	if err := os.WriteFile(store.Path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	kept := step
	o.Live(&kept)
	if kept.Funding != step.Funding || kept.SpotCheck != step.SpotCheck {
		t.Fatalf("an unreadable file changed the options: %+v", kept)
	}
}
