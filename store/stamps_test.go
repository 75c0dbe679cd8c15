package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestDataStamps: each write moves the stamps of what it changes, and
// reads, reopening and writes elsewhere do not.
func TestDataStamps(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/stamps.db"
	db := openTestDBAt(t, path)
	mustUpsert(t, db, testTargets(2))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InsertProbes(ctx, scenario()); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name                    string
		do                      func() error
		assessments, probeMoved bool
		days                    []string // the days whose stamps moved, appeared or vanished
	}{
		{"nothing", func() error { return nil }, false, false, nil},
		{"reopen", func() error {
			if err := db.Close(); err != nil {
				return err
			}
			var err error
			if db, err = Open(ctx, path); err == nil {
				t.Cleanup(func() { db.Close() })
			}
			return err
		}, false, false, nil},
		{"reads and an unchanged target list", func() error {
			if _, err := db.LatestAssessments(ctx); err != nil {
				return err
			}
			return db.UpsertTargets(ctx, testTargets(2))
		}, false, false, nil},
		{"assessment", func() error {
			return db.SaveAssessment(ctx, testAssessment("site-000", run.ID, t0, egovbench.StagePresence, 30))
		}, true, false, nil},
		{"renamed target", func() error {
			ts := testTargets(2)
			ts[1].Name = "Pemerintah Kota Baru"
			return db.UpsertTargets(ctx, ts)
		}, true, true, nil},
		{"probe", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-001", t0.Add(2*time.Hour), ok, 90*time.Millisecond)})
		}, false, true, []string{"2026-03-04"}},
		{"late probe", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(time.Minute), ok, 90*time.Millisecond)})
		}, false, true, []string{"2026-03-04"}},
		{"failing probe opens an outage", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(3*time.Hour), timeout, 0)})
		}, false, true, []string{"2026-03-04"}},
		// site-001's probe of 02:00 holds until 02:15: that time is
		// counted in its day when the next probe comes, the day after.
		{"probe the next day", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-001", t0.Add(26*time.Hour), ok, 90*time.Millisecond)})
		}, false, true, []string{"2026-03-04", "2026-03-05"}},
		{"maintenance window", func() error {
			return db.AddMaintenanceWindow(ctx, "site-000", t0.Add(48*time.Hour), t0.Add(49*time.Hour), "")
		}, false, false, nil},
		{"pruned rollups", func() error {
			_, err := db.PruneRollups(ctx, t0.Add(30*time.Minute))
			return err
		}, false, true, nil},
		{"pruned daily rollups", func() error {
			_, err := db.PruneRollups(ctx, t0.Add(24*time.Hour))
			return err
		}, false, true, []string{"2026-03-04"}},
		{"a pruned day written again", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(10*time.Hour), ok, 90*time.Millisecond)})
		}, false, true, []string{"2026-03-04"}},
	}
	before, err := db.DataStamps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Days) != 1 || before.Days[0].Day != "2026-03-04" {
		t.Fatalf("days %v, want 2026-03-04 alone", before.Days)
	}
	seen := map[DayStamp]bool{before.Days[0]: true}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		after, err := db.DataStamps(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := after.Assessments != before.Assessments; got != s.assessments {
			t.Errorf("%s: assessments stamp moved %v, want %v", s.name, got, s.assessments)
		}
		if got := after.Probes != before.Probes; got != s.probeMoved {
			t.Errorf("%s: probes stamp moved %v, want %v", s.name, got, s.probeMoved)
		}
		if got := after.Targets != before.Targets; got != (s.name == "renamed target") {
			t.Errorf("%s: targets stamp moved %v", s.name, got)
		}
		old := map[string]int64{}
		for _, d := range before.Days {
			old[d.Day] = d.Writes
		}
		var moved []string
		for i, d := range after.Days {
			if i > 0 && d.Day <= after.Days[i-1].Day {
				t.Errorf("%s: days out of order: %v", s.name, after.Days)
			}
			if w, ok := old[d.Day]; ok && w == d.Writes {
				delete(old, d.Day)
				continue
			}
			delete(old, d.Day)
			moved = append(moved, d.Day)
			if seen[d] {
				t.Errorf("%s: day stamp %v seen before", s.name, d)
			}
			seen[d] = true
		}
		for d := range old {
			moved = append(moved, d)
		}
		slices.Sort(moved)
		if !slices.Equal(moved, s.days) {
			t.Errorf("%s: day stamps moved %v, want %v", s.name, moved, s.days)
		}
		before = after
	}
	if want := t0.Add(26 * time.Hour); !before.NewestProbe.Equal(want) {
		t.Errorf("newest probe %v, want %v", before.NewestProbe, want)
	}
}

// TestMigrationStampsDays: a database whose daily rollups were written
// before probe_daily_writes existed gets a stamp for each of their days,
// and writes count on from there.
func TestMigrationStampsDays(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/old.db"
	db := openTestDBAt(t, path)
	mustUpsert(t, db, testTargets(1))
	if err := db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0, ok, 90*time.Millisecond),
		probe("site-000", t0.Add(48*time.Hour), ok, 90*time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `DROP TABLE probe_daily_writes; DELETE FROM schema_migrations WHERE version = 10`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTestDBAt(t, path)
	st, err := db.DataStamps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []DayStamp{{"2026-03-04", 1}, {"2026-03-06", 1}}
	if !slices.Equal(st.Days, want) {
		t.Fatalf("days %v, want %v", st.Days, want)
	}
	if err := db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(49*time.Hour), ok, 90*time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if st, err = db.DataStamps(ctx); err != nil {
		t.Fatal(err)
	}
	want[1].Writes = 2
	if !slices.Equal(st.Days, want) {
		t.Fatalf("after a probe: days %v, want %v", st.Days, want)
	}
}

// TestDayStartMS: a stored day reads back as the start dayString named,
// for every day of two centuries; anything else is refused.
func TestDayStartMS(t *testing.T) {
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2100; d = d.AddDate(0, 0, 1) {
		got, err := dayStartMS(dayString(ms(d) + 12*hourMS))
		if err != nil || got != ms(d) {
			t.Fatalf("%s: %d, %v; want %d", dayString(ms(d)), got, err, ms(d))
		}
	}
	for _, bad := range []string{"", "2026-3-04", "2026-03-4x", "2026/03/04", "2026-13-01", "2026-00-10", "2026-01-00",
		"2026-01-32", "+026-01-01", "2026-03-04T00:00:00Z", " 2026-03-04"} {
		if _, err := dayStartMS(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
