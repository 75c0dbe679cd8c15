package crawler

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/egovbench/egovbench"
)

// routes serves fixed bodies by host and path; "*" matches any host.
type routes map[string]http.HandlerFunc

func (rs routes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if h, ok := rs[host+r.URL.Path]; ok {
		h(w, r)
		return
	}
	if h, ok := rs["*"+r.URL.Path]; ok {
		h(w, r)
		return
	}
	http.NotFound(w, r)
}

func pageWith(title string, links ...string) http.HandlerFunc {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><title>%s</title></head><body><h1>%s</h1>", title, title)
	for _, l := range links {
		b.WriteString(l)
	}
	b.WriteString(strings.Repeat("<p>Isi halaman pemerintah daerah yang cukup panjang.</p>", 10))
	b.WriteString("</body></html>")
	return serveHTML(b.String())
}

func fetched(snap egovbench.Snapshot, suffix string) (egovbench.Page, bool) {
	for _, p := range snap.Pages {
		if strings.HasSuffix(p.URL, suffix) {
			return p, true
		}
	}
	return egovbench.Page{}, false
}

func pageIndex(snap egovbench.Snapshot, suffix string) int {
	for i, p := range snap.Pages {
		if strings.HasSuffix(p.URL, suffix) {
			return i
		}
	}
	return -1
}

func TestCrawlSite(t *testing.T) {
	t.Parallel()
	log := &requestLog{}
	var port string
	rs := routes{}
	srv := newServer(t, log.wrap(rs))
	_, port, _ = net.SplitHostPort(hostAddr(t, srv.URL))
	cfg := testConfig()
	cfg.MaxPages = 12
	home := resolveTo(t, &cfg, "http", "www.kota.go.id", hostAddr(t, srv.URL))
	ppid := resolveTo(t, &cfg, "http", "ppid.kota.go.id", hostAddr(t, srv.URL))
	var berita []string
	for i := 1; i <= 12; i++ {
		berita = append(berita, fmt.Sprintf(`<a href="/berita/%d">Berita %d</a>`, i, i))
	}
	homeLinks := append([]string{
		`<a href="/profil?PHPSESSID=abc123&utm_source=x">Profil</a>`,
		`<a href="/profil#visi">Visi</a>`,
		`<a href="/admin/">Admin</a>`,
		`<a href="/layanan-perizinan">Layanan Perizinan Online</a>`,
		`<a href="` + ppid + `/">PPID</a>`,
		`<a href="https://lapor.go.id/">Pengaduan LAPOR!</a>`,
		`<a href="https://facebook.com/kota">Facebook</a>`,
		`<a href="mailto:humas@kota.go.id">Email</a>`,
		`<a href="/laporan.pdf">Laporan</a>`,
	}, berita...)
	rs["www.kota.go.id/"] = pageWith("Pemerintah Kota", homeLinks...)
	rs["*/robots.txt"] = func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nDisallow: /admin/\nSitemap: http://www.kota.go.id:%s/peta.xml\n", port)
	}
	rs["www.kota.go.id/peta.xml"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://www.kota.go.id:%[1]s/</loc></url><url><loc>http://www.kota.go.id:%[1]s/data-statistik</loc></url>
<url><loc>http://www.kota.go.id:%[1]s/profil</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>`, port)
	}
	rs["www.kota.go.id/layanan-perizinan"] = pageWith("Layanan", `<a href="/layanan-perizinan/ajukan">Ajukan izin</a>`)
	rs["www.kota.go.id/layanan-perizinan/ajukan"] = pageWith("Formulir")
	rs["www.kota.go.id/data-statistik"] = pageWith("Peta")
	rs["www.kota.go.id/profil"] = pageWith("Profil")
	rs["ppid.kota.go.id/"] = pageWith("PPID", `<a href="/dip">Daftar Informasi Publik</a>`)
	for i := 1; i <= 12; i++ {
		rs[fmt.Sprintf("www.kota.go.id/berita/%d", i)] = pageWith("Berita")
	}

	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "kota", URL: home + "/"})

	if snap.Probe.Outcome != egovbench.OutcomeOK || snap.Probe.HTTPStatus != 200 {
		t.Fatalf("probe %+v", snap.Probe)
	}
	if snap.Probe.Connect <= 0 || snap.Probe.TTFB <= 0 {
		t.Errorf("probe timings hidden by a reused connection: %+v", snap.Probe)
	}
	if len(snap.Pages) != cfg.MaxPages || snap.Stopped != "pages" {
		t.Errorf("%d pages, stopped %q; want %d, pages", len(snap.Pages), snap.Stopped, cfg.MaxPages)
	}
	if snap.RobotsStatus != 200 || snap.SitemapURLs != 4 {
		t.Errorf("robots %d sitemap %d", snap.RobotsStatus, snap.SitemapURLs)
	}
	if h, ok := snap.Home(); !ok || h.Depth != 0 || !strings.HasSuffix(h.URL, "/") {
		t.Errorf("home %+v %v", h, ok)
	}
	// The budget goes to service pages, the sitemap's data page and the
	// first plain links; news fills the rest.
	for _, want := range []string{"/layanan-perizinan", "/layanan-perizinan/ajukan", "/data-statistik", "/profil"} {
		if _, ok := fetched(snap, want); !ok {
			t.Errorf("%s not fetched", want)
		}
	}
	if _, ok := fetched(snap, ppid+"/"); !ok {
		t.Errorf("subdomain not crawled")
	}
	if li, bi := pageIndex(snap, "/layanan-perizinan"), pageIndex(snap, "/berita/1"); bi >= 0 && li > bi {
		t.Errorf("service page fetched after news (%d > %d)", li, bi)
	}
	if n := log.count("/profil"); n != 1 {
		t.Errorf("/profil fetched %d times", n)
	}
	if n := log.count("/robots.txt"); n != 2 {
		t.Errorf("robots.txt fetched %d times, want one per host", n)
	}
	for _, p := range log.Paths() {
		if strings.HasPrefix(p, "/admin") || strings.HasSuffix(p, ".pdf") {
			t.Errorf("requested %s", p)
		}
	}
	for _, ua := range log.uas {
		if ua != DefaultUserAgent {
			t.Fatalf("user agent %q", ua)
		}
	}
	check, ok := fetched(snap, "lapor.go.id/")
	if !ok || !check.Check || check.Outcome != egovbench.OutcomeDNSError {
		t.Errorf("check page %+v", check)
	}
	domains := map[string]bool{}
	for _, l := range snap.Links {
		domains[l.Domain] = true
		if l.Domain == "lapor.go.id" && l.Text != "Pengaduan LAPOR!" {
			t.Errorf("link text %q", l.Text)
		}
	}
	if !domains["lapor.go.id"] || !domains["facebook.com"] || domains["ppid.kota.go.id"] {
		t.Errorf("external domains %v", domains)
	}
	for _, p := range snap.Pages {
		if p.Body != nil && p.Hash != hashHex(p.Body) {
			t.Errorf("%s: hash mismatch", p.URL)
		}
	}
}

