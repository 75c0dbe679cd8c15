package crawler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
)

// Crawler crawls and probes sites. It is safe for concurrent use: many
// goroutines may crawl different targets at once, and its per-host
// politeness holds across all of them.
type Crawler struct {
	cfg    Config
	agent  string // robots.txt product token
	gate   *hostGate
	dialer *dialer
	// probeRT opens a fresh connection for every probe, so its DNS,
	// connect and TLS timings are measured each time rather than hidden by
	// a connection the crawl left open.
	probeRT   *gatedTransport
	probeBase *http.Transport
	robots    *robotsCache
	checks    *checkCache
	// browser renders pages; nil when the render mode is never, or auto
	// found no browser (renderOff then says so).
	browser   *browser
	renderOff string
}

// New returns a Crawler for cfg with defaults filled in, or an error
// wrapping egovbench.ErrInvalid that names the bad field.
func New(cfg Config) (*Crawler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var private func(netip.Addr) bool
	if !cfg.AllowPrivate {
		private = Refused
	}
	c := newCrawler(cfg, private)
	if err := c.setupRender(); err != nil {
		return nil, err
	}
	return c, nil
}

// setupRender finds the browser the render mode needs. Without one, auto
// falls back to static reading (RenderFallback says why) and always fails.
func (c *Crawler) setupRender() error {
	if c.cfg.Render == RenderNever {
		return nil
	}
	path, err := findBrowser(c.cfg.BrowserPath)
	if err != nil {
		if c.cfg.Render == RenderAlways {
			return fmt.Errorf("--render always: %w", err)
		}
		c.renderOff = "no browser found, pages are read as static HTML only: " + err.Error()
		return nil
	}
	c.browser = newBrowser(path, c.cfg.RenderTabs)
	return nil
}

// RenderFallback is "" when the render mode is in effect, else why the
// crawl reads static HTML only although rendering was asked for.
func (c *Crawler) RenderFallback() string { return c.renderOff }

// newCrawler lets tests swap the address check: every test server is on
// loopback, and some must look public while others look private.
func newCrawler(cfg Config, private func(netip.Addr) bool) *Crawler {
	c := &Crawler{
		cfg:    cfg,
		agent:  agentName(cfg.UserAgent),
		gate:   newHostGate(cfg.Delay, cfg.PerHostConcurrency),
		dialer: &dialer{resolve: cfg.Resolve, resolveOnly: cfg.ResolveOnly, private: private, timeout: max(cfg.RequestTimeout, cfg.ProbeTimeout)},
		robots: newRobotsCache(4096, time.Hour),
		checks: newCheckCache(256, time.Hour),
	}
	c.probeRT, c.probeBase = c.newTransport()
	c.probeBase.DisableKeepAlives = true
	return c
}

// newTransport returns a gated transport on the Crawler's dialer and gate.
// Each crawl gets its own and closes it when done: connections to a site
// are useless once it is crawled, and thousands of sites' idle connections
// would otherwise linger until their idle timeout.
func (c *Crawler) newTransport() (*gatedTransport, *http.Transport) {
	base := newTransport(c.cfg, c.dialer)
	return &gatedTransport{
		base: base, gate: c.gate, maxRetryAfter: c.cfg.MaxRetryAfter,
		defaultLimit: c.cfg.MaxBytesPerPage, timeout: c.cfg.RequestTimeout,
	}, base
}

// Config returns the configuration in effect, defaults filled in, so a run
// can record what it crawled with. Now and RootCAs do not encode to JSON:
// leave them out when recording it.
func (c *Crawler) Config() Config { return c.cfg }

// NextRequest is the earliest time the next request to host may start,
// given that the caller's last request to it ended at after: the delay, or
// the host's robots.txt Crawl-delay (capped by MaxCrawlDelay), counted
// from after, or the end of a 429/503 Retry-After the host sent (capped by
// MaxRetryAfter), whichever is later. A crawl handed on to another machine
// (egovbench worker) waits until then before the next site of the host
// may start anywhere.
func (c *Crawler) NextRequest(host string, after time.Time) time.Time {
	return c.gate.nextStart(strings.ToLower(host), after)
}

// Close drops idle connections and stops the browser. The Crawler stays
// usable: a later render starts the browser again.
func (c *Crawler) Close() {
	c.probeBase.CloseIdleConnections()
	if c.browser != nil {
		c.browser.close()
	}
}

// redirectPolicy records the chain in the request's fetchInfo, stops
// loops, and does not follow a redirect out of the fetch's scope.
func redirectPolicy(req *http.Request, via []*http.Request) error {
	fi := fetchInfoFrom(req.Context())
	if fi == nil {
		fi = &fetchInfo{}
	}
	if len(fi.chain) == 0 && len(via) > 0 {
		fi.chain = append(fi.chain, via[0].URL.String())
	}
	fi.chain = append(fi.chain, req.URL.String())
	if len(via) >= maxRedirects {
		return fmt.Errorf("%d redirects: %w", len(via), errRedirectLoop)
	}
	// A site may bounce once to itself to set a cookie; the third visit of
	// one URL is a loop.
	seen := 0
	for _, v := range via {
		if sameURL(v.URL, req.URL) {
			seen++
		}
	}
	if seen >= 2 {
		return fmt.Errorf("revisits %s: %w", req.URL.Redacted(), errRedirectLoop)
	}
	if fi.scope != "" && !inScope(req.URL.Hostname(), fi.scope) {
		fi.offScope = req.URL.String()
		return http.ErrUseLastResponse
	}
	return nil
}

