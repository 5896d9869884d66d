package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// ReasonKind names one reason why no jobs are arriving.
type ReasonKind string

// Reasons why a provider receives no jobs.
const (
	ReasonNotRegistered   ReasonKind = "not-registered"
	ReasonUnavailable     ReasonKind = "unavailable"
	ReasonOutsideSchedule ReasonKind = "outside-schedule"
	ReasonTooHot          ReasonKind = "too-hot"
	ReasonGPUBusy         ReasonKind = "gpu-busy"
	ReasonPriceAbove      ReasonKind = "price-above-market"
	ReasonUnreachable     ReasonKind = "endpoint-unreachable"
)

// reasonWords says each reason in words, with what to do about it.
var reasonWords = map[ReasonKind]string{
	ReasonNotRegistered:   "This machine is not registered in the on-chain Registry yet; turning renting on registers it.",
	ReasonUnavailable:     "This machine is marked unavailable, so consumers skip it.",
	ReasonOutsideSchedule: "It is outside your rental schedule; jobs are accepted again when the schedule opens.",
	ReasonTooHot:          "A GPU is at or above your thermal limit; new jobs wait until it cools down.",
	ReasonGPUBusy:         "Another program (a game?) is using the GPU; jobs resume when it exits.",
	ReasonPriceAbove:      "Your price is above what the market's providers ask; lower it to be matched.",
	ReasonUnreachable:     "Your endpoint cannot be reached from the internet; forward the port or check the firewall.",
}

// NoJobsReason is one reason, with the agent's detail (e.g. "GPU 0 at 86°C").
type NoJobsReason struct {
	Kind   ReasonKind
	Detail string
}

// Text is the reason in words.
func (r NoJobsReason) Text() string {
	s, ok := reasonWords[r.Kind]
	if !ok {
		s = string(r.Kind)
	}
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}

// ProviderStatus is the provider agent's state for the Provide screen.
type ProviderStatus struct {
	// Providing is true while the agent offers this machine.
	Providing bool
	// Reasons say why no jobs are arriving; empty when jobs can arrive.
	Reasons []NoJobsReason
	// CurrentJob describes the job running now; empty when none.
	CurrentJob string
	// Earnings are this machine's earnings from its provider agent's job
	// records.
	Earnings ProviderEarnings
	// EarnedToday is Earnings.SettledToday, for the tray; EarnedTotal is
	// the total the on-chain Registry credits this account with (0 while
	// unregistered). Both in microAlgos.
	EarnedToday, EarnedTotal uint64
}

// ProviderEarnings are a provider's earnings from the jobs its agent
// recorded, in microAlgos, split by whether they are settled.
type ProviderEarnings struct {
	// SettledToday and SettledTotal are what releases and claims paid this
	// provider since local midnight and in all; SettledJobs counts the
	// settled jobs (a disputed one among them paid nothing).
	SettledToday, SettledTotal uint64
	SettledJobs                int
	// Pending is what the results this provider submitted bill while their
	// dispute window is open: paid on release or claim, nothing on a
	// dispute. PendingJobs counts them.
	Pending     uint64
	PendingJobs int
	// Unpriced counts jobs whose settlement could not be read yet; their
	// payouts are in neither sum. UnpricedWhy, when set, says why one of
	// them cannot be read and what to do (a node that no longer serves
	// the blocks: connect to an archival node).
	Unpriced    int
	UnpricedWhy string
}

// settledText is the settled part of e in words.
func (e ProviderEarnings) settledText(today bool) string {
	s := formatAlgo(e.SettledTotal)
	if today {
		s = formatAlgo(e.SettledToday)
	}
	if e.Unpriced > 0 {
		s += fmt.Sprintf(" (and %d settled job%s not read from the chain yet)", e.Unpriced, plural(e.Unpriced))
		if !today && e.UnpricedWhy != "" {
			s += ": " + e.UnpricedWhy
		}
	}
	return s
}

