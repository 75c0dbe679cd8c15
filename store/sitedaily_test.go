package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestEachSiteDailySnapshot: EachSite reads the daily rollups on a second
// read transaction only when it holds the same rollups as the pass's own.
// A day of probes committed after the pass took its snapshot must not reach
// its records; without the check the second transaction, begun later, saw it.
func TestEachSiteDailySnapshot(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ts := testTargets(3)
	mustUpsert(t, db, ts)
	day := func(d int) []egovbench.Probe {
		var ps []egovbench.Probe
		for _, tg := range ts {
			for h := range 4 {
				ps = append(ps, probe(tg.ID, t0.AddDate(0, 0, d).Add(time.Duration(6*h)*time.Hour), egovbench.OutcomeOK, 150*time.Millisecond))
			}
		}
		return ps
	}
	if err := db.InsertProbes(ctx, day(0)); err != nil {
		t.Fatal(err)
	}
	to := t0.AddDate(0, 0, 10)
	read := func(write bool) (second bool, rows []egovbench.Rollup) {
		t.Helper()
		tx, err := db.read.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM probe_daily`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if write { // after the pass's snapshot, before the second transaction
			if err := db.InsertProbes(ctx, day(1)); err != nil {
				t.Fatal(err)
			}
		}
		r, err := db.newDailyReader(ctx, tx, time.Time{}, to)
		if err != nil {
			t.Fatal(err)
		}
		defer r.close()
		err = eachTargetBatch(ctx, tx, siteBatch, func(b []targetRow) error {
			r.start(b)
			days, err := r.deliver(ctx, tx, b)
			for _, d := range days {
				rows = append(rows, d...)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.tx != nil, rows
	}
	second, before := read(false)
	if !second {
		t.Fatal("no second transaction with nothing written between")
	}
	if len(before) != len(ts) {
		t.Fatalf("%d daily rollups, want one per target", len(before))
	}
	second, got := read(true)
	if second {
		t.Error("a second transaction that sees a later day of probes was used")
	}
	if !reflect.DeepEqual(got, before) {
		t.Errorf("the pass read %d daily rollups, want the %d of its snapshot", len(got), len(before))
	}
	// And now that the day is in both snapshots, it is read, on two transactions.
	second, after := read(false)
	if !second || len(after) != 2*len(ts) {
		t.Errorf("second transaction %v, %d rollups; want true, %d", second, len(after), 2*len(ts))
	}
}

// TestEachSiteOneReadConnection: with no connection to spare beyond the
// pass's own two, the rollups are read on the pass's transaction, the same.
func TestEachSiteOneReadConnection(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/one.db"
	records := func(db *DB) []egovbench.SiteRecord {
		var out []egovbench.SiteRecord
		if err := db.EachSite(ctx, SiteQuery{DailyTo: t0.AddDate(0, 0, 10), OutagesTo: t0.AddDate(0, 0, 10)}, func(r egovbench.SiteRecord) error {
			out = append(out, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	db := openTestDBAt(t, path)
	ts := testTargets(siteBatch + 5)
	mustUpsert(t, db, ts)
	var ps []egovbench.Probe
	for i, tg := range ts {
		for h := range 30 {
			o := egovbench.OutcomeOK
			if (i+h)%9 == 0 {
				o = egovbench.OutcomeTimeout
			}
			ps = append(ps, probe(tg.ID, t0.Add(time.Duration(5*h)*time.Hour), o, time.Duration(100+h)*time.Millisecond))
		}
	}
	if err := db.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	want := records(db)
	narrow := openTestDBAt(t, path, WithReadConns(2))
	if got := records(narrow); !reflect.DeepEqual(got, want) {
		t.Errorf("records read on one transaction differ from those read on two")
	}
	if n := len(want); n != len(ts) || len(want[0].Daily) == 0 {
		t.Fatalf("%d records, first with %d daily rollups", n, len(want[0].Daily))
	}
}
