package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/go-analyze/charts"
)

// Fyne has no chart widget. The small live sparklines of the Provide
// screen are drawn with canvas primitives (their current value and unit
// are labelled beside them); the Wallet's activity chart, which needs axes
// and a legend, is rendered to an image by github.com/go-analyze/charts. Their values change only on the UI goroutine.

// Sparkline draws a series of values as a line, scaled between 0 and a
// fixed maximum (or the series' largest value when max is 0).
type Sparkline struct {
	widget.BaseWidget
	values []float64
	max    float64
	stroke color.Color
}

// NewSparkline returns an empty sparkline scaled to max (0: automatic).
func NewSparkline(max float64, stroke color.Color) *Sparkline {
	s := &Sparkline{max: max, stroke: stroke}
	s.ExtendBaseWidget(s)
	return s
}

// SetValues replaces the series and redraws it.
func (s *Sparkline) SetValues(v []float64) {
	s.values = append(s.values[:0], v...)
	s.Refresh()
}

// Values returns a copy of the series shown.
func (s *Sparkline) Values() []float64 { return append([]float64(nil), s.values...) }

// CreateRenderer implements fyne.Widget.
func (s *Sparkline) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	return &sparkRenderer{s: s, bg: bg}
}

type sparkRenderer struct {
	s     *Sparkline
	bg    *canvas.Rectangle
	lines []*canvas.Line
}

func (r *sparkRenderer) Destroy()           {}
func (r *sparkRenderer) MinSize() fyne.Size { return fyne.NewSize(140, 36) }
func (r *sparkRenderer) Refresh()           { r.rebuild(); r.Layout(r.s.Size()); canvas.Refresh(r.s) }
func (r *sparkRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg}
	for _, l := range r.lines {
		objs = append(objs, l)
	}
	return objs
}

func (r *sparkRenderer) rebuild() {
	n := max(len(r.s.values)-1, 0)
	for len(r.lines) < n {
		l := canvas.NewLine(r.s.stroke)
		l.StrokeWidth = 1.5
		r.lines = append(r.lines, l)
	}
	r.lines = r.lines[:n]
}

func (r *sparkRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.rebuild()
	vs := r.s.values
	top := r.s.max
	for _, v := range vs {
		top = max(top, v)
	}
	if top <= 0 {
		top = 1
	}
	const pad = 3
	h := size.Height - 2*pad
	step := (size.Width - 2*pad) / float32(max(len(vs)-1, 1))
	point := func(i int) fyne.Position {
		v := max(vs[i], 0)
		return fyne.NewPos(pad+float32(i)*step, pad+h-float32(v/top)*h)
	}
	for i, l := range r.lines {
		l.Position1, l.Position2 = point(i), point(i+1)
	}
}

// ChartSeries is one named, coloured series of a DailyChart, one value per
// day, in ALGO.
type ChartSeries struct {
	Name   string
	Color  color.Color
	Values []float64
}

// dailyChartEmpty is what a DailyChart without any day shows.
const dailyChartEmpty = "No activity to chart yet."

// DailyChart is a bar chart of ALGO amounts per day, with a date axis, an
// ALGO axis and a legend, rendered to an image by go-analyze/charts. The
// image is rendered off the UI goroutine at the widget's pixel size and
// again when the widget is resized, the theme changes or the data does; a
// render that a newer one supersedes is dropped.
type DailyChart struct {
	widget.BaseWidget
	days   []time.Time
	series []ChartSeries

	// run runs a render off the UI goroutine; do hands its result back to
	// the UI goroutine (fyne.Do). Tests replace both.
	run, do func(func())

	// Fields below belong to the UI goroutine.
	img     *canvas.Image
	empty   *canvas.Text
	gen     uint64   // bumped by every data change
	last    chartJob // the last render asked for
	asked   bool     // whether last is set
	shown   uint64   // the sequence number of the render on screen
	seq     uint64   // renders asked for
	lastErr error    // the last render's error, if any
	mu      sync.Mutex
	pending *chartJob // the render the worker does next
	busy    bool      // whether a worker goroutine runs
}

