package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule says when a job is next due.
type Schedule interface {
	// Next returns the first activation strictly after t, or the zero time
	// if there is none.
	Next(t time.Time) time.Time
}

// cronParser accepts the classic five fields (minute hour day-of-month month
// day-of-week) and descriptors such as @daily and @hourly. Seconds are not
// offered: nothing here needs them and a six-field typo would silently mean
// something else.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a cron expression ("0 2 * * *", "*/5 * * * *"), a
// descriptor (@daily, @hourly, @weekly...) or "@every DURATION" (5m, 90s,
// 1d). Cron expressions fire in loc (CRON_TZ=Zone as a prefix overrides it);
// @every runs at a constant interval from the previous activation.
func ParseSchedule(spec string, loc *time.Location) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	if loc == nil {
		loc = time.UTC
	}
	if rest, ok := strings.CutPrefix(spec, "@every"); ok {
		// Parsed here rather than by robfig/cron, which rounds @every to
		// whole seconds and has no "d" unit.
		d, err := ParseDuration(rest)
		if err != nil {
			return nil, fmt.Errorf("bad @every interval %q: %w", strings.TrimSpace(rest), err)
		}
		if d <= 0 {
			return nil, fmt.Errorf("@every interval must be positive, got %s", d)
		}
		return every(d), nil
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("bad cron expression %q: %w", spec, err)
	}
	return zoned{s: s, loc: loc}, nil
}

type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// zoned evaluates a cron schedule in a fixed zone whatever zone the clock
// reports, so "0 2 * * *" means 02:00 in Makassar on a server set to UTC.
type zoned struct {
	s   cron.Schedule
	loc *time.Location
}

func (z zoned) Next(t time.Time) time.Time { return z.s.Next(t.In(z.loc)) }

// EveryInterval returns the constant interval of an @every schedule and ok=false
// for cron schedules.
func EveryInterval(s Schedule) (time.Duration, bool) {
	e, ok := s.(every)
	return time.Duration(e), ok
}