func TestCrawlTraps(t *testing.T) {
	t.Parallel()
	log := &requestLog{}
	rs := routes{}
	rs["*/"] = pageWith("Home", `<a href="/agenda?bulan=2026-11">Agenda</a>`, `<a href="loop/">Loop</a>`,
		`<a href="/cari?q=a">Cari</a>`)
	rs["*/agenda"] = func(w http.ResponseWriter, r *http.Request) {
		var y, m int
		fmt.Sscanf(r.URL.Query().Get("bulan"), "%d-%d", &y, &m)
		next := time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		prev := time.Date(y, time.Month(m-1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		pageWith("Agenda", `<a href="/agenda?bulan=`+next+`">next</a>`, `<a href="/agenda?bulan=`+prev+`">prev</a>`,
			`<a href="/agenda/`+next+`/hari">day</a>`)(w, r)
	}
	// Every page links one level deeper through a relative link.
	rs["*/loop/"] = pageWith("Loop", `<a href="loop/">deeper</a>`)
	rs["*/loop/loop/"] = pageWith("Loop", `<a href="loop/">deeper</a>`)
	rs["*/loop/loop/loop/"] = pageWith("Loop", `<a href="loop/">deeper</a>`)
	rs["*/cari"] = func(w http.ResponseWriter, r *http.Request) {
		pageWith("Cari", `<a href="?`+r.URL.RawQuery+`&x`+fmt.Sprint(len(r.URL.RawQuery))+`=1">more</a>`)(w, r)
	}
	srv := newServer(t, log.wrap(rs))
	cfg := testConfig()
	cfg.MaxPages = 200
	cfg.MaxDepth = 50
	home := resolveTo(t, &cfg, "http", "trap.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "trap", URL: home + "/"})
	if snap.Stopped != "" {
		t.Errorf("stopped %q: the traps were not avoided", snap.Stopped)
	}
	agenda, loops, cari := 0, 0, 0
	for _, p := range log.Paths() {
		switch {
		case strings.HasPrefix(p, "/agenda"):
			agenda++
		case strings.HasPrefix(p, "/loop"):
			loops++
		case strings.HasPrefix(p, "/cari"):
			cari++
		}
	}
	if agenda > 2*maxPerTemplate || loops > maxSegmentRepeats || cari > maxQueryParams {
		t.Errorf("trap pages fetched: agenda %d, loop %d, cari %d", agenda, loops, cari)
	}
	if agenda == 0 || loops == 0 || cari == 0 {
		t.Errorf("legitimate first pages skipped: agenda %d, loop %d, cari %d", agenda, loops, cari)
	}
}

func TestCrawlRetryAfter(t *testing.T) {
	t.Parallel()
	log := &requestLog{}
	var mu sync.Mutex
	refused := false
	rs := routes{}
	rs["*/"] = pageWith("Home", `<a href="/layanan">Layanan</a>`)
	rs["*/layanan"] = func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !refused
		refused = true
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		pageWith("Layanan")(w, r)
	}
	srv := newServer(t, log.wrap(rs))
	cfg := testConfig()
	home := resolveTo(t, &cfg, "http", "sibuk.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "sibuk", URL: home + "/"})
	p, ok := fetched(snap, "/layanan")
	if !ok || p.Outcome != egovbench.OutcomeOK {
		t.Fatalf("layanan %+v", p)
	}
	paths, times := log.Paths(), log.Times()
	var at []time.Time
	for i, path := range paths {
		if path == "/layanan" {
			at = append(at, times[i])
		}
	}
	if len(at) != 2 {
		t.Fatalf("/layanan requested %d times, want 2", len(at))
	}
	if gap := at[1].Sub(at[0]); gap < 950*time.Millisecond {
		t.Errorf("retried after %v, Retry-After said 1s", gap)
	}
	// Nothing else may hit the host while it asked us to wait.
	for i, tm := range times {
		if tm.After(at[0]) && tm.Before(at[0].Add(950*time.Millisecond)) {
			t.Errorf("%s requested %v after the 429", paths[i], tm.Sub(at[0]))
		}
	}
}

func TestCrawlCharsets(t *testing.T) {
	t.Parallel()
	const want = "Dinas Pariwisata – Café ©"
	cases := []struct {
		name string
		ct   string
		body []byte
		want string
	}{
		{"windows-1252 header", "text/html; charset=windows-1252",
			[]byte("<html><head><title>x</title></head><body><p>Dinas Pariwisata \x96 Caf\xe9 \xa9</p></body></html>"), want},
		{"iso-8859-1 meta", "text/html",
			[]byte("<html><head><meta charset=\"ISO-8859-1\"><title>x</title></head><body><p>Caf\xe9 \xa9</p></body></html>"), "Café ©"},
		{"http-equiv latin1", "text/html",
			[]byte("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"></head><body><p>Caf\xe9</p></body></html>"), "Café"},
		{"utf-8 bom contradicting header", "text/html; charset=iso-8859-1",
			append([]byte("\xef\xbb\xbf"), []byte("<html><body><p>"+want+"</p></body></html>")...), want},
		{"undeclared utf-8", "text/html", []byte("<html><body><p>" + want + "</p></body></html>"), want},
		{"undeclared latin bytes", "", []byte("<html><body><p>Caf\xe9 \xa9</p></body></html>"), "Café ©"},
		{"invalid utf-8 declared", "text/html; charset=utf-8", []byte("<html><body><p>Caf\xe9 ok</p></body></html>"), "Caf\uFFFD ok"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/" {
					http.NotFound(w, r)
					return
				}
				if tc.ct != "" {
					w.Header().Set("Content-Type", tc.ct)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.Write(tc.body)
			}))
			cfg := testConfig()
			home := resolveTo(t, &cfg, "http", "wisata.go.id", hostAddr(t, srv.URL))
			c := newTestCrawler(t, cfg, nil)
			snap := c.Crawl(context.Background(), egovbench.Target{ID: "w", URL: home + "/"})
			h, ok := snap.Home()
			if !ok {
				t.Fatalf("no home: %+v", snap.Probe)
			}
			if !utf8.Valid(h.Body) || !bytes.Contains(h.Body, []byte(tc.want)) || bytes.HasPrefix(h.Body, []byte("\xef\xbb\xbf")) {
				t.Errorf("body %q, want it to contain %q", h.Body, tc.want)
			}
		})
	}
}

func TestCrawlMalformedHTML(t *testing.T) {
	t.Parallel()
	var deep strings.Builder
	deep.WriteString("<html><body>")
	// 25 000 levels: far deeper than any real page or parser's stack.
	for range 25000 {
		deep.WriteString("<div><span><table><tr><td>")
	}
	deep.WriteString(`<a href="/layanan">Layanan</a>`)
	rs := routes{
		"*/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(deep.String()))
		},
		"*/layanan": serveHTML(`<html><head><title>t</title></head><body><b><i <a href="/x" <<>>< </p></div></td>` +
			`<a href='/formulir' >Formulir<a href=/pengaduan>Pengaduan</a><script>document.write('<a href="/js">')</script>` +
			`<a href="javascript:alert(1)">js</a><a href="http://[::1">bad</a><a href="/%zz">pct</a>`),
		"*/formulir":  pageWith("Formulir"),
		"*/pengaduan": pageWith("Pengaduan"),
	}
	log := &requestLog{}
	srv := newServer(t, log.wrap(rs))
	cfg := testConfig()
	cfg.MaxBytesPerPage = 4 << 20
	cfg.RequestTimeout = 5 * time.Second // -race on a busy machine reads slowly
	home := resolveTo(t, &cfg, "http", "rusak.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "r", URL: home + "/"})
	for _, want := range []string{"/layanan", "/formulir", "/pengaduan"} {
		if p, ok := fetched(snap, want); !ok || p.Outcome != egovbench.OutcomeOK {
			t.Errorf("%s: %+v", want, p.Outcome)
		}
	}
	if slices.Contains(log.Paths(), "/js") {
		t.Errorf("followed a link written inside a script")
	}
}

func TestCrawlRobots(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		robots  http.HandlerFunc
		outcome egovbench.Outcome
		pages   int
	}{
		{"disallow all", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "User-agent: *\nDisallow: /\n")
		}, egovbench.OutcomeBlocked, 0},
		{"disallow our agent only", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "User-agent: googlebot\nAllow: /\n\nUser-agent: egovbench\nDisallow: /\n")
		}, egovbench.OutcomeBlocked, 0},
		{"allow our agent", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "User-agent: *\nDisallow: /\n\nUser-agent: egovbench\nAllow: /\n")
		}, egovbench.OutcomeOK, 2},
		{"binary garbage", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("\x00\xff\xfeUser-agent\x00: *\n\xc3\x28Disallow:\x00/\nSitemap: ::::\n"))
		}, egovbench.OutcomeOK, 2},
		{"html error page", serveHTML("<html><body>Halaman tidak ditemukan</body></html>"), egovbench.OutcomeOK, 2},
		{"missing", http.NotFound, egovbench.OutcomeOK, 2},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", 500)
		}, egovbench.OutcomeOK, 1},
		{"never answers", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, egovbench.OutcomeOK, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &requestLog{}
			rs := routes{"*/": pageWith("Home", `<a href="/layanan">Layanan</a>`), "*/layanan": pageWith("Layanan"),
				"*/robots.txt": tc.robots}
			srv := newServer(t, log.wrap(rs))
			cfg := testConfig()
			cfg.RequestTimeout = 300 * time.Millisecond
			home := resolveTo(t, &cfg, "http", "robot.go.id", hostAddr(t, srv.URL))
			c := newTestCrawler(t, cfg, nil)
			snap := c.Crawl(context.Background(), egovbench.Target{ID: "r", URL: home + "/"})
			if snap.Probe.Outcome != tc.outcome || len(snap.Pages) != tc.pages {
				t.Fatalf("outcome %q, %d pages; want %q, %d", snap.Probe.Outcome, len(snap.Pages), tc.outcome, tc.pages)
			}
			for _, p := range log.Paths() {
				if p != "/robots.txt" && p != "/" && tc.pages < 2 || p == "/" && tc.pages == 0 {
					t.Errorf("requested %s against robots.txt", p)
				}
			}
		})
	}
}

