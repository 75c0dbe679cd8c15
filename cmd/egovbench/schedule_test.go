package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestScheduleDaemon runs the daemon against the simulated fleet: it crawls
// on start, probes on its schedule, refuses a second daemon on the same
// database, and stops cleanly on cancel with the run finished or resumable.
func TestScheduleDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ff := startFleetFiles(t, ctx)
	dir := ff.dir
	config := `targets: [targets.csv]
database: egovbench.db
timezone: Asia/Makassar
crawl:
  schedule: "0 2 * * *"
  run_on_start: true
probe:
  schedule: "@every 1s"
  jitter: 0s
  timeout: 5s
  run_on_start: true
budgets:
  max_pages: 10
  site_timeout: 20s
politeness:
  delay: 10ms
  workers: 16
  user_agent: "egovbench-test (+https://example.org/egovbench)"
allow_private: true
report:
  out: report
  regenerate_after_crawl: true
  lang: en
`
	cfgPath := filepath.Join(dir, "egovbench.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"schedule", "--config", cfgPath, "--log-level", "warn"}, ff.netArgs...)

	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, _, err := run(t, dctx, args...)
		done <- err
	}()

	dbPath := filepath.Join(dir, "egovbench.db")
	// Wait for the first crawl to finish and a few probe rounds to land.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("daemon did not crawl and probe in time: %v", <-done)
		}
		time.Sleep(200 * time.Millisecond)
		if _, err := os.Stat(filepath.Join(dir, "report", "index.html")); err != nil {
			continue
		}
		db := openSQL(t, dbPath)
		rounds := queryInt(t, db, "SELECT count(DISTINCT at) FROM probes WHERE run_id IS NULL")
		db.Close()
		if rounds >= 2 {
			break
		}
	}

	// A second daemon on the same database must refuse to start.
	_, _, err := run(t, ctx, args...)
	if !errors.Is(err, egovbench.ErrLocked) {
		t.Errorf("second daemon: err = %v, want ErrLocked", err)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("daemon stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop within 30 s of cancel")
	}

	db := openSQL(t, dbPath)
	if n := queryInt(t, db, "SELECT count(*) FROM runs WHERE kind = 'crawl' AND status = 'done'"); n != 1 {
		t.Errorf("%d finished crawl runs, want 1", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM probe_hourly"); n == 0 {
		t.Error("no hourly rollups after probe rounds")
	}
	if n := queryInt(t, db, "SELECT count(*) FROM locks"); n != 0 {
		t.Errorf("daemon lock not released: %d rows", n)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	// After the lock is released a new daemon may start.
	ctx2, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	if _, _, err := run(t, ctx2, args...); err != nil && !strings.Contains(fmt.Sprint(err), "context") {
		t.Errorf("daemon after release: %v", err)
	}
}
