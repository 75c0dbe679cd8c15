package schedule

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Interval is a half-open span of time [Start, End).
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Maintenance answers whether a target is in a configured maintenance
// window. Probes inside a window are excluded from uptime and do not raise
// "down" alerts. A nil *Maintenance has no windows.
type Maintenance struct {
	windows []window
}

type window struct {
	target     string // id or "*"
	start, end time.Time
	sched      Schedule
	dur        time.Duration
}

// maxIntervals bounds Intervals for absurd inputs (an every-minute window
// over decades) so a query can never exhaust memory.
const maxIntervals = 1 << 20

// MaintenanceWindows compiles the configured windows. It fails only on a config
// that Validate rejects.
func (c *Config) MaintenanceWindows() (*Maintenance, error) {
	var errs []error
	ws := compileWindows(c.Maintenance, c.Location(), func(field string, err error) {
		errs = append(errs, &FieldError{File: c.srcFile(), Line: c.src.line(field), Field: field, Err: err})
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Maintenance{windows: ws}, nil
}

func compileWindows(list []MaintenanceConfig, loc *time.Location, bad func(field string, err error)) []window {
	var out []window
	for i, m := range list {
		f := fmt.Sprintf("maintenance[%d]", i)
		ok := true
		fail := func(field, format string, args ...any) {
			bad(f+"."+field, fmt.Errorf(format, args...))
			ok = false
		}
		w := window{target: strings.TrimSpace(m.Target)}
		if w.target == "" {
			fail("target", "a target id or \"*\" is required")
		}
		oneOff := m.Start != "" || m.End != ""
		recurring := m.Schedule != "" || m.Duration != 0
		switch {
		case oneOff && recurring:
			fail("schedule", "use either start/end or schedule/duration, not both")
		case oneOff:
			var err error
			if w.start, err = parseLocalTime(m.Start, loc); err != nil {
				fail("start", "%v", err)
			}
			if w.end, err = parseLocalTime(m.End, loc); err != nil {
				fail("end", "%v", err)
			}
			if ok && !w.end.After(w.start) {
				fail("end", "must be after start (%s)", m.Start)
			}
		case recurring:
			s, err := ParseSchedule(m.Schedule, loc)
			if err != nil {
				bad(f+".schedule", err)
				ok = false
			} else if _, isEvery := EveryInterval(s); isEvery {
				// @every has no anchor in the calendar, so it cannot say
				// when a window starts.
				fail("schedule", "use a cron expression (e.g. \"0 1 * * 0\"), not @every")
			}
			w.sched = s
			w.dur = m.Duration.Std()
			if w.dur <= 0 {
				fail("duration", "must be positive")
			}
		default:
			fail("start", "a window needs start and end, or schedule and duration")
		}
		if ok {
			out = append(out, w)
		}
	}
	return out
}

// parseLocalTime reads RFC 3339, or a zone-less "2006-01-02 15:04[:05]"
// (also with a T) taken in loc: the analyst thinks in local time.
func parseLocalTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("time is required")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q (use 2006-01-02 15:04 in the configured zone, or RFC 3339)", s)
}

func (w window) applies(target string) bool { return w.target == "*" || w.target == target }

// Active reports whether target is in a maintenance window at t.
func (m *Maintenance) Active(target string, t time.Time) bool {
	if m == nil {
		return false
	}
	for _, w := range m.windows {
		if !w.applies(target) {
			continue
		}
		if w.sched == nil {
			if !t.Before(w.start) && t.Before(w.end) {
				return true
			}
			continue
		}
		// The latest start at or before t is the first one after t-dur,
		// if it is not after t.
		if f := w.sched.Next(t.Add(-w.dur)); !f.IsZero() && !f.After(t) {
			return true
		}
	}
	return false
}

// Intervals returns the merged maintenance intervals of target that overlap
// [from, to), clipped to it and in order, for excluding them from uptime.
func (m *Maintenance) Intervals(target string, from, to time.Time) []Interval {
	return m.IntervalsByTarget([]string{target}, from, to)[target]
}

// IntervalsByTarget is Intervals for many targets at once; each recurring
// window's occurrences are computed once however many targets it covers,
// which matters for "*" windows over years and hundreds of sites. Targets
// without maintenance are absent from the map.
func (m *Maintenance) IntervalsByTarget(targets []string, from, to time.Time) map[string][]Interval {
	out := map[string][]Interval{}
	if m == nil || !to.After(from) {
		return out
	}
	occ := make([][]Interval, len(m.windows))
	for i, w := range m.windows {
		occ[i] = w.occurrences(from, to)
	}
	for _, t := range targets {
		var iv []Interval
		for i, w := range m.windows {
			if w.applies(t) {
				iv = append(iv, occ[i]...)
			}
		}
		if merged := mergeIntervals(iv); len(merged) > 0 {
			out[t] = merged
		}
	}
	return out
}

// occurrences lists w's spans overlapping [from, to), clipped to it.
func (w window) occurrences(from, to time.Time) []Interval {
	var iv []Interval
	add := func(s, e time.Time) {
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			iv = append(iv, Interval{Start: s, End: e})
		}
	}
	if w.sched == nil {
		add(w.start, w.end)
		return iv
	}
	for f := w.sched.Next(from.Add(-w.dur)); !f.IsZero() && f.Before(to) && len(iv) < maxIntervals; f = w.sched.Next(f) {
		add(f, f.Add(w.dur))
	}
	return iv
}

// mergeIntervals sorts iv and joins overlapping or touching spans, in place.
func mergeIntervals(iv []Interval) []Interval {
	sort.Slice(iv, func(i, j int) bool { return iv[i].Start.Before(iv[j].Start) })
	merged := iv[:0]
	for _, x := range iv {
		if n := len(merged); n > 0 && !x.Start.After(merged[n-1].End) {
			if x.End.After(merged[n-1].End) {
				merged[n-1].End = x.End
			}
			continue
		}
		merged = append(merged, x)
	}
	return merged
}
