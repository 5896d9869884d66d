package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeProvider is a ProviderService that keeps its state and records calls.
type fakeProvider struct {
	st       ProviderStatus
	startErr error
	statErr  error
	calls    []string
	policy   ProviderPolicy
}

func (f *fakeProvider) Start(context.Context) error {
	f.calls = append(f.calls, "start")
	if f.startErr != nil {
		return f.startErr
	}
	f.st.Providing, f.st.Reasons = true, nil
	return nil
}
func (f *fakeProvider) Stop(context.Context) error {
	f.calls = append(f.calls, "stop")
	f.st.Providing = false
	f.st.Reasons = []NoJobsReason{{Kind: ReasonUnavailable}}
	return nil
}
func (f *fakeProvider) Status(context.Context) (ProviderStatus, error) { return f.st, f.statErr }
func (f *fakeProvider) SetPolicy(_ context.Context, p ProviderPolicy) error {
	f.calls = append(f.calls, "policy")
	f.policy = p
	return nil
}
func (f *fakeProvider) SelfTest(context.Context) (string, error) {
	f.calls = append(f.calls, "selftest")
	return "busybox echo ran in 0.4 s, output hashed", nil
}

// fakeTelemetry returns fixed samples.
type fakeTelemetry []TelemetrySample

func (f fakeTelemetry) Samples() []TelemetrySample { return f }

func oneGPU() fakeTelemetry {
	var out fakeTelemetry
	for i := range 5 {
		out = append(out, TelemetrySample{Time: walletNow.Add(time.Duration(i) * 2 * time.Second), GPUs: []GPUReading{{
			Index: 0, Name: "NVIDIA RTX 4090", UtilizationPct: float64(20 * i), TemperatureC: 50 + float64(i), PowerW: 100 + 50*float64(i), LimitW: 450,
		}}})
	}
	return out
}

func newTestProvide(t *testing.T, svc ProviderService, tel TelemetrySource) (*Provide, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	p := NewProvide(svc, tel)
	p.spawn = func(f func()) { f() }
	w := test.NewTempWindow(t, p.Content())
	w.Resize(fyne.NewSize(1000, 900))
	return p, w
}

func TestProvideToggleStartsAndStops(t *testing.T) {
	f := &fakeProvider{st: ProviderStatus{Reasons: []NoJobsReason{{Kind: ReasonNotRegistered}}}}
	p, _ := newTestProvide(t, f, oneGPU())
	p.Refresh(context.Background())
	if p.toggle.Text != provideStartText || p.reasons.Text != "• "+provideOffText+"\n• "+reasonWords[ReasonNotRegistered] {
		t.Fatalf("before: toggle %q, reasons %q", p.toggle.Text, p.reasons.Text)
	}
	test.Tap(p.toggle)
	if strings.Join(f.calls, ",") != "start" || p.toggle.Text != provideStopText || p.state.Text != "Renting out this machine" {
		t.Fatalf("after tap: calls %v, toggle %q, state %q", f.calls, p.toggle.Text, p.state.Text)
	}
	if p.reasons.Text != provideAcceptingText {
		t.Errorf("reasons while renting = %q", p.reasons.Text)
	}
	test.Tap(p.toggle)
	if strings.Join(f.calls, ",") != "start,stop" || p.toggle.Text != provideStartText {
		t.Errorf("after second tap: calls %v, toggle %q", f.calls, p.toggle.Text)
	}
	if !strings.HasPrefix(p.reasons.Text, "• "+provideOffText+"\n") {
		t.Errorf("reasons after stopping = %q, want first that renting is off", p.reasons.Text)
	}
}

func TestProvideToggleError(t *testing.T) {
	f := &fakeProvider{startErr: errors.New("registry: insufficient balance for the box")}
	p, _ := newTestProvide(t, f, oneGPU())
	p.Refresh(context.Background())
	test.Tap(p.toggle)
	if got := p.state.Text; got != "Could not start renting: registry: insufficient balance for the box" {
		t.Errorf("state = %q", got)
	}
	if p.toggle.Disabled() {
		t.Error("toggle stays disabled after a failure")
	}
}

