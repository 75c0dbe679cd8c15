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
// labels say only a browser shows. It is a measurement, not a bar.
func TestValidationRenderFigures(t *testing.T) {
	mode, err := crawler.ParseRenderMode(os.Getenv("EGOVBENCH_VALIDATION_RENDER"))
	if testing.Short() || os.Getenv("EGOVBENCH_VALIDATION_RENDER") == "" || err != nil {
		t.Skip("set EGOVBENCH_VALIDATION_RENDER=always (or auto, never): crawls the 14 validation sites with that --render")
	}
	sites, latest, cat := crawlValidationSites(t, crawler.Config{Render: mode, RenderTimeout: 20 * time.Second})
	exact, n, found, labelled := 0, 0, 0, 0
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
		t.Logf("%s: stage %s, stage_js %s", s.Name, a.Stage, want)
	}
	t.Logf("render %s: stage_js exact %d of %d sites; features_js_only found %d of %d", mode, exact, n, found, labelled)
}
