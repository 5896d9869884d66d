package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// reloadTimeout bounds a listing asked for with the reload button.
const reloadTimeout = time.Minute

// Marketplace lists the providers registered on-chain in a virtualized
// list (only the visible rows are built and updated), with search, filters,
// sort and a detail pane. Create it with NewMarketplace, place Content in a
// window and call Load from a goroutine.
type Marketplace struct {
	src     ProviderSource
	now     func() time.Time
	content fyne.CanvasObject

	all    []ProviderListing // as loaded
	loaded bool              // whether all holds an answer
	shown  []ProviderListing // filtered and sorted; what the list shows
	// filter holds the controls' last valid values.
	filter ProviderFilter

	search, minVRAM, maxPrice, minRep *widget.Entry
	model, sort                       *widget.Select
	online                            *widget.Check
	reload                            *widget.Button
	filterErr, status                 *widget.Label
	list                              *widget.List
	detail                            *providerDetail
}

// NewMarketplace builds the Marketplace over src; until Load completes it
// says it is loading.
func NewMarketplace(src ProviderSource) *Marketplace {
	m := &Marketplace{src: src, now: time.Now}
	m.status = widget.NewLabel("Loading providers from the Registry…")
	m.filterErr = widget.NewLabel("")
	m.filterErr.Importance = widget.DangerImportance
	m.filterErr.Hide()

	m.search = widget.NewEntry()
	m.search.SetPlaceHolder("Search address, GPU or endpoint")
	m.minVRAM, m.maxPrice, m.minRep = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	m.minVRAM.SetPlaceHolder("Min VRAM (GiB)")
	m.maxPrice.SetPlaceHolder("Max ALGO/h")
	m.minRep.SetPlaceHolder("Min reputation %")
	for _, e := range []*widget.Entry{m.search, m.minVRAM, m.maxPrice, m.minRep} {
		e.OnChanged = func(string) { m.refilter() }
	}
	m.model = widget.NewSelect([]string{allGPUs}, func(string) { m.refilter() })
	m.model.SetSelectedIndex(0)
	m.sort = widget.NewSelect(sortLabels, func(string) { m.refilter() })
	m.sort.SetSelectedIndex(0)
	m.online = widget.NewCheck("Online only", func(bool) { m.refilter() })
	m.reload = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
			defer cancel()
			m.Load(ctx)
		}()
	})

	m.list = widget.NewList(func() int { return len(m.shown) }, newProviderRow, m.updateRow)
	m.list.OnSelected = func(id widget.ListItemID) { m.detail.show(m.shown[id]) }
	m.detail = newProviderDetail(src, m.now)

	filters := container.NewGridWithColumns(4, m.minVRAM, m.maxPrice, m.minRep, m.online)
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(m.model, m.sort, m.reload), m.search),
		filters, m.filterErr, m.status)
	split := container.NewHSplit(m.list, m.detail.content)
	split.SetOffset(0.55)
	m.content = container.NewBorder(top, nil, nil, nil, split)
	return m
}

// Content returns the screen's root object.
func (m *Marketplace) Content() fyne.CanvasObject { return m.content }

// Load lists the providers off the UI goroutine and shows them; on error it
// shows the error and keeps what was shown before. It returns when the
// answer is applied or ctx ends.
func (m *Marketplace) Load(ctx context.Context) {
	if m.src == nil {
		fyne.Do(func() {
			m.status.SetText("No provider discovery is connected: this build has no consumer agent to read the Registry.")
		})
		return
	}
	fyne.Do(func() { m.status.SetText("Loading providers from the Registry…") })
	ps, err := m.src.Providers(ctx)
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if err != nil {
			m.status.Importance = widget.DangerImportance
			m.status.SetText("Could not list providers: " + err.Error())
			return
		}
		m.status.Importance = widget.MediumImportance
		m.all, m.loaded = ps, true
		models := gpuModels(ps)
		m.model.SetOptions(models)
		if !slices.Contains(models, m.model.Selected) {
			m.model.SetSelectedIndex(0)
		}
		m.refilter()
	})
}

// readFilter reads the controls into a filter; it returns the message to
// show when a number does not parse.
func (m *Marketplace) readFilter() (ProviderFilter, string) {
	f := ProviderFilter{Search: m.search.Text, OnlineOnly: m.online.Checked, Sort: SortOrder(max(m.sort.SelectedIndex(), 0))}
	if m.model.Selected != allGPUs {
		f.GPUModel = m.model.Selected
	}
	if s := strings.TrimSpace(m.minVRAM.Text); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || v > 1<<20 {
			return f, "Min VRAM must be a number of GiB"
		}
		f.MinVRAMMB = uint64(v * 1024)
	}
	if s := strings.TrimSpace(m.maxPrice.Text); s != "" {
		v, err := parseAlgo(s)
		if err != nil {
			return f, "Max price must be an ALGO amount, e.g. 1.5"
		}
		f.MaxPrice = v
	}
	if s := strings.TrimSpace(m.minRep.Text); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || v > 100 {
			return f, "Min reputation must be a percentage from 0 to 100"
		}
		f.MinReputation = v
	}
	return f, ""
}

// refilter applies the controls to the loaded providers. It runs on the UI
// goroutine; filtering 10,000 providers takes a few milliseconds.
func (m *Marketplace) refilter() {
	if m.list == nil { // a control fired while the screen is being built
		return
	}
	f, msg := m.readFilter()
	if msg != "" {
		m.filterErr.SetText(msg)
		m.filterErr.Show()
		return
	}
	m.filterErr.Hide()
	m.filter = f
	if !m.loaded {
		return
	}
	m.shown = f.Apply(m.all, m.now())
	m.list.UnselectAll()
	m.list.Refresh()
	switch {
	case len(m.all) == 0:
		m.status.SetText("No provider is registered on this network yet.")
	case len(m.shown) == 0:
		m.status.SetText(fmt.Sprintf("No provider matches these filters (%d registered).", len(m.all)))
	default:
		m.status.SetText(fmt.Sprintf("%d of %d providers", len(m.shown), len(m.all)))
	}
}

// providerRow is the template of one list row.
type providerRow struct {
	widget.BaseWidget
	gpu, price, rep, state *widget.Label
	box                    fyne.CanvasObject
}

func newProviderRow() fyne.CanvasObject {
	r := &providerRow{gpu: widget.NewLabel("GPU model ×8 · 80 GiB"), price: widget.NewLabel("0.000000 ALGO/h"),
		rep: widget.NewLabel("100% · 99999 jobs"), state: widget.NewLabel("offline")}
	r.gpu.Truncation = fyne.TextTruncateEllipsis
	r.box = container.NewBorder(nil, nil, nil, container.NewHBox(r.price, r.rep, r.state), r.gpu)
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer draws the row's labels.
func (r *providerRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (m *Marketplace) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(m.shown) {
		return
	}
	p, r := m.shown[id], o.(*providerRow)
	r.gpu.SetText(fmt.Sprintf("%s ×%d · %s", p.GPUModel, p.GPUCount, fmtGiB(p.VRAMMB)))
	r.price.SetText(fmtMicroAlgo(p.PricePerHour) + "/h")
	r.rep.SetText(fmt.Sprintf("%.0f%% · %d jobs", p.Score(), p.Completed+p.Failed+p.Disputed))
	if p.Online(m.now()) {
		r.state.Importance = widget.SuccessImportance
		r.state.SetText("online")
	} else {
		r.state.Importance = widget.LowImportance
		r.state.SetText("offline")
	}
}
