package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func testSnapshot(target string, runID int64, at time.Time, home string) egovbench.Snapshot {
	body := []byte(home)
	return egovbench.Snapshot{
		TargetID: target, RunID: runID, StartedAt: at, FinishedAt: at.Add(42 * time.Second),
		Probe: egovbench.Probe{At: at, URL: "https://" + target + ".example.go.id/", Outcome: ok, HTTPStatus: 200,
			Total: 120 * time.Millisecond, Bytes: int64(len(body)), TLSValid: true, TLSExpiry: at.Add(60 * 24 * time.Hour)},
		Pages: []egovbench.Page{
			{URL: "https://" + target + ".example.go.id/", FinalURL: "https://www." + target + ".example.go.id/", Depth: 0,
				Status: 200, ContentType: "text/html; charset=utf-8", FetchedAt: at.Add(time.Second), Outcome: ok, Body: body},
			{URL: "https://" + target + ".example.go.id/layanan", FinalURL: "https://" + target + ".example.go.id/layanan", Depth: 1,
				Status: 200, ContentType: "text/html", FetchedAt: at.Add(2 * time.Second), Outcome: ok,
				Body: bytes.Repeat([]byte("<p>Layanan publik: pengaduan, perizinan, pembayaran.</p>\n"), 200), Truncated: true},
			{URL: "https://sicantik." + target + ".example.go.id/", Depth: 1, Check: true, Status: 404,
				FetchedAt: at.Add(3 * time.Second), Outcome: egovbench.OutcomeHTTPError, Error: "http 404"},
			{URL: "https://" + target + ".example.go.id/logo.png", FinalURL: "https://" + target + ".example.go.id/logo.png", Depth: 1,
				Status: 200, ContentType: "image/png", FetchedAt: at.Add(4 * time.Second), Outcome: ok, Body: []byte{0x89, 'P', 'N', 'G', 1, 2, 3}},
			{URL: "https://" + target + ".example.go.id/empty", Depth: 2, Status: 204, FetchedAt: at.Add(5 * time.Second), Outcome: ok, Body: []byte{}},
		},
		Links: []egovbench.Link{
			{FromURL: "https://" + target + ".example.go.id/", ToURL: "https://www.lapor.go.id/", Domain: "www.lapor.go.id", Text: "LAPOR!"},
			{FromURL: "https://" + target + ".example.go.id/layanan", ToURL: "https://oss.go.id/", Domain: "oss.go.id", Text: "OSS"},
		},
		Redirects:    []string{"http://" + target + ".example.go.id/", "https://" + target + ".example.go.id/"},
		RobotsStatus: 200, SitemapURLs: -1, Stopped: "pages",
	}
}

func testAssessment(target string, runID int64, at time.Time, stage egovbench.Stage, score float64) egovbench.Assessment {
	return egovbench.Assessment{
		TargetID: target, RunID: runID, AssessedAt: at, CatalogueVersion: "2026.1", Reachable: true, Stage: stage,
		Status:     egovbench.StatusAssessed,
		Frameworks: map[string]string{"unaspa": "interactive"}, Score: score,
		CriterionScores: map[string]float64{string(egovbench.CriterionServices): 40, string(egovbench.CriterionContent): 80},
		Confidence:      0.75,
		Indicators: []egovbench.IndicatorResult{
			{ID: "svc.complaint_form", Met: true, Evidence: []egovbench.Evidence{
				{PageURL: "https://x/layanan", Element: "form[method=post]", Text: "Kirim pengaduan"},
				{PageURL: "https://x/", Element: "a[href=https://www.lapor.go.id/]", Text: "LAPOR!"},
			}},
			{ID: "int.lapor", Met: true, Evidence: []egovbench.Evidence{{PageURL: "https://x/", Element: "a", Text: "LAPOR!"}}},
			{ID: "tx.payment", Met: false},
			{ID: "a.first.alphabetically", Met: false},
		},
		NextSteps:    []string{"tx.payment"},
		DeadServices: []egovbench.DeadService{{PageURL: "https://x/", URL: "https://sicantik.x/", Text: "SiCantik", Reason: "http 404"}},
		UnverifiedServices: []egovbench.DeadService{
			{PageURL: "https://x/", URL: "https://www.lapor.go.id/", Text: "SP4N-LAPOR!", Reason: "dns_error"},
			{PageURL: "https://x/layanan", URL: "https://oss.go.id/", Text: "OSS", Reason: "http 403"},
		},
		Language: "id", LanguageCovered: true,
		PagesAnalyzed: 4,
	}
}

func TestSaveCrawlSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(2))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, `{"pages":20}`, []string{"site-000", "site-001"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	snap := testSnapshot("site-000", run.ID, t0, "<html><title>Kota</title></html>")
	if err := db.SaveCrawl(ctx, snap, testAssessment("site-000", run.ID, t0, egovbench.StageInteraction, 55)); err != nil {
		t.Fatal(err)
	}
	got, err := db.Snapshot(ctx, run.ID, "site-000")
	if err != nil {
		t.Fatal(err)
	}
	want := snap
	want.Probe.TargetID, want.Probe.RunID = "site-000", run.ID
	for i := range want.Pages {
		if want.Pages[i].Body != nil {
			got := got.Pages[i].Hash
			want.Pages[i].Hash = got // checked below against the body
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot differs:\n got %+v\nwant %+v", got, want)
	}
	for i, p := range got.Pages {
		if !bytes.Equal(p.Body, snap.Pages[i].Body) || (p.Body == nil) != (snap.Pages[i].Body == nil) {
			t.Errorf("page %d body differs", i)
		}
	}
	// Tiny and incompressible bodies stay as they are; the repetitive page is compressed.
	var codecs string
	var size, stored int
	db.read.QueryRow(`SELECT group_concat(codec, ',') FROM (SELECT codec FROM blobs ORDER BY size)`).Scan(&codecs)
	db.read.QueryRow(`SELECT size, stored_size FROM blobs ORDER BY size DESC LIMIT 1`).Scan(&size, &stored)
	if codecs != "identity,identity,identity,zstd" || stored*10 > size {
		t.Errorf("codecs = %s, largest %d stored in %d", codecs, size, stored)
	}
	if _, err := db.Snapshot(ctx, run.ID, "site-001"); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("pending target snapshot: %v", err)
	}
	if _, err := db.Snapshot(ctx, run.ID, "ghost"); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("unknown target snapshot: %v", err)
	}
}

