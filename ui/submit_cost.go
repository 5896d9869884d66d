package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// validate shows each field's message, picks the provider and estimates
// the cost. It returns the request and its provider when the form is
// complete and affordable. It runs on the UI goroutine.
func (s *Submit) validate() (JobRequest, ProviderListing, bool) {
	if s.content == nil { // still being built
		return JobRequest{}, ProviderListing{}, false
	}
	req, errs := s.input().parse()
	p, perr := s.pick(req, errs)
	if perr != "" {
		errs["provider"] = perr
	}
	for name, l := range s.errs {
		if msg, bad := errs[name]; bad {
			l.SetText(msg)
			l.Show()
		} else {
			l.Hide()
		}
	}
	s.content.Refresh() // shown or hidden messages change the rows' heights
	ok := s.showCost(req, p, errs)
	if ok {
		s.send.Enable()
	} else {
		s.send.Disable()
	}
	return req, p, ok
}

// pick finds the provider: the chosen one, or the best match. It returns
// a message for the provider field when none fits.
func (s *Submit) pick(req JobRequest, errs fieldErrors) (ProviderListing, string) {
	if len(errs) > 0 {
		return ProviderListing{}, ""
	}
	if i := s.provider.SelectedIndex(); i > 0 && i-1 < len(s.list) {
		p := s.list[i-1]
		if why := fits(p, req); why != "" {
			return p, why
		}
		if !p.Online(s.now()) {
			return p, "This provider is offline"
		}
		return p, ""
	}
	if len(s.list) == 0 {
		return ProviderListing{}, "No provider is listed on this network"
	}
	p, ok := bestMatch(s.list, req, s.now())
	if !ok {
		return p, "No online provider has the GPUs, VRAM and job length this job needs"
	}
	return p, ""
}

// showCost writes the estimate and its share of the budget; it reports
// whether the budget allows the job.
func (s *Submit) showCost(req JobRequest, p ProviderListing, errs fieldErrors) bool {
	if len(errs) > 0 {
		s.estimate.SetText("Complete the form to see the cost.")
		s.share.SetText("")
		return false
	}
	cost := lockFor(p.PricePerHour, req.MaxSeconds)
	s.estimate.SetText(fmt.Sprintf("Up to %s locked in escrow: %s at %s/h on %s ×%d (%s). Unused funds come back at settlement.",
		fmtMicroAlgo(cost), fmtSeconds(uint64(req.MaxSeconds)), fmtMicroAlgo(p.PricePerHour), p.GPUModel, p.GPUCount, shortAddr(p.Address)))
	if !s.known {
		s.share.Importance = widget.WarningImportance
		s.share.SetText("The remaining budget is not known yet.")
		return false
	}
	if cost > s.budget {
		s.share.Importance = widget.DangerImportance
		s.share.SetText(fmt.Sprintf("More than the %s your budget still allows.", fmtMicroAlgo(s.budget)))
		return false
	}
	s.share.Importance = widget.MediumImportance
	pct := 0.0
	if s.budget > 0 {
		pct = 100 * float64(cost) / float64(s.budget)
	}
	s.share.SetText(fmt.Sprintf("%.1f%% of the %s your budget still allows.", pct, fmtMicroAlgo(s.budget)))
	return true
}

// doSubmit hands the request to the consumer agent off the UI goroutine;
// Cancel stops it.
func (s *Submit) doSubmit() {
	req, p, ok := s.validate()
	if !ok {
		return
	}
	req.Provider = p.Address
	ctx, cancel := context.WithTimeout(context.Background(), submitTimeout)
	s.cancel = cancel
	s.send.Disable()
	s.cancelBtn.Show()
	s.showResult("Submitting to "+shortAddr(p.Address)+" and paying into escrow…", widget.MediumImportance)
	s.spawn(func() {
		defer cancel()
		id, err := s.sub.Submit(ctx, req)
		fyne.Do(func() {
			s.cancelBtn.Hide()
			s.send.Enable()
			switch {
			case ctx.Err() == context.Canceled:
				s.showResult("Cancelled.", widget.WarningImportance)
			case err != nil:
				s.showResult("Submit failed: "+err.Error(), widget.DangerImportance)
			default:
				s.showResult("Submitted job "+id.String()+"; follow it in Jobs.", widget.SuccessImportance)
				if s.onDone != nil {
					s.onDone(id)
				}
			}
		})
	})
}

func (s *Submit) showResult(text string, imp widget.Importance) {
	s.result.Importance = imp
	s.result.SetText(text)
}
