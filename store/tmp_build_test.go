package store

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func TestTmpBuildUptimeDB(t *testing.T) {
	path := os.Getenv("TMP_UP_DB")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	db := openTestDBAt(t, path)
	sites := benchSites(550)
	mustUpsert(t, db, sites)
	g := newProbeGen(sites)
	ids, _ := targetRowIDs(ctx, db.write)
	tx, _ := db.write.Begin()
	for d := range 365 {
		day := t0.AddDate(0, 0, d)
		aggs := map[dayKey]*agg{}
		for i, s := range sites {
			a := &agg{}
			for k := range 288 {
				p := g.probe(i, day.Add(time.Duration(k)*5*time.Minute))
				a.check(p.Outcome.Up(), p.Outcome.Counted(), false, us(p.Total))
			}
			aggs[dayKey{ids[s.ID], ms(day)}] = a
		}
		flushDaily(ctx, tx, aggs)
	}
	tx.Commit()
	start := time.Now()
	up, err := db.Uptime(ctx, t0, t0.AddDate(1, 0, 0))
	t.Logf("uptime %v %d %v", time.Since(start), len(up), err)
	_ = egovbench.OutcomeOK
}

func TestTmpTimeUptime(t *testing.T) {
	path := os.Getenv("TMP_UP_DB2")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	db := openTestDBAt(t, path)
	for range 5 {
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		up, err := db.Uptime(ctx, t0, t0.AddDate(1, 0, 0))
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		t.Logf("uptime wall %v cpu %v %d %v", time.Since(start), time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()+ru1.Stime.Nano()-ru0.Stime.Nano()), len(up), err)
	}
}