func TestProvideWhyNoJobsInWords(t *testing.T) {
	f := &fakeProvider{st: ProviderStatus{Providing: true, Reasons: []NoJobsReason{
		{Kind: ReasonTooHot, Detail: "GPU 0 at 86°C"}, {Kind: ReasonGPUBusy, Detail: "game.exe"},
		{Kind: ReasonOutsideSchedule}, {Kind: ReasonPriceAbove}, {Kind: ReasonUnreachable},
	}, Earnings: ProviderEarnings{SettledToday: 250_000, SettledTotal: 3_000_000, SettledJobs: 4, Pending: 420_000, PendingJobs: 2},
		EarnedTotal: 2_750_000, CurrentJob: "job 1a2b… · pytorch, 12 min left"}}
	p, _ := newTestProvide(t, f, oneGPU())
	p.Refresh(context.Background())
	want := strings.Join([]string{
		"• A GPU is at or above your thermal limit; new jobs wait until it cools down. (GPU 0 at 86°C)",
		"• Another program (a game?) is using the GPU; jobs resume when it exits. (game.exe)",
		"• " + reasonWords[ReasonOutsideSchedule],
		"• " + reasonWords[ReasonPriceAbove],
		"• " + reasonWords[ReasonUnreachable],
	}, "\n")
	if p.reasons.Text != want {
		t.Errorf("reasons =\n%s\nwant\n%s", p.reasons.Text, want)
	}
	if p.today.Text != "0.250000 ALGO" || p.total.Text != "3.000000 ALGO" || p.job.Text != "job 1a2b… · pytorch, 12 min left" {
		t.Errorf("today %q total %q job %q", p.today.Text, p.total.Text, p.job.Text)
	}
	if p.pending.Text != "0.420000 ALGO billed by 2 results in the dispute window" || p.registry.Text != "2.750000 ALGO" {
		t.Errorf("pending %q registry %q", p.pending.Text, p.registry.Text)
	}
}

// TestProvideEarningsSplit shows pending and settled earnings apart, and
// says when settled jobs are not priced yet instead of showing them as 0.
func TestProvideEarningsSplit(t *testing.T) {
	tests := []struct {
		name                  string
		e                     ProviderEarnings
		today, pending, total string
	}{
		{"nothing yet", ProviderEarnings{}, "0.000000 ALGO", "0.000000 ALGO (no result awaiting release)", "0.000000 ALGO"},
		{"one pending", ProviderEarnings{Pending: 300_000, PendingJobs: 1}, "0.000000 ALGO",
			"0.300000 ALGO billed by 1 result in the dispute window", "0.000000 ALGO"},
		{"settled, one unread", ProviderEarnings{SettledToday: 100_000, SettledTotal: 900_000, SettledJobs: 3, Unpriced: 1},
			"0.100000 ALGO (and 1 settled job not read from the chain yet)", "0.000000 ALGO (no result awaiting release)",
			"0.900000 ALGO (and 1 settled job not read from the chain yet)"},
		{"settled, one on a pruned node", ProviderEarnings{SettledTotal: 900_000, SettledJobs: 3, Unpriced: 1, UnpricedWhy: "settlement not read: block 41 pruned; connect to an archival node to read it"},
			"0.000000 ALGO (and 1 settled job not read from the chain yet)", "0.000000 ALGO (no result awaiting release)",
			"0.900000 ALGO (and 1 settled job not read from the chain yet): settlement not read: block 41 pruned; connect to an archival node to read it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newTestProvide(t, &fakeProvider{st: ProviderStatus{Providing: true, Earnings: tt.e}}, oneGPU())
			p.Refresh(context.Background())
			if p.today.Text != tt.today || p.pending.Text != tt.pending || p.total.Text != tt.total {
				t.Errorf("today %q, pending %q, total %q; want %q, %q, %q", p.today.Text, p.pending.Text, p.total.Text, tt.today, tt.pending, tt.total)
			}
		})
	}
}

func TestProvideTelemetry(t *testing.T) {
	p, w := newTestProvide(t, &fakeProvider{}, oneGPU())
	p.Refresh(context.Background())
	c := p.gpuCards[0]
	if c == nil {
		t.Fatal("no card for GPU 0")
	}
	if c.card.Title != "#0 NVIDIA RTX 4090" || c.util.Text != "80% busy" || c.temp.Text != "54°C" || c.power.Text != "300 / 450 W" {
		t.Errorf("card %q: %q %q %q", c.card.Title, c.util.Text, c.temp.Text, c.power.Text)
	}
	if got := c.utilS.Values(); len(got) != 5 || got[4] != 80 {
		t.Errorf("utilization sparkline = %v", got)
	}
	test.AssertImageMatches(t, "provide_gpu.png", w.Canvas().Capture())
}