func TestSaveCrawlDeduplicatesBlobs(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(2))
	var runs []egovbench.Run
	for day := range 2 {
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
		at := t0.Add(time.Duration(day) * 24 * time.Hour)
		for _, s := range []string{"site-000", "site-001"} {
			// Identical homepage body for both sites and both days.
			if err := db.SaveCrawl(ctx, testSnapshot(s, run.ID, at, "<html>same</html>"), egovbench.Assessment{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var blobs, pages int
	db.read.QueryRow(`SELECT count(*) FROM blobs`).Scan(&blobs)
	db.read.QueryRow(`SELECT count(*) FROM pages WHERE hash IS NOT NULL`).Scan(&pages)
	// Bodies: home (shared), layanan (shared), png (shared), empty (shared) = 4 blobs for 16 pages.
	if blobs != 4 || pages != 16 {
		t.Errorf("%d blobs for %d pages, want 4 for 16", blobs, pages)
	}
	// Query from the docs: pages unchanged since the previous run.
	var unchanged int
	db.read.QueryRow(`SELECT count(*) FROM pages p JOIN pages q ON q.target_id = p.target_id AND q.url = p.url
		AND q.run_id = ? WHERE p.run_id = ? AND p.hash = q.hash`, runs[0].ID, runs[1].ID).Scan(&unchanged)
	if unchanged != 8 {
		t.Errorf("unchanged = %d", unchanged)
	}
}

func TestSaveCrawlRejects(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	snap := testSnapshot("site-000", run.ID, t0, "x")
	bad := testSnapshot("site-000", run.ID, t0, "x")
	bad.Pages[0].Hash = "00"
	dup := testSnapshot("site-000", run.ID, t0, "x")
	dup.Pages[1].URL = dup.Pages[0].URL
	wrongA := testAssessment("site-001", run.ID, t0, egovbench.StagePresence, 1)
	for _, tc := range []struct {
		name string
		s    egovbench.Snapshot
		a    egovbench.Assessment
		want error
	}{
		{"hash mismatch", bad, egovbench.Assessment{}, egovbench.ErrInvalid},
		{"duplicate url", dup, egovbench.Assessment{}, egovbench.ErrInvalid},
		{"assessment of another target", snap, wrongA, egovbench.ErrInvalid},
		{"unknown target", testSnapshot("ghost", run.ID, t0, "x"), egovbench.Assessment{}, egovbench.ErrNotFound},
	} {
		if err := db.SaveCrawl(ctx, tc.s, tc.a); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if p, _ := db.PendingTargets(ctx, run.ID); len(p) != 1 {
		t.Errorf("failed saves marked the target done: pending %v", p)
	}
	if err := db.SaveCrawl(ctx, snap, egovbench.Assessment{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCrawl(ctx, snap, egovbench.Assessment{}); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("second save of a done target: %v", err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

func TestResumeSemantics(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/resume.db"
	db := openTestDBAt(t, path)
	ts := testTargets(5)
	mustUpsert(t, db, ts)
	ids := []string{"site-000", "site-001", "site-002", "site-003", "site-004"}
	if _, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"ghost"}, 0); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("run with unknown target: %v", err)
	}
	if runs, _ := db.Runs(ctx); len(runs) != 0 {
		t.Errorf("failed CreateRun left %d runs", len(runs))
	}
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"site-001", "site-003"} {
		if err := db.SaveCrawl(ctx, testSnapshot(id, run.ID, t0, id), testAssessment(id, run.ID, t0, egovbench.StagePresence, 10)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // the process "dies" here

	db = openTestDBAt(t, path)
	got, err := db.UnfinishedRun(ctx, egovbench.RunCrawl)
	if err != nil || got.ID != run.ID || got.Status != egovbench.RunRunning {
		t.Fatalf("UnfinishedRun = %+v, %v", got, err)
	}
	pending, err := db.PendingTargets(ctx, run.ID)
	if err != nil || !reflect.DeepEqual(pending, []string{"site-000", "site-002", "site-004"}) {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	for _, id := range pending {
		if err := db.SaveCrawl(ctx, testSnapshot(id, run.ID, t0, id), testAssessment(id, run.ID, t0, egovbench.StagePresence, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := db.PendingTargets(ctx, run.ID); len(p) != 0 {
		t.Errorf("still pending: %v", p)
	}
	if err := db.FinishRun(ctx, run.ID, egovbench.RunDone); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UnfinishedRun(ctx, egovbench.RunCrawl); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("UnfinishedRun after finish: %v", err)
	}
	var pages, assessments, probes int
	db.read.QueryRow(`SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM assessments), (SELECT count(*) FROM probes)`).Scan(&pages, &assessments, &probes)
	if pages != 25 || assessments != 5 || probes != 5 {
		t.Errorf("pages %d assessments %d probes %d: something was duplicated or lost", pages, assessments, probes)
	}
	runs, _ := db.Runs(ctx)
	if len(runs) != 1 || runs[0].Status != egovbench.RunDone || runs[0].FinishedAt.IsZero() {
		t.Errorf("runs = %+v", runs)
	}
	if err := db.FinishRun(ctx, 999, egovbench.RunDone); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("finish unknown run: %v", err)
	}
	if err := db.FinishRun(ctx, run.ID, egovbench.RunRunning); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("finish with running: %v", err)
	}
	if _, err := db.CreateRun(ctx, egovbench.RunCrawl, "{not json", nil, 0); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("bad config: %v", err)
	}
}

func TestAssessmentsLatestPreviousHistory(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(2))
	var crawls []int64
	stages := []egovbench.Stage{egovbench.StagePresence, egovbench.StageInteraction, egovbench.StageIntegration}
	for day, st := range stages {
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		crawls = append(crawls, run.ID)
		at := t0.Add(time.Duration(day) * 24 * time.Hour)
		for _, s := range []string{"site-000", "site-001"} {
			if err := db.SaveCrawl(ctx, testSnapshot(s, run.ID, at, fmt.Sprint(day)), testAssessment(s, run.ID, at, st, float64(10*day))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Re-analyse the latest crawl of site-000 only: it replaces that crawl's verdict.
	an, err := db.CreateRun(ctx, egovbench.RunAnalyze, "", []string{"site-000"}, crawls[2])
	if err != nil || an.SourceRun != crawls[2] {
		t.Fatalf("analyze run %+v %v", an, err)
	}
	snap, err := db.Snapshot(ctx, crawls[2], "site-000")
	if err != nil {
		t.Fatal(err)
	}
	re := testAssessment("site-000", an.ID, snap.StartedAt, egovbench.StageTransaction, 99)
	if err := db.SaveAssessment(ctx, re); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.PendingTargets(ctx, an.ID); len(p) != 0 {
		t.Errorf("analyze run still pending: %v", p)
	}
	if err := db.SaveAssessment(ctx, re); err == nil {
		t.Error("second assessment of a target in one run accepted")
	}

	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(latest["site-000"], re) {
		t.Errorf("latest site-000:\n got %+v\nwant %+v", latest["site-000"], re)
	}
	if l := latest["site-001"]; l.Stage != egovbench.StageIntegration || l.RunID != crawls[2] {
		t.Errorf("latest site-001 = %+v", l)
	}
	prev, err := db.PreviousAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The previous state is the crawl before, not the pre-re-analysis verdict of the same crawl.
	if p := prev["site-000"]; p.RunID != crawls[1] || p.Stage != egovbench.StageInteraction || len(p.Indicators) != 4 {
		t.Errorf("previous site-000 = %+v", p)
	}
	hist, err := db.StageHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 6 {
		t.Fatalf("history has %d points: %+v", len(hist), hist)
	}
	if h := hist[2]; h.TargetID != "site-000" || h.Stage != egovbench.StageTransaction || h.RunID != an.ID || !h.At.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("history point = %+v", h)
	}
	var viewStage string
	db.read.QueryRow(`SELECT stage FROM v_latest_assessment WHERE target = 'site-000'`).Scan(&viewStage)
	if viewStage != "transaction" {
		t.Errorf("v_latest_assessment stage = %q", viewStage)
	}
	var viewPoints int
	db.read.QueryRow(`SELECT count(*) FROM v_stage_history`).Scan(&viewPoints)
	if viewPoints != 6 {
		t.Errorf("v_stage_history has %d rows", viewPoints)
	}
}

func TestDoneTargets(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(3))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001", "site-002"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := db.DoneTargets(ctx, run.ID); err != nil || len(d) != 0 {
		t.Errorf("before any save: %v, %v", d, err)
	}
	for _, id := range []string{"site-002", "site-000"} {
		if err := db.SaveCrawl(ctx, testSnapshot(id, run.ID, t0, id), egovbench.Assessment{}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := db.DoneTargets(ctx, run.ID)
	if err != nil || !reflect.DeepEqual(d, []string{"site-000", "site-002"}) {
		t.Errorf("DoneTargets = %v, %v", d, err)
	}
}

// countRows returns the rows of every table a crawl save writes to.
func countRows(t *testing.T, db *DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"blobs", "pages", "links", "probes", "probe_urls", "probe_last", "probe_hourly",
		"probe_daily", "assessments", "assessment_indicators", "evidence", "dead_services", "unverified_services"} {
		var n int
		if err := db.read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// A save cancelled after it has written everything, just before it
// commits, must leave nothing behind: its statements ignore the context
// (see SaveCrawl), the transaction must not.
func TestSaveCrawlCancelledBeforeCommit(t *testing.T) {
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	run, err := db.CreateRun(context.Background(), egovbench.RunCrawl, "", []string{"site-000"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := countRows(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	saveCrawlWritten = cancel
	defer func() { saveCrawlWritten = nil }()
	snap, a := testSnapshot("site-000", run.ID, t0, "<html>x</html>"), testAssessment("site-000", run.ID, t0, egovbench.StagePresence, 10)
	if err := db.SaveCrawl(ctx, snap, a); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled save: %v, want context.Canceled", err)
	}
	saveCrawlWritten = nil
	if got := countRows(t, db); !reflect.DeepEqual(got, before) {
		t.Errorf("cancelled save left rows: %v, before %v", got, before)
	}
	if p, _ := db.PendingTargets(context.Background(), run.ID); len(p) != 1 {
		t.Errorf("cancelled save marked the target done: pending %v", p)
	}
	// The save goes through afterwards, and the probe URL learned in the
	// rolled-back transaction was not cached.
	if err := db.SaveCrawl(context.Background(), snap, a); err != nil {
		t.Fatal(err)
	}
	got, err := db.Snapshot(context.Background(), run.ID, "site-000")
	if err != nil || got.Probe.URL != snap.Probe.URL || len(got.Pages) != len(snap.Pages) {
		t.Errorf("snapshot after retry: %+v, %v", got.Probe, err)
	}
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
}

// Bodies are looked up all at once and new ones inserted several per
// statement: a body twice in one crawl, a body another site stored, a
// stored body among new ones must each end up as exactly one blob that
// every page referencing it reads back.
func TestSaveCrawlBlobBatches(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(2))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	body := func(i int) []byte {
		return []byte(fmt.Sprintf("<html>%s page %d</html>", strings.Repeat("berita ", i), i))
	}
	crawl := func(target string, bodies ...int) egovbench.Snapshot {
		s := egovbench.Snapshot{TargetID: target, RunID: run.ID, StartedAt: t0}
		for i, b := range bodies {
			s.Pages = append(s.Pages, egovbench.Page{URL: fmt.Sprintf("https://%s/%d", target, i), Status: 200,
				FetchedAt: t0, Outcome: ok, Body: body(b)})
		}
		return s
	}
	// 70 new bodies (more than one insert statement holds), one of them twice.
	many := make([]int, 0, 71)
	for i := range 70 {
		many = append(many, i)
	}
	first := crawl("site-000", append(many, 3)...)
	second := crawl("site-001", 3, 100, 5, 101, 101)
	for _, s := range []egovbench.Snapshot{first, second} {
		if err := db.SaveCrawl(ctx, s, egovbench.Assessment{}); err != nil {
			t.Fatal(err)
		}
	}
	var blobs int
	db.read.QueryRow(`SELECT count(*) FROM blobs`).Scan(&blobs)
	if blobs != 72 {
		t.Errorf("%d blobs, want 72 distinct bodies", blobs)
	}
	for _, s := range []egovbench.Snapshot{first, second} {
		got, err := db.Snapshot(ctx, run.ID, s.TargetID)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range got.Pages {
			if !bytes.Equal(p.Body, s.Pages[i].Body) {
				t.Errorf("%s page %d: body %q, want %q", s.TargetID, i, p.Body, s.Pages[i].Body)
			}
		}
	}
}

// TestSaveCrawlRenderedPage: a rendered page keeps both its DOM and the HTML
// the server sent, and both come back.
func TestSaveCrawlRenderedPage(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, `{}`, []string{"site-000"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	snap := testSnapshot("site-000", run.ID, t0, `<html><body><div id="app"><a href="/pengaduan">Pengaduan</a></div></body></html>`)
	home := &snap.Pages[0]
	home.Rendered, home.StaticBody = true, []byte(`<html><body><div id="app"></div><script src="/app.js"></script></body></html>`)
	snap.Pages[1].RenderError = "page did not settle"
	a := testAssessment("site-000", run.ID, t0, egovbench.StageInteraction, 55)
	a.Indicators[0].Evidence[1].Rendered = true
	if err := db.SaveCrawl(ctx, snap, a); err != nil {
		t.Fatal(err)
	}
	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev := latest["site-000"].Indicators[0].Evidence; len(ev) != 2 || ev[0].Rendered || !ev[1].Rendered {
		t.Errorf("evidence came back as %+v, want the second only marked rendered", ev)
	}
	got, err := db.Snapshot(ctx, run.ID, "site-000")
	if err != nil {
		t.Fatal(err)
	}
	g := got.Pages[0]
	if !g.Rendered || !bytes.Equal(g.Body, home.Body) || !bytes.Equal(g.StaticBody, home.StaticBody) || g.StaticHash == "" || g.StaticHash == g.Hash {
		t.Errorf("rendered page came back as rendered=%v body %q static %q (%s)", g.Rendered, g.Body, g.StaticBody, g.StaticHash)
	}
	if got.Pages[1].Rendered || got.Pages[1].StaticBody != nil || got.Pages[1].RenderError != "page did not settle" {
		t.Errorf("static page came back as %+v", got.Pages[1])
	}
	var n int
	db.read.QueryRow(`SELECT count(*) FROM pages p JOIN blobs b ON b.hash = p.static_hash WHERE p.rendered = 1`).Scan(&n)
	if n != 1 {
		t.Errorf("%d rendered pages with their static HTML in blobs, want 1", n)
	}

	bad := testSnapshot("site-000", run.ID, t0, "<html></html>")
	bad.Pages[0].StaticBody = []byte("<html></html>")
	if err := db.SaveCrawl(ctx, bad, testAssessment("site-000", run.ID, t0, egovbench.StageNone, 0)); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("static HTML on a page not rendered: %v", err)
	}
}

// TestAssessmentsAsOfAndRun reads past states for report --since and
// --compare: as of a moment (crawls strictly before it) and as of a run
// (the newest analysis of the crawl it made).
func TestAssessmentsAsOfAndRun(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(2))
	var crawls []int64
	stages := []egovbench.Stage{egovbench.StagePresence, egovbench.StageInteraction, egovbench.StageIntegration}
	for day, st := range stages {
		ids := []string{"site-000", "site-001"}
		if day == 0 {
			ids = ids[:1] // site-001 is first crawled on day 1
		}
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, `{"max_pages":5}`, ids, 0)
		if err != nil {
			t.Fatal(err)
		}
		crawls = append(crawls, run.ID)
		at := t0.Add(time.Duration(day) * 24 * time.Hour)
		for _, s := range ids {
			if err := db.SaveCrawl(ctx, testSnapshot(s, run.ID, at, fmt.Sprint(day)), testAssessment(s, run.ID, at, st, float64(10*day))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Re-analyse day 1's crawl of site-000: as of run 2, the re-analysis stands.
	an, err := db.CreateRun(ctx, egovbench.RunAnalyze, "", []string{"site-000"}, crawls[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAssessment(ctx, testAssessment("site-000", an.ID, t0.Add(24*time.Hour), egovbench.StageTransaction, 77)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		get  func() (map[string]egovbench.Assessment, error)
		want map[string]egovbench.Stage // absent targets are absent
	}{
		{"before everything", func() (map[string]egovbench.Assessment, error) { return db.AssessmentsAsOf(ctx, t0) }, map[string]egovbench.Stage{}},
		{"day 1 excluded", func() (map[string]egovbench.Assessment, error) { return db.AssessmentsAsOf(ctx, t0.Add(24*time.Hour)) },
			map[string]egovbench.Stage{"site-000": egovbench.StagePresence}},
		{"day 1 included, re-analysed", func() (map[string]egovbench.Assessment, error) {
			return db.AssessmentsAsOf(ctx, t0.Add(25*time.Hour))
		}, map[string]egovbench.Stage{"site-000": egovbench.StageTransaction, "site-001": egovbench.StageInteraction}},
		{"run 1", func() (map[string]egovbench.Assessment, error) { return db.RunAssessments(ctx, crawls[0]) },
			map[string]egovbench.Stage{"site-000": egovbench.StagePresence}},
		{"run 2, re-analysed", func() (map[string]egovbench.Assessment, error) { return db.RunAssessments(ctx, crawls[1]) },
			map[string]egovbench.Stage{"site-000": egovbench.StageTransaction, "site-001": egovbench.StageInteraction}},
		{"analyze run", func() (map[string]egovbench.Assessment, error) { return db.RunAssessments(ctx, an.ID) },
			map[string]egovbench.Stage{"site-000": egovbench.StageTransaction}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.get()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Errorf("got %d targets, want %d: %+v", len(got), len(c.want), got)
			}
			for id, st := range c.want {
				if a, ok := got[id]; !ok || a.Stage != st || len(a.Indicators) == 0 {
					t.Errorf("%s: %+v, want stage %v with indicators", id, a, st)
				}
			}
		})
	}
	if _, err := db.RunAssessments(ctx, 999); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("unknown run: %v, want ErrNotFound", err)
	}
	r, err := db.LatestRun(ctx, egovbench.RunCrawl)
	if err != nil || r.ID != crawls[2] || r.Config != `{"max_pages":5}` {
		t.Errorf("latest crawl run %+v %v, want run %d with its config", r, err, crawls[2])
	}
	if _, err := db.LatestRun(ctx, egovbench.RunProbe); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("no probe run: %v, want ErrNotFound", err)
	}
}
