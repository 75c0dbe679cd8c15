package schedule

import (
	"fmt"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestScheduleNext(t *testing.T) {
	cases := []struct {
		spec, zone string
		from, want string // RFC 3339 UTC
	}{
		// 02:00 WITA (UTC+8) is 18:00 UTC the previous day.
		{"0 2 * * *", "Asia/Makassar", "2026-03-04T12:00:00Z", "2026-03-04T18:00:00Z"},
		{"0 2 * * *", "Asia/Makassar", "2026-03-04T18:00:00Z", "2026-03-05T18:00:00Z"},
		{"0 2 * * *", "Asia/Jakarta", "2026-03-04T12:00:00Z", "2026-03-04T19:00:00Z"},
		{"0 2 * * *", "Asia/Jayapura", "2026-03-04T12:00:00Z", "2026-03-04T17:00:00Z"},
		{"0 2 * * *", "UTC", "2026-03-04T12:00:00Z", "2026-03-05T02:00:00Z"},
		{"@daily", "Asia/Makassar", "2026-03-04T12:00:00Z", "2026-03-04T16:00:00Z"},
		{"*/5 * * * *", "Asia/Makassar", "2026-03-04T12:03:10Z", "2026-03-04T12:05:00Z"},
		{"@every 5m", "Asia/Makassar", "2026-03-04T12:03:10Z", "2026-03-04T12:08:10Z"},
		{"@every 1d", "UTC", "2026-03-04T12:03:10Z", "2026-03-05T12:03:10Z"},
		// Monday 07:30 in Jayapura (UTC+9) is Sunday 22:30 UTC.
		{"30 7 * * 1", "Asia/Jayapura", "2026-03-04T00:00:00Z", "2026-03-08T22:30:00Z"},
		// An explicit CRON_TZ wins over the configured zone.
		{"CRON_TZ=Asia/Jakarta 0 2 * * *", "Asia/Makassar", "2026-03-04T12:00:00Z", "2026-03-04T19:00:00Z"},
		// New York springs forward on 2026-03-08: 03:00 local that day is EDT, 07:00Z.
		{"0 3 * * *", "America/New_York", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.spec+"@"+tc.zone, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec, mustLoc(t, tc.zone))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Next(utc(tc.from))
			if !got.Equal(utc(tc.want)) {
				t.Errorf("Next(%s) = %s, want %s", tc.from, got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	for _, spec := range []string{"", "*/5 * *", "0 0 0 0 0 0", "@every", "@every 0s", "@every -5m", "@every 5", "@sometimes", "61 * * * *", "* * * * * *"} {
		if _, err := ParseSchedule(spec, time.UTC); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", spec)
		}
	}
	s, err := ParseSchedule("@every 100ms", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if iv, ok := EveryInterval(s); !ok || iv != 100*time.Millisecond {
		t.Errorf("EveryInterval = %v, %v (sub-second intervals must not be rounded up)", iv, ok)
	}
}

func TestMaintenanceIntervals(t *testing.T) {
	mks := mustLoc(t, "Asia/Makassar")
	c := DefaultConfig()
	c.Timezone = "Asia/Makassar"
	c.Maintenance = []MaintenanceConfig{
		{Target: "*", Start: "2026-03-02 01:30", End: "2026-03-02 04:00"},
		{Target: "a", Schedule: "0 1 * * *", Duration: Duration(2 * time.Hour)},
		{Target: "b", Start: "2026-03-01T00:00:00Z", End: "2026-03-01T01:00:00Z"},
	}
	m, err := c.MaintenanceWindows()
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, min int) time.Time { return time.Date(2026, 3, d, h, min, 0, 0, mks) }
	for _, tc := range []struct {
		target string
		t      time.Time
		want   bool
	}{
		{"a", at(1, 0, 59), false},
		{"a", at(1, 1, 0), true},
		{"a", at(1, 2, 59), true},
		{"a", at(1, 3, 0), false},
		{"z", at(1, 2, 0), false},
		{"z", at(2, 3, 0), true},
		{"b", time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC), true},
	} {
		if got := m.Active(tc.target, tc.t); got != tc.want {
			t.Errorf("Active(%s, %s) = %v, want %v", tc.target, tc.t, got, tc.want)
		}
	}
	got := m.Intervals("a", at(1, 2, 0), at(3, 0, 0))
	want := []Interval{
		{at(1, 2, 0), at(1, 3, 0)}, // clipped at from
		{at(2, 1, 0), at(2, 4, 0)}, // the daily window merged with the one-off for "*"
	}
	if len(got) != len(want) {
		t.Fatalf("Intervals = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("interval %d = %v, want %v", i, got[i], want[i])
		}
	}
	var nilM *Maintenance
	if nilM.Active("a", at(1, 1, 0)) || nilM.Intervals("a", at(1, 0, 0), at(2, 0, 0)) != nil {
		t.Error("nil Maintenance has windows")
	}
}

func BenchmarkMaintenanceIntervalsYear(b *testing.B) {
	c := DefaultConfig()
	c.Timezone = "Asia/Makassar"
	c.Maintenance = []MaintenanceConfig{
		{Target: "*", Schedule: "0 1 * * 0", Duration: Duration(2 * time.Hour)},
		{Target: "a", Schedule: "0 23 * * *", Duration: Duration(30 * time.Minute)},
	}
	m, err := c.MaintenanceWindows()
	if err != nil {
		b.Fatal(err)
	}
	from := utc("2026-01-01T00:00:00Z")
	to := from.AddDate(1, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		if len(m.Intervals("a", from, to)) < 365 {
			b.Fatal("too few intervals")
		}
	}
}

func TestIntervalsByTargetMatchesIntervals(t *testing.T) {
	c := DefaultConfig()
	c.Timezone = "Asia/Jayapura"
	c.Maintenance = []MaintenanceConfig{
		{Target: "*", Schedule: "0 1 * * 0", Duration: Duration(2 * time.Hour)},
		{Target: "a", Schedule: "30 0 * * 0", Duration: Duration(time.Hour)},
		{Target: "b", Start: "2026-02-01 00:00", End: "2026-02-03 00:00"},
	}
	m, err := c.MaintenanceWindows()
	if err != nil {
		t.Fatal(err)
	}
	from, to := utc("2026-01-01T00:00:00Z"), utc("2026-04-01T00:00:00Z")
	all := m.IntervalsByTarget([]string{"a", "b", "c"}, from, to)
	for _, tgt := range []string{"a", "b", "c"} {
		one := m.Intervals(tgt, from, to)
		if len(one) == 0 || len(one) != len(all[tgt]) {
			t.Fatalf("%s: %d vs %d intervals", tgt, len(one), len(all[tgt]))
		}
		for i := range one {
			if one[i] != all[tgt][i] {
				t.Errorf("%s interval %d differs", tgt, i)
			}
		}
	}
	// a's Sunday windows 00:30-01:30 and 01:00-03:00 merge into 00:30-03:00.
	if d := all["a"][0].End.Sub(all["a"][0].Start); d != 150*time.Minute {
		t.Errorf("merged window lasts %s, want 2h30m", d)
	}
}

func BenchmarkIntervalsByTarget550Year(b *testing.B) {
	c := DefaultConfig()
	c.Timezone = "Asia/Makassar"
	c.Maintenance = []MaintenanceConfig{
		{Target: "*", Schedule: "0 1 * * 0", Duration: Duration(2 * time.Hour)},
		{Target: "site-007", Schedule: "0 23 * * *", Duration: Duration(30 * time.Minute)},
	}
	m, err := c.MaintenanceWindows()
	if err != nil {
		b.Fatal(err)
	}
	targets := make([]string, 550)
	for i := range targets {
		targets[i] = fmt.Sprintf("site-%03d", i)
	}
	from := utc("2026-01-01T00:00:00Z")
	to := from.AddDate(1, 0, 0)
	b.ReportAllocs()
	for b.Loop() {
		if got := m.IntervalsByTarget(targets, from, to); len(got) != 550 {
			b.Fatalf("%d targets with windows", len(got))
		}
	}
}