func TestProvideCPUOnlyAndErrors(t *testing.T) {
	tests := []struct {
		name string
		tel  fakeTelemetry
		want string
	}{
		{"cpu only", fakeTelemetry{{CPUOnly: true}}, provideCPUOnlyText},
		{"nvml error", fakeTelemetry{{Err: errors.New("nvml: GPU is lost")}}, "Could not read the GPUs (NVML): nvml: GPU is lost"},
		{"no sample yet", nil, "Reading the GPUs…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newTestProvide(t, &fakeProvider{}, tt.tel)
			p.Refresh(context.Background())
			assertShows(t, p.Content(), tt.want)
		})
	}
}

func TestProvideWithoutAgent(t *testing.T) {
	p, w := newTestProvide(t, nil, fakeTelemetry{{CPUOnly: true}})
	p.Refresh(context.Background())
	if !p.toggle.Disabled() || p.state.Text != provideNoAgentText {
		t.Errorf("toggle disabled %v, state %q", p.toggle.Disabled(), p.state.Text)
	}
	test.AssertImageMatches(t, "provide_no_agent.png", w.Canvas().Capture())
}

func TestProvideAgentDown(t *testing.T) {
	p, _ := newTestProvide(t, &fakeProvider{statErr: errors.New("connection refused")}, oneGPU())
	p.Refresh(context.Background())
	if p.state.Text != "The provider agent did not answer: connection refused" || p.state.Importance != widget.WarningImportance {
		t.Errorf("state = %q (%v)", p.state.Text, p.state.Importance)
	}
}

func TestProvidePolicyValidation(t *testing.T) {
	tests := []struct {
		name                                     string
		price, thermal, schedule, hours, blocked string
		want                                     string
	}{
		{"no price", "", "", "", "", "", "Price: enter an amount in ALGO, e.g. 1.5"},
		{"too hot", "0.5", "130", "", "", "", "Thermal limit: a temperature between 40 and 100 °C"},
		{"schedule", "0.5", "83", "22-7", "", "", "Schedule: a daily window like 22:00-07:00"},
		{"hours", "0.5", "83", "22:00-07:00", "-1", "", "Max job length: a number of hours greater than 0, at most 720"},
		{"blocked", "0.5", "83", "", "4", addrPeer + "\nnope", "Blocked consumers: line 2: an Algorand address is 58 characters; this one has 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeProvider{}
			p, _ := newTestProvide(t, f, oneGPU())
			pf := p.policy
			test.Type(pf.price, tt.price)
			test.Type(pf.thermal, tt.thermal)
			test.Type(pf.schedule, tt.schedule)
			test.Type(pf.maxHours, tt.hours)
			pf.blocked.SetText(tt.blocked)
			test.Tap(pf.save)
			if pf.status.Text != tt.want || len(f.calls) != 0 {
				t.Errorf("status = %q, want %q; calls %v", pf.status.Text, tt.want, f.calls)
			}
		})
	}
}

func TestProvidePolicySaves(t *testing.T) {
	f := &fakeProvider{}
	p, _ := newTestProvide(t, f, oneGPU())
	pf := p.policy
	test.Type(pf.price, "0.75")
	test.Type(pf.thermal, "83")
	test.Type(pf.schedule, "22:00-7:30")
	test.Type(pf.images, "docker.io/pytorch/, ghcr.io/me/")
	test.Type(pf.maxHours, "4")
	pf.blocked.SetText(addrPeer)
	test.Tap(pf.save)
	want := ProviderPolicy{PricePerHour: 750_000, ThermalLimitC: 83, ScheduleStart: "22:00", ScheduleEnd: "07:30",
		AllowedImages: []string{"docker.io/pytorch/", "ghcr.io/me/"}, MaxJobHours: 4, BlockedConsumers: []string{addrPeer}}
	if strings.Join(f.calls, ",") != "policy" || !equalPolicy(f.policy, want) {
		t.Errorf("calls %v, policy %+v", f.calls, f.policy)
	}
	if pf.status.Text != "Saved: 0.750000 ALGO per hour" {
		t.Errorf("status = %q", pf.status.Text)
	}
	test.Tap(p.selfTest)
	if p.testResult.Text != "Self-test passed: busybox echo ran in 0.4 s, output hashed" {
		t.Errorf("self-test = %q", p.testResult.Text)
	}
}

func equalPolicy(a, b ProviderPolicy) bool {
	return a.PricePerHour == b.PricePerHour && a.ThermalLimitC == b.ThermalLimitC &&
		a.ScheduleStart == b.ScheduleStart && a.ScheduleEnd == b.ScheduleEnd &&
		strings.Join(a.AllowedImages, ",") == strings.Join(b.AllowedImages, ",") &&
		a.MaxJobHours == b.MaxJobHours && strings.Join(a.BlockedConsumers, ",") == strings.Join(b.BlockedConsumers, ",")
}