func TestCrawlRedirects(t *testing.T) {
	t.Parallel()
	otherLog := &requestLog{}
	other := newServer(t, otherLog.wrap(serveHTML(homeHTML)))
	cfg := testConfig()
	otherURL := resolveTo(t, &cfg, "http", "swasta.example.com", hostAddr(t, other.URL))
	rs := routes{}
	srv := newServer(t, rs)
	apex := resolveTo(t, &cfg, "http", "kota.go.id", hostAddr(t, srv.URL))
	www := resolveTo(t, &cfg, "http", "www.kota.go.id", hostAddr(t, srv.URL))
	rs["kota.go.id/"] = func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, www+"/", http.StatusMovedPermanently)
	}
	rs["www.kota.go.id/"] = pageWith("Home", `<a href="/pindah">Aplikasi</a>`, `<a href="/putar">Putar</a>`, `<a href="`+apex+`/profil">Profil</a>`)
	rs["www.kota.go.id/pindah"] = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, otherURL+"/", http.StatusFound) }
	rs["www.kota.go.id/putar"] = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/putar", http.StatusFound) }
	rs["kota.go.id/profil"] = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, www+"/profil", http.StatusFound) }
	rs["www.kota.go.id/profil"] = pageWith("Profil")

	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "k", URL: apex})
	if snap.Probe.Outcome != egovbench.OutcomeOK || len(snap.Redirects) != 2 {
		t.Fatalf("probe %q redirects %q", snap.Probe.Outcome, snap.Redirects)
	}
	p, ok := fetched(snap, "/pindah")
	if !ok || p.Status != http.StatusFound || p.FinalURL != otherURL+"/" || p.Outcome != egovbench.OutcomeOK {
		t.Errorf("off-site redirect page %+v", p)
	}
	if n := len(otherLog.Paths()); n != 0 {
		t.Errorf("followed a redirect off the site: %d requests", n)
	}
	if p, ok := fetched(snap, "/putar"); !ok || p.Outcome != egovbench.OutcomeRedirectLoop {
		t.Errorf("self redirect %+v", p)
	}
	if p, ok := fetched(snap, apex+"/profil"); !ok || p.FinalURL != www+"/profil" || p.Outcome != egovbench.OutcomeOK {
		t.Errorf("apex to www redirect %+v", p)
	}
	found := false
	for _, l := range snap.Links {
		found = found || l.Domain == "swasta.example.com"
	}
	if !found {
		t.Errorf("off-site redirect not recorded as a link: %+v", snap.Links)
	}
}

