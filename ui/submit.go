package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// submitTimeout bounds one submission: the x402 exchange and the escrow lock.
const submitTimeout = 3 * time.Minute

// bestMatchChoice is the provider selector's first choice.
const bestMatchChoice = "Best match (cheapest online provider that fits)"

// Submit is the job form: templates, field-level validation, the estimated
// cost and its share of the budget, and the choice of provider.
type Submit struct {
	providers ProviderSource
	sub       JobSubmitter
	onDone    func(JobID)
	now       func() time.Time
	spawn     func(func())
	content   fyne.CanvasObject

	list   []ProviderListing
	budget uint64
	known  bool // budget loaded

	template                                         *widget.Select
	image, command, gpus, vram, cpus, memory, minute *widget.Entry
	env                                              *widget.Entry
	egress                                           *widget.Check
	provider                                         *widget.Select
	errs                                             map[string]*widget.Label
	estimate, share, result                          *widget.Label
	send, cancelBtn                                  *widget.Button
	cancel                                           context.CancelFunc
}

// NewSubmit builds the form over the provider list and the consumer
// agent; onSubmitted, when not nil, is called with each new job's id.
func NewSubmit(providers ProviderSource, sub JobSubmitter, onSubmitted func(JobID)) *Submit {
	s := &Submit{providers: providers, sub: sub, onDone: onSubmitted, now: time.Now,
		spawn: func(f func()) { go f() }, errs: map[string]*widget.Label{}}
	entry := func() *widget.Entry {
		e := widget.NewEntry()
		e.OnChanged = func(string) { s.validate() }
		return e
	}
	s.image, s.gpus, s.vram, s.cpus, s.memory, s.minute = entry(), entry(), entry(), entry(), entry(), entry()
	s.command, s.env = entry(), entry()
	s.command.MultiLine, s.env.MultiLine = true, true
	s.command.Wrapping, s.env.Wrapping = fyne.TextWrapBreak, fyne.TextWrapBreak
	s.command.SetMinRowsVisible(3)
	s.env.SetMinRowsVisible(2)
	s.env.SetPlaceHolder("NAME=value, one a line")
	s.egress = widget.NewCheck("Allow network access (egress)", func(bool) { s.validate() })
	s.provider = widget.NewSelect([]string{bestMatchChoice}, func(string) { s.validate() })
	s.provider.SetSelectedIndex(0)
	s.estimate, s.share, s.result = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	for _, l := range []*widget.Label{s.estimate, s.share, s.result} {
		l.Wrapping = fyne.TextWrapWord
	}
	s.send = widget.NewButton("Submit and pay into escrow", s.doSubmit)
	s.send.Importance = widget.HighImportance
	s.cancelBtn = widget.NewButton("Cancel", func() {
		if s.cancel != nil {
			s.cancel()
		}
	})
	s.cancelBtn.Hide()
	names := make([]string, len(templates))
	for i, t := range templates {
		names[i] = t.Name
	}
	s.template = widget.NewSelect(names, func(name string) { s.apply(name) })

	s.content = s.layout()
	s.template.SetSelectedIndex(0)
	return s
}

// layout lays the form out with a message label under each field.
func (s *Submit) layout() fyne.CanvasObject {
	field := func(label, name string, o fyne.CanvasObject) []any {
		msg := widget.NewLabel("")
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		msg.Hide()
		s.errs[name] = msg
		return []any{label, container.NewVBox(o, msg)}
	}
	var pairs []any
	pairs = append(pairs, "Template", s.template)
	pairs = append(pairs, field("Image", fieldImage, s.image)...)
	pairs = append(pairs, field("Command", fieldCommand, s.command)...)
	pairs = append(pairs, field("GPUs", fieldGPUs, s.gpus)...)
	pairs = append(pairs, field("Min VRAM (GiB)", fieldVRAM, s.vram)...)
	pairs = append(pairs, field("CPUs", fieldCPUs, s.cpus)...)
	pairs = append(pairs, field("Memory (MiB)", fieldMemory, s.memory)...)
	pairs = append(pairs, field("Max duration (min)", fieldMinutes, s.minute)...)
	pairs = append(pairs, field("Environment", fieldEnv, s.env)...)
	pairs = append(pairs, "Network", s.egress)
	pairs = append(pairs, field("Provider", "provider", s.provider)...)
	cost := widget.NewCard("Estimated cost", "", container.NewVBox(s.estimate, s.share))
	return container.NewVScroll(container.NewVBox(form(pairs...), cost,
		container.NewHBox(s.send, s.cancelBtn), s.result))
}

// Content returns the screen's root object.
func (s *Submit) Content() fyne.CanvasObject { return s.content }

// Load reads the providers and the remaining budget off the UI goroutine.
func (s *Submit) Load(ctx context.Context) {
	var ps []ProviderListing
	var perr error
	if s.providers != nil {
		ps, perr = s.providers.Providers(ctx)
	}
	budget, berr := s.sub.Budget(ctx)
	if ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if perr == nil {
			s.list = ps
			opts := []string{bestMatchChoice}
			for _, p := range ps {
				opts = append(opts, providerChoice(p))
			}
			chosen := max(s.provider.SelectedIndex(), 0)
			s.provider.SetOptions(opts)
			s.provider.SetSelectedIndex(min(chosen, len(opts)-1))
		}
		s.budget, s.known = budget, berr == nil
		s.validate()
		switch {
		case perr != nil:
			s.showResult("Could not list providers: "+perr.Error(), widget.DangerImportance)
		case berr != nil:
			s.showResult("Could not read the budget: "+berr.Error(), widget.DangerImportance)
		}
	})
}

func providerChoice(p ProviderListing) string {
	return fmt.Sprintf("%s ×%d · %s/h · %s", p.GPUModel, p.GPUCount, fmtMicroAlgo(p.PricePerHour), shortAddr(p.Address))
}

// apply fills the form from the named template.
func (s *Submit) apply(name string) {
	for _, t := range templates {
		if t.Name != name {
			continue
		}
		s.image.SetText(t.Image)
		s.command.SetText(t.Command)
		s.gpus.SetText(fmt.Sprint(t.GPUs))
		s.vram.SetText(fmt.Sprint(t.MinVRAMGiB))
		s.cpus.SetText(t.CPUs)
		s.memory.SetText(t.MemoryMB)
		s.minute.SetText(t.Minutes)
		s.env.SetText(t.Env)
		s.egress.SetChecked(t.Egress)
	}
	s.validate()
}

func (s *Submit) input() formInput {
	return formInput{Image: s.image.Text, Command: s.command.Text, GPUs: s.gpus.Text, MinVRAM: s.vram.Text,
		CPUs: s.cpus.Text, Memory: s.memory.Text, Minutes: s.minute.Text, Env: s.env.Text, Egress: s.egress.Checked}
}

// Tab titles inside the Jobs tab.
const (
	tabJobList   = "My jobs"
	tabSubmitJob = "Submit job"
)

// NewJobsTab joins the Jobs list and the Submit form in the Jobs tab.
// A job submitted from the form opens the list.
func NewJobsTab(jobs *Jobs, submit *Submit) *container.AppTabs {
	list := container.NewTabItem(tabJobList, jobs.Content())
	tabs := container.NewAppTabs(list, container.NewTabItem(tabSubmitJob, submit.Content()))
	done := submit.onDone
	submit.onDone = func(id JobID) {
		tabs.Select(list)
		if done != nil {
			done(id)
		}
	}
	return tabs
}
