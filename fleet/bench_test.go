package fleet

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// benchURLs lists every HTML page of a synthetic fleet.
func benchURLs(f *Fleet) []string {
	var urls []string
	for _, s := range f.sites {
		for _, p := range s.mainPages() {
			urls = append(urls, s.u(p))
		}
		for n := 1; n <= s.newsCount; n++ {
			urls = append(urls, s.articleURL(s.news(n, f.opts.RefDate, s.idx)))
		}
	}
	return urls
}

// BenchmarkServe measures the fleet's serving throughput over real loopback
// connections (HTTPS, or HTTP for HTTP-only sites) (kept alive, as a crawler keeps them), in pages/s,
// for the 300-site × 20-page benchmark fleet.
func BenchmarkServe(b *testing.B) {
	f := startFleet(b, Options{Sites: 300, PagesPerSite: 20, Seed: 1})
	urls := benchURLs(f)
	c := f.Client()
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u := urls[int(next.Add(1))%len(urls)]
			resp, err := c.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("%s: status %d", u, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkRenderPage measures building and rendering one page in process,
// without the network: the fleet's own cost per page.
func BenchmarkRenderPage(b *testing.B) {
	f := startFleet(b, Options{Sites: 300, PagesPerSite: 20, Seed: 1})
	urls := benchURLs(f)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		u := urls[i%len(urls)]
		rec := serveLocal(f, strings.HasPrefix(u, "https://"), http.MethodGet, u)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkStart3000 measures building a 3,000-site fleet (names, ground
// truth, host table); certificates are issued lazily and not included.
func BenchmarkStart3000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := Start(b.Context(), Options{Sites: 3000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
