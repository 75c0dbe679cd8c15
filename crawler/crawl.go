package crawler

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/htmlfacts"
	"github.com/gocolly/colly/v2"
)

// Per-site bounds that keep a hostile site from growing the crawl's memory.
const (
	maxPerTemplate   = 5    // URLs of one shape (calendar, pager, id list)
	maxExternalLinks = 2000 // external links recorded per site
	maxFrontier      = 5000 // URLs waiting per site
	maxSitemapKeep   = 500  // sitemap URLs considered per site
	maxSitemapDocs   = 3    // sitemap files fetched per site
)

// item is a URL waiting in a site's frontier.
type item struct {
	u       *url.URL
	text    string
	depth   int
	score   int
	seq     int
	check   bool // a service link off the site: fetch once, small, no links
	retried bool
}

// frontier orders waiting URLs: likely evidence first, then shallow, then
// in discovery order.
type frontier []*item

func (f frontier) Len() int { return len(f) }
func (f frontier) Less(i, j int) bool {
	if f[i].score != f[j].score {
		return f[i].score > f[j].score
	}
	if f[i].depth != f[j].depth {
		return f[i].depth < f[j].depth
	}
	return f[i].seq < f[j].seq
}
func (f frontier) Swap(i, j int) { f[i], f[j] = f[j], f[i] }
func (f *frontier) Push(x any)   { *f = append(*f, x.(*item)) }
func (f *frontier) Pop() any {
	old := *f
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*f = old[:len(old)-1]
	return it
}

// site is the state of one crawl; it lives on the goroutine that called Crawl.
type site struct {
	c         *Crawler
	rt        *gatedTransport // this crawl's own connections
	snap      *egovbench.Snapshot
	scope     string
	queue     frontier
	seen      map[string]bool // dedup key: host + path + query, scheme-blind
	templates map[string]int
	external  map[string]bool
	checks    int
	maxChecks int
	bytes     int64
	seq       int
	col       *colly.Collector
	cur       *fetchResult
	onPage    PageFunc
}

// fetchResult is what colly's callbacks report for the one fetch in flight.
type fetchResult struct {
	status int
	header http.Header
	body   []byte
	final  *url.URL
	err    error
}

func dedupKey(u *url.URL) string {
	return u.Host + u.EscapedPath() + "?" + u.RawQuery
}

// Crawl probes the target's home URL and crawls its site within the
// budgets of the Config. It never panics and never returns an error: every
// fault is an outcome in the snapshot's probe or pages.
func (c *Crawler) Crawl(ctx context.Context, t egovbench.Target) egovbench.Snapshot {
	return c.CrawlEach(ctx, t, nil)
}

// PageFunc sees each page as a crawl adds it, with the HTML pass the
// crawler made of it: htmlfacts.Extract of the page's body at its final
// URL, or nil when the page is not HTML or is a service check. It runs on
// the crawling goroutine, between fetches; the page is final and must not
// be changed.
type PageFunc func(snap *egovbench.Snapshot, page int, facts *htmlfacts.Facts)

