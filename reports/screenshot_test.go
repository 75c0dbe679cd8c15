package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench/internal/browsertest"
)

// screenshotInput is a year of monthly runs of twelve sites: every trend
// chart has a history to draw.
func screenshotInput() Input {
	in := synthInput(12, 13, 30*24*time.Hour, 30, false)
	// The CSV links as cmd/egovbench writes them (the files are its business).
	in.DataDir = "data"
	return in
}

// TestScreenshots renders the report in both languages and photographs the
// index, a site page, the changes and the methodology at phone (375 px) and
// desktop (1400 px) width, and the index as printed, into
// $EGOVBENCH_ARTIFACTS. At every width no page may scroll sideways, no
// element may stick out of the viewport, and no word may be broken across
// lines. Every trend chart must have more than one point.
func TestScreenshots(t *testing.T) {
	in := screenshotInput()
	checkTrendsHaveHistory(t, &in)
	out := artifactDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cam, err := browsertest.NewCamera(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	for _, lang := range []string{"en", "id"} {
		li := in
		li.Lang = lang
		dir := filepath.Join(t.TempDir(), lang)
		if err := Write(context.Background(), dir, li); err != nil {
			t.Fatal(err)
		}
		srv := browsertest.Serve(dir)
		defer srv.Close()
		shots := []struct {
			name, page string
			width      int
			print      bool
		}{}
		for _, p := range []struct{ name, page string }{
			{"index", "index.html"}, {"site", "sites/site-003.html"}, {"changes", "changes.html"}, {"methodology", "methodology.html"},
		} {
			for _, w := range []int{375, 1400} {
				shots = append(shots, struct {
					name, page string
					width      int
					print      bool
				}{p.name, p.page, w, false})
			}
		}
		shots = append(shots, struct {
			name, page string
			width      int
			print      bool
		}{"index-print", "index.html", 794, true})
		for _, s := range shots {
			t.Run(fmt.Sprintf("%s/%s-%d", lang, s.name, s.width), func(t *testing.T) {
				path := filepath.Join(out, fmt.Sprintf("report-%s-%s-%d.png", lang, s.name, s.width))
				lay, err := cam.Shoot(srv.URL+"/"+s.page, path, s.width, s.print)
				if err != nil {
					t.Fatal(err)
				}
				if p := lay.Problems(); len(p) > 0 {
					t.Errorf("%s at %d px:\n%s", s.page, s.width, strings.Join(p, "\n"))
				}
				if fi, err := os.Stat(path); err != nil || fi.Size() < 10_000 {
					t.Errorf("screenshot %s: %v (%d bytes)", path, err, fi.Size())
				}
			})
		}
	}
}

// checkTrendsHaveHistory fails when a chart over time would show a single
// point: the maturity trend per site and region, and every site's history.
func checkTrendsHaveHistory(t *testing.T, in *Input) {
	t.Helper()
	r := build(in)
	points := func(s timeSeries) int {
		n := 0
		for _, seg := range s.Segments {
			n += len(seg)
		}
		return n
	}
	for _, s := range append(append([]timeSeries{}, r.trend.Sites...), r.trend.Regions...) {
		if n := points(s); n < 2 {
			t.Errorf("maturity trend of %s has %d points", s.Key, n)
		}
	}
	for _, s := range []timeSeries{r.uptime.Check[0], r.uptime.Time[0], r.uptime.Latency[0]} {
		if n := points(s); n < 2 {
			t.Errorf("uptime chart %s has %d points", s.Key, n)
		}
	}
	for i, u := range r.siteUptime {
		if n := points(u.Check[0]); n < 2 {
			t.Errorf("site %s: availability history has %d points", r.m.sites[i].t.ID, n)
		}
	}
}
