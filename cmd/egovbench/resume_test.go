package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestCrawlResumeAfterKill kills a real crawl process with SIGKILL while it
// is mid-run, then resumes: the sites committed before the kill are not
// crawled again, every site ends with exactly one assessment in the run, and
// the database passes integrity_check.
func TestCrawlResumeAfterKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	ff := startFleetFiles(t, ctx)
	dbPath := filepath.Join(ff.dir, "egovbench.db")
	args := append([]string{"crawl", "--targets", ff.targets, "--db", dbPath, "--allow-private",
		"--workers", "2", "--delay", "150ms", "--max-pages", "15", "--request-timeout", "3s", "--log-format", "json"}, ff.netArgs...)
	total := len(ff.fleet.Sites())

	child := exec.CommandContext(ctx, os.Args[0], args...)
	child.Env = append(os.Environ(), "EGOVBENCH_TEST_CHILD=1")
	child.Args = append([]string{os.Args[0]}, args...)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a few sites are committed but the run is not done.
	var doneBefore int
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		doneBefore = countDone(t, dbPath)
		if doneBefore >= 3 {
			break
		}
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	doneAtKill := countDone(t, dbPath)
	if doneAtKill < 3 || doneAtKill >= total {
		t.Fatalf("killed with %d of %d sites done; the test needs a run cut in the middle", doneAtKill, total)
	}
	db := openSQL(t, dbPath)
	finishedBefore := map[string]int64{}
	rows, err := db.Query(`SELECT t.slug, c.finished_at FROM crawls c JOIN targets t ON t.id = c.target_id WHERE c.status = 'done'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		finishedBefore[id] = at
	}
	rows.Close()

	resumeArgs := append([]string{"crawl", "--resume"}, args[3:]...) // drop --targets FILE
	mustRun(t, ctx, resumeArgs...)

	if n := queryInt(t, db, "SELECT count(*) FROM runs WHERE kind = 'crawl'"); n != 1 {
		t.Errorf("%d crawl runs; resume must continue the killed run, not start another", n)
	}
	if s := queryInt(t, db, "SELECT count(*) FROM runs WHERE status = 'done'"); s != 1 {
		t.Errorf("run not marked done after resume")
	}
	if n := countDone(t, dbPath); n != total {
		t.Errorf("%d of %d sites done after resume", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM assessments"); n != total {
		t.Errorf("%d assessments for %d sites: something was duplicated or lost", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM (SELECT target_id FROM assessments GROUP BY run_id, target_id HAVING count(*) > 1)"); n != 0 {
		t.Errorf("%d sites assessed twice in the run", n)
	}
	for id, at := range finishedBefore {
		var now int64
		if err := db.QueryRow(`SELECT c.finished_at FROM crawls c JOIN targets t ON t.id = c.target_id WHERE t.slug = ?`, id).Scan(&now); err != nil {
			t.Fatal(err)
		}
		if now != at {
			t.Errorf("%s was crawled again after the resume", id)
		}
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
}

// countDone reads how many sites of the run are committed; a database that
// does not exist yet (the child is starting) has none.
func countDone(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db := openSQL(t, path)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM crawls WHERE status = 'done'").Scan(&n); err != nil {
		return 0 // schema not migrated yet
	}
	db.Close()
	return n
}