func TestCrawlContentTypeLies(t *testing.T) {
	t.Parallel()
	rs := routes{
		"*/": pageWith("Home", `<a href="/foto">Foto</a>`, `<a href="/unduh">Unduh</a>`, `<a href="/biner">Biner</a>`),
		"*/foto": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, homeHTML)
		},
		"*/unduh": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(bytes.Repeat([]byte("%PDF-1.4 "), 100000))
		},
		"*/biner": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(bytes.Repeat([]byte{0, 1, 2, 3, 0xff}, 1000))
		},
	}
	srv := newServer(t, rs)
	cfg := testConfig()
	home := resolveTo(t, &cfg, "http", "bohong.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "b", URL: home + "/"})
	want := map[string]egovbench.Outcome{"/foto": egovbench.OutcomeInvalidContent, "/unduh": egovbench.OutcomeOK, "/biner": egovbench.OutcomeInvalidContent}
	for path, o := range want {
		p, ok := fetched(snap, path)
		if !ok || p.Outcome != o || p.Body != nil {
			t.Errorf("%s: outcome %q body %d bytes, want %q and no body", path, p.Outcome, len(p.Body), o)
		}
	}
}

func TestCrawlBudgets(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("<p>isi</p>", 5000) // 50 kB
	many := func(w http.ResponseWriter, r *http.Request) {
		var links strings.Builder
		for i := range 20 {
			fmt.Fprintf(&links, `<a href="/hal-%s-%d">h</a>`, strings.Trim(r.URL.Path, "/"), i)
		}
		serveHTML("<html><body>"+links.String()+big+"</body></html>")(w, r)
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
		}
		pageWith("Lambat", fmt.Sprintf(`<a href="%s-x">next</a><a href="%s-y">next</a>`, r.URL.Path, r.URL.Path))(w, r)
	}
	cases := []struct {
		name    string
		h       http.HandlerFunc
		mod     func(*Config)
		stopped string
		within  time.Duration
	}{
		// The bounds only catch a hang; they are not speed targets.
		{"bytes", many, func(c *Config) { c.MaxBytesPerSite = 256 << 10 }, "bytes", 15 * time.Second},
		{"pages", many, func(c *Config) { c.MaxPages = 7 }, "pages", 15 * time.Second},
		{"time", slow, func(c *Config) { c.SiteTimeout = 600 * time.Millisecond; c.MaxDepth = 100 }, "time", 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.h)
			cfg := testConfig()
			tc.mod(&cfg)
			home := resolveTo(t, &cfg, "http", "anggaran.go.id", hostAddr(t, srv.URL))
			c := newTestCrawler(t, cfg, nil)
			start := time.Now()
			snap := c.Crawl(context.Background(), egovbench.Target{ID: "a", URL: home + "/"})
			if d := time.Since(start); d > tc.within {
				t.Errorf("took %v", d)
			}
			if snap.Stopped != tc.stopped {
				t.Errorf("stopped %q, want %q (%d pages)", snap.Stopped, tc.stopped, len(snap.Pages))
			}
			var total int64
			for _, p := range snap.Pages {
				total += int64(len(p.Body))
			}
			if total > c.cfg.MaxBytesPerSite+c.cfg.MaxBytesPerPage || len(snap.Pages) > c.cfg.MaxPages {
				t.Errorf("%d bytes in %d pages over budget", total, len(snap.Pages))
			}
		})
	}
}

