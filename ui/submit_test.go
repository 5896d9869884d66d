package ui

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeSubmitter is a JobSubmitter that records what it was asked.
type fakeSubmitter struct {
	budget    uint64
	budgetErr error
	submitErr error
	got       []JobRequest
}

func (f *fakeSubmitter) Budget(context.Context) (uint64, error) { return f.budget, f.budgetErr }
func (f *fakeSubmitter) Submit(_ context.Context, req JobRequest) (JobID, error) {
	f.got = append(f.got, req)
	return testJobID(0x5e), f.submitErr
}

func newTestSubmit(t *testing.T, ps []ProviderListing, sub *fakeSubmitter) (*Submit, fyne.Window, *[]JobID) {
	t.Helper()
	test.NewTempApp(t)
	var done []JobID
	src := &fakeProviders{providers: func(context.Context) ([]ProviderListing, error) { return ps, nil }}
	s := NewSubmit(src, sub, func(id JobID) { done = append(done, id) })
	s.now = func() time.Time { return marketNow }
	s.spawn = func(f func()) { f() }
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(900, 1000))
	s.Load(context.Background())
	return s, w, &done
}

func TestSubmitTemplateBestMatchAndCost(t *testing.T) {
	sub := &fakeSubmitter{budget: 4_000_000}
	s, _, done := newTestSubmit(t, sampleProviders(), sub)
	// PyTorch: 1 GPU, 8 GiB, 30 min: the cheapest online fit is provider 2 at 0.6 ALGO/h
	// (provider 3 is cheaper but offline).
	if got, want := s.estimate.Text, "Up to 0.3 ALGO locked in escrow: 30 min at 0.6 ALGO/h on NVIDIA GeForce RTX 4090 ×1 (PROV00…000002). Unused funds come back at settlement."; got != want {
		t.Fatalf("estimate %q\nwant %q", got, want)
	}
	if got := s.share.Text; got != "7.5% of the 4 ALGO your budget still allows." {
		t.Fatalf("share %q", got)
	}
	test.Tap(s.send)
	if len(sub.got) != 1 {
		t.Fatalf("Submit called %d times", len(sub.got))
	}
	req := sub.got[0]
	if req.Provider != sampleProviders()[1].Address || req.Image != "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime" ||
		req.GPUs != 1 || req.MinVRAMMB != 8192 || req.MaxSeconds != 1800 || len(req.Command) != 3 || req.Command[0] != "python" || req.Command[1] != "-c" {
		t.Fatalf("request %+v", req)
	}
	if s.result.Text != "Submitted job "+testJobID(0x5e).String()+"; follow it in Jobs." || len(*done) != 1 {
		t.Fatalf("result %q, onSubmitted %v", s.result.Text, *done)
	}

	s.template.SetSelected("Image generation")
	if s.env.Text != "PROMPT=a lighthouse on a cliff at dawn, oil painting" || !s.egress.Checked {
		t.Fatalf("image generation template: env %q, egress %v", s.env.Text, s.egress.Checked)
	}
	s.template.SetSelected("Container command")
	if s.gpus.Text != "0" || s.image.Text != "busybox:1.36" {
		t.Fatalf("container template: gpus %q image %q", s.gpus.Text, s.image.Text)
	}
}

