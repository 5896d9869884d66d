package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// DefaultRefreshInterval is how often the Dashboard polls its StatusSource.
const DefaultRefreshInterval = 5 * time.Second

// queryTimeout bounds one refresh, so that a hung component cannot freeze
// the Dashboard: it shows the timeout and tries again on the next tick.
const queryTimeout = 4 * time.Second

// noValue fills a field whose component is down.
const noValue = "—"

// Dashboard shows the live status of the node, the Docker engine, the GPUs
// and the OS keyring. Create it with NewDashboard, place Content in a
// window and call Run (or Refresh) from a goroutine.
type Dashboard struct {
	src     StatusSource
	now     func() time.Time
	timeout time.Duration
	content fyne.CanvasObject

	chainState, chainNetwork, chainGenesisID, chainGenesisHash *widget.Label
	chainRound, chainLatency, chainURL, chainApps              *widget.Label
	engineState, engineVersion, engineRuntime                  *widget.Label
	gpus, keyring, updated                                     *widget.Label
}

// statusSnapshot is one refresh's answers, gathered off the UI goroutine.
type statusSnapshot struct {
	chain      ChainStatus
	chainErr   error
	engine     EngineStatus
	engineErr  error
	gpus       []GPU
	gpuErr     error
	keyringErr error
	at         time.Time
}