// pendingText is the pending part of e in words.
func (e ProviderEarnings) pendingText() string {
	if e.PendingJobs == 0 {
		return formatAlgo(0) + " (no result awaiting release)"
	}
	return fmt.Sprintf("%s billed by %d result%s in the dispute window", formatAlgo(e.Pending), e.PendingJobs, plural(e.PendingJobs))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ProviderService is the provider agent as the "Rent out my GPU" toggle
// sees it. Every method may block and must honour ctx.
type ProviderService interface {
	// Start begins providing: register or mark available, accept jobs.
	Start(ctx context.Context) error
	// Stop stops accepting jobs (running jobs finish) and marks the
	// machine unavailable.
	Stop(ctx context.Context) error
	// Status reports the agent's state.
	Status(ctx context.Context) (ProviderStatus, error)
	// SetPolicy saves the price and policy the agent enforces.
	SetPolicy(ctx context.Context, p ProviderPolicy) error
	// SelfTest runs a short job end to end and says how it went.
	SelfTest(ctx context.Context) (string, error)
}

// TelemetrySource gives the recent GPU samples, oldest first. It must not
// block: it reads a buffer the sampler fills.
type TelemetrySource interface {
	Samples() []TelemetrySample
}

// TelemetrySample is one telemetry reading of all GPUs.
type TelemetrySample struct {
	Time time.Time
	GPUs []GPUReading
	// CPUOnly is set when the machine has no usable NVIDIA GPU (no NVML).
	CPUOnly bool
	// Err is a read failure other than CPU-only.
	Err error
}

// GPUReading is one GPU's telemetry.
type GPUReading struct {
	Index          int
	Name           string
	UtilizationPct float64
	TemperatureC   float64
	PowerW, LimitW float64
}

// Texts of the Provide screen.
const (
	provideStartText   = "Rent out my GPU"
	provideStopText    = "Stop renting"
	provideNoAgentText = "Renting needs the provider agent, which this build does not start yet. " +
		"Telemetry below is live."
	provideCPUOnlyText = "No NVIDIA GPU or driver (NVML) was found: this machine can rent out its CPU only, " +
		"and there is no GPU telemetry to show."
	provideAcceptingText = "Jobs can arrive: nothing is holding them back."
	provideOffText       = "Renting is off: no job can arrive until you turn on \"Rent out my GPU\"."
)

// Provide is the Provide screen: the toggle, why no jobs are arriving, GPU
// telemetry, earnings, the current job, price and policy, and a self-test.
type Provide struct {
	svc   ProviderService // nil until the provider agent is wired
	tel   TelemetrySource
	ctx   context.Context
	spawn func(func())

	content    fyne.CanvasObject
	toggle     *widget.Button
	state      *widget.Label
	reasons    *widget.Label
	gpuBox     *fyne.Container
	gpuCards   map[int]*gpuCard
	today      *widget.Label
	pending    *widget.Label
	total      *widget.Label
	registry   *widget.Label
	job        *widget.Label
	selfTest   *widget.Button
	testResult *widget.Label
	policy     *policyForm
	status     ProviderStatus
}

// NewProvide builds the Provide screen over svc (nil when the provider
// agent is not available) and tel.
func NewProvide(svc ProviderService, tel TelemetrySource) *Provide {
	p := &Provide{svc: svc, tel: tel, ctx: context.Background(), spawn: func(f func()) { go f() }, gpuCards: map[int]*gpuCard{}}
	p.toggle = widget.NewButton(provideStartText, p.onToggle)
	p.toggle.Importance = widget.HighImportance
	p.state = widget.NewLabel("checking…")
	p.state.Wrapping = fyne.TextWrapWord
	p.reasons = widget.NewLabel("checking…")
	p.reasons.Wrapping = fyne.TextWrapWord
	p.gpuBox = container.NewGridWithColumns(2)
	p.today, p.total, p.job = widget.NewLabel(noValue), widget.NewLabel(noValue), widget.NewLabel("none")
	p.pending, p.registry = widget.NewLabel(noValue), widget.NewLabel(noValue)
	for _, l := range []*widget.Label{p.today, p.pending, p.total, p.job} {
		l.Wrapping = fyne.TextWrapWord
	}
	p.selfTest = widget.NewButton("Run self-test", p.onSelfTest)
	p.testResult = widget.NewLabel("")
	p.testResult.Wrapping = fyne.TextWrapWord
	p.policy = newPolicyForm(p)
	if svc == nil {
		p.toggle.Disable()
		p.selfTest.Disable()
		p.state.SetText(provideNoAgentText)
		p.reasons.SetText("The provider agent is not running, so no jobs can arrive.")
	}
	toggle := container.NewBorder(nil, nil, container.NewPadded(p.toggle), nil, p.state)
	why := widget.NewCard("Why no jobs are arriving", "", p.reasons)
	earn := widget.NewCard("Earnings", "From this machine's job records", form(
		"Settled today", p.today, "Pending", p.pending, "Settled in total", p.total,
		"Registry record", p.registry, "Current job", p.job))
	test := widget.NewCard("Self-test", "Runs a short job on this machine end to end", container.NewVBox(p.selfTest, p.testResult))
	p.content = container.NewVScroll(container.NewVBox(
		toggle, why,
		widget.NewCard("GPUs", "Utilization, temperature and power over the last minutes", p.gpuBox),
		container.NewGridWithColumns(2, earn, test),
		p.policy.content))
	return p
}

// Content returns the screen's root object.
func (p *Provide) Content() fyne.CanvasObject { return p.content }

// Run refreshes at once and then every interval until ctx is done. It
// blocks; start it in its own goroutine. Each tick coalesces everything
// that changed since the last one into one update.
func (p *Provide) Run(ctx context.Context, interval time.Duration) {
	fyne.Do(func() { p.ctx = ctx }) // read by the UI goroutine's handlers
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh reads telemetry and the agent's status and shows them.
func (p *Provide) Refresh(ctx context.Context) {
	samples := p.tel.Samples()
	var st ProviderStatus
	var err error
	if p.svc != nil {
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		st, err = p.svc.Status(qctx)
		cancel()
	}
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		p.applyTelemetry(samples)
		if p.svc != nil {
			p.applyStatus(st, err)
		}
	})
}

