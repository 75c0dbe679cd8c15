package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// unmeasured is an assessment of a run in which the homepage did not answer.
func unmeasured(target string, runID int64, at time.Time, status egovbench.AssessmentStatus, cause string) egovbench.Assessment {
	return egovbench.Assessment{TargetID: target, RunID: runID, AssessedAt: at, CatalogueVersion: "2026.1",
		Status: status, StatusCause: cause, Stage: egovbench.StageNone}
}

// downSnapshot is a crawl whose probe failed with outcome o.
func downSnapshot(target string, runID int64, at time.Time, o egovbench.Outcome) egovbench.Snapshot {
	return egovbench.Snapshot{TargetID: target, RunID: runID, StartedAt: at, FinishedAt: at.Add(time.Second), SitemapURLs: -1,
		Probe: egovbench.Probe{At: at, URL: "https://" + target + ".example.go.id/", Outcome: o}}
}

// TestUnmeasuredRunsLeaveHistoryAlone: a run in which the site did not
// answer is stored with its status and cause, is the latest assessment,
// but is no point of the stage history, and the latest measured stage is
// still the one before it.
func TestUnmeasuredRunsLeaveHistoryAlone(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	const id = "site-000"
	var runs []int64
	for range 3 {
		r, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{id}, 0)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r.ID)
	}
	day := 24 * time.Hour
	if err := db.SaveCrawl(ctx, testSnapshot(id, runs[0], t0, "<html>a</html>"), testAssessment(id, runs[0], t0, egovbench.StageInteraction, 50)); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCrawl(ctx, downSnapshot(id, runs[1], t0.Add(day), egovbench.OutcomeTimeout),
		unmeasured(id, runs[1], t0.Add(day), egovbench.StatusUnreachable, "timeout")); err != nil {
		t.Fatal(err)
	}
	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := latest[id]; a.Status != egovbench.StatusUnreachable || a.StatusCause != "timeout" || a.RunID != runs[1] {
		t.Errorf("latest = run %d %q %q, want the unreachable run with its cause", a.RunID, a.Status, a.StatusCause)
	}
	measured, err := db.LatestMeasured(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := measured[id]; a.RunID != runs[0] || a.Stage != egovbench.StageInteraction {
		t.Errorf("latest measured = run %d %s, want run %d interaction", a.RunID, a.Stage, runs[0])
	}
	hist, err := db.StageHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].RunID != runs[0] {
		t.Errorf("stage history %+v, want only the measured run %d", hist, runs[0])
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM v_stage_history`).Scan(&n); err != nil || n != 1 {
		t.Errorf("v_stage_history has %d rows (%v), want 1", n, err)
	}
	var st, cause string
	if err := db.read.QueryRowContext(ctx, `SELECT status, status_cause FROM v_latest_assessment`).Scan(&st, &cause); err != nil ||
		st != "unreachable" || cause != "timeout" {
		t.Errorf("v_latest_assessment status %q cause %q (%v)", st, cause, err)
	}
	bad := unmeasured(id, runs[2], t0.Add(2*day), "gone_fishing", "")
	if err := db.SaveCrawl(ctx, downSnapshot(id, runs[2], t0.Add(2*day), egovbench.OutcomeTimeout), bad); err == nil {
		t.Error("an unknown status was stored")
	}
}

// TestMigrationBackfillsStatus: rows stored before the status existed get
// it from reachable = 0 and the crawl's probe.
func TestMigrationBackfillsStatus(t *testing.T) {
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "e.db")
	db := openTestDBAt(t, path)
	mustUpsert(t, db, testTargets(3))
	ids := []string{"site-000", "site-001", "site-002"}
	r, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCrawl(ctx, testSnapshot(ids[0], r.ID, t0, "<html>a</html>"), testAssessment(ids[0], r.ID, t0, egovbench.StagePresence, 20)); err != nil {
		t.Fatal(err)
	}
	for i, o := range []egovbench.Outcome{egovbench.OutcomeBlocked, egovbench.OutcomeDNSError} {
		a := unmeasured(ids[i+1], r.ID, t0, egovbench.StatusAssessed, "") // as the old code stored them
		if err := db.SaveCrawl(ctx, downSnapshot(ids[i+1], r.ID, t0, o), a); err != nil {
			t.Fatal(err)
		}
	}
	var v2Views []string
	for _, v := range []string{"v_stage_history", "v_latest_assessment"} {
		i := strings.Index(ms[0].sql, "CREATE VIEW "+v+" AS")
		j := strings.Index(ms[0].sql[i:], ";")
		v2Views = append(v2Views, ms[0].sql[i:i+j+1])
	}
	// Back to version 7: undo 0010, 0009, then 0008.
	if _, err := db.write.ExecContext(ctx, `DROP TABLE probe_daily_writes; DROP TABLE prober_degraded_rounds;
		DROP VIEW v_stage_history; DROP VIEW v_latest_assessment;
		ALTER TABLE assessments DROP COLUMN status; ALTER TABLE assessments DROP COLUMN status_cause;
		`+strings.Join(v2Views, "\n")+`
		DELETE FROM schema_migrations WHERE version > 7`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openTestDBAt(t, path)
	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{ids[0]: {"assessed", ""}, ids[1]: {"blocked", "blocked"}, ids[2]: {"unreachable", "dns_error"}}
	for id, w := range want {
		if a := latest[id]; string(a.Status) != w[0] || a.StatusCause != w[1] {
			t.Errorf("%s: status %q cause %q, want %q %q", id, a.Status, a.StatusCause, w[0], w[1])
		}
	}
}