// TestCrawlFaultsInParallel crawls broken and healthy sites at once through
// one Crawler: every fault is classified and the healthy sites are whole.
func TestCrawlFaultsInParallel(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	// Long enough for TLS handshakes under -race on a busy machine.
	cfg.RequestTimeout = 1500 * time.Millisecond
	good := routes{"*/": pageWith("Home", `<a href="/layanan">Layanan</a>`, `<a href="/profil">Profil</a>`),
		"*/layanan": pageWith("Layanan"), "*/profil": pageWith("Profil")}
	type site struct {
		url  string
		want egovbench.Outcome
	}
	var sites []site
	for i := range 4 {
		srv := newServer(t, good)
		sites = append(sites, site{resolveTo(t, &cfg, "http", fmt.Sprintf("baik%d.go.id", i), hostAddr(t, srv.URL)) + "/", egovbench.OutcomeOK})
	}
	sites = append(sites,
		site{"http://hilang.go.id/", egovbench.OutcomeDNSError},
		site{resolveTo(t, &cfg, "http", "mati.go.id", closedPort(t)) + "/", egovbench.OutcomeConnectionRefused},
		site{resolveTo(t, &cfg, "http", "diam.go.id", silentListener(t)) + "/", egovbench.OutcomeTimeout},
		site{resolveTo(t, &cfg, "http", "rusak.go.id", hostAddr(t, newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "x", http.StatusBadGateway)
		})).URL)) + "/", egovbench.OutcomeHTTPError},
		site{resolveTo(t, &cfg, "https", "tls.go.id", hostAddr(t, newTLSServer(t, good,
			func() tls.Certificate {
				c, _ := selfSignedCert(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "tls.go.id")
				return c
			}()).URL)) + "/",
			egovbench.OutcomeTLSError},
	)
	c := newTestCrawler(t, cfg, nil)
	snaps := make([]egovbench.Snapshot, len(sites))
	var wg sync.WaitGroup
	for i, s := range sites {
		wg.Go(func() { snaps[i] = c.Crawl(context.Background(), egovbench.Target{ID: fmt.Sprint(i), URL: s.url}) })
	}
	wg.Wait()
	for i, s := range sites {
		if snaps[i].Probe.Outcome != s.want {
			t.Errorf("%s: outcome %q (%s), want %q", s.url, snaps[i].Probe.Outcome, snaps[i].Probe.Error, s.want)
		}
		if s.want == egovbench.OutcomeOK && len(snaps[i].Pages) != 3 {
			t.Errorf("%s: %d pages, want 3", s.url, len(snaps[i].Pages))
		}
	}
}