// NewDailyChart returns an empty chart.
func NewDailyChart() *DailyChart {
	c := &DailyChart{run: func(f func()) { go f() }, do: fyne.Do}
	c.img = canvas.NewImageFromImage(nil)
	c.img.FillMode = canvas.ImageFillStretch
	c.img.ScaleMode = canvas.ImageScaleSmooth
	c.empty = canvas.NewText(dailyChartEmpty, theme.Color(theme.ColorNamePlaceHolder))
	c.empty.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	return c
}

// SetData replaces the days and the series (each with one value per day)
// and redraws the chart. Call it on the UI goroutine.
func (c *DailyChart) SetData(days []time.Time, series []ChartSeries) {
	c.days = append([]time.Time(nil), days...)
	c.series = make([]ChartSeries, 0, len(series)) // a render in flight keeps the old slice
	for _, s := range series {
		c.series = append(c.series, ChartSeries{Name: s.Name, Color: s.Color, Values: append([]float64(nil), s.Values...)})
	}
	c.gen++
	c.Refresh()
}

// Image returns the image shown, nil before the first render or while the
// chart has no day.
func (c *DailyChart) Image() image.Image { return c.img.Image }

// chartJob is everything one render needs, copied on the UI goroutine so
// the worker shares nothing with the widget.
type chartJob struct {
	seq           uint64
	gen           uint64
	width, height int     // pixels
	scale         float32 // pixels per Fyne unit
	fg, bg, grid  color.Color
	dark          bool
	labels        []string
	series        []ChartSeries
}

// same says whether j would render the same image as o.
func (j chartJob) same(o chartJob) bool {
	return j.gen == o.gen && j.width == o.width && j.height == o.height && j.scale == o.scale &&
		sameColor(j.fg, o.fg) && sameColor(j.bg, o.bg) && sameColor(j.grid, o.grid) && j.dark == o.dark
}

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == b
	}
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// request asks for a render at size unless the image on screen (or the one
// on its way) already matches it. It runs on the UI goroutine.
func (c *DailyChart) request(size fyne.Size) {
	if len(c.days) == 0 {
		c.img.Image = nil
		c.img.Hide()
		c.empty.Show()
		c.asked = false
		return
	}
	c.empty.Hide()
	c.img.Show()
	scale := float32(1)
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c); cv != nil {
		scale = cv.Scale()
	}
	w, h := int(size.Width*scale+0.5), int(size.Height*scale+0.5)
	if w < 32 || h < 32 {
		return // not laid out yet
	}
	j := chartJob{gen: c.gen, width: w, height: h, scale: scale,
		fg: theme.Color(theme.ColorNameForeground), bg: theme.Color(theme.ColorNameInputBackground),
		grid: theme.Color(theme.ColorNameSeparator), dark: isDark(theme.Color(theme.ColorNameBackground))}
	if c.asked && j.same(c.last) {
		return
	}
	c.seq++
	j.seq = c.seq
	j.labels = make([]string, len(c.days))
	for i, d := range c.days {
		j.labels[i] = d.Format("Jan 2")
	}
	j.series = c.series // replaced, never mutated, by SetData
	c.last, c.asked = j, true

	c.mu.Lock()
	c.pending = &j
	start := !c.busy
	c.busy = true
	c.mu.Unlock()
	if start {
		c.run(c.work)
	}
}

// work renders the pending jobs until none is left, then ends: no
// goroutine outlives the renders it was started for.
func (c *DailyChart) work() {
	for {
		c.mu.Lock()
		j := c.pending
		c.pending = nil
		if j == nil {
			c.busy = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		img, err := renderDailyChart(*j)
		c.do(func() { c.apply(j.seq, img, err) })
	}
}

// apply shows a finished render unless a newer one is already shown.
func (c *DailyChart) apply(seq uint64, img image.Image, err error) {
	if seq < c.shown || len(c.days) == 0 {
		return
	}
	c.shown, c.lastErr = seq, err
	if err != nil {
		c.empty.Text = "Could not draw the chart: " + err.Error()
		c.empty.Show()
		c.empty.Refresh()
		return
	}
	c.img.Image = img
	c.img.Refresh()
}

// isDark says whether a background colour is dark.
func isDark(bg color.Color) bool {
	r, g, b, _ := bg.RGBA()
	return (299*r+587*g+114*b)/1000 < 0x8000
}

func chartColor(c color.Color) charts.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return charts.Color{R: n.R, G: n.G, B: n.B, A: n.A}
}

