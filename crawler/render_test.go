package crawler

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// newRenderCrawler is newTestCrawler with the browser the mode asks for.
// A missing browser fails the test: the render tests must not pass by
// reading static HTML.
func newRenderCrawler(tb testing.TB, cfg Config, private func(netip.Addr) bool) *Crawler {
	tb.Helper()
	c := newTestCrawler(tb, cfg, private)
	if err := c.setupRender(); err != nil {
		tb.Fatal(err)
	}
	if c.RenderFallback() != "" {
		tb.Fatal(c.RenderFallback())
	}
	return c
}

// idleBrowserWarm is about how long the 2-core development machine takes,
// idle, to start the browser and open its first tab (1.2 to 1.6 s measured
// at load 12; WarmBrowser).
const idleBrowserWarm = time.Second

var renderScaleOnce struct {
	sync.Once
	scale float64
	warm  time.Duration
	err   error
}

// renderScale is how many times slower than idleBrowserWarm this machine
// starts the browser and opens a tab now, at least 1 and at most 30,
// measured once per test binary. Render tests multiply their deadlines by
// it, so that on a machine at load 20+ a page has the time it needs there;
// no test checks a deadline as such, so a render that is broken still
// fails however long it is given.
func renderScale(tb testing.TB) float64 {
	tb.Helper()
	r := &renderScaleOnce
	r.Do(func() {
		cfg, err := testConfig().withDefaults()
		if err != nil {
			r.err = err
			return
		}
		cfg.Render = RenderAlways
		c := newCrawler(cfg, nil)
		defer c.Close()
		if err := c.setupRender(); err != nil {
			r.err = err
			return
		}
		r.warm, r.err = c.WarmBrowser(context.Background())
		r.scale = min(max(1, r.warm.Seconds()/idleBrowserWarm.Seconds()), 30)
	})
	if r.err != nil {
		tb.Fatalf("starting the browser: %v", r.err)
	}
	tb.Logf("browser start and first tab took %v: render deadlines x%.1f", r.warm.Round(time.Millisecond), r.scale)
	return r.scale
}

// renderConfig is testConfig for a render test: one tab at a time (fewer
// processes competing on a loaded machine), and the page's render
// deadline, the site's deadline and the request timeout scaled by
// renderScale.
func renderConfig(tb testing.TB, mode RenderMode, render time.Duration) Config {
	tb.Helper()
	x := renderScale(tb)
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) * x) }
	cfg := testConfig()
	cfg.Render = mode
	cfg.RenderTabs = 1
	cfg.RenderTimeout = scale(render)
	cfg.SiteTimeout = scale(time.Minute)
	cfg.RequestTimeout = scale(5 * time.Second)
	return cfg
}

