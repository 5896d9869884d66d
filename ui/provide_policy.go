package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Price and policy form of the Provide screen (provide.go).

// ProviderPolicy is the price and the rules the provider agent enforces.
type ProviderPolicy struct {
	// PricePerHour is in microAlgos.
	PricePerHour uint64
	// ThermalLimitC stops new jobs at this GPU temperature; 0: off.
	ThermalLimitC float64
	// ScheduleStart and ScheduleEnd are "HH:MM" daily; both empty: always.
	ScheduleStart, ScheduleEnd string
	// AllowedImages are image prefixes; empty: any image pinned by digest.
	AllowedImages []string
	// MaxJobHours caps one job's length; 0: no cap.
	MaxJobHours float64
	// BlockedConsumers are addresses whose jobs are refused.
	BlockedConsumers []string
}

type policyForm struct {
	p                         *Provide
	price, thermal, schedule  *widget.Entry
	images, maxHours, blocked *widget.Entry
	save                      *widget.Button
	status                    *widget.Label
	content                   fyne.CanvasObject
}

func newPolicyForm(p *Provide) *policyForm {
	f := &policyForm{p: p}
	entry := func(ph string, v func(string) error) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(ph)
		e.Validator = v
		return e
	}
	f.price = entry("ALGO per hour, e.g. 0.5", func(s string) error { _, err := parseAlgoInput(s); return err })
	f.thermal = entry("°C, e.g. 83 (empty: no limit)", func(s string) error { _, err := parseThermal(s); return err })
	f.schedule = entry("e.g. 22:00-07:00 (empty: always)", func(s string) error { _, _, err := parseSchedule(s); return err })
	f.images = entry("e.g. docker.io/pytorch/, ghcr.io/me/ (empty: any pinned image)", nil)
	f.maxHours = entry("hours, e.g. 4 (empty: no cap)", func(s string) error { _, err := parseHours(s); return err })
	f.blocked = widget.NewMultiLineEntry()
	f.blocked.SetPlaceHolder("one address per line")
	f.blocked.SetMinRowsVisible(2)
	f.blocked.Validator = func(s string) error { _, err := parseAddresses(s); return err }
	f.save = widget.NewButton("Save price and policy", f.onSave)
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	if p.svc == nil {
		f.save.Disable()
	}
	fields := widget.NewForm(
		widget.NewFormItem("Price", f.price),
		widget.NewFormItem("Thermal limit", f.thermal),
		widget.NewFormItem("Schedule", f.schedule),
		widget.NewFormItem("Allowed images", f.images),
		widget.NewFormItem("Max job length", f.maxHours),
		widget.NewFormItem("Blocked consumers", f.blocked),
	)
	f.content = widget.NewCard("Price and policy", "Checked before every job is accepted",
		container.NewVBox(fields, f.save, f.status))
	return f
}

// policy reads the form, or names the first invalid field.
func (f *policyForm) policy() (ProviderPolicy, error) {
	var pol ProviderPolicy
	var err error
	if pol.PricePerHour, err = parseAlgoInput(f.price.Text); err != nil {
		return pol, fieldError{"Price", err}
	}
	if pol.ThermalLimitC, err = parseThermal(f.thermal.Text); err != nil {
		return pol, fieldError{"Thermal limit", err}
	}
	if pol.ScheduleStart, pol.ScheduleEnd, err = parseSchedule(f.schedule.Text); err != nil {
		return pol, fieldError{"Schedule", err}
	}
	for _, s := range strings.Split(f.images.Text, ",") {
		if s = strings.TrimSpace(s); s != "" {
			pol.AllowedImages = append(pol.AllowedImages, s)
		}
	}
	if pol.MaxJobHours, err = parseHours(f.maxHours.Text); err != nil {
		return pol, fieldError{"Max job length", err}
	}
	if pol.BlockedConsumers, err = parseAddresses(f.blocked.Text); err != nil {
		return pol, fieldError{"Blocked consumers", err}
	}
	return pol, nil
}

func (f *policyForm) onSave() {
	pol, err := f.policy()
	if err != nil {
		warn(f.status, err.Error())
		return
	}
	f.save.Disable()
	f.status.Importance = widget.MediumImportance
	f.status.SetText("Saving…")
	f.p.spawn(func() {
		err := f.p.svc.SetPolicy(f.p.ctx, pol)
		fyne.Do(func() {
			f.save.Enable()
			if err != nil {
				warn(f.status, "Not saved: "+err.Error())
				return
			}
			f.status.Importance = widget.SuccessImportance
			f.status.SetText("Saved: " + formatAlgo(pol.PricePerHour) + " per hour")
		})
	})
}

func parseThermal(s string) (float64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "°C"))
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 40 || v > 100 {
		return 0, errors.New("a temperature between 40 and 100 °C")
	}
	return v, nil
}

func parseHours(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 24*30 {
		return 0, errors.New("a number of hours greater than 0, at most 720")
	}
	return v, nil
}

// parseSchedule reads "HH:MM-HH:MM"; the empty string means always.
func parseSchedule(s string) (start, end string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", nil
	}
	a, b, ok := strings.Cut(s, "-")
	bad := errors.New("a daily window like 22:00-07:00")
	if !ok {
		return "", "", bad
	}
	for _, t := range []*string{&a, &b} {
		*t = strings.TrimSpace(*t)
		h, m, ok := strings.Cut(*t, ":")
		hh, e1 := strconv.Atoi(h)
		mm, e2 := strconv.Atoi(m)
		if !ok || len(m) != 2 || e1 != nil || e2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
			return "", "", bad
		}
		*t = fmt.Sprintf("%02d:%02d", hh, mm)
	}
	return a, b, nil
}

func parseAddresses(s string) ([]string, error) {
	var out []string
	for i, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		if err := validateAddress(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		out = append(out, line)
	}
	return out, nil
}

// fieldError names the form field whose value is invalid.
type fieldError struct {
	field string
	err   error
}

func (e fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e fieldError) Unwrap() error { return e.err }
