package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func TestPruneRollups(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UpsertTargets(ctx, []egovbench.Target{{ID: "a", Name: "A", URL: "https://a.go.id/"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var ps []egovbench.Probe
	for d := range 10 {
		ps = append(ps, egovbench.Probe{TargetID: "a", At: start.AddDate(0, 0, d).Add(time.Hour), URL: "https://a.go.id/",
			Outcome: egovbench.OutcomeOK, HTTPStatus: 200, Total: 50 * time.Millisecond})
	}
	if err := db.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	cut := start.AddDate(0, 0, 4) // keep days 4..9
	n, err := db.PruneRollups(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Errorf("pruned %d rollup rows, want 4 hourly + 4 daily", n)
	}
	for _, g := range []Granularity{Hourly, Daily} {
		rs, err := db.Rollups(ctx, g, start, start.AddDate(0, 0, 30))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 6 || rs[0].Start.Before(cut) {
			t.Errorf("granularity %d: %d rollups left, first %v; want 6 from %v", g, len(rs), rs[0].Start, cut)
		}
	}
}