// TestCheckPagesShared: service links many sites advertise are checked
// once per Crawler, and a dead one is recorded with its class on every site.
func TestCheckPagesShared(t *testing.T) {
	t.Parallel()
	svcLog := &requestLog{}
	svc := newServer(t, svcLog.wrap(routes{
		"*/":     serveHTML(`<html><head><title>LAPOR!</title></head><body>Layanan Aspirasi</body></html>`),
		"*/mati": serveHTML(`<html><head><title>Segera hadir</title></head><body>Coming soon</body></html>`),
	}))
	cfg := testConfig()
	lapor := resolveTo(t, &cfg, "http", "lapor.go.id", hostAddr(t, svc.URL))
	var targets []string
	for i := range 6 {
		srv := newServer(t, routes{"*/": pageWith("Home",
			`<a href="`+lapor+`/">Pengaduan LAPOR!</a>`, `<a href="`+lapor+`/mati">Layanan Perizinan Online</a>`)})
		targets = append(targets, resolveTo(t, &cfg, "http", fmt.Sprintf("kab%d.go.id", i), hostAddr(t, srv.URL))+"/")
	}
	c := newTestCrawler(t, cfg, nil)
	snaps := make([]egovbench.Snapshot, len(targets))
	var wg sync.WaitGroup
	for i, u := range targets {
		wg.Go(func() { snaps[i] = c.Crawl(context.Background(), egovbench.Target{ID: u, URL: u}) })
	}
	wg.Wait()
	for i, snap := range snaps {
		up, ok1 := fetched(snap, lapor+"/")
		dead, ok2 := fetched(snap, lapor+"/mati")
		if !ok1 || !ok2 || !up.Check || up.Outcome != egovbench.OutcomeOK || dead.Outcome != egovbench.OutcomeMaintenance || dead.Depth != 1 {
			t.Errorf("site %d: check pages %+v %+v", i, up, dead)
		}
	}
	if n, m := svcLog.count("/"), svcLog.count("/mati"); n != 1 || m != 1 {
		t.Errorf("service host asked %d and %d times, want once each", n, m)
	}
}