// CrawlEach is Crawl calling fn (when not nil) for each page as it is added
// to the snapshot, so that a caller can read the page from the crawler's own
// pass and let it go, instead of parsing every body again at the end.
func (c *Crawler) CrawlEach(ctx context.Context, t egovbench.Target, fn PageFunc) (snap egovbench.Snapshot) {
	snap = egovbench.Snapshot{TargetID: t.ID, StartedAt: c.cfg.Now().UTC(), SitemapURLs: -1}
	defer func() {
		if r := recover(); r != nil {
			// A bug met on one hostile page must cost that site, not the run.
			if snap.Probe.Outcome == "" {
				snap.Probe = egovbench.Probe{TargetID: t.ID, At: snap.StartedAt, URL: t.URL, Outcome: egovbench.OutcomeError}
			}
			snap.Probe.Error = strings.TrimSpace(snap.Probe.Error + fmt.Sprintf(" internal error: %v", r))
		}
		snap.FinishedAt = c.cfg.Now().UTC()
	}()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.SiteTimeout)
	defer cancel()
	defer func() {
		if snap.Stopped == "" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			snap.Stopped = "time"
		}
	}()

	rt, base := c.newTransport()
	defer base.CloseIdleConnections()
	s := &site{
		c: c, snap: &snap, rt: rt, onPage: fn,
		seen: make(map[string]bool), templates: make(map[string]int), external: make(map[string]bool),
		maxChecks: max(1, min(8, c.cfg.MaxPages/4)),
	}
	home, err := normalizeURL(nil, t.URL)
	if err != nil {
		snap.Probe = egovbench.Probe{TargetID: t.ID, At: snap.StartedAt, URL: t.URL,
			Outcome: egovbench.OutcomeError, Error: "invalid target url"}
		return snap
	}
	s.scope = registrable(home.Hostname())

	var rules *robotsRules
	if !c.cfg.IgnoreRobots {
		rules = c.robotsFor(ctx, rt, origin(home))
		snap.RobotsStatus = rules.status
		// A 5xx robots.txt disallows crawling for now (RFC 9309), but a
		// server failing everywhere is down, not refusing us: the probe
		// still tells which, and nothing past the homepage is fetched.
		if !rules.allowed(pathQuery(home)) && rules.status < 500 {
			snap.Probe = egovbench.Probe{TargetID: t.ID, At: c.cfg.Now().UTC(), URL: t.URL,
				Outcome: egovbench.OutcomeBlocked, Error: "robots.txt disallows the home URL"}
			return snap
		}
	}

	probe, hr := c.probeHome(ctx, t, rules != nil && rules.unanswered != "")
	if rules != nil && rules.unanswered != "" && !retryable(probe.Outcome) {
		// robots.txt went unanswered but the server answers now: ask for
		// it again before going past the homepage.
		rules = c.robotsFor(ctx, rt, origin(home))
		snap.RobotsStatus = rules.status
		if !rules.allowed(pathQuery(home)) && rules.status < 500 {
			snap.Probe = egovbench.Probe{TargetID: t.ID, At: c.cfg.Now().UTC(), URL: t.URL,
				Outcome: egovbench.OutcomeBlocked, Error: "robots.txt disallows the home URL"}
			return snap
		}
	}
	if probe.Outcome == egovbench.OutcomeBlocked && hr.retry > 0 && hr.retry <= c.cfg.MaxRetryAfter {
		// Too many requests: ask once more, when the server said to.
		c.gate.holdOff(strings.ToLower(home.Hostname()), time.Now().Add(hr.retry))
		probe, hr = c.probe(ctx, t, c.cfg.RequestTimeout)
	}
	snap.Probe = probe
	if len(hr.chain) > 1 {
		snap.Redirects = hr.chain
	}
	if hr.page == nil {
		return snap
	}
	s.maybeRender(ctx, hr.page, &hr.facts)
	s.addPage(*hr.page, hr.facts)
	final, err := url.Parse(hr.page.FinalURL)
	if err != nil || !inScope(final.Hostname(), s.scope) {
		// The site moved elsewhere: the chain says where; not ours to crawl.
		return snap
	}
	if rules != nil && final.Host != home.Host {
		rules = c.robotsFor(ctx, rt, origin(final))
		snap.RobotsStatus = rules.status
	}
	if rules != nil && !rules.allowed(pathQuery(final)) {
		return snap
	}
	s.seen[dedupKey(home)] = true
	s.seen[dedupKey(final)] = true
	if hr.facts != nil && (hr.page.Outcome == egovbench.OutcomeOK || hr.page.Outcome == egovbench.OutcomeTooLarge) {
		s.addLinks(final, hr.facts.Links, 0)
	} else {
		return snap
	}

	s.readSitemaps(ctx, final, rules)

	s.col = s.newCollector(ctx)
	s.run(ctx)
	return snap
}