func (p *Provide) applyStatus(st ProviderStatus, err error) {
	if err != nil {
		warn(p.state, "The provider agent did not answer: "+err.Error())
		return
	}
	p.status = st
	if st.Providing {
		p.toggle.SetText(provideStopText)
		p.state.Importance = widget.SuccessImportance
		p.state.SetText("Renting out this machine")
	} else {
		p.toggle.SetText(provideStartText)
		p.state.Importance = widget.MediumImportance
		p.state.SetText("Not renting: this machine takes no jobs")
	}
	var lines []string
	if !st.Providing {
		lines = append(lines, "• "+provideOffText)
	}
	for _, r := range st.Reasons {
		lines = append(lines, "• "+r.Text())
	}
	if len(lines) == 0 {
		p.reasons.SetText(provideAcceptingText)
	} else {
		p.reasons.SetText(strings.Join(lines, "\n"))
	}
	p.today.SetText(st.Earnings.settledText(true))
	p.pending.SetText(st.Earnings.pendingText())
	p.total.SetText(st.Earnings.settledText(false))
	p.registry.SetText(formatAlgo(st.EarnedTotal))
	p.job.SetText(orDefault(st.CurrentJob, "none"))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// onToggle starts or stops providing.
func (p *Provide) onToggle() {
	start := !p.status.Providing
	p.toggle.Disable()
	if start {
		p.state.SetText("Starting…")
	} else {
		p.state.SetText("Stopping…")
	}
	p.spawn(func() {
		var err error
		if start {
			err = p.svc.Start(p.ctx)
		} else {
			err = p.svc.Stop(p.ctx)
		}
		st, serr := p.svc.Status(p.ctx)
		fyne.Do(func() {
			p.toggle.Enable()
			p.applyStatus(st, serr)
			if err != nil {
				verb := "start"
				if !start {
					verb = "stop"
				}
				warn(p.state, fmt.Sprintf("Could not %s renting: %v", verb, err))
			}
		})
	})
}

func (p *Provide) onSelfTest() {
	p.selfTest.Disable()
	p.testResult.Importance = widget.MediumImportance
	p.testResult.SetText("Running the self-test…")
	p.spawn(func() {
		res, err := p.svc.SelfTest(p.ctx)
		fyne.Do(func() {
			p.selfTest.Enable()
			if err != nil {
				warn(p.testResult, "Self-test failed: "+err.Error())
				return
			}
			p.testResult.Importance = widget.SuccessImportance
			p.testResult.SetText("Self-test passed: " + res)
		})
	})
}
