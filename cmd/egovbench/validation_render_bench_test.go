package main

import (
	"os"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
)

// TestValidationRenderFigures crawls the validation sites of ../shared/corpus
// with the --render mode named by EGOVBENCH_VALIDATION_RENDER, on demand, and logs
// how many reach their labelled stage_js and the recall of the features the
// labels say only a browser shows, and per site how many of the HTML pages
// it read were rendered (the share auto renders). It is a measurement, not a
// bar: no rule is tuned to these sites.
func TestValidationRenderFigures(t *testing.T) {
	mode, err := crawler.ParseRenderMode(os.Getenv("EGOVBENCH_VALIDATION_RENDER"))
	if testing.Short() || os.Getenv("EGOVBENCH_VALIDATION_RENDER") == "" || err != nil {
		t.Skip("set EGOVBENCH_VALIDATION_RENDER=always (or auto, never): crawls the 14 validation sites with that --render")
	}
	sites, latest, cat, dbPath := crawlValidationSites(t, crawler.Config{Render: mode, RenderTimeout: 20 * time.Second})
	read, rendered := renderedPages(t, dbPath)
	exact, n, found, labelled := 0, 0, 0, 0
	allRead, allRendered := 0, 0
	for _, s := range sites {
		a, ok := latest[s.Name]
		if !ok {
			t.Errorf("%s: not assessed", s.Name)
			continue
		}
		want, err := egovbench.ParseStage(s.StageJS)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		n++
		if a.Stage == want {
			exact++
		}
		met := metFeatures(a, cat)
		for f := range s.FeaturesJSOnly {
			labelled++
			if _, ok := met[f]; ok {
				found++
			} else {
				t.Logf("%s: js-only feature %s not found", s.Name, f)
			}
		}
		allRead += read[s.Name]
		allRendered += rendered[s.Name]
		t.Logf("%s: stage %s, stage_js %s; rendered %d of %d HTML pages read", s.Name, a.Stage, want, rendered[s.Name], read[s.Name])
	}
	t.Logf("render %s: stage_js exact %d of %d sites; features_js_only found %d of %d; rendered %d of %d HTML pages read (%.1f%%)",
		mode, exact, n, found, labelled, allRendered, allRead, 100*float64(allRendered)/float64(max(allRead, 1)))
}

// renderedPages counts, per target, the HTML pages a crawl read (answered
// 200, service checks left out) and how many of them it rendered.
func renderedPages(t *testing.T, dbPath string) (read, rendered map[string]int) {
	t.Helper()
	rows, err := openSQL(t, dbPath).Query(`SELECT t.slug, count(*), COALESCE(sum(p.rendered), 0)
		FROM pages p JOIN targets t ON t.id = p.target_id
		WHERE p.is_check = 0 AND p.status = 200 AND p.content_type LIKE 'text/html%' GROUP BY t.slug`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	read, rendered = map[string]int{}, map[string]int{}
	for rows.Next() {
		var slug string
		var n, r int
		if err := rows.Scan(&slug, &n, &r); err != nil {
			t.Fatal(err)
		}
		read[slug], rendered[slug] = n, r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return read, rendered
}