func sameURL(a, b *url.URL) bool {
	return strings.EqualFold(a.Host, b.Host) && a.Scheme == b.Scheme && a.Path == b.Path && a.RawQuery == b.RawQuery
}

// hashHex is the content address of a body.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// phaseTimer collects httptrace phases; the transport may call it from
// its dialing goroutines, hence the lock. TTFB and the total run from
// start but leave out the time the fetch waited at the host gate (fi):
// a site that answers in 1 ms is not slow because our politeness delay,
// or a crawl of the same host, held the request back.
type phaseTimer struct {
	mu                   sync.Mutex
	start                time.Time
	fi                   *fetchInfo
	dnsStart, connStart  time.Time
	tlsStart             time.Time
	dns, connect, tlsDur time.Duration
	ttfb                 time.Duration
}

func (p *phaseTimer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { p.mu.Lock(); p.dnsStart = time.Now(); p.mu.Unlock() },
		DNSDone: func(httptrace.DNSDoneInfo) {
			p.mu.Lock()
			if !p.dnsStart.IsZero() {
				p.dns += time.Since(p.dnsStart)
			}
			p.mu.Unlock()
		},
		ConnectStart: func(string, string) { p.mu.Lock(); p.connStart = time.Now(); p.mu.Unlock() },
		ConnectDone: func(_, _ string, err error) {
			p.mu.Lock()
			if !p.connStart.IsZero() {
				p.connect += time.Since(p.connStart)
			}
			p.mu.Unlock()
		},
		TLSHandshakeStart: func() { p.mu.Lock(); p.tlsStart = time.Now(); p.mu.Unlock() },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			p.mu.Lock()
			if !p.tlsStart.IsZero() {
				p.tlsDur += time.Since(p.tlsStart)
			}
			p.mu.Unlock()
		},
		GotFirstResponseByte: func() { p.mu.Lock(); p.ttfb = p.elapsed(); p.mu.Unlock() },
	}
}

// elapsed is the time since start spent on the network, gate waits excluded.
func (p *phaseTimer) elapsed() time.Duration {
	d := time.Since(p.start)
	if p.fi != nil {
		d -= time.Duration(p.fi.waited.Load())
	}
	return max(d, 0)
}

// Probe checks the target's home URL once: outcome, status, timings by
// phase, bytes, final URL, TLS validity and expiry, whether http:// goes to
// https://, and HSTS. It does not consult robots.txt: it is one request, as
// any uptime monitor makes. It never returns an error; failures are outcomes.
func (c *Crawler) Probe(ctx context.Context, t egovbench.Target) egovbench.Probe {
	// The request timeout bounds silences, not a body that keeps coming;
	// the site timeout bounds the whole probe, as it bounds a crawl.
	ctx, cancel := context.WithTimeout(ctx, c.cfg.SiteTimeout)
	defer cancel()
	p, _ := c.probe(ctx, t, c.cfg.ProbeTimeout)
	return p
}

// homeResult is what a probe fetched, for Crawl to keep as the homepage.
type homeResult struct {
	page   *egovbench.Page
	facts  *pageFacts
	chain  []string
	header http.Header
	retry  time.Duration
}

func (c *Crawler) probe(ctx context.Context, t egovbench.Target, timeout time.Duration) (p egovbench.Probe, home homeResult) {
	defer func() {
		if r := recover(); r != nil {
			// A parser bug must cost one probe, not the run.
			p.Outcome, p.Error = egovbench.OutcomeError, fmt.Sprintf("internal error: %v", r)
		}
	}()
	p = egovbench.Probe{TargetID: t.ID, At: c.cfg.Now().UTC(), URL: t.URL}
	u, err := normalizeURL(nil, t.URL)
	if err != nil || !u.IsAbs() {
		p.Outcome, p.Error = egovbench.OutcomeError, "invalid target url"
		return p, home
	}
	fi := &fetchInfo{limit: c.cfg.MaxBytesPerPage, timeout: timeout}
	pt := &phaseTimer{start: time.Now(), fi: fi}
	rctx := httptrace.WithClientTrace(withFetchInfo(ctx, fi), pt.trace())
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		p.Outcome, p.Error = egovbench.OutcomeError, "invalid target url"
		return p, home
	}
	c.setHeaders(req.Header)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Transport: c.probeRT, CheckRedirect: redirectPolicy, Jar: jar}
	resp, err := client.Do(req)
	finish := func() {
		pt.mu.Lock()
		p.DNS, p.Connect, p.TLS, p.TTFB = pt.dns, pt.connect, pt.tlsDur, pt.ttfb
		pt.mu.Unlock()
		p.Total = pt.elapsed()
		p.Bytes = fi.read
	}
	home.chain = fi.chain
	if err != nil {
		finish()
		p.Outcome, p.Error = classifyErr(err), errText(err)
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
			p.TLSExpiry = cve.UnverifiedCertificates[0].NotAfter.UTC()
		}
		if n := len(fi.chain); n > 0 {
			p.FinalURL = fi.chain[n-1]
		}
		return p, home
	}
	raw, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	finish()
	if cap(raw) > len(raw)+len(raw)/8 {
		raw = bytes.Clone(raw) // the homepage outlives the probe; drop ReadAll's slack
	}
	p.HTTPStatus = resp.StatusCode
	p.FinalURL = resp.Request.URL.String()
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		p.TLSValid = true
		p.TLSExpiry = resp.TLS.PeerCertificates[0].NotAfter.UTC()
		p.HSTS = resp.Header.Get("Strict-Transport-Security") != ""
	}
	page, facts := c.buildPage(u.String(), resp.Request.URL, 0, true, resp.StatusCode, resp.Header, raw, fi, p.At)
	if rerr != nil {
		page.Outcome, page.Error = classifyErr(rerr), errText(rerr)
	}
	p.Outcome, p.Error = page.Outcome, page.Error
	home.page, home.facts, home.header, home.retry = &page, facts, resp.Header, fi.retryAfter
	if u.Scheme == "http" {
		p.HTTPSRedirect = resp.Request.URL.Scheme == "https"
	} else {
		p.HTTPSRedirect = c.httpRedirectsToHTTPS(ctx, u)
	}
	return p, home
}