func TestSubmitFieldValidation(t *testing.T) {
	sub := &fakeSubmitter{budget: 4_000_000}
	s, _, _ := newTestSubmit(t, sampleProviders(), sub)
	tests := []struct {
		field string
		set   func()
		want  string
	}{
		{fieldImage, func() { s.image.SetText("") }, "An image is required, e.g. busybox:1.36"},
		{fieldImage, func() { s.image.SetText("busy box") }, "An image reference has no spaces"},
		{fieldCommand, func() { s.command.SetText(`sh -c "echo hi`) }, `The command has an unclosed " quote`},
		{fieldGPUs, func() { s.gpus.SetText("two") }, "GPUs must be a whole number from 0 to 16"},
		{fieldVRAM, func() { s.gpus.SetText("0") }, "Min VRAM needs at least one GPU"},
		{fieldCPUs, func() { s.cpus.SetText("0") }, "CPUs must be a number above 0 and at most 256"},
		{fieldMemory, func() { s.memory.SetText("32") }, "Memory must be whole MiB from 64 to 2097152"},
		{fieldMinutes, func() { s.minute.SetText("1.5") }, "Max duration must be whole minutes from 1 to 10080"},
		{fieldEnv, func() { s.env.SetText("OK=1\n9LIVES=x") }, "Line 2: expected NAME=value with NAME of letters, digits and _"},
		{"provider", func() { s.vram.SetText("100") }, "No online provider has the GPUs, VRAM and job length this job needs"},
		// Choices: 0 best match, then the providers in sampleProviders' order.
		{"provider", func() { s.vram.SetText("100"); s.provider.SetSelectedIndex(3) }, "This provider has 24 GiB VRAM per GPU; the job asks for 100 GiB"},
		{"provider", func() { s.provider.SetSelectedIndex(2); s.minute.SetText("180") }, "This provider takes jobs of at most 2 h; the job asks for up to 3 h"},
		{"provider", func() { s.provider.SetSelectedIndex(3) }, "This provider is offline"},
	}
	for _, tt := range tests {
		s.template.SetSelected("PyTorch script")
		s.provider.SetSelectedIndex(0)
		tt.set()
		l := s.errs[tt.field]
		if !l.Visible() || l.Text != tt.want {
			t.Errorf("%s: message %q (shown %v), want %q", tt.field, l.Text, l.Visible(), tt.want)
		}
		if !s.send.Disabled() {
			t.Errorf("%s: submit enabled with an invalid field", tt.field)
		}
		test.Tap(s.send)
	}
	if len(sub.got) != 0 {
		t.Fatalf("an invalid form was submitted: %+v", sub.got)
	}
	s.template.SetSelected("PyTorch script")
	s.provider.SetSelectedIndex(0)
	for name, l := range s.errs {
		if l.Visible() {
			t.Errorf("%s still shows %q after the template reset the form", name, l.Text)
		}
	}
}

func TestSubmitBudgetAndErrors(t *testing.T) {
	sub := &fakeSubmitter{budget: 200_000}
	s, _, _ := newTestSubmit(t, sampleProviders(), sub)
	if got := s.share.Text; got != "More than the 0.2 ALGO your budget still allows." || !s.send.Disabled() {
		t.Fatalf("over budget: %q, submit disabled %v", got, s.send.Disabled())
	}
	sub.budget, sub.budgetErr = 0, errors.New("wallet locked")
	s.Load(context.Background())
	if s.result.Text != "Could not read the budget: wallet locked" || s.share.Text != "The remaining budget is not known yet." {
		t.Fatalf("budget error: %q / %q", s.result.Text, s.share.Text)
	}
	sub.budget, sub.budgetErr = 10_000_000, nil
	s.Load(context.Background())
	sub.submitErr = fmt.Errorf("x402: payment refused: %w", errors.New("invalid_exact_avm_payload_amount"))
	test.Tap(s.send)
	if s.result.Text != "Submit failed: x402: payment refused: invalid_exact_avm_payload_amount" {
		t.Fatalf("submit error: %q", s.result.Text)
	}
}

func TestSubmitEmptyMarket(t *testing.T) {
	s, _, _ := newTestSubmit(t, nil, &fakeSubmitter{budget: 1_000_000})
	if l := s.errs["provider"]; l.Text != "No provider is listed on this network" || !l.Visible() {
		t.Fatalf("provider message %q", l.Text)
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct{ in, want string }{
		{`python -c "print('a b')"`, `[python -c print('a b')]`},
		{`sh -c 'echo "x"  y'`, `[sh -c echo "x"  y]`},
		{`a\ b c`, `[a b c]`},
		{``, `[]`},
	}
	for _, tt := range tests {
		got, msg := splitCommand(tt.in)
		if msg != "" || fmt.Sprint(got) != tt.want {
			t.Errorf("%q → %q %q, want %s", tt.in, got, msg, tt.want)
		}
	}
}

func TestSubmitGolden(t *testing.T) {
	s, w, _ := newTestSubmit(t, sampleProviders(), &fakeSubmitter{budget: 4_000_000})
	s.memory.SetText("lots")
	test.AssertImageMatches(t, "submit.png", w.Canvas().Capture())
}

func TestJobsTabOpensTheListAfterSubmit(t *testing.T) {
	s, _, done := newTestSubmit(t, sampleProviders(), &fakeSubmitter{budget: 4_000_000})
	j := NewJobs(&fakeJobs{jobs: func(context.Context) ([]JobSummary, error) { return nil, nil }}, nil)
	tabs := NewJobsTab(j, s)
	tabs.SelectIndex(1)
	test.Tap(s.send)
	if tabs.Selected().Text != tabJobList || len(*done) != 1 {
		t.Fatalf("after submit: tab %q, onSubmitted %v", tabs.Selected().Text, *done)
	}
}
