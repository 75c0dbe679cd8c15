package store

import (
	"context"
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
	}{
		{"nothing", func() error { return nil }, false, false},
		{"reopen", func() error {
			if err := db.Close(); err != nil {
				return err
			}
			var err error
			if db, err = Open(ctx, path); err == nil {
				t.Cleanup(func() { db.Close() })
			}
			return err
		}, false, false},
		{"reads and an unchanged target list", func() error {
			if _, err := db.LatestAssessments(ctx); err != nil {
				return err
			}
			return db.UpsertTargets(ctx, testTargets(2))
		}, false, false},
		{"assessment", func() error {
			return db.SaveAssessment(ctx, testAssessment("site-000", run.ID, t0, egovbench.StagePresence, 30))
		}, true, false},
		{"renamed target", func() error {
			ts := testTargets(2)
			ts[1].Name = "Pemerintah Kota Baru"
			return db.UpsertTargets(ctx, ts)
		}, true, true},
		{"probe", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-001", t0.Add(2*time.Hour), ok, 90*time.Millisecond)})
		}, false, true},
		{"late probe", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(time.Minute), ok, 90*time.Millisecond)})
		}, false, true},
		{"failing probe opens an outage", func() error {
			return db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(3*time.Hour), timeout, 0)})
		}, false, true},
		{"maintenance window", func() error {
			return db.AddMaintenanceWindow(ctx, "site-000", t0.Add(48*time.Hour), t0.Add(49*time.Hour), "")
		}, false, false},
		{"pruned rollups", func() error {
			_, err := db.PruneRollups(ctx, t0.Add(30*time.Minute))
			return err
		}, false, true},
	}
	before, err := db.DataStamps(ctx)
	if err != nil {
		t.Fatal(err)
	}
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
		before = after
	}
	if want := t0.Add(3 * time.Hour); !before.NewestProbe.Equal(want) {
		t.Errorf("newest probe %v, want %v", before.NewestProbe, want)
	}
}
