package fleet

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// benchURLs lists every HTML page of a synthetic fleet, interleaved across
// sites (every site's first page, then every site's second page...) the way
// a polite crawler spreads its requests over hosts.
func benchURLs(f *Fleet) []string {
	var perSite [][]string
	for _, s := range f.sites {
		var urls []string
		for _, p := range s.mainPages() {
			urls = append(urls, s.u(p))
		}
		for n := 1; n <= s.newsCount; n++ {
			urls = append(urls, s.articleURL(s.news(n, f.opts.RefDate, s.idx)))
		}
		perSite = append(perSite, urls)
	}
	var out []string
	for i := 0; ; i++ {
		added := false
		for _, urls := range perSite {
			if i < len(urls) {
				out = append(out, urls[i])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// BenchmarkServe measures the fleet's serving throughput over real loopback
// connections (HTTPS, or HTTP for HTTP-only sites) (kept alive, as a crawler keeps them), in pages/s,
// for the 300-site × 20-page benchmark fleet.
func BenchmarkServe(b *testing.B) {
	f := startFleet(b, Options{Sites: 300, PagesPerSite: 20, Seed: 1})
	urls := benchURLs(f)
	c := f.Client()
	tr := c.Transport.(*http.Transport)
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 0, 64 // keep a connection per host, as a crawler does
	// Warm up: one connection per host, as a crawl holds after its first
	// request; handshakes are measured by BenchmarkHandshake instead.
	for _, u := range urls[:len(f.sites)] {
		resp, err := c.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var next atomic.Int64
	// A crawler keeps many hosts in flight; 16 requests per CPU keeps the
	// server busy instead of measuring round-trip latency.
	b.SetParallelism(16)
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

// BenchmarkHandshake measures a fresh TLS connection and one page: the cost
// a crawler pays once per host.
func BenchmarkHandshake(b *testing.B) {
	f := startFleet(b, Options{})
	tr := f.Client().Transport.(*http.Transport)
	tr.DisableKeepAlives = true
	c := &http.Client{Transport: tr}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Get("https://www.kotasentosa.go.id/profil")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
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
// truth, host table) and reports the heap it keeps while running
// (live-MB); certificates are issued lazily and not included.
func BenchmarkStart3000(b *testing.B) {
	b.ReportAllocs()
	var live float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f, err := Start(b.Context(), Options{Sites: 3000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		f.Close()
	}
	b.ReportMetric(live, "live-MB")
}
