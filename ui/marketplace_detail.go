package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/kinetic-compute/kinetic/assets/badges"
)

// healthTimeout bounds one endpoint health probe.
const healthTimeout = 5 * time.Second

// providerDetail is the Marketplace's pane for the selected provider.
type providerDetail struct {
	src     ProviderSource
	now     func() time.Time
	content fyne.CanvasObject
	card    *widget.Card

	address, endpoint, hardware, host, software, price, jobLen *widget.Label
	registered, heartbeat, health                              *widget.Label
	completed, failed, disputed, compute, earned               *widget.Label
	badges, body                                               *fyne.Container

	// spawn runs background work: a goroutine, or inline in tests (the
	// test driver runs fyne.Do at once, on the calling goroutine).
	spawn   func(func())
	cancel  context.CancelFunc // the running health probe's
	current string             // the shown provider's address
}

func newProviderDetail(src ProviderSource, now func() time.Time) *providerDetail {
	d := &providerDetail{src: src, now: now, spawn: func(f func()) { go f() }}
	lbl := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	d.address, d.endpoint, d.hardware, d.host, d.software = lbl(), lbl(), lbl(), lbl(), lbl()
	d.price, d.jobLen, d.registered, d.heartbeat, d.health = lbl(), lbl(), lbl(), lbl(), lbl()
	d.completed, d.failed, d.disputed, d.compute, d.earned = lbl(), lbl(), lbl(), lbl(), lbl()
	d.address.Wrapping, d.endpoint.Wrapping = fyne.TextWrapBreak, fyne.TextWrapBreak
	d.badges = container.NewHBox()
	body := container.NewVBox(
		form("Address", d.address, "Endpoint", d.endpoint, "GPUs", d.hardware, "CPU and memory", d.host,
			"Driver", d.software, "Price", d.price, "Job length", d.jobLen, "Registered", d.registered,
			"Last heartbeat", d.heartbeat, "Endpoint health", d.health),
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Reputation", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form("Completed", d.completed, "Failed", d.failed, "Disputed", d.disputed,
			"Compute time", d.compute, "Total earned", d.earned),
		widget.NewLabelWithStyle("Badges", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		d.badges)
	d.card = widget.NewCard("Select a provider", "Its hardware, price, reputation and live endpoint health show here.", nil)
	d.content = container.NewVScroll(container.NewVBox(d.card, body))
	body.Hide()
	d.body = body
	return d
}

// show fills the pane with p and starts probing its endpoint; a probe of
// the previously shown provider is cancelled. It runs on the UI goroutine.
func (d *providerDetail) show(p ProviderListing) {
	d.card.SetTitle(fmt.Sprintf("%s ×%d", p.GPUModel, p.GPUCount))
	d.card.SetSubTitle(onlineText(p, d.now()))
	d.address.SetText(p.Address)
	d.endpoint.SetText(p.Endpoint)
	d.hardware.SetText(fmt.Sprintf("%d × %s, %s VRAM each", p.GPUCount, p.GPUModel, fmtGiB(p.VRAMMB)))
	d.host.SetText(fmt.Sprintf("%d cores · %s RAM", p.CPUCores, fmtGiB(p.RAMMB)))
	d.software.SetText(fmt.Sprintf("driver %s · CUDA %s", orNone(p.Driver), orNone(p.CUDA)))
	d.price.SetText(fmtMicroAlgo(p.PricePerHour) + " per hour")
	d.jobLen.SetText(fmt.Sprintf("%s to %s", fmtSeconds(p.MinJobSecs), fmtSeconds(p.MaxJobSecs)))
	d.registered.SetText(fmt.Sprintf("round %d", p.RegisteredRound))
	d.heartbeat.SetText(fmt.Sprintf("round %d · %s", p.LastHeartbeatRound, fmtAgo(d.now(), p.LastHeartbeat)))
	d.completed.SetText(fmt.Sprintf("%d", p.Completed))
	d.failed.SetText(fmt.Sprintf("%d", p.Failed))
	d.disputed.SetText(fmt.Sprintf("%d", p.Disputed))
	d.compute.SetText(fmtSeconds(p.ComputeSeconds))
	d.earned.SetText(fmtMicroAlgo(p.TotalEarned))
	d.showBadges(p.BadgeTier)
	d.body.Show()
	d.content.Refresh()
	d.probe(p)
}

func onlineText(p ProviderListing, now time.Time) string {
	switch {
	case p.Online(now):
		return "Online · accepting jobs"
	case !p.Available:
		return "Offline · marked unavailable"
	}
	return "Offline · no heartbeat for over " + fmtSeconds(uint64(OnlineWindow/time.Second))
}

// showBadges draws the ARC-3 art of every tier up to tier.
func (d *providerDetail) showBadges(tier uint64) {
	d.badges.RemoveAll()
	if tier == 0 {
		d.badges.Add(widget.NewLabel("No badge yet"))
		return
	}
	for n := uint64(1); n <= min(tier, badges.Tiers); n++ {
		b, err := badges.Tier(n)
		if err != nil {
			d.badges.Add(widget.NewLabel(err.Error()))
			continue
		}
		img := canvas.NewImageFromResource(fyne.NewStaticResource(fmt.Sprintf("badge-tier%d.svg", n), b.Image))
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(48, 48))
		d.badges.Add(container.NewVBox(img, widget.NewLabel(badgeName(b))))
	}
}

// badgeName reads a badge's tier name from its ARC-3 metadata.
func badgeName(b badges.Badge) string {
	var meta struct {
		Properties struct {
			TierName string `json:"tier_name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b.Metadata, &meta); err != nil || meta.Properties.TierName == "" {
		return fmt.Sprintf("Tier %d", b.Tier)
	}
	return meta.Properties.TierName
}

// probe asks p's endpoint for its health off the UI goroutine and shows
// the answer if p is still the one shown.
func (d *providerDetail) probe(p ProviderListing) {
	if d.cancel != nil {
		d.cancel()
	}
	d.current = p.Address
	d.health.Importance = widget.MediumImportance
	d.health.SetText("checking…")
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	d.cancel = cancel
	d.spawn(func() {
		defer cancel()
		h, err := d.src.Health(ctx, p)
		fyne.Do(func() {
			if d.current != p.Address {
				return
			}
			if err != nil {
				setState(d.health, "unreachable: "+err.Error(), false)
				return
			}
			text := fmt.Sprintf("answers in %s · %d running, %d queued", formatLatency(h.Latency), h.Running, h.Queue)
			if h.Version != "" {
				text += " · version " + h.Version
			}
			if !h.SignatureChecked {
				setState(d.health, text+" · info signature does not match the registered address", false)
				return
			}
			setState(d.health, text+" · signed by the registered address", true)
		})
	})
}

// fmtSeconds writes a duration given in seconds: "45 s", "30 min", "2 h 5 min".
func fmtSeconds(s uint64) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return fmt.Sprintf("%d min", s/60)
	case s%3600/60 == 0:
		return fmt.Sprintf("%d h", s/3600)
	}
	return fmt.Sprintf("%d h %d min", s/3600, s%3600/60)
}