// spaSite serves a single-page app: the homepage is an empty app root and
// a script that fetches the menu and builds the links, so only a browser
// sees the services.
func spaSite() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!DOCTYPE html><html lang="id"><head><title>Kabupaten Contoh</title>
<script src="/app.js"></script></head><body><div id="app"></div>
<noscript>Aktifkan JavaScript untuk membuka situs ini.</noscript></body></html>`))
	})
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		w.Write([]byte(`document.addEventListener('DOMContentLoaded', () => {
  fetch('/api/menu.json').then(r => r.json()).then(items => {
    const app = document.getElementById('app');
    app.innerHTML = '<nav><ul>' + items.map(i => '<li><a href="' + i.href + '">' + i.text + '</a></li>').join('') + '</ul></nav>';
  });
});`))
	})
	mux.HandleFunc("/api/menu.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"href":"/pengaduan","text":"Pengaduan Masyarakat"},{"href":"/ppid","text":"PPID"}]`))
	})
	page := func(title string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!DOCTYPE html><html><head><title>` + title + `</title></head><body><h1>` + title +
				`</h1><p>` + strings.Repeat("Layanan pemerintah daerah untuk masyarakat. ", 40) + `</p></body></html>`))
		}
	}
	mux.HandleFunc("/pengaduan", page("Pengaduan Masyarakat"))
	mux.HandleFunc("/ppid", page("PPID"))
	return mux
}

func TestRenderModes(t *testing.T) {
	for _, tc := range []struct {
		mode      RenderMode
		rendered  bool
		wantPages []string
	}{
		{RenderNever, false, []string{"/"}},
		{RenderAuto, true, []string{"/", "/pengaduan", "/ppid"}},
		{RenderAlways, true, []string{"/", "/pengaduan", "/ppid"}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			var log requestLog
			srv := newServer(t, log.wrap(spaSite()))
			cfg := renderConfig(t, tc.mode, 10*time.Second)
			home := resolveTo(t, &cfg, "http", "spa.kab.go.id", hostAddr(t, srv.URL))
			c := newRenderCrawler(t, cfg, nil)
			snap := c.Crawl(context.Background(), egovbench.Target{ID: "spa", URL: home + "/"})
			var got []string
			for _, p := range snap.Pages {
				if p.Check {
					continue
				}
				got = append(got, strings.TrimPrefix(p.URL, home))
				if p.RenderError != "" {
					t.Errorf("%s: render error %s", p.URL, p.RenderError)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.wantPages, " ") {
				t.Errorf("pages %v, want %v", got, tc.wantPages)
			}
			hp := snap.Pages[0]
			if hp.Rendered != tc.rendered {
				t.Fatalf("home rendered = %v, want %v", hp.Rendered, tc.rendered)
			}
			if tc.rendered {
				if !strings.Contains(string(hp.Body), "Pengaduan Masyarakat") || !strings.Contains(string(hp.StaticBody), `<div id="app"></div>`) {
					t.Errorf("rendered body %q, static %q", hp.Body, hp.StaticBody)
				}
				if hp.Hash != hashHex(hp.Body) || hp.StaticHash != hashHex(hp.StaticBody) {
					t.Error("hashes do not match bodies")
				}
			}
			// The static pages of the site are never rendered in auto.
			for _, p := range snap.Pages[1:] {
				if p.Rendered != (tc.mode == RenderAlways) {
					t.Errorf("%s rendered = %v in mode %s", p.URL, p.Rendered, tc.mode)
				}
			}
			if n := log.count("/"); n != 1 {
				t.Errorf("homepage fetched %d times, want 1 (the browser is served the crawled HTML)", n)
			}
		})
	}
}

// countingListener counts the connections made to it and answers each
// with a page, so a test sees any request that reaches it.
func countingListener(tb testing.TB, addr string) (string, *atomic.Int64) {
	tb.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("listen %s: %v", addr, err)
	}
	var n atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`secret`))
	}), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), &n
}

// TestRenderObeysCrawlerRules: a script on a rendered page tries to reach a
// private address (by name and by IP, by fetch, image, beacon and
// WebSocket), a path robots.txt disallows, and images, fonts and a style
// sheet. None of it may leave; what is fetched is fetched with the
// crawler's User-Agent and at the host gate's pace.
func TestRenderObeysCrawlerRules(t *testing.T) {
	// 127.0.0.2 plays a private address; the site itself is on 127.0.0.1.
	privAddr, privConns := countingListener(t, "127.0.0.2:0")
	var log requestLog
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /rahasia/\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!DOCTYPE html><html><head><title>Kab</title>
<link rel="stylesheet" href="/style.css"><link rel="preconnect" href="http://` + privAddr + `">
<style>@font-face { font-family: x; src: url(/font.woff2); } body { font-family: x; }</style>
<script src="/app.js"></script></head><body><div id="app"></div><img src="/logo.png" alt="logo">
<img src="http://` + privAddr + `/pixel.png" alt=""></body></html>`))
		case "/app.js":
			w.Header().Set("Content-Type", "application/javascript")
			w.Write([]byte(`
const tries = [
  () => fetch('http://intranet.kab.go.id:` + portOf(privAddr) + `/data.json'),
  () => fetch('http://` + privAddr + `/data.json'),
  () => fetch('/rahasia/data.json'),
  () => fetch('/api/post', {method: 'POST', body: 'x'}),
  () => { new Image().src = 'http://` + privAddr + `/img.png'; },
  () => navigator.sendBeacon('http://` + privAddr + `/beacon', 'x'),
  () => { try { new WebSocket('ws://` + privAddr + `/ws'); } catch (e) {} },
  () => { const s = document.createElement('script'); s.src = 'http://` + privAddr + `/evil.js'; document.head.appendChild(s); },
];
for (const t of tries) { try { Promise.resolve(t()).catch(() => {}); } catch (e) {} }
fetch('/api/menu.json').then(r => r.json()).then(m => {
  document.getElementById('app').innerHTML = m.map(x => '<a href="' + x + '">' + x + '</a>').join(' ');
});`))
		case "/api/menu.json":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`["/layanan"]`))
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><body><p>` + strings.Repeat("Isi halaman layanan. ", 50) + `</p></body></html>`))
		}
	})
	srv := newServer(t, log.wrap(mux))
	cfg := renderConfig(t, RenderAlways, 10*time.Second)
	cfg.Delay = 150 * time.Millisecond
	cfg.MaxPages = 2
	home := resolveTo(t, &cfg, "http", "kab.go.id", hostAddr(t, srv.URL))
	cfg.Resolve["intranet.kab.go.id:"+portOf(privAddr)] = privAddr
	private := func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }
	c := newRenderCrawler(t, cfg, private)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "kab", URL: home + "/"})

	if len(snap.Pages) == 0 || !snap.Pages[0].Rendered {
		t.Fatalf("homepage not rendered: %+v", snap.Pages)
	}
	if !strings.Contains(string(snap.Pages[0].Body), `href="/layanan"`) {
		t.Errorf("the allowed script did not run: %s", snap.Pages[0].Body)
	}
	if n := privConns.Load(); n != 0 {
		t.Errorf("the private address got %d connections", n)
	}
	paths := log.Paths()
	for _, p := range paths {
		switch {
		case strings.HasPrefix(p, "/rahasia/"):
			t.Errorf("fetched %s, which robots.txt disallows", p)
		case p == "/logo.png" || p == "/style.css" || p == "/font.woff2":
			t.Errorf("fetched %s: images, style sheets and fonts are not", p)
		case p == "/api/post":
			t.Errorf("the script's POST was sent")
		}
	}
	for _, want := range []string{"/app.js", "/api/menu.json"} {
		if log.count(want) != 1 {
			t.Errorf("%s fetched %d times, want 1 (paths %v)", want, log.count(want), paths)
		}
	}
	log.mu.Lock()
	for i, ua := range log.uas {
		if ua != c.cfg.UserAgent {
			t.Errorf("request %s sent User-Agent %q", log.paths[i], ua)
		}
	}
	times := append([]time.Time(nil), log.times...)
	log.mu.Unlock()
	for i := 1; i < len(times); i++ {
		// The gate's delay holds between every two requests to the host,
		// the browser's included (a little slack for clock reads).
		if gap := times[i].Sub(times[i-1]); gap < cfg.Delay-10*time.Millisecond {
			t.Errorf("requests %d and %d to the host %v apart, delay is %v (paths %v)", i-1, i, gap, cfg.Delay, paths)
		}
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// TestRenderHostilePages: pages that never settle, loop in script, open
// dialogs or grow a huge DOM cost their render budget and no more; the
// crawl goes on, and each keeps its static HTML or a rendered form.
func TestRenderHostilePages(t *testing.T) {
	pages := map[string]string{
		"/loop":   `<script>while (true) {}</script>`,
		"/alert":  `<script>for (let i = 0; i < 5; i++) alert('x'); confirm('y'); prompt('z');</script><p>after the alerts</p><script>setTimeout(() => { location.href = '/elsewhere'; }, 20);</script>`,
		"/never":  `<div id="app"></div><script>setInterval(() => fetch('/tick?' + Math.random()), 50);</script>`,
		"/huge":   `<div id="app"></div><script>let s = 'x'; for (;;) { s += s; document.body.insertAdjacentHTML('beforeend', '<p>' + s + '</p>'); }</script>`,
		"/unload": `<script>window.onbeforeunload = () => 'stay'; history.pushState({}, '', '/moved');</script><p>unload</p>`,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/" {
			var b strings.Builder
			b.WriteString(`<html><body><h1>Kabupaten</h1><ul>`)
			for p := range pages {
				b.WriteString(`<li><a href="` + p + `">` + p + `</a></li>`)
			}
			b.WriteString(`</ul></body></html>`)
			w.Write([]byte(b.String()))
			return
		}
		if body, ok := pages[r.URL.Path]; ok {
			w.Write([]byte(`<html><body>` + body + `</body></html>`))
			return
		}
		w.Write([]byte(`ok`))
	})
	srv := newServer(t, mux)
	cfg := renderConfig(t, RenderAlways, 8*time.Second)
	// The site's deadline holds every page's render deadline and then
	// some: a page that is not cut off at its own deadline runs into the
	// site's, and the crawl is reported stopped.
	cfg.SiteTimeout = time.Duration(len(pages)+2)*cfg.RenderTimeout + cfg.SiteTimeout
	home := resolveTo(t, &cfg, "http", "kab.go.id", hostAddr(t, srv.URL))
	c := newRenderCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "kab", URL: home + "/"})
	if snap.Stopped != "" {
		t.Errorf("crawl stopped: %s", snap.Stopped)
	}
	got := map[string]egovbench.Page{}
	for _, p := range snap.Pages {
		got[strings.TrimPrefix(p.URL, home)] = p
	}
	if hp := snap.Pages[0]; len(snap.Pages) < 2 {
		t.Fatalf("crawl stopped at the homepage: rendered %v error %q body %q", hp.Rendered, hp.RenderError, hp.Body)
	}
	for path := range pages {
		p, ok := got[path]
		switch {
		case !ok:
			t.Errorf("%s missing from the crawl", path)
		case p.Outcome != egovbench.OutcomeOK:
			t.Errorf("%s: outcome %s", path, p.Outcome)
		case !p.Rendered && p.RenderError == "":
			t.Errorf("%s neither rendered nor given a render error", path)
		}
		t.Logf("%s: rendered %v, error %q, %d bytes %.200s", path, p.Rendered, p.RenderError, len(p.Body), p.Body)
	}
	if p := got["/alert"]; !p.Rendered || !strings.Contains(string(p.Body), "after the alerts") {
		t.Errorf("/alert: dialogs blocked the page: rendered %v %q", p.Rendered, p.RenderError)
	}
	if p := got["/huge"]; p.Rendered && int64(len(p.Body)) > cfg.MaxBytesPerPage+64 {
		t.Errorf("/huge kept %d bytes, over the page cap", len(p.Body))
	}
	// The browser survives it all: a plain page still renders.
	snap = c.Crawl(context.Background(), egovbench.Target{ID: "kab", URL: home + "/"})
	if len(snap.Pages) == 0 || !snap.Pages[0].Rendered {
		t.Errorf("homepage not rendered after the hostile pages: %+v", snap.Pages[0].RenderError)
	}
}

// TestRenderNoBrowser: with rendering asked for and no browser found, a
// page that needed rendering is read as static HTML and says why, so a
// crawl on a machine without a browser is told apart in the data.
func TestRenderNoBrowser(t *testing.T) {
	t.Parallel()
	srv := newServer(t, spaSite())
	cfg := testConfig()
	cfg.Render = RenderAuto
	cfg.BrowserPath = "/nonexistent/chromium"
	home := resolveTo(t, &cfg, "http", "spa.go.id", hostAddr(t, srv.URL))
	c := newTestCrawler(t, cfg, nil)
	if err := c.setupRender(); err != nil {
		t.Fatal(err)
	}
	if c.RenderFallback() == "" {
		t.Fatal("no fallback reported without a browser")
	}
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "spa", URL: home + "/"})
	if len(snap.Pages) == 0 {
		t.Fatal("no pages")
	}
	if p := snap.Pages[0]; p.Rendered || p.RenderError != RenderErrorNoBrowser {
		t.Errorf("home: rendered %v, render error %q; want %q", p.Rendered, p.RenderError, RenderErrorNoBrowser)
	}
}

// TestBrowserRecycles: the browser is restarted after its quota of tabs
// (it keeps memory for every tab it ever opened), between renders, and
// every page is still rendered.
func TestBrowserRecycles(t *testing.T) {
	srv := newServer(t, spaSite())
	cfg := renderConfig(t, RenderAlways, 10*time.Second)
	cfg.MaxPages = 1
	cfg.RenderTabs = 2
	home := resolveTo(t, &cfg, "http", "spa.kab.go.id", hostAddr(t, srv.URL))
	c := newRenderCrawler(t, cfg, nil)
	c.browser.recycle = 2
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			snap := c.Crawl(context.Background(), egovbench.Target{ID: fmt.Sprint("spa", i), URL: home + "/"})
			if len(snap.Pages) == 0 || !snap.Pages[0].Rendered || !strings.Contains(string(snap.Pages[0].Body), "Pengaduan Masyarakat") {
				if len(snap.Pages) == 0 {
					t.Errorf("crawl %d: no page", i)
					return
				}
				p := snap.Pages[0]
				t.Errorf("crawl %d: homepage not rendered: rendered %v, error %q, body %.300q", i, p.Rendered, p.RenderError, p.Body)
			}
		})
	}
	wg.Wait()
	// Tabs are closed after the crawl goes on: holding every slot waits
	// for the last.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range cfg.RenderTabs {
		release, err := c.browser.acquire(ctx)
		if err != nil {
			t.Fatalf("a tab was never given back: %v", err)
		}
		defer release()
	}
	c.browser.mu.Lock()
	starts, inUse := c.browser.starts, c.browser.inUse
	c.browser.mu.Unlock()
	if starts != 3 || inUse != 0 {
		t.Errorf("5 tabs with a quota of 2 a browser: %d browser starts, want 3; %d tabs still counted open", starts, inUse)
	}
}
