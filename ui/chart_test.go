package ui

import (
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

var chartDay = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// chartDays returns n consecutive days from chartDay.
func chartDays(n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = chartDay.AddDate(0, 0, i)
	}
	return out
}

// newTestChart shows a DailyChart, rendered inline, alone in a window of
// the given size.
func newTestChart(t *testing.T, size fyne.Size) (*DailyChart, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	c := NewDailyChart()
	c.run = func(f func()) { f() }
	w := test.NewTempWindow(t, c)
	w.SetPadded(false)
	w.Resize(size)
	return c, w
}

func twoSeries(spent, earned []float64) []ChartSeries {
	return []ChartSeries{{Name: "spent", Color: spentColor, Values: spent}, {Name: "earned", Color: earnedColor, Values: earned}}
}

func TestDailyChartEmpty(t *testing.T) {
	c, w := newTestChart(t, fyne.NewSize(480, 240))
	c.SetData(nil, nil)
	if c.Image() != nil || c.img.Visible() || !c.empty.Visible() || c.empty.Text != dailyChartEmpty {
		t.Fatalf("empty chart: image %v, placeholder %q visible %v", c.Image() != nil, c.empty.Text, c.empty.Visible())
	}
	test.AssertImageMatches(t, "chart_empty.png", w.Canvas().Capture())
}

func TestDailyChartOnePoint(t *testing.T) {
	c, w := newTestChart(t, fyne.NewSize(480, 240))
	c.SetData(chartDays(1), twoSeries([]float64{0.25}, []float64{1.5}))
	if c.Image() == nil || c.empty.Visible() {
		t.Fatal("one day was not rendered")
	}
	test.AssertImageMatches(t, "chart_one_day.png", w.Canvas().Capture())
}

func TestDailyChartManyPoints(t *testing.T) {
	c, w := newTestChart(t, fyne.NewSize(720, 260))
	spent, earned := make([]float64, 30), make([]float64, 30)
	for i := range 30 {
		spent[i] = float64(i%7) * 0.1
		earned[i] = float64((i*5)%11) * 0.2
	}
	c.SetData(chartDays(30), twoSeries(spent, earned))
	if c.Image() == nil {
		t.Fatal("30 days were not rendered")
	}
	test.AssertImageMatches(t, "chart_30_days.png", w.Canvas().Capture())
}

func TestDailyChartNothingMoved(t *testing.T) {
	c, _ := newTestChart(t, fyne.NewSize(480, 240))
	c.SetData(chartDays(30), twoSeries(make([]float64, 30), make([]float64, 30)))
	if c.Image() == nil || c.lastErr != nil {
		t.Fatalf("an all-zero month: image %v, error %v", c.Image() != nil, c.lastErr)
	}
}

// TestDailyChartFollowsSize resizes the chart: the image is rendered again
// at the new pixel size, and not again when nothing changed.
func TestDailyChartFollowsSize(t *testing.T) {
	c, w := newTestChart(t, fyne.NewSize(400, 200))
	c.SetData(chartDays(3), twoSeries([]float64{1, 2, 3}, []float64{3, 2, 1}))
	if b := c.Image().Bounds(); b.Dx() != 400 || b.Dy() != 200 {
		t.Fatalf("image %v, want 400×200", b)
	}
	w.Resize(fyne.NewSize(640, 300))
	if b := c.Image().Bounds(); b.Dx() != 640 || b.Dy() != 300 {
		t.Fatalf("after resize: image %v, want 640×300", b)
	}
	renders := c.seq
	c.Refresh()
	w.Resize(fyne.NewSize(640, 300))
	if c.seq != renders {
		t.Errorf("%d renders for an unchanged chart", c.seq-renders)
	}
}

// TestDailyChartFollowsTheme switches to the light theme: the chart is
// rendered again on the new background.
func TestDailyChartFollowsTheme(t *testing.T) {
	c, w := newTestChart(t, fyne.NewSize(400, 200))
	c.SetData(chartDays(2), twoSeries([]float64{1, 2}, []float64{0, 1}))
	before := color.NRGBAModel.Convert(c.Image().At(2, 2)).(color.NRGBA)
	renders := c.seq
	test.ApplyTheme(t, test.NewTheme())
	w.Content().Refresh()
	after := color.NRGBAModel.Convert(c.Image().At(2, 2)).(color.NRGBA)
	if c.seq == renders || before == after {
		t.Errorf("theme change: %d new renders, corner %v then %v", c.seq-renders, before, after)
	}
}

// TestDailyChartRendersOffTheUIGoroutine renders on worker goroutines and
// applies the results on the test goroutine, as fyne.Do would on the UI
// goroutine: a burst of changes ends with the last one shown, and every
// worker goroutine started has ended.
func TestDailyChartRendersOffTheUIGoroutine(t *testing.T) {
	test.NewTempApp(t)
	c := NewDailyChart()
	ui := make(chan func(), 64)
	ended := make(chan struct{}, 64)
	started := 0
	c.run = func(f func()) {
		started++
		go func() { f(); ended <- struct{}{} }()
	}
	c.do = func(f func()) { ui <- f }
	w := test.NewTempWindow(t, c)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(300, 200))
	for i := range 20 {
		c.SetData(chartDays(i+1), twoSeries(make([]float64, i+1), make([]float64, i+1)))
	}
	timeout := time.After(20 * time.Second)
	for done := 0; done < started; {
		select {
		case f := <-ui:
			f()
		case <-ended:
			done++
		case <-timeout:
			t.Fatalf("%d of %d renders ended within 20 s", done, started)
		}
	}
	for len(ui) > 0 {
		(<-ui)()
	}
	if started == 0 || started > 20 {
		t.Errorf("%d workers for 20 changes", started)
	}
	if c.shown != c.seq || c.Image() == nil || c.Image().Bounds().Dx() != 300 {
		t.Errorf("render %d shown of %d asked for (image %v)", c.shown, c.seq, c.Image() != nil)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy || c.pending != nil {
		t.Error("a worker is still marked busy after the last render")
	}
}
