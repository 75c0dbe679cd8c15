package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench/fleet"
)

// TestRenderScriptBuiltSites crawls the fleet's script-built sites (menu
// fetched by script, single-page app, forms in script-built modals) and one
// static site three ways: read as static HTML they reach only the stage
// their static HTML shows; rendered (always, and auto, which renders only
// the pages that need it) they reach the stage they were built with.
func TestRenderScriptBuiltSites(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ff := startFleetFiles(t, ctx)
	want := map[string]fleet.Site{}
	for _, s := range ff.fleet.Sites() {
		if s.Script != "" || s.Target.ID == "kab-hulumandiri" {
			want[s.Target.ID] = s
		}
	}
	if len(want) != 4 {
		t.Fatalf("the fleet has %d script-built sites, want 3", len(want)-1)
	}
	// A targets file of these sites only.
	targets := filepath.Join(ff.dir, "script-targets.csv")
	all, err := os.ReadFile(ff.targets)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(all))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	for i, r := range recs {
		if _, ok := want[r[0]]; i == 0 || ok {
			if i > 0 {
				r[5] = "" // the parent province is not in this file
			}
			w.Write(r)
		}
	}
	w.Flush()
	if err := os.WriteFile(targets, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"never", "always", "auto"} {
		t.Run(mode, func(t *testing.T) {
			db := filepath.Join(ff.dir, mode+".db")
			args := append([]string{"crawl", "--targets", targets, "--db", db, "--allow-private", "--render", mode,
				"--delay", "5ms", "--max-pages", "25", "--log-level", "warn"}, ff.netArgs...)
			mustRun(t, ctx, args...)
			var rows []exportRow
			if err := json.Unmarshal([]byte(mustRun(t, ctx, "export", "--db", db, "--format", "json")), &rows); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				s := want[r.TargetID]
				exp := s.TrueStage
				if mode == "never" {
					exp = s.StaticStage
				}
				if r.Stage != exp.String() {
					t.Errorf("%s (%s): stage %s with --render %s, want %s; met %v", r.TargetID, s.Script, r.Stage, mode, exp, r.IndicatorsMet)
					rows, _ := openSQL(t, db).Query(`SELECT p.url, p.rendered, p.render_error, p.outcome FROM pages p JOIN targets t ON t.id = p.target_id WHERE t.slug = ?`, r.TargetID)
					for rows.Next() {
						var u, re, o string
						var rd int
						rows.Scan(&u, &rd, &re, &o)
						t.Logf("  %s rendered=%d %q %s", u, rd, re, o)
					}
					rows.Close()
				}
			}
			var rendered, static int
			sq := openSQL(t, db)
			if err := sq.QueryRow(`SELECT count(*) FILTER (WHERE p.rendered = 1), count(*) FILTER (WHERE p.rendered = 1 AND t.slug = 'kab-hulumandiri')
				FROM pages p JOIN targets t ON t.id = p.target_id`).Scan(&rendered, &static); err != nil {
				t.Fatal(err)
			}
			switch {
			case mode == "never" && rendered != 0:
				t.Errorf("%d pages rendered with --render never", rendered)
			case mode != "never" && rendered == 0:
				t.Errorf("no page rendered with --render %s", mode)
			case mode == "auto" && static != 0:
				t.Errorf("auto rendered %d pages of the static site", static)
			case mode == "always" && static == 0:
				t.Errorf("always rendered no page of the static site")
			}
		})
	}
}