// renderDailyChart draws j; it touches no widget.
func renderDailyChart(j chartJob) (image.Image, error) {
	colors := make([]charts.Color, len(j.series))
	names := make([]string, len(j.series))
	values := make([][]float64, len(j.series))
	top := 0.0
	for i, s := range j.series {
		colors[i], names[i] = chartColor(s.Color), s.Name
		values[i] = make([]float64, len(j.labels))
		copy(values[i], s.Values)
		for _, v := range values[i] {
			top = max(top, v)
		}
	}
	th := charts.MakeTheme(charts.ThemeOption{IsDarkMode: j.dark,
		BackgroundColor: chartColor(j.bg), TextColor: chartColor(j.fg),
		AxisStrokeColor: chartColor(j.fg), AxisSplitLineColor: chartColor(j.grid), SeriesColors: colors})
	font := func(pt float64) charts.FontStyle { return charts.NewFontStyleWithSize(pt * float64(j.scale)) }
	pad := int(8 * j.scale)
	opt := charts.NewBarChartOptionWithData(values)
	opt.Theme = th
	opt.Padding = charts.NewBox(pad, pad, 2*pad, pad)
	opt.Legend = charts.LegendOption{SeriesNames: names, Offset: charts.OffsetRight, FontStyle: font(11)}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: j.labels, LabelCount: min(len(j.labels), 6),
		LabelFontStyle: font(10)}
	axis := charts.ValueAxisOption{Title: "ALGO", TitleFontStyle: font(10), LabelFontStyle: font(10),
		Min: charts.Ptr(0.0), ValueFormatter: algoTick}
	if top == 0 {
		axis.Max = charts.Ptr(1.0) // nothing moved: a 0–1 ALGO scale
	}
	opt.ValueAxis = []charts.ValueAxisOption{axis}
	if len(j.labels) <= 7 {
		opt.SeriesLabelPosition = charts.PositionTop // few bars: print their values
		for i := range opt.SeriesList {
			opt.SeriesList[i].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: font(10), ValueFormatter: algoTick}
		}
	}
	p := charts.NewPainter(charts.PainterOptions{Width: j.width, Height: j.height, OutputFormat: charts.ChartOutputPNG})
	if err := p.BarChart(opt); err != nil {
		return nil, err
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, err
	}
	return png.Decode(bytes.NewReader(b))
}

// algoTick formats an axis or bar value in ALGO: as many decimals as small
// amounts need, at most six.
func algoTick(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	case v >= 0.1:
		return fmt.Sprintf("%.2f", v)
	case v >= 0.001:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.6f", v)
}

// CreateRenderer implements fyne.Widget.
func (c *DailyChart) CreateRenderer() fyne.WidgetRenderer { return &dailyRenderer{c: c} }

type dailyRenderer struct{ c *DailyChart }

func (r *dailyRenderer) Destroy()                     {}
func (r *dailyRenderer) MinSize() fyne.Size           { return fyne.NewSize(320, 200) }
func (r *dailyRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.c.img, r.c.empty} }
func (r *dailyRenderer) Layout(size fyne.Size) {
	r.c.img.Resize(size)
	r.c.empty.Resize(size)
	r.c.empty.Move(fyne.NewPos(0, 0))
	r.c.request(size)
}

// Refresh re-renders when the theme or the data changed.
func (r *dailyRenderer) Refresh() {
	r.c.empty.Color = theme.Color(theme.ColorNamePlaceHolder)
	r.c.empty.Refresh()
	r.c.request(r.c.Size())
	canvas.Refresh(r.c)
}