// NewDashboard builds the Dashboard screen over src. Until the first
// refresh completes every field says it is checking.
func NewDashboard(src StatusSource) *Dashboard {
	d := &Dashboard{src: src, now: time.Now, timeout: queryTimeout}
	value := func() *widget.Label {
		l := widget.NewLabel("checking…")
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	d.chainState, d.chainNetwork, d.chainGenesisID = value(), value(), value()
	d.chainGenesisHash, d.chainRound, d.chainLatency, d.chainURL = value(), value(), value(), value()
	d.chainApps = value()
	d.engineState, d.engineVersion, d.engineRuntime = value(), value(), value()
	d.gpus, d.keyring = value(), value()
	d.updated = widget.NewLabel("Not refreshed yet")
	d.updated.Importance = widget.LowImportance

	chain := widget.NewCard("Algorand node", "", form(
		"Status", d.chainState, "Network", d.chainNetwork, "Genesis ID", d.chainGenesisID,
		"Genesis hash", d.chainGenesisHash, "Last round", d.chainRound,
		"Latency", d.chainLatency, "Endpoint", d.chainURL, "Contracts", d.chainApps))
	engine := widget.NewCard("Docker engine", "", form(
		"Status", d.engineState, "Version", d.engineVersion, "NVIDIA runtime", d.engineRuntime))
	gpus := widget.NewCard("GPUs", "", d.gpus)
	keyring := widget.NewCard("OS keyring", "", d.keyring)

	grid := container.NewGridWithColumns(2,
		chain, container.NewVBox(engine, gpus, keyring))
	d.content = container.NewVScroll(container.NewVBox(grid, d.updated))
	return d
}

// form lays out alternating key and value objects as a two-column form.
func form(pairs ...any) fyne.CanvasObject {
	objs := make([]fyne.CanvasObject, 0, len(pairs))
	for i := 0; i+1 < len(pairs); i += 2 {
		key := widget.NewLabelWithStyle(pairs[i].(string), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		objs = append(objs, key, pairs[i+1].(fyne.CanvasObject))
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// Content returns the screen's root object.
func (d *Dashboard) Content() fyne.CanvasObject { return d.content }

// Run refreshes at once and then every interval until ctx is done. It
// blocks; start it in its own goroutine.
func (d *Dashboard) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultRefreshInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		d.Refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh asks the StatusSource every question concurrently, waits for all
// the answers (each bounded by a timeout) and applies them on the UI
// goroutine with fyne.Do. It does nothing once ctx is done.
func (d *Dashboard) Refresh(ctx context.Context) {
	qctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var s statusSnapshot
	var wg sync.WaitGroup
	wg.Go(func() { s.chain, s.chainErr = d.src.Chain(qctx) })
	wg.Go(func() { s.engine, s.engineErr = d.src.Engine(qctx) })
	wg.Go(func() { s.gpus, s.gpuErr = d.src.GPUs(qctx) })
	wg.Go(func() { s.keyringErr = d.src.Keyring(qctx) })
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	s.at = d.now()
	fyne.Do(func() { d.apply(s) })
}

// apply writes a snapshot into the widgets. It runs on the UI goroutine.
func (d *Dashboard) apply(s statusSnapshot) {
	d.applyChain(s.chain, s.chainErr)
	d.applyEngine(s.engine, s.engineErr)
	d.gpus.SetText(gpuText(s.gpus, s.gpuErr))
	if s.keyringErr != nil {
		setState(d.keyring, "unavailable: "+s.keyringErr.Error(), false)
	} else {
		setState(d.keyring, "answers (a secret was stored, read back and deleted)", true)
	}
	d.updated.SetText("Updated " + s.at.Format("15:04:05") + " · refreshes every few seconds")
}

func (d *Dashboard) applyChain(c ChainStatus, err error) {
	d.chainNetwork.SetText(orNone(c.Network))
	d.chainURL.SetText(orNone(c.URL))
	if err != nil {
		setState(d.chainState, err.Error(), false)
		for _, l := range []*widget.Label{d.chainGenesisID, d.chainGenesisHash, d.chainRound, d.chainLatency, d.chainApps} {
			l.SetText(noValue)
		}
		return
	}
	setState(d.chainState, "connected", true)
	d.chainGenesisID.SetText(orNone(c.GenesisID))
	d.chainGenesisHash.SetText(orNone(c.GenesisHash))
	d.chainRound.SetText(fmt.Sprintf("%d", c.LastRound))
	d.chainLatency.SetText(formatLatency(c.Latency))
	d.chainApps.SetText(orNone(c.Contracts))
}

func (d *Dashboard) applyEngine(e EngineStatus, err error) {
	if err != nil {
		setState(d.engineState, err.Error(), false)
		d.engineVersion.SetText(noValue)
		d.engineRuntime.SetText(noValue)
		return
	}
	setState(d.engineState, "running", true)
	v := e.Version
	var extra []string
	if e.APIVersion != "" {
		extra = append(extra, "API "+e.APIVersion)
	}
	if e.Platform != "" {
		extra = append(extra, e.Platform)
	}
	if len(extra) > 0 {
		v += " (" + strings.Join(extra, ", ") + ")"
	}
	d.engineVersion.SetText(v)
	if e.NvidiaRuntime {
		d.engineRuntime.SetText("present")
	} else {
		d.engineRuntime.SetText("absent (GPU jobs need the NVIDIA Container Toolkit)")
	}
}

// setState shows a component's state, coloured by whether it is healthy.
func setState(l *widget.Label, text string, ok bool) {
	l.Importance = widget.SuccessImportance
	if !ok {
		l.Importance = widget.DangerImportance
	}
	l.SetText(text)
}

// gpuText describes the GPUs, one per line, or why there are none.
func gpuText(gpus []GPU, err error) string {
	switch {
	case errors.Is(err, ErrNoGPU):
		return err.Error() + " — jobs run on the CPU"
	case err != nil:
		return "NVML error: " + err.Error()
	case len(gpus) == 0:
		return ErrNoGPU.Error() + " — jobs run on the CPU"
	}
	lines := make([]string, 0, len(gpus))
	for i, g := range gpus {
		line := fmt.Sprintf("#%d %s · %.0f GiB", i, g.Name, float64(g.MemoryMB)/1024)
		if g.Driver != "" {
			line += " · driver " + g.Driver
		}
		if g.CUDA != "" {
			line += " · CUDA " + g.CUDA
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// formatLatency prints a request latency in milliseconds.
func formatLatency(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func orNone(s string) string {
	if s == "" {
		return noValue
	}
	return s
}
