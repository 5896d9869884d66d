package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne has no chart widget; these two are drawn with canvas primitives.
// Their values change only on the UI goroutine.

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

// BarChart draws two series side by side per bucket — here, ALGO spent
// and earned per day — on a shared scale.
type BarChart struct {
	widget.BaseWidget
	a, b         []float64
	colorA, colB color.Color
}

// NewBarChart returns an empty two-series bar chart.
func NewBarChart(a, b color.Color) *BarChart {
	c := &BarChart{colorA: a, colB: b}
	c.ExtendBaseWidget(c)
	return c
}

// SetValues replaces both series; they must be of equal length.
func (c *BarChart) SetValues(a, b []float64) {
	c.a, c.b = append(c.a[:0], a...), append(c.b[:0], b...)
	c.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (c *BarChart) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	return &barRenderer{c: c, bg: bg}
}

type barRenderer struct {
	c    *BarChart
	bg   *canvas.Rectangle
	bars []*canvas.Rectangle
}

func (r *barRenderer) Destroy()           {}
func (r *barRenderer) MinSize() fyne.Size { return fyne.NewSize(240, 90) }
func (r *barRenderer) Refresh()           { r.Layout(r.c.Size()); canvas.Refresh(r.c) }
func (r *barRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg}
	for _, b := range r.bars {
		objs = append(objs, b)
	}
	return objs
}

func (r *barRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	n := min(len(r.c.a), len(r.c.b))
	for len(r.bars) < 2*n {
		col := r.c.colorA
		if len(r.bars)%2 == 1 {
			col = r.c.colB
		}
		r.bars = append(r.bars, canvas.NewRectangle(col))
	}
	r.bars = r.bars[:2*n]
	top := 0.0
	for i := range n {
		top = max(top, r.c.a[i], r.c.b[i])
	}
	if top <= 0 {
		top = 1
	}
	const pad = 4
	h := size.Height - 2*pad
	slot := (size.Width - 2*pad) / float32(max(n, 1))
	barW := max(slot/2-1, 1)
	for i := range n {
		for j, v := range []float64{r.c.a[i], r.c.b[i]} {
			bh := float32(max(v, 0)/top) * h
			bar := r.bars[2*i+j]
			bar.Move(fyne.NewPos(pad+float32(i)*slot+float32(j)*barW, pad+h-bh))
			bar.Resize(fyne.NewSize(barW, bh))
		}
	}
}