// retryable reports whether an outcome may be a passing fault of the
// network or the server (a stall, a refusal, a reset) rather than an answer.
func retryable(o egovbench.Outcome) bool {
	return o == egovbench.OutcomeTimeout || o == egovbench.OutcomeConnectionRefused
}

// probeHome probes the home URL, asking again (HomeRetries times at most,
// after RetryBackoff, doubling) while the server does not answer: one stall,
// refusal or reset must not make a site "unreachable" for a whole run.
// missedOnce says the server already left a request unanswered this crawl
// (robots.txt): that counts as the first attempt, so a hung site costs
// about two request timeouts, not three.
func (c *Crawler) probeHome(ctx context.Context, t egovbench.Target, missedOnce bool) (egovbench.Probe, homeResult) {
	tries := 0
	if missedOnce {
		tries = 1
	}
	for {
		if tries > 0 {
			wait := c.cfg.RetryBackoff << min(tries-1, 6)
			tm := time.NewTimer(wait)
			select {
			case <-tm.C:
			case <-ctx.Done():
				tm.Stop()
			}
		}
		p, hr := c.probe(ctx, t, c.cfg.RequestTimeout)
		tries++
		if !retryable(p.Outcome) || tries > c.cfg.HomeRetries || ctx.Err() != nil {
			return p, hr
		}
	}
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

func pathQuery(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + u.RawQuery
}

func (s *site) addPage(p egovbench.Page, f *pageFacts) {
	s.snap.Pages = append(s.snap.Pages, p)
	if s.onPage != nil {
		var hf *htmlfacts.Facts
		if f != nil {
			hf = f.HTML
		}
		s.onPage(s.snap, len(s.snap.Pages)-1, hf)
	}
	s.bytes += int64(len(p.Body))
}

// addLinks queues in-scope links and records the others, queueing for a
// check those that advertise a service.
func (s *site) addLinks(from *url.URL, links []rawLink, depth int) {
	fromS := from.String()
	for _, l := range links {
		u := l.URL
		if !inScope(u.Hostname(), s.scope) {
			to := u.String()
			if !s.external[to] && len(s.external) < maxExternalLinks {
				s.external[to] = true
				s.snap.Links = append(s.snap.Links, egovbench.Link{
					FromURL: fromS, ToURL: to, Domain: strings.ToLower(u.Hostname()), Text: l.Text,
				})
			}
			if s.checks < s.maxChecks && checkWorthy(l.Text, to) && trapReason(u) == "" {
				k := dedupKey(u)
				if !s.seen[k] {
					s.seen[k] = true
					s.checks++
					s.push(&item{u: u, text: l.Text, depth: depth + 1, score: serviceScore(l.Text, to), check: true})
				}
			}
			continue
		}
		if depth+1 > s.c.cfg.MaxDepth {
			continue
		}
		s.consider(u, l.Text, depth+1)
	}
}

// consider queues an in-scope URL unless it was seen, looks like a trap, or
// its shape has been queued often enough.
func (s *site) consider(u *url.URL, text string, depth int) {
	k := dedupKey(u)
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	if trapReason(u) != "" || len(s.queue) >= maxFrontier {
		return
	}
	tp := template(u)
	if s.templates[tp] >= maxPerTemplate {
		return
	}
	s.templates[tp]++
	s.push(&item{u: u, text: text, depth: depth, score: serviceScore(text, u.Path+"?"+u.RawQuery)})
}

func (s *site) push(it *item) {
	s.seq++
	it.seq = s.seq
	heap.Push(&s.queue, it)
}

// readSitemaps counts the URLs the site's sitemaps list and queues the
// in-scope ones at depth 1.
func (s *site) readSitemaps(ctx context.Context, home *url.URL, rules *robotsRules) {
	var todo []string
	if rules != nil {
		for _, sm := range rules.sitemaps {
			if u, err := normalizeURL(home, sm); err == nil && inScope(u.Hostname(), s.scope) {
				todo = append(todo, u.String())
			}
		}
	}
	if len(todo) == 0 {
		todo = append(todo, origin(home)+"/sitemap.xml")
	}
	found := false
	total := 0
	for i := 0; i < len(todo) && i < maxSitemapDocs && ctx.Err() == nil; i++ {
		status, body, _, err := s.c.getRaw(ctx, s.rt, todo[i], maxSitemapBytes)
		if err != nil || !sitemapStatusOK(status) {
			continue
		}
		s.bytes += int64(len(body))
		doc, ok := parseSitemap(body, maxSitemapKeep)
		if !ok {
			continue
		}
		found = true
		total += doc.Count
		for _, ch := range doc.Children {
			if u, err := normalizeURL(home, ch); err == nil && inScope(u.Hostname(), s.scope) && len(todo) < 16 {
				todo = append(todo, u.String())
			}
		}
		for _, raw := range doc.URLs {
			if u, err := normalizeURL(home, raw); err == nil && inScope(u.Hostname(), s.scope) && s.c.cfg.MaxDepth >= 1 {
				s.consider(u, "", 1)
			}
		}
	}
	if found {
		s.snap.SitemapURLs = total
	}
}

// newCollector sets up the site's colly collector on the Crawler's shared
// transport. Fields are set after construction so COLLY_* environment
// variables cannot loosen the crawler's rules. Bodies are capped by the
// transport rather than colly's MaxBodySize, which cuts silently; robots.txt
// is ours too (one cache for all sites, and tested rules).
func (s *site) newCollector(ctx context.Context) *colly.Collector {
	col := colly.NewCollector(colly.StdlibContext(ctx))
	col.UserAgent = s.c.cfg.UserAgent
	col.MaxDepth = 0
	col.MaxRequests = 0
	col.MaxBodySize = 0 // the transport caps bodies and knows when it did
	col.AllowURLRevisit = true
	col.IgnoreRobotsTxt = true // robots.txt is ours: shared cache, tested rules
	col.ParseHTTPErrorResponse = true
	col.DetectCharset = false
	col.CacheDir = ""
	col.AllowedDomains, col.DisallowedDomains = nil, nil
	col.URLFilters, col.DisallowedURLFilters = nil, nil
	col.Async = false
	jar, _ := cookiejar.New(nil)
	col.SetClient(&http.Client{Transport: s.rt, Jar: jar})
	col.SetRedirectHandler(redirectPolicy)
	col.OnRequest(func(r *colly.Request) {
		r.Headers.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
		r.Headers.Set("Accept-Language", "id,en;q=0.8")
	})
	col.OnResponse(func(r *colly.Response) {
		s.cur.status = r.StatusCode
		if r.Headers != nil {
			s.cur.header = *r.Headers
		}
		s.cur.body = r.Body
		s.cur.final = r.Request.URL
	})
	col.OnError(func(r *colly.Response, err error) {
		if s.cur.err == nil {
			s.cur.err = err
		}
	})
	return col
}

// run fetches from the frontier until it is empty or a budget is spent.
func (s *site) run(ctx context.Context) {
	cfg := s.c.cfg
	for s.queue.Len() > 0 {
		switch {
		case ctx.Err() != nil:
			s.snap.Stopped = "time"
			return
		case len(s.snap.Pages) >= cfg.MaxPages:
			s.snap.Stopped = "pages"
			return
		case s.bytes >= cfg.MaxBytesPerSite:
			s.snap.Stopped = "bytes"
			return
		}
		it := heap.Pop(&s.queue).(*item)
		if !cfg.IgnoreRobots && !s.c.robotsFor(ctx, s.rt, origin(it.u)).allowed(pathQuery(it.u)) {
			continue
		}
		if it.check {
			s.check(ctx, it)
			continue
		}
		page, facts, retry, sent := s.fetch(ctx, it)
		if !sent {
			// Never asked (the site's time ran out waiting for the host).
			continue
		}
		if retry > 0 && !it.retried && retry <= cfg.MaxRetryAfter && ctx.Err() == nil {
			// Asked to come back later: the gate already holds the host
			// until then, so queueing the URL again honours the request.
			it.retried = true
			heap.Push(&s.queue, it)
			continue
		}
		s.maybeRender(ctx, &page, &facts)
		s.addPage(page, facts)
		if page.FinalURL != page.URL {
			if fu, err := url.Parse(page.FinalURL); err == nil && !inScope(fu.Hostname(), s.scope) {
				s.addLinks(it.u, []rawLink{{URL: fu, Text: "(redirect)"}}, it.depth)
			}
		}
		if facts == nil {
			continue
		}
		if page.Outcome != egovbench.OutcomeOK && page.Outcome != egovbench.OutcomeTooLarge {
			continue
		}
		final, err := url.Parse(page.FinalURL)
		if err != nil || !inScope(final.Hostname(), s.scope) {
			continue
		}
		s.seen[dedupKey(final)] = true
		s.addLinks(final, facts.Links, it.depth)
	}
}

// maxCheckWait bounds how long a site waits for its turn at a service
// host shared with other sites; past it the link goes unchecked rather
// than holding the site's crawl hostage to politeness elsewhere.
const maxCheckWait = 10 * time.Second

// check fetches a service link once per Crawler and records the answer.
func (s *site) check(ctx context.Context, it *item) {
	page, ok := s.c.checks.do(ctx, it.u.String(), func() (egovbench.Page, bool) {
		cctx, cancel := context.WithTimeout(ctx, maxCheckWait+s.c.cfg.RequestTimeout)
		defer cancel()
		page, _, _, sent := s.fetch(cctx, it)
		return page, sent
	})
	if !ok {
		return
	}
	page.Depth = it.depth
	page.Check = true
	s.addPage(page, nil)
}

// fetch gets one URL through colly and builds its page. sent is false
// when the request never left because ctx ended while waiting for the host.
func (s *site) fetch(ctx context.Context, it *item) (page egovbench.Page, facts *pageFacts, retry time.Duration, sent bool) {
	limit := min(s.c.cfg.MaxBytesPerPage, max(s.c.cfg.MaxBytesPerSite-s.bytes, 1))
	scope := s.scope
	if it.check {
		limit = min(limit, checkPageBytes)
		scope = ""
	}
	fi := &fetchInfo{limit: limit, scope: scope, holdOff: true}
	s.cur = &fetchResult{}
	// What colly.StdlibContext sets, per fetch: the site runs one fetch at a
	// time on this goroutine, and the context carries the fetch's cap, scope
	// and the facts colly does not return (TLS state, truncation).
	s.col.Context = withFetchInfo(ctx, fi)
	at := s.c.cfg.Now().UTC()
	reqURL := it.u.String()
	if err := s.col.Visit(reqURL); err != nil && s.cur.err == nil {
		s.cur.err = err
	}
	res := s.cur
	s.cur = nil
	if res.status == 0 || (res.err != nil && res.body == nil) {
		err := res.err
		if err == nil {
			err = errors.New("no response")
		}
		if notSent(err) {
			return egovbench.Page{}, nil, 0, false
		}
		p := egovbench.Page{URL: reqURL, FinalURL: reqURL, Depth: it.depth, Check: it.check,
			FetchedAt: at, Outcome: classifyErr(err), Error: errText(err)}
		if n := len(fi.chain); n > 0 {
			p.FinalURL = fi.chain[n-1]
		}
		return p, nil, 0, true
	}
	if cap(res.body) > len(res.body)+len(res.body)/8 {
		// colly's io.ReadAll leaves up to twice the bytes in capacity; the
		// body lives as long as the snapshot, so keep only what it holds.
		res.body = bytes.Clone(res.body)
	}
	final := res.final
	if final == nil {
		final = it.u
	}
	page, facts = s.c.buildPage(reqURL, final, it.depth, it.check, res.status, res.header, res.body, fi, at)
	page.Check = it.check
	if page.Outcome == egovbench.OutcomeBlocked || page.Outcome == egovbench.OutcomeMaintenance {
		retry = fi.retryAfter
	}
	return page, facts, retry, true
}
