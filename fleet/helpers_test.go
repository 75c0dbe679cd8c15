package fleet

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// startFleet starts a fleet for a test and closes it at the end.
func startFleet(tb testing.TB, opts Options) *Fleet {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f, err := Start(ctx, opts)
	if err != nil {
		tb.Fatalf("start fleet: %v", err)
	}
	tb.Cleanup(func() {
		if err := f.Close(); err != nil {
			tb.Errorf("close fleet: %v", err)
		}
	})
	return f
}

// plainClient is what the brief asks tests to use: a stdlib client whose
// DialContext goes through f.Resolve() and trusts only the fleet CA. It
// follows redirects when follow is true.
func plainClient(f *Fleet, follow bool) *http.Client {
	resolve := f.Resolve()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			to, ok := resolve[addr]
			if !ok {
				// What a crawler restricted to the fleet's names sees.
				host, _, _ := net.SplitHostPort(addr)
				return nil, &net.DNSError{Err: "no such host (not a fleet address)", Name: host, IsNotFound: true}
			}
			var d net.Dialer
			return d.DialContext(ctx, network, to)
		},
		TLSClientConfig:     &tls.Config{RootCAs: f.CertPool()},
		MaxIdleConnsPerHost: 8,
	}
	c := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// fetched is one page a test crawl saw.
type fetched struct {
	url    string
	status int
	ctype  string
	body   string
	doc    *goquery.Document
}

// get fetches a URL and parses it when it is HTML.
func get(tb testing.TB, c *http.Client, u string) (*fetched, error) {
	tb.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	p := &fetched{url: resp.Request.URL.String(), status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b)}
	if strings.HasPrefix(p.ctype, "text/html") {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(p.body))
		if err != nil {
			return nil, err
		}
		p.doc = doc
	}
	return p, nil
}

// siteCrawl is what a breadth-first crawl of a site's hosts found.
type siteCrawl struct {
	pages []*fetched          // HTML pages that answered 200
	links map[string][]string // absolute link URL -> anchor texts
	other map[string]int      // non-HTML or non-200 URLs -> status
}

// crawlSite follows every link inside the site's hosts, up to max pages.
func crawlSite(tb testing.TB, c *http.Client, s Site, max int) *siteCrawl {
	tb.Helper()
	in := map[string]bool{}
	for _, h := range s.Hosts {
		in[h] = true
	}
	sc := &siteCrawl{links: map[string][]string{}, other: map[string]int{}}
	seen := map[string]bool{s.Target.URL: true}
	queue := []string{s.Target.URL}
	for len(queue) > 0 && len(sc.pages) < max {
		u := queue[0]
		queue = queue[1:]
		p, err := get(tb, c, u)
		if err != nil {
			tb.Fatalf("%s: get %s: %v", s.Target.ID, u, err)
		}
		if s.Script != "" && p.doc != nil {
			p = scriptView(tb, c, p)
		}
		if p.doc == nil || p.status != http.StatusOK {
			sc.other[u] = p.status
			continue
		}
		sc.pages = append(sc.pages, p)
		base, _ := url.Parse(p.url)
		p.doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			ref, err := base.Parse(href)
			if err != nil {
				return
			}
			ref.Fragment = ""
			abs := ref.String()
			sc.links[abs] = append(sc.links[abs], strings.TrimSpace(a.Text()))
			if (ref.Scheme == "http" || ref.Scheme == "https") && in[ref.Hostname()] && !seen[abs] {
				seen[abs] = true
				queue = append(queue, abs)
			}
		})
	}
	return sc
}

// text is all visible text of the crawl, lower-cased.
func (sc *siteCrawl) text() string {
	var b strings.Builder
	for _, p := range sc.pages {
		b.WriteString(strings.ToLower(p.doc.Text()))
		b.WriteByte('\n')
	}
	return b.String()
}

// any reports whether a selector matches on any page.
func (sc *siteCrawl) any(sel string) bool {
	for _, p := range sc.pages {
		if p.doc.Find(sel).Length() > 0 {
			return true
		}
	}
	return false
}

// anyPage reports whether some page satisfies fn.
func (sc *siteCrawl) anyPage(fn func(*fetched) bool) bool {
	for _, p := range sc.pages {
		if fn(p) {
			return true
		}
	}
	return false
}

// linkHosts lists the hosts of the absolute http(s) links met.
func (sc *siteCrawl) linkHosts() map[string]bool {
	m := map[string]bool{}
	for l := range sc.links {
		if u, err := url.Parse(l); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			m[u.Hostname()] = true
		}
	}
	return m
}

// onclickTargets lists the absolute http(s) URLs that buttons open with
// onclick="location.href='…'" on the crawled pages.
func (sc *siteCrawl) onclickTargets() []string {
	var out []string
	for _, p := range sc.pages {
		base, _ := url.Parse(p.url)
		p.doc.Find("[onclick]").Each(func(_ int, b *goquery.Selection) {
			js, _ := b.Attr("onclick")
			m := onclickHref.FindStringSubmatch(js)
			if m == nil {
				return
			}
			if ref, err := base.Parse(m[1]); err == nil && (ref.Scheme == "http" || ref.Scheme == "https") {
				out = append(out, ref.String())
			}
		})
	}
	return out
}

var onclickHref = regexp.MustCompile(`location(?:\.href)?\s*=\s*['"]([^'"]+)['"]`)

var modalScript = regexp.MustCompile(`document\.getElementById\('(modal-form-\d+)'\)\.innerHTML = '((?:[^'\\]|\\.)*)';`)

// scriptView is what a browser shows of a page of a script-built site, put
// together from the same endpoints its scripts call (the page API, the
// header and footer partials, the forms written into modals), so that the
// features of these sites are checked as a citizen sees them.
func scriptView(tb testing.TB, c *http.Client, p *fetched) *fetched {
	tb.Helper()
	u, err := url.Parse(p.url)
	if err != nil {
		tb.Fatal(err)
	}
	body := p.body
	fetch := func(path string) string {
		r, err := get(tb, c, u.Scheme+"://"+u.Host+path)
		if err != nil || r.status != http.StatusOK {
			tb.Fatalf("script fetch %s: %v %v", path, err, r)
		}
		return r.body
	}
	// Only a page with an empty app root asks the API (a request the
	// fleet's log would count).
	if root := `<div id="app"></div>`; strings.Contains(body, root) {
		api := fetch("/api/page?path=" + url.QueryEscape(u.RequestURI()))
		body = strings.Replace(body, root, `<div id="app">`+api+`</div>`, 1)
	}
	for _, part := range []string{"header", "footer"} {
		if ph := `<` + part + ` id="` + part + `"></` + part + `>`; strings.Contains(body, ph) {
			body = strings.Replace(body, ph, fetch("/partials/"+part+".html"), 1)
		}
	}
	for _, m := range modalScript.FindAllStringSubmatch(body, -1) {
		form := strings.NewReplacer(`\\`, `\`, `\'`, `'`, `\n`, "\n", `\r`, "\r", `<\/`, "</").Replace(m[2])
		ph := `<div id="` + m[1] + `" class="modal" hidden>`
		body = strings.Replace(body, ph+`</div>`, ph+form+`</div>`, 1)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	v := *p
	v.body, v.doc = body, doc
	return &v
}
