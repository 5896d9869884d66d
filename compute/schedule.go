package compute

import (
	"fmt"
	"slices"
	"time"
)

// ClockTime is a time of day in minutes after local midnight (0..1440).
type ClockTime int

// Clock builds a ClockTime from hours and minutes.
func Clock(h, m int) ClockTime { return ClockTime(h*60 + m) }

// String formats the time as HH:MM.
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Window is a weekly time range in local time during which jobs are
// accepted. End before Start crosses midnight into the next day (the
// Days name the day the window opens). Start == End means all day.
type Window struct {
	Days       []time.Weekday `json:"days"`
	Start, End ClockTime
}

// Contains reports whether t (converted to its own location) is inside.
func (w Window) Contains(t time.Time) bool {
	now := Clock(t.Hour(), t.Minute())
	today, yesterday := t.Weekday(), (t.Weekday()+6)%7
	switch {
	case w.Start == w.End:
		return slices.Contains(w.Days, today)
	case w.Start < w.End:
		return slices.Contains(w.Days, today) && now >= w.Start && now < w.End
	default: // crosses midnight
		return slices.Contains(w.Days, today) && now >= w.Start ||
			slices.Contains(w.Days, yesterday) && now < w.End
	}
}

// String describes the window, e.g. "Mon,Tue 22:00-06:00".
func (w Window) String() string {
	s := ""
	for i, d := range w.Days {
		if i > 0 {
			s += ","
		}
		s += d.String()[:3]
	}
	return s + " " + w.Start.String() + "-" + w.End.String()
}

// inSchedule reports whether t is inside any window; no windows means always.
func inSchedule(ws []Window, t time.Time) bool {
	if len(ws) == 0 {
		return true
	}
	return slices.ContainsFunc(ws, func(w Window) bool { return w.Contains(t) })
}
