package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench/schedule"
)

// TestScheduleDaemon runs the daemon against the simulated fleet: it crawls
// on start, probes on its schedule, makes a second daemon on the same
// database wait, and stops cleanly on cancel with the run finished or resumable.
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
  request_timeout: 5s
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
	// The fleet is reached through the config's resolve: and ca_file:
	// alone, as egovbench fleet serve writes them: no flags.
	config += "ca_file: ca.pem\nresolve:\n"
	for from, to := range ff.fleet.Resolve() {
		config += fmt.Sprintf("  %q: %q\n", from, to)
	}
	cfgPath := filepath.Join(dir, "egovbench.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"schedule", "--config", cfgPath, "--log-level", "warn"}

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

	// A second daemon on the same database waits for the live holder (this
	// process) instead of exiting, and says who holds it until when.
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	_, errs, err := run(t, wctx, args...)
	wcancel()
	if err != nil {
		t.Errorf("second daemon: err = %v, want a clean stop while waiting", err)
	}
	if !strings.Contains(errs, "waiting") || !strings.Contains(errs, fmt.Sprintf("holder_pid=%d", os.Getpid())) ||
		!strings.Contains(errs, "expires=") {
		t.Errorf("second daemon's log does not name the holder and expiry:\n%s", errs)
	}
	// One line per holder and expiry: the holder's refresh (every 30 s)
	// may move the expiry once in these 20 s, polls (every 2 s) must not.
	if n := strings.Count(errs, "waiting"); n > 2 {
		t.Errorf("%d waiting lines in 20 s, want one per holder and expiry", n)
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
	// Reached through the config's resolve: and ca_file: only: more sites
	// than the fleet's two HTTP-only ones answered (a loaded machine may
	// time some probes out, so not all).
	if n := queryInt(t, db, "SELECT count(DISTINCT target) FROM v_probes WHERE outcome = 'ok'"); n < 5 {
		t.Errorf("only %d fleet sites answered a probe through the config's resolve: and ca_file:", n)
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

// TestScheduleStopMidCrawlResumes stops the daemon (as SIGTERM does, through
// its context) in the middle of a crawl: what was committed stays, nothing is
// half-written, and the next start finishes the same run without redoing or
// duplicating a site.
func TestScheduleStopMidCrawlResumes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ff := startFleetFiles(t, ctx)
	config := `targets: [targets.csv]
database: egovbench.db
crawl:
  schedule: "0 2 * * *"
  run_on_start: true
probe:
  schedule: "@every 1h"
  run_on_start: false
budgets:
  max_pages: 12
  site_timeout: 30s
politeness:
  delay: 150ms
  workers: 2
  user_agent: "egovbench-test (+https://example.org/egovbench)"
allow_private: true
report:
  out: report
  regenerate_after_crawl: false
`
	cfgPath := filepath.Join(ff.dir, "egovbench.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"schedule", "--config", cfgPath, "--log-level", "warn"}, ff.netArgs...)
	dbPath := filepath.Join(ff.dir, "egovbench.db")
	total := len(ff.fleet.Sites())

	// First start: stop once a few sites are committed.
	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, _, err := run(t, dctx, args...)
		done <- err
	}()
	for deadline := time.Now().Add(2 * time.Minute); countDone(t, dbPath) < 3; {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no site committed in time: %v", <-done)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("daemon stopped with %v", err)
	}
	db := openSQL(t, dbPath)
	doneAtStop := countDone(t, dbPath)
	if doneAtStop >= total {
		t.Fatalf("the crawl finished before the stop (%d sites); the test needs it cut in the middle", doneAtStop)
	}
	if s := queryInt(t, db, "SELECT count(*) FROM runs WHERE kind = 'crawl' AND status = 'running'"); s != 1 {
		t.Fatalf("%d running crawl runs after the stop, want the interrupted one", s)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM assessments"); n != doneAtStop {
		t.Errorf("%d assessments for %d committed sites: a site was half-written", n, doneAtStop)
	}

	// Second start: the interrupted run is finished at once.
	dctx2, stop2 := context.WithCancel(ctx)
	done2 := make(chan error, 1)
	go func() {
		_, _, err := run(t, dctx2, args...)
		done2 <- err
	}()
	for deadline := time.Now().Add(2 * time.Minute); queryInt(t, db, "SELECT count(*) FROM runs WHERE status = 'done'") == 0; {
		if time.Now().After(deadline) {
			stop2()
			t.Fatalf("interrupted run not finished after restart: %v", <-done2)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop2()
	if err := <-done2; err != nil {
		t.Fatalf("daemon stopped with %v", err)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM runs WHERE kind = 'crawl'"); n != 1 {
		t.Errorf("%d crawl runs; the restart must finish the interrupted run, not start another", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM assessments"); n != total {
		t.Errorf("%d assessments for %d sites", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM (SELECT 1 FROM assessments GROUP BY run_id, target_id HAVING count(*) > 1)"); n != 0 {
		t.Errorf("%d sites assessed twice", n)
	}
}

// TestScheduleRequestTimeout: budgets.request_timeout reaches the crawls
// and probe.timeout the probes; the daemon used to crawl with the probe
// timeout, whatever the YAML said.
func TestScheduleRequestTimeout(t *testing.T) {
	yaml := "targets: [t.csv]\npoliteness: { user_agent: \"x (+https://example.org)\" }\n" +
		"probe: { timeout: 9s }\nbudgets: { request_timeout: 45s }\n"
	cfg, err := schedule.ParseConfig([]byte(yaml), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cf := scheduleCrawlFlags(cfg, resolveFlag{}, "")
	cc, err := cf.crawlerConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cc.RequestTimeout != 45*time.Second || cc.ProbeTimeout != 9*time.Second {
		t.Errorf("crawl request timeout %v, probe timeout %v; want 45s and 9s", cc.RequestTimeout, cc.ProbeTimeout)
	}
}
