package wallet

import (
	"context"
	"slices"
	"time"
)

// Period is the bucket width of a spending report.
type Period int

// Report periods.
const (
	Day Period = iota
	Week
	Month
)

// start returns the beginning of t's period in loc (weeks start on Monday).
func (p Period) start(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	switch p {
	case Week:
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	default:
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
}

// Totals are ALGO flows in microAlgos. Transfers between the accounts of
// one query are internal: neither spent nor earned, but their fees count.
type Totals struct {
	Spent   uint64 `json:"spent"`   // sent to others (payments, escrow locks, closes)
	Earned  uint64 `json:"earned"`  // received from others (payouts, refunds, transfers)
	Fees    uint64 `json:"fees"`    // network fees paid by our accounts
	Rewards uint64 `json:"rewards"` // participation rewards credited to our accounts
	Count   int    `json:"count"`   // entries contributing
}

// Net is Earned + Rewards − Spent − Fees (negative when more went out).
func (t Totals) Net() int64 {
	return int64(t.Earned) + int64(t.Rewards) - int64(t.Spent) - int64(t.Fees)
}

func (t *Totals) add(o Totals) {
	t.Spent += o.Spent
	t.Earned += o.Earned
	t.Fees += o.Fees
	t.Rewards += o.Rewards
	t.Count += o.Count
}

// PeriodTotals are the totals of one day, week or month.
type PeriodTotals struct {
	Start time.Time `json:"start"`
	Totals
}

// KeyTotals are the totals for one counterparty, job or label.
type KeyTotals struct {
	Key string `json:"key"`
	Totals
}

// Query selects what a Report covers.
type Query struct {
	Accounts []string       // our accounts; required
	From, To time.Time      // [From, To); zero means unbounded
	Period   Period         // width of ByPeriod buckets
	Location *time.Location // for period boundaries; nil means UTC
}

// Report is plain data for the UI's charts and tables.
type Report struct {
	Total          Totals         `json:"total"`
	ByPeriod       []PeriodTotals `json:"byPeriod"`       // chronological, empty periods omitted
	ByCounterparty []KeyTotals    `json:"byCounterparty"` // "" = unknown; sorted by key
	ByJob          []KeyTotals    `json:"byJob"`          // entries with a job id only
	ByLabel        []KeyTotals    `json:"byLabel"`
}

// Report summarises the recorded history of q.Accounts.
func (h *History) Report(ctx context.Context, q Query) (Report, error) {
	all, err := h.Entries(ctx, "")
	if err != nil {
		return Report{}, err
	}
	return summarize(all, q), nil
}

func summarize(entries []Entry, q Query) Report {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	ours := make(map[string]bool, len(q.Accounts))
	for _, a := range q.Accounts {
		ours[a] = true
	}
	var r Report
	periods := map[time.Time]*Totals{}
	cps, jobs, labels := map[string]*Totals{}, map[string]*Totals{}, map[string]*Totals{}
	for _, e := range entries {
		if (!q.From.IsZero() && e.Time.Before(q.From)) || (!q.To.IsZero() && !e.Time.Before(q.To)) {
			continue
		}
		t, ok := entryTotals(e, ours)
		if !ok {
			continue
		}
		r.Total.add(t)
		addTo(periods, q.Period.start(e.Time, loc), t)
		addTo(cps, e.Counterparty, t)
		addTo(labels, string(e.Label), t)
		if e.JobID != "" {
			addTo(jobs, e.JobID, t)
		}
	}
	for start, t := range periods {
		r.ByPeriod = append(r.ByPeriod, PeriodTotals{Start: start, Totals: *t})
	}
	slices.SortFunc(r.ByPeriod, func(a, b PeriodTotals) int { return a.Start.Compare(b.Start) })
	r.ByCounterparty, r.ByJob, r.ByLabel = keyed(cps), keyed(jobs), keyed(labels)
	return r
}

// entryTotals is e's ALGO effect on the accounts in ours; ok is false when
// e does not involve them.
func entryTotals(e Entry, ours map[string]bool) (Totals, bool) {
	involved := false
	for _, a := range e.Accounts {
		involved = involved || ours[a]
	}
	if !involved {
		return Totals{}, false
	}
	t := Totals{Count: 1}
	for a, r := range e.Rewards {
		if ours[a] {
			t.Rewards += r
		}
	}
	if ours[e.Sender] && !e.IsInner() {
		t.Fees = e.Fee
	}
	if e.Type != "pay" {
		return t, true
	}
	flows := []struct {
		to     string
		amount uint64
	}{{e.Receiver, e.Amount}, {e.CloseTo, e.CloseAmount}}
	for _, f := range flows {
		switch {
		case f.amount == 0 || ours[e.Sender] == ours[f.to]:
			// nothing moved, or internal (both ours) / external-to-external
		case ours[e.Sender]:
			t.Spent += f.amount
		default:
			t.Earned += f.amount
		}
	}
	return t, true
}

func addTo[K comparable](m map[K]*Totals, k K, t Totals) {
	if m[k] == nil {
		m[k] = &Totals{}
	}
	m[k].add(t)
}

func keyed(m map[string]*Totals) []KeyTotals {
	out := make([]KeyTotals, 0, len(m))
	for k, t := range m {
		out = append(out, KeyTotals{Key: k, Totals: *t})
	}
	slices.SortFunc(out, func(a, b KeyTotals) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return out
}
