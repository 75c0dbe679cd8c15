package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/egovbench/egovbench"
)

// Render budgets. A rendered page may not cost much more than the static
// one: its own scripts and data, not a second crawl.
const (
	// maxRenderRequests bounds the requests one rendered page may make.
	maxRenderRequests = 64
	// renderQuiet is how long a page must make no request, after its load
	// event, to count as settled.
	renderQuiet = 200 * time.Millisecond
	// renderReadReserve is kept from the page's time to read its DOM.
	renderReadReserve = 2 * time.Second
)

// quietScript runs before any script of a rendered page: dialogs and new
// windows would block or escape the tab, so they do nothing. It also keeps
// count, inside the page, of the requests its scripts have under way and of
// when its DOM last changed: a request a script starts is counted at once,
// where its interception event may reach the crawler late on a busy machine.
const quietScript = `(() => {
  const none = () => undefined;
  window.alert = none; window.print = none;
  window.confirm = () => false; window.prompt = () => null; window.open = () => null;
  const st = {pending: 0, last: Date.now()};
  Object.defineProperty(window, '__egovbench', {value: st});
  const begin = () => { st.pending++; st.last = Date.now(); };
  const end = () => { st.pending--; st.last = Date.now(); };
  const f = window.fetch;
  if (f) window.fetch = function () { begin(); const p = f.apply(this, arguments); p.then(end, end); return p; };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () { begin(); this.addEventListener('loadend', end); return send.apply(this, arguments); };
  new MutationObserver(() => { st.last = Date.now(); }).observe(document, {subtree: true, childList: true, characterData: true});
})();`

// settledExpr tells whether the tab holds the page asked for (not the
// blank page a new tab starts with), loaded, with no request of its
// scripts under way and its DOM left alone for renderQuiet.
var settledExpr = fmt.Sprintf(`(() => { const s = window.__egovbench;
  return location.protocol.startsWith('http') && document.readyState === 'complete' && !!s &&
    s.pending <= 0 && Date.now() - s.last >= %d; })()`, renderQuiet.Milliseconds())

// renderStats counts what the browser asked for while rendering one page.
type renderStats struct {
	requests atomic.Int64 // requests the page made (the document excluded)
	fetched  atomic.Int64 // answered by fetching through the crawler
	blocked  atomic.Int64 // refused: type, robots.txt, tracker, method, budget, address
	bytes    atomic.Int64 // body bytes fetched for the page
}

// subAnswer is the crawler's answer to one request of the browser: a
// response, or a reason to fail it.
type subAnswer struct {
	status int
	header http.Header
	body   []byte
	fail   network.ErrorReason
}

// renderJob is one page to open in the browser.
type renderJob struct {
	url     string // the page's final URL
	doc     []byte // its static HTML (UTF-8), served as the document
	timeout time.Duration
	maxHTML int64 // the rendered DOM may be at most this long
	// answer fetches a subresource under the crawler's rules.
	answer func(ctx context.Context, req *network.Request, kind network.ResourceType) subAnswer
	stats  *renderStats
}

// errRenderSize marks a rendered DOM over the page byte cap.
var errRenderSize = errors.New("rendered page over the byte cap")