// httpRedirectsToHTTPS asks the http:// form of an https URL whether it
// sends visitors to https://.
func (c *Crawler) httpRedirectsToHTTPS(ctx context.Context, u *url.URL) bool {
	hu := *u
	hu.Scheme = "http"
	fi := &fetchInfo{limit: sniffBytes}
	req, err := http.NewRequestWithContext(withFetchInfo(ctx, fi), http.MethodGet, hu.String(), nil)
	if err != nil {
		return false
	}
	c.setHeaders(req.Header)
	client := &http.Client{Transport: c.probeRT, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return false
	}
	loc, err := resp.Location()
	return err == nil && loc.Scheme == "https"
}

func (c *Crawler) setHeaders(h http.Header) {
	h.Set("User-Agent", c.cfg.UserAgent)
	h.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	h.Set("Accept-Language", "id,en;q=0.8")
}

// errText is an error message short enough to store, without the URL
// wrapper noise net/http adds.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return clip(err.Error(), 300)
}

// buildPage turns a response into a Page: it decodes HTML to UTF-8, spots
// lies about the content type, notices and challenges, and hashes the body.
// It returns the page's facts when the page is HTML.
func (c *Crawler) buildPage(reqURL string, final *url.URL, depth int, wantPage bool, status int,
	h http.Header, raw []byte, fi *fetchInfo, at time.Time) (egovbench.Page, *pageFacts) {
	page := egovbench.Page{
		URL: reqURL, FinalURL: final.String(), Depth: depth, Status: status,
		ContentType: fi.contentType, FetchedAt: at, Truncated: fi.truncated,
	}
	if fi.offScope != "" {
		// A redirect out of the site: recorded, not followed.
		page.FinalURL = fi.offScope
		page.Outcome = classifyStatus(status, h, nil)
		return page, nil
	}
	mt := mediaType(fi.contentType)
	sniffed := mediaType(http.DetectContentType(raw))
	if fi.sniffOnly {
		if sniffed == "text/html" && mt != "text/xml" && mt != "application/xml" {
			page.Outcome = egovbench.OutcomeInvalidContent
			page.Error = fmt.Sprintf("served as %s but the body is HTML", mt)
			return page, nil
		}
		page.Outcome = classifyStatus(status, h, nil)
		if wantPage && page.Outcome == egovbench.OutcomeOK {
			page.Outcome = egovbench.OutcomeInvalidContent
			page.Error = fmt.Sprintf("not a web page: %s", mt)
		}
		return page, nil
	}
	if len(raw) > 0 && looksBinary(raw) {
		page.Outcome = egovbench.OutcomeInvalidContent
		page.Error = fmt.Sprintf("binary body served as %q", mt)
		return page, nil
	}
	isHTML := mt == "text/html" || mt == "application/xhtml+xml" ||
		((mt == "" || mt == "text/plain") && sniffed == "text/html")
	if !isHTML {
		page.Body = raw
		if raw != nil {
			page.Hash = hashHex(raw)
		}
		page.Outcome = classifyStatus(status, h, nil)
		if wantPage && page.Outcome == egovbench.OutcomeOK {
			page.Outcome = egovbench.OutcomeInvalidContent
			page.Error = fmt.Sprintf("not a web page: %s", sniffed)
		}
		return page, nil
	}
	body := decodeHTML(raw, fi.contentType)
	facts := extract(final, body)
	page.Body = body
	page.Hash = hashHex(body)
	page.Outcome = classifyStatus(status, h, &facts)
	if page.Outcome == egovbench.OutcomeOK && fi.truncated {
		page.Outcome = egovbench.OutcomeTooLarge
	}
	return page, &facts
}
