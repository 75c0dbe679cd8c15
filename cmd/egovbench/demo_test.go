package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/fleet"
	"github.com/egovbench/egovbench/internal/browsertest"
	"github.com/egovbench/egovbench/store"
)

// TestDemoEndToEnd is the spine: the demo crawls the simulated fleet,
// stores, classifies and reports; export then lists every simulated site
// with the stage the fleet was built to have.
func TestDemoEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := t.TempDir()
	// Four months of history (a site moves up three months ago, another
	// in the last month, when one drops) and 13 days of probes (one site's
	// two-day maintenance): the demo's year, shortened for the race detector.
	// Rendering on (the demo's default is static HTML): the script-built
	// sites must reach the stage a browser shows, through the whole path.
	demoOut := mustRun(t, ctx, "demo", "--out", out, "--log-level", "warn", "--render", "auto",
		"--months", "4", "--probe-days", "13", "--probe-every", "5h")
	dbPath := filepath.Join(out, "egovbench.db")
	if !strings.Contains(demoOut, dbPath) || !strings.Contains(demoOut, filepath.Join(out, "report", "index.html")) {
		t.Errorf("demo does not say where the database and report are:\n%s", demoOut)
	}
	if !strings.Contains(demoOut, "history: 5 monthly crawls") || !strings.Contains(demoOut, "63 probe rounds") {
		t.Errorf("demo does not tell the history it made:\n%s", demoOut)
	}

	// The truth: the fleet is deterministic, so a second instance with the
	// same history describes the sites the demo crawled, at every time.
	var history []struct {
		TargetID  string `json:"target_id"`
		RunID     int64  `json:"run_id"`
		CrawledAt string `json:"crawled_at"`
		Stage     string `json:"stage"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, ctx, "export", "--db", dbPath, "--format", "json", "--table", "history")), &history); err != nil {
		t.Fatal(err)
	}
	var end time.Time
	for _, h := range history {
		at, err := time.Parse(time.RFC3339, h.CrawledAt)
		if err != nil {
			t.Fatal(err)
		}
		if at.After(end) {
			end = at
		}
	}
	f, err := fleet.Start(ctx, fleet.Options{Hostile: true, Phases: fleet.DemoHistory(end)})
	if err != nil {
		t.Fatal(err)
	}
	sites := f.SitesAt(end)
	checkDemoHistory(t, f, history)
	f.Close()

	var rows []exportRow
	if err := json.Unmarshal([]byte(mustRun(t, ctx, "export", "--db", dbPath, "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	byID := map[string]exportRow{}
	for _, r := range rows {
		byID[r.TargetID] = r
	}
	if len(rows) != len(sites) {
		t.Errorf("export lists %d targets, the fleet has %d", len(rows), len(sites))
	}
	for _, s := range sites {
		r, ok := byID[s.Target.ID]
		if !ok {
			t.Errorf("%s: missing from export", s.Target.ID)
			continue
		}
		if r.Stage != s.TrueStage.String() {
			t.Errorf("%s (%s): stage %s, the fleet built it as %s; indicators met: %v",
				s.Target.ID, s.Behaviour, r.Stage, s.TrueStage, r.IndicatorsMet)
		}
		if wantReachable := s.TrueStage != egovbench.StageNone; r.Reachable != wantReachable && s.Behaviour != fleet.BehaviourHostile {
			t.Errorf("%s (%s): reachable = %v", s.Target.ID, s.Behaviour, r.Reachable)
		}
		// A site that did not let itself be read is not measured: no
		// score, and a status that says why instead of a 0.
		measured := egovbench.AssessmentStatus(r.Status).Measured()
		if wantMeasured := s.TrueStage != egovbench.StageNone; measured != wantMeasured && s.Behaviour != fleet.BehaviourHostile {
			t.Errorf("%s (%s): status %q (%s)", s.Target.ID, s.Behaviour, r.Status, r.StatusCause)
		}
		if measured != (r.Score != nil) || !measured && r.StatusCause == "" {
			t.Errorf("%s: status %q cause %q with score %v", s.Target.ID, r.Status, r.StatusCause, r.Score)
		}
		if r.CrawledAt == "" || r.RunID == 0 || r.CatalogueVersion == "" {
			t.Errorf("%s: incomplete row %+v", s.Target.ID, r)
		}
	}

	db := openSQL(t, dbPath)
	// The data centre's kabupaten are slow at 00-02 UTC: the server waits
	// before every answer then, so no probe of those hours can be faster
	// than the wait, while probes of the other hours can. Minimums, not
	// means: a busy machine slows any probe, never speeds one up, so this
	// holds however loaded the machine running the test is.
	for _, id := range []string{"kab-sawahluhur", "kab-batuselaksa"} {
		var slowMin, otherMin float64
		var slowN int
		if err := db.QueryRow(`SELECT
			min(CASE WHEN cast(strftime('%H', probed) AS int) < 2 THEN total_us END),
			min(CASE WHEN cast(strftime('%H', probed) AS int) >= 2 THEN total_us END),
			count(CASE WHEN cast(strftime('%H', probed) AS int) < 2 THEN 1 END)
			FROM v_probes WHERE target = ? AND run_id IS NULL AND outcome = 'ok'`, id).Scan(&slowMin, &otherMin, &slowN); err != nil {
			t.Fatalf("%s: slow-hour latency: %v", id, err)
		}
		if slowN == 0 || slowMin-otherMin < 75_000 {
			t.Errorf("%s: fastest probe %.0f µs in its slow hours (%d probes), %.0f µs otherwise; want the slow hours 75 ms slower", id, slowMin, slowN, otherMin)
		}
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}

	csvOut := mustRun(t, ctx, "export", "--db", dbPath)
	lines := strings.Split(strings.TrimSpace(csvOut), "\n")
	if lines[0] != strings.Join(exportColumns, ",") || len(lines) != len(sites)+1 {
		t.Errorf("csv export: header %q and %d lines", lines[0], len(lines))
	}

	// The tables behind the charts export too, with a row per site (or day,
	// indicator, run) and the same rows in CSV and JSON.
	for _, table := range []string{"history", "uptime", "indicators", "outages"} {
		var recs []map[string]any
		if err := json.Unmarshal([]byte(mustRun(t, ctx, "export", "--db", dbPath, "--format", "json", "--table", table)), &recs); err != nil {
			t.Fatalf("export --table %s: %v", table, err)
		}
		csvLines := strings.Split(strings.TrimSpace(mustRun(t, ctx, "export", "--db", dbPath, "--table", table)), "\n")
		if len(csvLines)-1 != len(recs) {
			t.Errorf("export --table %s: %d CSV rows, %d JSON records", table, len(csvLines)-1, len(recs))
		}
		measured := 0
		for _, r := range rows {
			if egovbench.AssessmentStatus(r.Status).Measured() {
				measured++
			}
		}
		// The stage history holds measured runs only.
		min := map[string]int{"history": measured, "uptime": len(sites), "indicators": 60, "outages": 1}[table]
		if len(recs) < min {
			t.Errorf("export --table %s: %d records, want at least %d", table, len(recs), min)
		}
	}

	// Re-analysis re-scores the stored pages without the network and must
	// reach the same verdicts with the same catalogue.
	before := queryInt(t, db, "SELECT count(*) FROM assessments")
	mustRun(t, ctx, "reanalyze", "--db", dbPath)
	if after := queryInt(t, db, "SELECT count(*) FROM assessments"); after != before+len(sites) {
		t.Errorf("reanalyze: %d assessments, want %d (new ones for the last crawl beside the old)", after, before+len(sites))
	}
	var again []exportRow
	if err := json.Unmarshal([]byte(mustRun(t, ctx, "export", "--db", dbPath, "--format", "json")), &again); err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if b := byID[r.TargetID]; r.Stage != b.Stage || fmt.Sprint(deref(r.Score)) != fmt.Sprint(deref(b.Score)) || r.Status != b.Status {
			t.Errorf("%s: re-analysis gave %s/%v/%s, crawl gave %s/%v/%s", r.TargetID, r.Stage, deref(r.Score), r.Status, b.Stage, deref(b.Score), b.Status)
		}
	}

	// Saved pages classified offline get the verdict the crawl gave.
	checkClassifyMatchesCrawl(t, ctx, dbPath, sites, byID)

	// The report opens in a real browser: every page and chart loads, and
	// nothing the hostile site sent runs.
	reportDir := filepath.Join(out, "report")
	res, err := browsertest.Check(ctx, reportDir)
	if err != nil {
		t.Fatal(err)
	}
	if problems := res.Problems(); len(problems) > 0 {
		t.Errorf("report in the browser:\n%s", strings.Join(problems, "\n"))
	}
	if dir := os.Getenv("EGOVBENCH_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Screenshot(ctx, filepath.Join(reportDir, "index.html"), filepath.Join(dir, "demo-index.png")); err != nil {
			t.Errorf("screenshot of the demo report: %v", err)
		}
	}
	t.Run("screenshots", func(t *testing.T) { checkDemoScreenshots(t, dbPath, out) })
}

// checkDemoHistory: every stage of the replayed history is the stage the
// fleet had at that time, and the history moves.
func checkDemoHistory(t *testing.T, f *fleet.Fleet, history []struct {
	TargetID  string `json:"target_id"`
	RunID     int64  `json:"run_id"`
	CrawledAt string `json:"crawled_at"`
	Stage     string `json:"stage"`
}) {
	t.Helper()
	history = slices.Clone(history)
	sort.SliceStable(history, func(i, j int) bool {
		if history[i].TargetID != history[j].TargetID {
			return history[i].TargetID < history[j].TargetID
		}
		return history[i].CrawledAt < history[j].CrawledAt
	})
	runs := map[int64]bool{}
	last := map[string]string{}
	up, down := 0, 0
	for _, h := range history {
		runs[h.RunID] = true
		at, _ := time.Parse(time.RFC3339, h.CrawledAt)
		for _, s := range f.SitesAt(at) {
			if s.Target.ID == h.TargetID && s.TrueStage.String() != h.Stage {
				t.Errorf("%s at %s: found %s, the fleet was %s", h.TargetID, h.CrawledAt, h.Stage, s.TrueStage)
			}
		}
		var prev, cur egovbench.Stage
		if p, ok := last[h.TargetID]; ok {
			if err := prev.UnmarshalText([]byte(p)); err != nil {
				t.Fatal(err)
			}
			if err := cur.UnmarshalText([]byte(h.Stage)); err != nil {
				t.Fatal(err)
			}
			switch {
			case cur > prev:
				up++
			case cur < prev:
				down++
			}
		}
		last[h.TargetID] = h.Stage
	}
	if len(runs) != 5 {
		t.Errorf("history has %d crawl runs, want 5", len(runs))
	}
	if up < 2 || down < 1 {
		t.Errorf("history has %d stage moves up and %d drops; want at least 2 and 1", up, down)
	}
}

// checkClassifyMatchesCrawl saves the pages a crawl stored for healthy sites
// of every stage into folders, classifies the folders offline and expects
// the crawl's stage and the same non-technical indicators.
func checkClassifyMatchesCrawl(t *testing.T, ctx context.Context, dbPath string, sites []fleet.Site, crawled map[string]exportRow) {
	t.Helper()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat := analyzer.DefaultCatalogue()
	technical := map[string]bool{}
	for _, ind := range cat.Indicators() {
		technical[ind.ID] = ind.Criterion == egovbench.CriterionTechnology
	}
	seen := map[egovbench.Stage]bool{}
	for _, s := range sites {
		if s.Behaviour != fleet.BehaviourOK || seen[s.TrueStage] {
			continue
		}
		seen[s.TrueStage] = true
		row := crawled[s.Target.ID]
		snap, err := db.Snapshot(ctx, row.RunID, s.Target.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Save the pages as a mirror would, at their paths on the site, and
		// classify them with the address they were served at.
		// The verdict to match is the analysis of the same pages as the crawl
		// stored them: a mirror of one host has no service checks and no
		// pages of the site's other hosts.
		dir := t.TempDir()
		mirrored := snap
		mirrored.Pages = nil
		home, err := url.Parse(snap.Pages[0].FinalURL)
		if err != nil || home.Host == "" {
			t.Fatalf("%s: home URL %q", s.Target.ID, snap.Pages[0].FinalURL)
		}
		for _, p := range snap.Pages {
			if p.Check || p.Outcome != egovbench.OutcomeOK || !strings.Contains(p.ContentType, "html") {
				continue
			}
			u, err := url.Parse(p.FinalURL)
			if err != nil || u.Host != home.Host || u.RawQuery != "" {
				continue
			}
			name := u.Path
			if path.Ext(name) == "" {
				name = path.Join(name, "index.html")
			}
			file := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, p.Body, 0o644); err != nil {
				t.Fatal(err)
			}
			mirrored.Pages = append(mirrored.Pages, p)
		}
		wantA := analyzer.Analyze(mirrored, cat)
		var got []classifyRow
		if err := json.Unmarshal([]byte(mustRun(t, ctx, "classify", "--json", "--base-url", home.Scheme+"://"+home.Host+"/", dir)), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("classify printed %d assessments for one folder", len(got))
		}
		if got[0].Stage != wantA.Stage.String() {
			t.Errorf("%s: classify says %s, the crawled pages say %s", s.Target.ID, got[0].Stage, wantA.Stage)
		}
		want := map[string]bool{}
		for _, id := range wantA.Met() {
			if !technical[id] {
				want[id] = true
			}
		}
		for _, id := range got[0].IndicatorsMet {
			if technical[id] {
				continue
			}
			if !want[id] {
				t.Errorf("%s: classify meets %s, the crawl did not", s.Target.ID, id)
			}
			delete(want, id)
		}
		for id := range want {
			t.Errorf("%s: the crawl met %s, classify did not", s.Target.ID, id)
		}
	}
	if len(seen) < 4 {
		t.Errorf("classify compared on %d stages only", len(seen))
	}
}

// deref shows an export score: its value, or "none" when not measured.
func deref(p *float64) any {
	if p == nil {
		return "none"
	}
	return *p
}
