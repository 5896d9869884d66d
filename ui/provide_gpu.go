package ui

import (
	"fmt"
	"image/color"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// GPU telemetry cards of the Provide screen (provide.go).

var (
	utilColor  = color.NRGBA{R: 0x3b, G: 0x82, B: 0xf6, A: 0xff}
	tempColor  = color.NRGBA{R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff}
	powerColor = color.NRGBA{R: 0xa8, G: 0x55, B: 0xf7, A: 0xff}
)

type gpuCard struct {
	card              *widget.Card
	util, temp, power *widget.Label
	utilS, tempS, pwS *Sparkline
}

func newGPUCard(g GPUReading) *gpuCard {
	c := &gpuCard{
		util: widget.NewLabel(""), temp: widget.NewLabel(""), power: widget.NewLabel(""),
		utilS: NewSparkline(100, utilColor), tempS: NewSparkline(100, tempColor), pwS: NewSparkline(0, powerColor),
	}
	// Each sparkline is named on its left and shows its current value, with
	// its unit, on its right.
	row := func(name string, l *widget.Label, s *Sparkline) fyne.CanvasObject {
		n := widget.NewLabel(name)
		n.Importance = widget.LowImportance
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(96, 36), n),
			container.NewGridWrap(fyne.NewSize(104, 36), l), s)
	}
	c.card = widget.NewCard(fmt.Sprintf("#%d %s", g.Index, g.Name), "",
		container.NewVBox(row("Utilization", c.util, c.utilS), row("Temperature", c.temp, c.tempS), row("Power", c.power, c.pwS)))
	return c
}

// applyTelemetry shows the latest reading and each GPU's history.
func (p *Provide) applyTelemetry(samples []TelemetrySample) {
	if len(samples) == 0 {
		p.setGPUBox(widget.NewLabel("Reading the GPUs…"))
		return
	}
	last := samples[len(samples)-1]
	if last.CPUOnly || last.Err != nil {
		text := provideCPUOnlyText
		if !last.CPUOnly {
			text = "Could not read the GPUs (NVML): " + last.Err.Error()
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		p.gpuCards = map[int]*gpuCard{}
		p.setGPUBox(l)
		return
	}
	series := map[int][3][]float64{}
	for _, s := range samples {
		for _, g := range s.GPUs {
			v := series[g.Index]
			v[0], v[1], v[2] = append(v[0], g.UtilizationPct), append(v[1], g.TemperatureC), append(v[2], g.PowerW)
			series[g.Index] = v
		}
	}
	gpus := append([]GPUReading(nil), last.GPUs...)
	sort.Slice(gpus, func(i, j int) bool { return gpus[i].Index < gpus[j].Index })
	objs := make([]fyne.CanvasObject, 0, len(gpus))
	for _, g := range gpus {
		c, ok := p.gpuCards[g.Index]
		if !ok {
			c = newGPUCard(g)
			p.gpuCards[g.Index] = c
		}
		c.util.SetText(fmt.Sprintf("%.0f%% busy", g.UtilizationPct))
		c.temp.SetText(fmt.Sprintf("%.0f°C", g.TemperatureC))
		if g.LimitW > 0 {
			c.power.SetText(fmt.Sprintf("%.0f / %.0f W", g.PowerW, g.LimitW))
		} else {
			c.power.SetText(fmt.Sprintf("%.0f W", g.PowerW))
		}
		v := series[g.Index]
		c.utilS.SetValues(v[0])
		c.tempS.SetValues(v[1])
		c.pwS.max = g.LimitW
		c.pwS.SetValues(v[2])
		objs = append(objs, c.card)
	}
	p.setGPUBox(objs...)
}

// setGPUBox replaces the GPU area and lays the screen out again, since its
// height changes with what it holds.
func (p *Provide) setGPUBox(objs ...fyne.CanvasObject) {
	p.gpuBox.Objects = objs
	p.gpuBox.Refresh()
	if p.content != nil {
		p.content.Refresh()
	}
}
