package crawler

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNormalizeURL(t *testing.T) {
	base, _ := url.Parse("http://WWW.Kota.go.id:80/dir/page.php?x=1")
	cases := []struct {
		ref, want string
	}{
		{"/a#frag", "http://www.kota.go.id/a"},
		{"b", "http://www.kota.go.id/dir/b"},
		{"../c/./d", "http://www.kota.go.id/c/d"},
		{"HTTPS://Example.COM:443", "https://example.com/"},
		{"https://example.com:8443/x", "https://example.com:8443/x"},
		{"/p?utm_source=a&b=2&a=1&PHPSESSID=z&sid=q&fbclid=f", "http://www.kota.go.id/p?a=1&b=2"},
		{"/p;jsessionid=ABC?x=1", "http://www.kota.go.id/p?x=1"},
		{"?z=1&y=2", "http://www.kota.go.id/dir/page.php?y=2&z=1"},
		{"//cdn.example.org/lib", "http://cdn.example.org/lib"},
		{"http://[::1]:8080/", "http://[::1]:8080/"},
		{"  /spasi  ", "http://www.kota.go.id/spasi"},
		{"mailto:x@y.z", ""},
		{"javascript:void(0)", ""},
		{"tel:+62", ""},
		{"ftp://x/y", ""},
		{"http://user:pw@host/", ""},
		{"http://", ""},
		{"", ""},
		{"/" + strings.Repeat("a", 600), ""},
	}
	for _, tc := range cases {
		u, err := normalizeURL(base, tc.ref)
		got := ""
		if err == nil {
			got = u.String()
		}
		if got != tc.want {
			t.Errorf("normalizeURL(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}

func TestRegistrableAndScope(t *testing.T) {
	cases := []struct{ host, want string }{
		{"www.makassarkota.go.id", "makassarkota.go.id"},
		{"ppid.makassarkota.go.id", "makassarkota.go.id"},
		{"Kota.Example.COM.", "example.com"},
		{"127.0.0.1", "127.0.0.1"},
		{"localhost", "localhost"},
		{"go.id", "go.id"},
	}
	for _, tc := range cases {
		if got := registrable(tc.host); got != tc.want {
			t.Errorf("registrable(%q) = %q, want %q", tc.host, got, tc.want)
		}
	}
	if !inScope("lapor.kota.go.id", "kota.go.id") || inScope("kotago.id", "kota.go.id") || inScope("lapor.go.id", "kota.go.id") {
		t.Error("inScope")
	}
}

func TestTrapsAndTemplates(t *testing.T) {
	cases := []struct {
		raw, reason string
	}{
		{"http://k.go.id/berita/1", ""},
		{"http://k.go.id/dok.PDF", "extension"},
		{"http://k.go.id/a/b/a/b/a/b", "repeated segment"},
		{"http://k.go.id/" + strings.Repeat("x/", 13), "deep path"},
		{"http://k.go.id/s?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9", "long query"},
	}
	for _, tc := range cases {
		u, _ := url.Parse(tc.raw)
		if got := trapReason(u); got != tc.reason {
			t.Errorf("trapReason(%s) = %q, want %q", tc.raw, got, tc.reason)
		}
	}
	a, _ := url.Parse("http://k.go.id/agenda/2031/05?bulan=5&tahun=2031")
	b, _ := url.Parse("http://k.go.id/agenda/2032/11?tahun=2032&bulan=11")
	c, _ := url.Parse("http://k.go.id/agenda/2032/11?hari=3")
	if template(a) != template(b) || template(a) == template(c) {
		t.Errorf("templates %q %q %q", template(a), template(b), template(c))
	}
}

func TestServiceScore(t *testing.T) {
	if serviceScore("Berita Terkini", "/berita/12") != 0 {
		t.Error("news scored as a service")
	}
	for _, s := range []string{"Layanan Perizinan", "Pengaduan Masyarakat", "PPID", "Bayar Pajak Daerah", "Login", "Formulir"} {
		if serviceScore(s, "/x") == 0 {
			t.Errorf("%q not scored", s)
		}
	}
	if !checkWorthy("Pengaduan LAPOR!", "https://lapor.go.id/") || checkWorthy("Facebook", "https://facebook.com/kota") {
		t.Error("checkWorthy")
	}
}

func TestExtract(t *testing.T) {
	page, _ := url.Parse("http://k.go.id/dir/")
	html := `<html><head><title> Portal
	Kota </title><base href="/base/"><meta http-equiv="refresh" content="5; URL='/baru'">
	<script>var a = "<a href='/script'>x</a>";</script><style>a{}</style></head>
	<body><nav><a href="layanan" title="Menu">  Layanan
	Publik </a><a href="https://lapor.go.id"><img src="l.png" alt="LAPOR!"></a>
	<area href="/peta" alt="Peta"><iframe src="/embed" title="Sematan"></iframe>
	<a href="/tanpa-tutup">Tanpa tutup<a href="#">kosong</a><a>tanpa href</a></nav>
	<p>Selamat datang di portal resmi.</p></body></html>`
	f := extract(page, []byte(html))
	var got []string
	for _, l := range f.Links {
		got = append(got, l.URL.String()+" | "+l.Text)
	}
	// Anchors and areas in document order, then frames, then the refresh.
	want := []string{
		"http://k.go.id/base/layanan | Menu Layanan Publik",
		"https://lapor.go.id/ | LAPOR!",
		"http://k.go.id/peta | Peta",
		"http://k.go.id/tanpa-tutup | Tanpa tutup",
		"http://k.go.id/base/ | kosong",
		"http://k.go.id/embed | Sematan",
		"http://k.go.id/baru | meta refresh",
	}
	if !slices.Equal(got, want) {
		t.Errorf("links\n got %q\nwant %q", got, want)
	}
	if f.Title != "Portal Kota" {
		t.Errorf("title %q", f.Title)
	}
	if strings.Contains(f.Text, "script") || !strings.Contains(f.Text, "Selamat datang di portal resmi.") {
		t.Errorf("text %q", f.Text)
	}
}

func TestParseSitemap(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		ok       bool
		count    int
		urls     int
		children int
	}{
		{"urlset", `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<url><loc> http://k.go.id/a </loc><lastmod>2026-01-01</lastmod></url><url><loc>http://k.go.id/b</loc></url></urlset>`, true, 2, 2, 0},
		{"index", `<sitemapindex><sitemap><loc>http://k.go.id/s1.xml</loc></sitemap><sitemap><loc>http://k.go.id/s2.xml</loc></sitemap></sitemapindex>`, true, 0, 0, 2},
		{"latin1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>http://k.go.id/caf\xe9</loc></url></urlset>", true, 1, 1, 0},
		{"truncated", `<urlset><url><loc>http://k.go.id/a</loc></url><url><loc>http://k.go`, true, 1, 1, 0},
		{"html 200 page", `<html><body>Not found</body></html>`, false, 0, 0, 0},
		{"empty", ``, false, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, ok := parseSitemap([]byte(tc.body), 1)
			if ok != tc.ok || doc.Count != tc.count || len(doc.URLs) != min(tc.urls, 1) || len(doc.Children) != tc.children {
				t.Errorf("got ok %v %+v", ok, doc)
			}
		})
	}
}

func TestParseRobots(t *testing.T) {
	r := parseRobots(200, []byte("User-agent: *\nDisallow: /admin\nDisallow: /*?print=\n\nUser-agent: EgovBench\nDisallow: /rahasia\nSitemap: http://k.go.id/s.xml\n"), "egovbench")
	for path, want := range map[string]bool{"/": true, "/admin": true, "/rahasia/x": false} {
		if got := r.allowed(path); got != want {
			t.Errorf("allowed(%q) = %v", path, got)
		}
	}
	if !slices.Equal(r.sitemaps, []string{"http://k.go.id/s.xml"}) {
		t.Errorf("sitemaps %q", r.sitemaps)
	}
	if r.crawlDelay != 0 {
		t.Errorf("crawl delay %v, none asked", r.crawlDelay)
	}
	if d := parseRobots(200, []byte("User-agent: *\nCrawl-delay: 10\n\nUser-agent: egovbench\nCrawl-delay: 2.5\n"), "egovbench").crawlDelay; d != 2500*time.Millisecond {
		t.Errorf("crawl delay %v, want our group's 2.5s", d)
	}
	if !parseRobots(404, nil, "egovbench").allowed("/x") || parseRobots(503, nil, "egovbench").allowed("/x") {
		t.Error("status rules")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"Thu, 01 Jan 2026 00:00:30 GMT", 30 * time.Second, true},
		{"Wed, 31 Dec 2025 00:00:30 GMT", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v", tc.v, got, ok)
		}
	}
}

func TestDecodeHTML(t *testing.T) {
	cases := []struct {
		name, ct string
		in       []byte
		want     string
	}{
		{"cp1252 header", "text/html; charset=windows-1252", []byte("\x93hi\x94 \x80"), "“hi” €"},
		{"latin1 meta", "text/html", []byte(`<meta charset="iso-8859-1">Caf` + "\xe9"), `<meta charset="iso-8859-1">Café`},
		{"utf8 bom", "", []byte("\xef\xbb\xbfCafé"), "Café"},
		{"utf16 bom", "", []byte("\xff\xfeC\x00a\x00f\x00\xe9\x00"), "Café"},
		{"unknown charset falls back", "text/html; charset=x-klingon", []byte("Caf\xe9"), "Café"},
	}
	for _, tc := range cases {
		if got := string(decodeHTML(tc.in, tc.ct)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{UserAgent: "egovbench"},
		{UserAgent: "x (+https://a)\r\nX-Evil: 1"},
		{MaxPages: -1},
		{Delay: -time.Second},
		{Resolve: map[string]string{"nohostport": "127.0.0.1:1"}},
		{Resolve: map[string]string{"a.go.id:80": "a.go.id:80"}},
	}
	for _, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.UserAgent != DefaultUserAgent || c.agent != "egovbench" || c.cfg.PerHostConcurrency != 1 || c.cfg.MaxPages != DefaultMaxPages {
		t.Errorf("defaults %+v", c.cfg)
	}
}

func TestHostGate(t *testing.T) {
	t.Parallel()
	const delay = 150 * time.Millisecond
	g := newHostGate(delay, 1)
	ctx := context.Background()
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			release, err := g.acquire(ctx, "a.go.id")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			release()
		})
	}
	// Another host is not held back by the busy one.
	t0 := time.Now()
	release, err := g.acquire(ctx, "b.go.id")
	if err != nil || time.Since(t0) > delay { // a shared gate would make it wait 3 x delay or more
		t.Errorf("other host waited %v (%v)", time.Since(t0), err)
	}
	release()
	wg.Wait()
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	// The times are taken just after acquire returns, so scheduling delay
	// of one goroutine can shave a little off a measured gap; without the
	// gate the gaps would be about 5 ms, far below this bound.
	const jitter = 10 * time.Millisecond
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < delay-jitter {
			t.Errorf("gap %v < delay %v", gap, delay)
		}
	}
	// A cancelled wait gives up and leaves the gate usable.
	hold, _ := g.acquire(ctx, "c.go.id")
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(cctx, "c.go.id"); err == nil {
		t.Error("acquire on a held host did not wait")
	}
	hold()
	// Idle hosts are forgotten.
	time.Sleep(delay + 10*time.Millisecond)
	g.mu.Lock()
	g.sweepLocked(time.Now())
	g.mu.Unlock()
	if n := g.size(); n != 0 {
		t.Errorf("%d idle hosts kept", n)
	}
}

func TestHostGateConcurrency(t *testing.T) {
	t.Parallel()
	g := newHostGate(0, 2)
	ctx := context.Background()
	r1, _ := g.acquire(ctx, "a")
	r2, _ := g.acquire(ctx, "a")
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(cctx, "a"); err == nil {
		t.Error("third request in flight with PerHostConcurrency 2")
	}
	r1()
	r3, err := g.acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	r2()
	r3()
}
