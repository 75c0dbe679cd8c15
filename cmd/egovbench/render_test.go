package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/fleet"
	"github.com/egovbench/egovbench/store"
)

// TestRenderScriptBuiltSites crawls the fleet's script-built sites (menu
// fetched by script, single-page app, forms in script-built modals) and one
// static site three ways, through the crawl command's pipeline: read as
// static HTML they reach only the stage their static HTML shows; rendered
// (always, and auto, which renders only the pages that need it) they reach
// the stage they were built with.
func TestRenderScriptBuiltSites(t *testing.T) {
	ctx := t.Context()
	f, err := fleet.Start(ctx, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	want := map[string]fleet.Site{}
	var targets []egovbench.Target
	for _, s := range f.Sites() {
		if s.Script != "" || s.Target.ID == "kab-hulumandiri" {
			want[s.Target.ID] = s
			tg := s.Target
			tg.Parent = "" // the province is not crawled here
			targets = append(targets, tg)
		}
	}
	if len(want) != 4 {
		t.Fatalf("the fleet has %d script-built sites, want 3", len(want)-1)
	}
	cat, err := loadCatalogue("")
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Stdout: io.Discard, Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, mode := range []crawler.RenderMode{crawler.RenderNever, crawler.RenderAlways, crawler.RenderAuto} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := crawler.Config{Render: mode, Delay: 5 * time.Millisecond, MaxPages: 25,
				AllowPrivate: true, Resolve: f.Resolve(), ResolveOnly: true, RootCAs: f.CertPool()}
			if mode != crawler.RenderNever {
				// Deadlines scale with how busy the machine is (see
				// renderDeadlines); two tabs, fewer processes competing.
				cfg.RenderTimeout, cfg.SiteTimeout = renderDeadlines(t, cfg)
				cfg.RenderTabs = 2
			}
			cr, err := crawler.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer cr.Close()
			if why := cr.RenderFallback(); why != "" {
				t.Fatal(why)
			}
			dbPath := filepath.Join(t.TempDir(), "e.db")
			db, err := store.Open(ctx, dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := crawlRun(ctx, env, db, cr, cat, targets, runConfigJSON(cr, 4, cat.Version()), 4, false); err != nil {
				t.Fatal(err)
			}
			latest, err := db.LatestAssessments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for id, s := range want {
				exp := s.TrueStage
				if mode == crawler.RenderNever {
					exp = s.StaticStage
				}
				if a := latest[id]; a.Stage != exp {
					t.Errorf("%s (%s): stage %s with --render %s, want %s; met %v", id, s.Script, a.Stage, mode, exp, a.Met())
				}
			}
			var rendered, static, jsOnly int
			sq := openSQL(t, dbPath)
			if err := sq.QueryRow(`SELECT count(*) FILTER (WHERE p.rendered = 1), count(*) FILTER (WHERE p.rendered = 1 AND t.slug = 'kab-hulumandiri')
				FROM pages p JOIN targets t ON t.id = p.target_id`).Scan(&rendered, &static); err != nil {
				t.Fatal(err)
			}
			if err := sq.QueryRow(`SELECT count(*) FROM evidence WHERE rendered = 1`).Scan(&jsOnly); err != nil {
				t.Fatal(err)
			}
			switch {
			case mode == crawler.RenderNever && (rendered != 0 || jsOnly != 0):
				t.Errorf("%d pages rendered, %d evidence marked rendered with --render never", rendered, jsOnly)
			case mode != crawler.RenderNever && (rendered == 0 || jsOnly == 0):
				t.Errorf("--render %s: %d pages rendered, %d evidence marked rendered", mode, rendered, jsOnly)
			case mode == crawler.RenderAuto && static != 0:
				t.Errorf("auto rendered %d pages of the static site", static)
			case mode == crawler.RenderAlways && static == 0:
				t.Errorf("always rendered no page of the static site")
			}
		})
	}
}

// renderDeadlines measures how long this machine now takes to start the
// browser and open a tab (crawler.WarmBrowser, about 1 s on the idle
// 2-core development machine) and returns the default render and site
// deadlines scaled by that, at least 1 and at most 30 times: on a machine
// at load 20+ pages get the time they need there. No test checks a
// deadline as such, so a broken render fails however long it is given.
func renderDeadlines(t *testing.T, cfg crawler.Config) (render, site time.Duration) {
	t.Helper()
	cr, err := crawler.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	warm, err := cr.WarmBrowser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	x := min(max(1, warm.Seconds()), 30)
	t.Logf("browser start and first tab took %v: render deadlines x%.1f", warm.Round(time.Millisecond), x)
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) * x) }
	return scale(crawler.DefaultRenderTimeout), scale(crawler.DefaultSiteTimeout)
}
