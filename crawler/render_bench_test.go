package crawler

import (
	"context"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// BenchmarkRenderPage is the cost of rendering one script-built page (the
// SPA homepage of spaSite: its script and one JSON request) in the shared
// browser, tab setup and teardown included; the static crawl of the same
// page is BenchmarkRenderPage/never.
func BenchmarkRenderPage(b *testing.B) {
	for _, mode := range []RenderMode{RenderNever, RenderAlways} {
		b.Run(string(mode), func(b *testing.B) {
			srv := newServer(b, spaSite())
			cfg := testConfig()
			cfg.Render = mode
			cfg.MaxPages = 1
			home := resolveTo(b, &cfg, "http", "spa.kab.go.id", hostAddr(b, srv.URL))
			c := newRenderCrawler(b, cfg, nil)
			c.Crawl(context.Background(), egovbench.Target{ID: "spa", URL: home + "/"}) // starts the browser
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				snap := c.Crawl(context.Background(), egovbench.Target{ID: "spa", URL: home + "/"})
				if len(snap.Pages) == 0 || snap.Pages[0].Rendered != (mode == RenderAlways) {
					b.Fatalf("page not as expected: %+v", snap.Pages)
				}
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/page")
		})
	}
}
