package analyzer

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/htmlfacts"
)

// scanLikeCrawler scans each page as the crawl pipeline does: from the
// crawler's pass (htmlfacts.Extract at the final URL), check pages without.
func scanLikeCrawler(c *Catalogue, snap egovbench.Snapshot) []*PageScan {
	var scans []*PageScan
	for _, p := range snap.Pages {
		var f *htmlfacts.Facts
		if !p.Check && len(p.Body) > 0 {
			u := p.FinalURL
			if u == "" {
				u = p.URL
			}
			f = htmlfacts.Extract(u, p.Body)
		}
		scans = append(scans, c.ScanPage(p, f, snap.StartedAt))
	}
	return scans
}

// TestScannedEqualsAnalyze checks that an assessment made from per-page
// scans during a crawl is the one re-analysis of the stored pages gives.
func TestScannedEqualsAnalyze(t *testing.T) {
	c := DefaultCatalogue()
	dir, pages := loadCorpus(t)
	corpusSite := egovbench.Snapshot{TargetID: "corpus", StartedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC), SitemapURLs: -1}
	corpusSite.FinishedAt = corpusSite.StartedAt.Add(3 * time.Minute)
	for _, l := range pages[:12] {
		body, err := os.ReadFile(filepath.Join(dir, "pages", l.file))
		if err != nil {
			t.Fatal(err)
		}
		corpusSite.Pages = append(corpusSite.Pages, egovbench.Page{URL: l.url, FinalURL: l.url, Status: 200,
			Outcome: egovbench.OutcomeOK, ContentType: "text/html", Body: body})
	}
	cases := map[string]egovbench.Snapshot{
		"site with dead services":  site(egovbench.Probe{Outcome: egovbench.OutcomeOK, URL: "https://www.contoh.go.id/"}),
		"corpus pages as one site": corpusSite,
	}
	for name, snap := range cases {
		t.Run(name, func(t *testing.T) {
			want := Analyze(snap, c)
			got := AnalyzeScanned(snap, scanLikeCrawler(c, snap), c)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("scanned assessment differs:\n got %+v\nwant %+v", got, want)
			}
			// A scan read at another URL, or missing, is redone from the body.
			scans := scanLikeCrawler(c, snap)
			scans[0] = c.ScanPage(snap.Pages[0], htmlfacts.Extract("https://elsewhere.example/", snap.Pages[0].Body), snap.StartedAt)
			if got := AnalyzeScanned(snap, scans[:len(scans)-1], c); !reflect.DeepEqual(got, want) {
				t.Errorf("with a stale and a missing scan:\n got %+v\nwant %+v", got, want)
			}
			if want.Stage == egovbench.StageNone || len(want.Indicators) == 0 {
				t.Errorf("fixture judged %q: too weak to compare", want.Stage)
			}
		})
	}
}
