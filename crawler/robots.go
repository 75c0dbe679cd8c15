package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/temoto/robotstxt"
	"golang.org/x/net/html/charset"
)

// maxRobotsBytes is what robots.txt parsers are expected to read (RFC 9309
// asks for at least 500 KiB).
const maxRobotsBytes = 512 << 10

// robotsRules is a host's robots.txt reduced to what the crawler asks of it.
type robotsRules struct {
	status   int
	data     *robotstxt.RobotsData // nil allows everything
	agent    string
	sitemaps []string
	// crawlDelay is the Crawl-delay of the group that applies to the
	// agent, uncapped; 0 when none.
	crawlDelay time.Duration
	fetched    time.Time
	// unanswered is the outcome of a robots.txt request the server did not
	// answer (timeout, refused, reset); "" when it answered. Such rules
	// allow everything for now and are not cached: the crawl asks again
	// once the homepage answers.
	unanswered egovbench.Outcome
}

// allowed reports whether the rules let the crawler fetch path?query.
func (r *robotsRules) allowed(pathQuery string) bool {
	return r == nil || r.data == nil || r.data.TestAgent(pathQuery, r.agent)
}

// parseRobots reads a robots.txt answer. A 4xx or an unparsable file
// allows everything (the file is broken, not a refusal); a 5xx disallows
// everything, as RFC 9309 asks, because the server may be protecting itself.
func parseRobots(status int, body []byte, agent string) *robotsRules {
	r := &robotsRules{status: status, agent: agent}
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil || data == nil {
		return r
	}
	r.data = data
	if g := data.FindGroup(agent); g != nil && g.CrawlDelay > 0 {
		r.crawlDelay = g.CrawlDelay
	}
	for _, s := range data.Sitemaps {
		if len(r.sitemaps) < 8 {
			r.sitemaps = append(r.sitemaps, strings.TrimSpace(s))
		}
	}
	return r
}

// robotsCache remembers robots.txt per origin across the crawls of one
// Crawler, so a national service linked by hundreds of sites is asked once.
type robotsCache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	rules map[string]*robotsRules
}

func newRobotsCache(maxEntries int, ttl time.Duration) *robotsCache {
	return &robotsCache{max: maxEntries, ttl: ttl, rules: make(map[string]*robotsRules)}
}

func (rc *robotsCache) get(origin string, now time.Time) (*robotsRules, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.rules[origin]
	if ok && now.Sub(r.fetched) > rc.ttl {
		delete(rc.rules, origin)
		return nil, false
	}
	return r, ok
}

func (rc *robotsCache) put(origin string, r *robotsRules) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.rules) >= rc.max {
		// Any victim will do: the cache only saves requests.
		for k := range rc.rules {
			delete(rc.rules, k)
			if len(rc.rules) < rc.max*3/4 {
				break
			}
		}
	}
	rc.rules[origin] = r
}

// robotsFor returns the rules for origin ("https://host[:port]"), fetching
// them once. Failures to fetch allow everything: the pages themselves will
// then tell what is wrong with the site.
func (c *Crawler) robotsFor(ctx context.Context, rt http.RoundTripper, origin string) *robotsRules {
	now := time.Now()
	if r, ok := c.robots.get(origin, now); ok {
		c.applyCrawlDelay(origin, r)
		return r
	}
	status, body, _, err := c.getRaw(ctx, rt, origin+"/robots.txt", maxRobotsBytes)
	r := &robotsRules{}
	if err == nil {
		r = parseRobots(status, body, c.agent)
	} else if o := classifyErr(err); retryable(o) && !notSent(err) {
		r.unanswered = o
	}
	r.fetched = now
	if ctx.Err() == nil && r.unanswered == "" {
		c.robots.put(origin, r)
	}
	c.applyCrawlDelay(origin, r)
	return r
}

// applyCrawlDelay makes the gate space requests to origin's host by its
// Crawl-delay, capped, for as long as the rules are cached. It is applied
// on every use of the rules, cached or not, so it holds for every crawl
// that reads them.
func (c *Crawler) applyCrawlDelay(origin string, r *robotsRules) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return
	}
	c.gate.setCrawlDelay(strings.ToLower(u.Hostname()), min(r.crawlDelay, c.cfg.MaxCrawlDelay), r.fetched.Add(c.robots.ttl))
}

// getRaw fetches a small auxiliary document (robots.txt, a sitemap) with
// the crawler's manners, following redirects within reason.
func (c *Crawler) getRaw(ctx context.Context, rt http.RoundTripper, rawURL string, limit int64) (status int, body []byte, final string, err error) {
	fi := &fetchInfo{limit: limit, anyType: true}
	req, err := http.NewRequestWithContext(withFetchInfo(ctx, fi), http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, nil, "", err
	}
	c.setHeaders(req.Header)
	req.Header.Set("Accept", "*/*")
	client := &http.Client{Transport: rt, CheckRedirect: redirectPolicy}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Request.URL.String(), err
}

// sitemapDoc is what one sitemap file lists.
type sitemapDoc struct {
	URLs     []string // page locations, at most the keep limit
	Count    int      // all <url> entries, kept or not
	Children []string // <sitemap> locations of a sitemap index
}

// maxSitemapBytes caps a sitemap after decompression; the protocol's own
// limit is 50 MB, far more than the crawl could ever use.
const maxSitemapBytes = 8 << 20

// parseSitemap reads a sitemap or sitemap index, keeping at most keep page
// URLs and 8 child sitemaps. It tolerates a wrong or missing namespace and
// stops quietly at the first syntax error, keeping what it read.
func parseSitemap(body []byte, keep int) (sitemapDoc, bool) {
	var doc sitemapDoc
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return doc, false
		}
		body, err = io.ReadAll(io.LimitReader(zr, maxSitemapBytes))
		if err != nil && len(body) == 0 {
			return doc, false
		}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	var (
		stack  []string
		inLoc  bool
		loc    strings.Builder
		isRoot bool
	)
	for {
		tok, err := d.Token()
		if err != nil {
			return doc, isRoot
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if len(stack) == 0 && (name == "urlset" || name == "sitemapindex") {
				isRoot = true
			}
			if len(stack) > 16 {
				return doc, isRoot
			}
			stack = append(stack, name)
			if name == "loc" {
				inLoc = true
				loc.Reset()
			}
		case xml.CharData:
			if inLoc && loc.Len() < 4*maxURLLen {
				loc.Write(t)
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if name == "loc" && inLoc && len(stack) >= 2 {
				inLoc = false
				v := strings.TrimSpace(loc.String())
				switch stack[len(stack)-2] {
				case "url":
					doc.Count++
					if len(doc.URLs) < keep && v != "" {
						doc.URLs = append(doc.URLs, v)
					}
				case "sitemap":
					if len(doc.Children) < 8 && v != "" {
						doc.Children = append(doc.Children, v)
					}
				}
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

// sitemapStatusOK reports whether a sitemap answer may hold a sitemap.
func sitemapStatusOK(status int) bool { return status == http.StatusOK }
