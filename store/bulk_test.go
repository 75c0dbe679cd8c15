package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestBulkWritesWhatSingleCallsWrite: assessments and probes saved in one
// Bulk read back exactly as when each went in its own transaction, and the
// writer's page cache is given back.
func TestBulkWritesWhatSingleCallsWrite(t *testing.T) {
	ctx := context.Background()
	ps := scenario()
	ps = append(ps, probe("site-001", t0.Add(min_(3)), timeout, 0), probe("site-001", t0.Add(min_(9)), ok, 80*time.Millisecond))
	write := func(db *DB, bulk bool) {
		mustUpsert(t, db, testTargets(2))
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		as := []egovbench.Assessment{
			testAssessment("site-000", run.ID, t0, egovbench.StageInteraction, 61.5),
			testAssessment("site-001", run.ID, t0.Add(time.Minute), egovbench.StagePresence, 20),
		}
		if !bulk {
			for _, a := range as {
				if err := db.SaveAssessment(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			// Two batches, as two rounds of a prober; the second is late
			// (counts as checks only), in single calls and in the bulk alike.
			for _, batch := range [][]egovbench.Probe{ps[4:], ps[:4]} {
				if err := db.InsertProbes(ctx, batch); err != nil {
					t.Fatal(err)
				}
			}
			return
		}
		err = db.Bulk(ctx, func(b *Bulk) error {
			for _, a := range as {
				if err := b.SaveAssessment(a); err != nil {
					return err
				}
			}
			if err := b.InsertProbes(ps[4:]); err != nil {
				return err
			}
			return b.InsertProbes(ps[:4])
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	same, bulk := openTestDB(t), openTestDB(t)
	write(same, false)
	write(bulk, true)
	for _, g := range []Granularity{Hourly, Daily} {
		if got, want := rollupsOf(t, bulk, g), rollupsOf(t, same, g); !reflect.DeepEqual(got, want) {
			t.Errorf("granularity %d: bulk rollups\n %+v\nwant\n %+v", g, got, want)
		}
	}
	gotA, err := bulk.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantA, err := same.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotA, wantA) {
		t.Errorf("bulk assessments\n %+v\nwant\n %+v", gotA, wantA)
	}
	gotO, err := bulk.Outages(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	wantO, err := same.Outages(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(gotO) == 0 || !reflect.DeepEqual(gotO, wantO) {
		t.Errorf("bulk outages %+v, want %+v (not none)", gotO, wantO)
	}
	runs, err := bulk.Runs(ctx)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	done, err := bulk.DoneTargets(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 {
		t.Errorf("bulk marked %v done in its run, want both targets", done)
	}
	var cache int64
	if err := bulk.write.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		t.Fatal(err)
	}
	if cache == -bulkCacheKiB {
		t.Errorf("writer cache still %d after the bulk", cache)
	}
}

// TestBulkFailureStoresNothing: an error in the middle rolls back what the
// bulk wrote before it.
func TestBulkFailureStoresNothing(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	stop := errors.New("stop")
	err := db.Bulk(ctx, func(b *Bulk) error {
		if err := b.InsertProbes(scenario()); err != nil {
			return err
		}
		if err := b.InsertProbes([]egovbench.Probe{probe("no-such-site", t0, ok, time.Millisecond)}); !errors.Is(err, egovbench.ErrNotFound) {
			t.Errorf("unknown target: %v, want ErrNotFound", err)
		}
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Bulk = %v, want the callback's error", err)
	}
	if rs := rollupsOf(t, db, Hourly); len(rs) != 0 {
		t.Errorf("%d hourly rollups stored by a failed bulk", len(rs))
	}
}