// TestCrawlMaintenanceSite: a site that answers 503 "come back in an hour"
// to everything, robots.txt included, is classified at once rather than
// waited for.
func TestCrawlMaintenanceSite(t *testing.T) {
	t.Parallel()
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `<html><head><title>Sedang dalam pemeliharaan</title></head><body>Mohon maaf.</body></html>`)
	}))
	cfg := testConfig()
	cfg.MaxRetryAfter = 30 * time.Second
	home := resolveTo(t, &cfg, "http", "rawat.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	start := time.Now()
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "m", URL: home + "/"})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if snap.Probe.Outcome != egovbench.OutcomeMaintenance || snap.RobotsStatus != 503 || len(snap.Pages) != 1 {
		t.Errorf("probe %q robots %d pages %d", snap.Probe.Outcome, snap.RobotsStatus, len(snap.Pages))
	}
}

// TestCrawlHome429: a home page refused with 429 and a short Retry-After is
// asked again once, after the wait.
func TestCrawlHome429(t *testing.T) {
	t.Parallel()
	log := &requestLog{}
	var mu sync.Mutex
	n := 0
	srv := newServer(t, log.wrap(routes{"*/": func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		pageWith("Home")(w, r)
	}}))
	cfg := testConfig()
	home := resolveTo(t, &cfg, "http", "ramai.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "r", URL: home + "/"})
	if snap.Probe.Outcome != egovbench.OutcomeOK {
		t.Fatalf("probe %+v", snap.Probe)
	}
	var at []time.Time
	for i, p := range log.Paths() {
		if p == "/" {
			at = append(at, log.Times()[i])
		}
	}
	if len(at) != 2 || at[1].Sub(at[0]) < 950*time.Millisecond {
		t.Errorf("home asked at %v", at)
	}
}