// render opens job.url in a fresh tab, serves the static HTML as the
// document and answers every other request through job.answer, waits for
// the page to settle, and returns the DOM as HTML. At the deadline the tab
// is closed whatever the page is doing (a script loop, endless requests, a
// huge DOM): the page costs its time budget and no more.
func (b *browser) render(ctx context.Context, job renderJob) ([]byte, error) {
	deadline := time.Now().Add(job.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	t, err := b.getTab(ctx)
	if err != nil {
		return nil, err
	}
	kill := t.close
	timer := time.AfterFunc(time.Until(deadline), kill)
	stop := context.AfterFunc(ctx, kill)
	defer func() {
		timer.Stop()
		stop()
		b.putTab(t)
	}()
	tab := t.ctx
	settleBy := deadline.Add(-min(renderReadReserve, job.timeout/4))
	runCtx, cancel := context.WithDeadline(tab, settleBy)
	defer cancel()

	var (
		inflight  atomic.Int64
		lastReq   atomic.Int64 // unix nanos of the last request start or end
		mainFrame atomic.Pointer[cdp.FrameID]
	)
	touch := func() { lastReq.Store(time.Now().UnixNano()) }
	touch()
	reply := func(id fetch.RequestID, a subAnswer) {
		if a.fail != "" {
			_, _ = chromedp.Call(runCtx, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: a.fail})
			return
		}
		var hs []*fetch.HeaderEntry
		for k, vs := range a.header {
			switch http.CanonicalHeaderKey(k) {
			case "Content-Encoding", "Content-Length", "Transfer-Encoding", "Connection", "Set-Cookie", "Keep-Alive":
				continue // the body is already decoded; no state is kept
			}
			for _, v := range vs {
				hs = append(hs, &fetch.HeaderEntry{Name: k, Value: v})
			}
		}
		_, _ = chromedp.Call(runCtx, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID: id, ResponseCode: int64(a.status), ResponseHeaders: hs, Body: a.body,
		})
	}
	handle := func(ev *fetch.EventRequestPaused) {
		defer func() { inflight.Add(-1); touch() }()
		if ev.ResourceType == network.ResourceTypeDocument {
			switch {
			case mainFrame.CompareAndSwap(nil, &ev.FrameID):
				reply(ev.RequestID, subAnswer{status: http.StatusOK,
					header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: job.doc})
			case *mainFrame.Load() == ev.FrameID:
				// The page navigating away (script, meta refresh, form):
				// 204 No Content cancels a navigation and leaves the page
				// read the one asked for.
				job.stats.blocked.Add(1)
				reply(ev.RequestID, subAnswer{status: http.StatusNoContent})
			default:
				job.stats.blocked.Add(1)
				reply(ev.RequestID, subAnswer{fail: network.ErrorReasonBlockedByClient})
			}
			return
		}
		job.stats.requests.Add(1)
		if ev.ResourceType == network.ResourceTypePreflight {
			reply(ev.RequestID, preflight(ev.Request))
			return
		}
		a := job.answer(runCtx, ev.Request, ev.ResourceType)
		if a.fail != "" {
			job.stats.blocked.Add(1)
		} else {
			job.stats.fetched.Add(1)
		}
		reply(ev.RequestID, a)
	}
	err = chromedp.Listen(runCtx, func(ev any) {
		switch e := ev.(type) {
		case *fetch.EventRequestPaused:
			inflight.Add(1)
			touch()
			go handle(e)
		case *page.EventJavascriptDialogOpening:
			// quietScript stops the page's own dialogs; this answers any
			// that open anyway (beforeunload), which would block the tab.
			go func() {
				_, _ = chromedp.Call(runCtx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("open tab: %w", err)
	}
	// Not chromedp.Navigate: its wait for the load event can be met by the
	// load of the blank page a new tab starts with, arriving late on a busy
	// machine. The settle check asks the page itself.
	var navErr error
	if res, err := chromedp.Call(runCtx, page.Navigate, page.NavigateParams{URL: job.url}); err != nil {
		navErr = err
	} else if res.ErrorText != "" {
		navErr = errors.New(res.ErrorText)
	}
	if navErr == nil {
		// Settled: loaded, and no request in flight (as the crawler and as
		// the page count them) and no DOM change for renderQuiet.
		t := time.NewTicker(50 * time.Millisecond)
		for runCtx.Err() == nil {
			if inflight.Load() == 0 && time.Since(time.Unix(0, lastReq.Load())) >= renderQuiet {
				ectx, cancel := context.WithTimeout(runCtx, time.Second)
				quiet, err := chromedp.Run(ectx, chromedp.Evaluate[bool](settledExpr))
				cancel()
				if err == nil && quiet {
					break
				}
			}
			select {
			case <-t.C:
			case <-runCtx.Done():
			}
		}
		t.Stop()
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	cancel() // answers nothing more: the page is read as it stands
	readCtx, cancelRead := context.WithDeadline(tab, deadline)
	defer cancelRead()
	html, _, err := readDOM(readCtx, job.maxHTML)
	if err != nil {
		if navErr != nil && !errors.Is(navErr, context.DeadlineExceeded) {
			return nil, fmt.Errorf("load: %w", navErr)
		}
		return nil, err
	}
	return html, nil
}

// errRenderNotLoaded marks a page whose document had not even arrived in
// the tab by its deadline (a busy machine): the tab still shows the blank
// page it opened with, which must never pass for the page rendered.
var errRenderNotLoaded = errors.New("page not loaded in the browser by the render deadline")

// readDOM returns the tab's document as HTML. A page still running a
// script (a loop) has it stopped first, so its DOM can be read as it is.
func readDOM(ctx context.Context, maxHTML int64) (_ []byte, stopped bool, _ error) {
	// -1: the tab does not hold the page asked for (see errRenderNotLoaded).
	const lenExpr = `!location.protocol.startsWith('http') ? -1 : document.documentElement ? document.documentElement.outerHTML.length : 0`
	short, cancel := context.WithTimeout(ctx, time.Second)
	n, err := chromedp.Run(short, chromedp.Evaluate[int64](lenExpr))
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("read page: %w", ctx.Err())
		}
		// The page's script holds the thread: stop it, then read.
		stopped = true
		if _, terr := chromedp.Call(ctx, runtime.TerminateExecution, cdp.Empty{}); terr != nil {
			return nil, stopped, fmt.Errorf("stop page script: %w", terr)
		}
		if n, err = chromedp.Run(ctx, chromedp.Evaluate[int64](lenExpr)); err != nil {
			return nil, stopped, fmt.Errorf("read page: %w", err)
		}
	}
	if n < 0 {
		return nil, stopped, errRenderNotLoaded
	}
	if maxHTML > 0 && n > maxHTML {
		return nil, stopped, fmt.Errorf("%d characters: %w", n, errRenderSize)
	}
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement ? document.documentElement.outerHTML : ""`))
	if err != nil {
		return nil, stopped, fmt.Errorf("read page: %w", err)
	}
	return []byte("<!DOCTYPE html>\n" + s), stopped, nil
}

// preflight answers a CORS preflight in the crawler's place: the real
// request that follows is a GET, checked like any other, and the server is
// never sent an OPTIONS it did not expect from a crawler.
func preflight(r *network.Request) subAnswer {
	origin := r.Headers["Origin"]
	if origin == nil {
		origin = r.Headers["origin"]
	}
	h := http.Header{"Access-Control-Allow-Methods": {"GET, HEAD"}}
	if s, ok := origin.(string); ok {
		h.Set("Access-Control-Allow-Origin", s)
	}
	if v, ok := r.Headers["Access-Control-Request-Headers"].(string); ok {
		h.Set("Access-Control-Allow-Headers", v)
	}
	return subAnswer{status: http.StatusNoContent, header: h}
}

// trackerHosts are analytics and advertising hosts whose scripts never
// build a page's content; rendering does not fetch them.
var trackerHosts = []string{
	"google-analytics.com", "googletagmanager.com", "doubleclick.net", "googlesyndication.com",
	"googleadservices.com", "facebook.net", "connect.facebook.net", "hotjar.com", "statcounter.com",
	"histats.com", "clarity.ms", "mc.yandex.ru", "addthis.com", "sharethis.com", "scorecardresearch.com",
}

func isTracker(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, t := range trackerHosts {
		if host == t || strings.HasSuffix(host, "."+t) {
			return true
		}
	}
	return false
}

// renderedTypes are the resource types a rendered page is given: its
// scripts and the data they ask for. Images, fonts, media, style sheets,
// beacons and the rest change no text or link and are never fetched.
func renderedType(t network.ResourceType) bool {
	switch t {
	case network.ResourceTypeScript, network.ResourceTypeXHR, network.ResourceTypeFetch:
		return true
	}
	return false
}

// answerSub fetches one request of a page being rendered, under every rule
// a crawl fetch obeys: the host gate and its delay, robots.txt, the dialer's
// address check and --resolve, the User-Agent, the byte caps and the request
// timeout (all in s.rt and s.c), plus the render's own request and byte
// budget.
func (s *site) answerSub(ctx context.Context, req *network.Request, kind network.ResourceType, budget int64, st *renderStats) subAnswer {
	if !renderedType(kind) {
		return subAnswer{fail: network.ErrorReasonBlockedByClient}
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		// A crawler never posts: a script's POST could submit a form.
		return subAnswer{fail: network.ErrorReasonAccessDenied}
	}
	u, err := url.Parse(req.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return subAnswer{fail: network.ErrorReasonBlockedByClient}
	}
	u.Fragment = ""
	if isTracker(u.Hostname()) {
		return subAnswer{fail: network.ErrorReasonBlockedByClient}
	}
	if st.requests.Load() > maxRenderRequests || st.bytes.Load() >= budget {
		return subAnswer{fail: network.ErrorReasonBlockedByClient}
	}
	if !s.c.cfg.IgnoreRobots && !s.c.robotsFor(ctx, s.rt, origin(u)).allowed(pathQuery(u)) {
		return subAnswer{fail: network.ErrorReasonBlockedByClient}
	}
	fi := &fetchInfo{limit: min(s.c.cfg.MaxBytesPerPage, max(budget-st.bytes.Load(), 1)), anyType: true, holdOff: true}
	hreq, err := http.NewRequestWithContext(withFetchInfo(ctx, fi), req.Method, u.String(), nil)
	if err != nil {
		return subAnswer{fail: network.ErrorReasonFailed}
	}
	s.c.setHeaders(hreq.Header)
	if a, ok := req.Headers["Accept"].(string); ok && a != "" {
		hreq.Header.Set("Accept", a)
	}
	client := &http.Client{Transport: s.rt, CheckRedirect: redirectPolicy}
	resp, err := client.Do(hreq)
	if err != nil {
		switch classifyErr(err) {
		case egovbench.OutcomePrivateAddress:
			return subAnswer{fail: network.ErrorReasonAccessDenied}
		case egovbench.OutcomeTimeout:
			return subAnswer{fail: network.ErrorReasonTimedOut}
		}
		return subAnswer{fail: network.ErrorReasonFailed}
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	st.bytes.Add(int64(len(body)))
	if rerr != nil || fi.truncated || fi.sniffOnly {
		// A script cut short is worse than none.
		return subAnswer{fail: network.ErrorReasonFailed}
	}
	return subAnswer{status: resp.StatusCode, header: resp.Header, body: body}
}

// needsRender reports whether a page's static HTML looks like a shell that
// script fills: the auto mode renders only these, so a static site costs
// what it cost before rendering existed.
// RenderErrorNoBrowser is the RenderError of a page that needed
// rendering, read by a crawler that found no browser (RenderFallback).
const RenderErrorNoBrowser = "not rendered: no browser on the crawling machine"

func needsRender(f *pageFacts) bool {
	hf := f.HTML
	if hf == nil || hf.Scripts == 0 {
		return false
	}
	switch {
	case hf.EmptyMounts > 0, hf.Noscript, hf.ScriptMarkup > 0:
		return true // an app root, a placeholder menu, a page that says it needs script, forms or links in script
	case f.TextLen < 400 && len(f.Links) < 8:
		return true // next to nothing to read without script
	case hf.ScriptBytes > 4*f.TextLen && len(f.Links) < 15:
		return true // more script than text, and the links are in the script
	}
	return false
}

// maybeRender replaces a static HTML page by its rendered form when the
// render mode asks for it, keeping the static HTML beside it. A render that
// fails leaves the static page as it was, with the reason. facts are the
// page's facts and become those of the rendered page.
func (s *site) maybeRender(ctx context.Context, p *egovbench.Page, facts **pageFacts) {
	c := s.c
	if (c.browser == nil && c.renderOff == "") || *facts == nil || p.Check || p.Body == nil {
		return
	}
	if p.Outcome != egovbench.OutcomeOK {
		return // an error, notice or challenge page is what it is
	}
	if c.cfg.Render == RenderAuto && !needsRender(*facts) {
		return
	}
	if c.browser == nil {
		// Rendering was asked for but this machine has no browser: the
		// page says so, since the run's settings (the hub's, in a
		// distributed crawl) say it would have been rendered.
		p.RenderError = RenderErrorNoBrowser
		return
	}
	final, err := url.Parse(p.FinalURL)
	if err != nil {
		return
	}
	left := c.cfg.MaxBytesPerSite - s.bytes - int64(len(p.Body))
	if left <= 0 {
		p.RenderError = "site byte budget spent"
		return
	}
	st := &renderStats{}
	budget := min(4*c.cfg.MaxBytesPerPage, left)
	html, err := c.browser.render(ctx, renderJob{
		url: final.String(), doc: p.Body, timeout: c.cfg.RenderTimeout, maxHTML: c.cfg.MaxBytesPerPage, stats: st,
		answer: func(ctx context.Context, req *network.Request, kind network.ResourceType) subAnswer {
			return s.answerSub(ctx, req, kind, budget, st)
		},
	})
	s.bytes += st.bytes.Load()
	if err != nil {
		p.RenderError = clip(err.Error(), 300)
		return
	}
	body := decodeHTML(html, "text/html; charset=utf-8")
	f := extract(final, body)
	p.StaticBody, p.StaticHash = p.Body, p.Hash
	p.Body, p.Hash, p.Rendered = body, hashHex(body), true
	*facts = &f
}
