package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench/internal/browsertest"
)

// checkDemoScreenshots is the "done when" on the demo report (a
// history of monthly crawls and days of probes): the report in English and
// Indonesian, its index, a site page, the changes and the methodology
// photographed at 375 and 1400 px into $EGOVBENCH_ARTIFACTS, with no page
// scrolling sideways, nothing sticking out and no word broken; and every
// trend chart has more than one point, read from the CSV tables the charts
// are drawn from.
func checkDemoScreenshots(t *testing.T, dbPath, out string) {
	// Its own deadline: the demo has used much of the test's.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	shots := os.Getenv("EGOVBENCH_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	cam, err := browsertest.NewCamera(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	for _, lang := range []string{"en", "id"} {
		// The demo wrote its report in Indonesian, the language of most of
		// the fleet; the English one is made by the report command.
		dir := filepath.Join(out, "report")
		if lang == "en" {
			dir = filepath.Join(out, "report-en")
			mustRun(t, ctx, "report", "--db", dbPath, "--out", dir, "--lang", lang)
			checkTrendPoints(t, dir)
		} else if b, err := os.ReadFile(filepath.Join(dir, "index.html")); err != nil || !strings.Contains(string(b), `<html lang="id">`) {
			t.Fatalf("the demo report is not in Indonesian (%v)", err)
		}
		site := firstSitePage(t, dir)
		srv := browsertest.Serve(dir)
		defer srv.Close()
		for _, p := range []struct{ name, page string }{
			{"index", "index.html"}, {"site", site}, {"changes", "changes.html"}, {"methodology", "methodology.html"},
		} {
			for _, w := range []int{375, 1400} {
				t.Run(fmt.Sprintf("%s/%s-%d", lang, p.name, w), func(t *testing.T) {
					path := filepath.Join(shots, fmt.Sprintf("demo-%s-%s-%d.png", lang, p.name, w))
					lay, err := cam.Shoot(srv.URL+"/"+p.page, path, w, false)
					if err != nil {
						t.Fatal(err)
					}
					if pr := lay.Problems(); len(pr) > 0 {
						t.Errorf("%s at %d px:\n%s", p.page, w, strings.Join(pr, "\n"))
					}
				})
			}
		}
	}
}

// checkTrendPoints reads the report's data tables: every assessed site has
// more than one point in the maturity history and more than one day of
// availability, so no trend chart is a lone dot.
func checkTrendPoints(t *testing.T, dir string) {
	t.Helper()
	// The uptime table is a file per month.
	count := func(pattern string) map[string]int {
		files, err := filepath.Glob(filepath.Join(dir, "data", pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("no data/%s (%v)", pattern, err)
		}
		n := map[string]int{}
		for _, file := range files {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs[1:] {
				n[r[0]]++
			}
		}
		return n
	}
	history, uptime := count("history.csv"), count("uptime/*.csv")
	if len(history) == 0 || len(uptime) == 0 {
		t.Fatalf("no history (%d sites) or uptime (%d sites)", len(history), len(uptime))
	}
	for id, n := range history {
		if n < 2 {
			t.Errorf("%s: %d point(s) of maturity history", id, n)
		}
	}
	for id, n := range uptime {
		if n < 2 {
			t.Errorf("%s: %d day(s) of availability", id, n)
		}
	}
}

// firstSitePage names a site page of the report with a history chart.
func firstSitePage(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "sites"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no site pages: %v", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, "sites", e.Name()))
		if err == nil && strings.Contains(string(b), "../charts/site-") {
			return "sites/" + e.Name()
		}
	}
	return "sites/" + entries[0].Name()
}