// TestCrawlDelayFromRobots: a robots.txt Crawl-delay for our agent longer
// than the crawler's delay spaces the site's requests by it, a longer one
// is capped by MaxCrawlDelay, and NextRequest tells a crawler on another
// machine how long to leave the host alone after the crawl.
func TestCrawlDelayFromRobots(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, robots string
		maxDelay     time.Duration
		want         time.Duration
	}{
		{"honoured", "User-agent: egovbench\nCrawl-delay: 0.3\n\nUser-agent: *\nCrawl-delay: 9\n", 0, 300 * time.Millisecond},
		{"capped", "User-agent: *\nCrawl-delay: 3600\n", 200 * time.Millisecond, 200 * time.Millisecond},
		{"none", "User-agent: *\nDisallow: /rahasia\n", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &requestLog{}
			rs := routes{
				"*/robots.txt": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.robots) },
				"*/":           pageWith("Home", `<a href="/a">A</a> <a href="/b">B</a> <a href="/c">C</a>`),
				"*/a":          pageWith("A"), "*/b": pageWith("B"), "*/c": pageWith("C"),
			}
			srv := newServer(t, log.wrap(rs))
			cfg := testConfig()
			cfg.Delay = 10 * time.Millisecond
			cfg.MaxCrawlDelay = tc.maxDelay
			home := resolveTo(t, &cfg, "http", "pelan.go.id", hostAddr(t, srv.URL))
			c := newTestCrawler(t, cfg, nil)
			snap := c.Crawl(context.Background(), egovbench.Target{ID: "p", URL: home + "/"})
			end := time.Now()
			if len(snap.Pages) < 4 {
				t.Fatalf("%d pages", len(snap.Pages))
			}
			times := log.Times()
			if len(times) < 5 {
				t.Fatalf("%d requests", len(times))
			}
			// The gate spaces the starts as the crawler sees them; the
			// server sees them a scheduling delay later, which can shave
			// a little off a gap; without the Crawl-delay the gaps would
			// be about 10 ms.
			const jitter = 50 * time.Millisecond
			for i := 2; i < len(times); i++ { // from the home page on: robots.txt is read first
				gap := times[i].Sub(times[i-1])
				if tc.want > 0 && gap < tc.want-jitter {
					t.Errorf("request %d came %v after the one before; Crawl-delay %v", i, gap, tc.want)
				}
				if tc.want > 0 && gap > tc.want+2*time.Second {
					t.Errorf("request %d came %v after the one before; the cap is %v", i, gap, tc.want)
				}
			}
			want := end.Add(max(cfg.Delay, tc.want))
			if got := c.NextRequest("PELAN.go.id", end); !got.Equal(want) {
				t.Errorf("NextRequest = end + %v, want end + %v", got.Sub(end), want.Sub(end))
			}
		})
	}
}

// TestNextRequestRetryAfter: after a 429 with Retry-After the host is left
// alone until the wait is over, for the next crawl too, and an absurd
// Retry-After is capped by MaxRetryAfter.
func TestNextRequestRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		max    time.Duration
		want   time.Duration
	}{
		{"2", 30 * time.Second, 2 * time.Second},
		{"86400", 1500 * time.Millisecond, 1500 * time.Millisecond},
	} {
		var mu sync.Mutex
		var sent time.Time
		srv := newServer(t, routes{
			"*/": pageWith("Home", `<a href="/sibuk">Sibuk</a>`),
			"*/sibuk": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tc.header)
				mu.Lock()
				sent = time.Now()
				mu.Unlock()
				http.Error(w, "slow down", http.StatusTooManyRequests)
			},
		})
		cfg := testConfig()
		cfg.MaxRetryAfter = tc.max
		home := resolveTo(t, &cfg, "http", "ramai.go.id", hostAddr(t, srv.URL))
		c := newTestCrawler(t, cfg, nil)
		c.Crawl(context.Background(), egovbench.Target{ID: "r", URL: home + "/"})
		end := time.Now()
		mu.Lock()
		at := sent
		mu.Unlock()
		if at.IsZero() {
			t.Fatalf("Retry-After %s: /sibuk never asked", tc.header)
		}
		got := c.NextRequest("ramai.go.id", end)
		// The crawler reads the header after the server sent it, and
		// before the crawl ended.
		if got.Before(at.Add(tc.want)) || got.After(end.Add(tc.want)) {
			t.Errorf("Retry-After %s (cap %v): next request %v after the 429, want %v", tc.header, tc.max, got.Sub(at), tc.want)
		}
	}
}
