package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// ErrNoChromium means the browser is not installed; the error text says how
// to install it. Tests must fail on it, not skip.
var ErrNoChromium = errors.New("chromium not found at " + ChromiumPath + ": run scripts/install-chromium.sh")

// MinDistinctColors is the fewest colours a sample of an image may have
// before it counts as blank: a chart always has text and lines, which
// antialiasing turns into many shades.
const MinDistinctColors = 4

// pageTimeout bounds one page: load, images, evaluation.
const pageTimeout = 30 * time.Second

// Result is what Check saw. Every problem list holds lines of the form
// "page: detail"; all empty means the report passed.
type Result struct {
	Pages  int // HTML pages opened
	Images int // images checked
	Links  int // distinct internal link targets checked

	FailedPages   []string // did not load (HTTP error, navigation error, timeout)
	BrokenImages  []string // failed to load, zero natural width, or blank
	ConsoleErrors []string // console.error, uncaught exceptions, browser errors (failed resources, CSP reports)
	ScriptRuns    []string // evidence that script ran: the window.__pwned canary or a JavaScript dialog
	CSPViolations []string // anything the Content-Security-Policy blocked (a sign markup was injected)
	BrokenLinks   []string // internal links to a missing file or a missing #fragment
	FailedLoads   []string // resources answered with an HTTP error or not at all
}

// Problems lists every problem found, for a test failure message.
func (r Result) Problems() []string {
	var out []string
	for _, g := range []struct {
		name string
		list []string
	}{
		{"page failed", r.FailedPages}, {"broken image", r.BrokenImages}, {"console error", r.ConsoleErrors},
		{"script ran", r.ScriptRuns}, {"CSP violation", r.CSPViolations}, {"broken link", r.BrokenLinks},
		{"failed load", r.FailedLoads},
	} {
		for _, s := range g.list {
			out = append(out, g.name+": "+s)
		}
	}
	return out
}

// OK reports whether nothing went wrong.
func (r Result) OK() bool { return len(r.Problems()) == 0 }

// Serve serves dir on 127.0.0.1. The caller closes the server.
func Serve(dir string) *httptest.Server {
	return httptest.NewServer(http.FileServer(http.Dir(dir)))
}

// allocatorOptions are the Chromium flags: headless, no sandbox (tests run as
// root in containers), and nothing that talks to the network on its own.
// The host resolver rule makes every host name unresolvable, so nothing but
// the loopback server given by IP can ever be reached.
func allocatorOptions(userData string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(userData),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1280, 900),
	)
}

// browser starts Chromium with a fresh profile; stop ends it and removes the profile.
func browser(ctx context.Context) (bctx context.Context, stop func(), err error) {
	if _, err := os.Stat(ChromiumPath); err != nil {
		return nil, nil, ErrNoChromium
	}
	userData, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, nil, fmt.Errorf("profile dir: %w", err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocatorOptions(userData)...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	stop = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(userData)
	}
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("start chromium: %w", err)
	}
	return bctx, stop, nil
}

// probeScript runs before any script of the page: it records CSP violations
// where Check can read them. A CDP-injected script is not subject to the
// page's CSP, while anything the page itself tries to run is.
const probeScript = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + (e.sample ? ' (' + e.sample + ')' : ''));
});`

// inspectScript waits for every image (lazy ones made eager), samples each
// loaded image's colours, and collects links, element ids and the canary.
const inspectScript = `(async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const out = {images: [], links: [], ids: [], pwned: window.__pwned !== undefined, csp: window.__cspViolations || []};
  for (const i of imgs) {
    let distinct = 0;
    if (i.complete && i.naturalWidth > 0) {
      const w = Math.min(i.naturalWidth, 240), h = Math.min(i.naturalHeight, 240);
      const c = document.createElement('canvas'); c.width = w; c.height = h;
      const g = c.getContext('2d'); g.drawImage(i, 0, 0, w, h);
      const d = g.getImageData(0, 0, w, h).data; const seen = new Set();
      for (let k = 0; k < d.length; k += 4) { seen.add((d[k] << 16) | (d[k+1] << 8) | d[k+2]); }
      distinct = seen.size;
    }
    out.images.push({src: i.currentSrc || i.src, alt: i.getAttribute('alt'), width: i.naturalWidth, distinct: distinct});
  }
  document.querySelectorAll('a[href]').forEach(a => out.links.push(a.href));
  document.querySelectorAll('[id]').forEach(e => out.ids.push(e.id));
  return out;
})()`

type inspection struct {
	Images []struct {
		Src      string  `json:"src"`
		Alt      *string `json:"alt"`
		Width    int     `json:"width"`
		Distinct int     `json:"distinct"`
	} `json:"images"`
	Links []string `json:"links"`
	IDs   []string `json:"ids"`
	Pwned bool     `json:"pwned"`
	CSP   []string `json:"csp"`
}

// collector gathers events of the tab for the page being checked.
type collector struct {
	mu      sync.Mutex
	page    string
	console []string
	dialogs []string
	failed  []string
	reqURL  map[network.RequestID]string
}

func (c *collector) add(list *[]string, s string) {
	*list = append(*list, c.page+": "+s)
}

func (c *collector) listen(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			c.add(&c.console, "console."+string(e.Type)+": "+strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if ex := e.ExceptionDetails.Exception; ex != nil && ex.Description != "" {
			msg += " " + ex.Description
		}
		c.add(&c.console, "exception: "+msg)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			c.add(&c.console, string(e.Entry.Source)+": "+e.Entry.Text+" "+e.Entry.URL)
		}
	case *page.EventJavascriptDialogOpening:
		c.add(&c.dialogs, string(e.Type)+" dialog: "+e.Message)
	case *network.EventRequestWillBeSent:
		c.reqURL[e.RequestID] = e.Request.URL
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			c.add(&c.failed, fmt.Sprintf("%s answered %d", e.Response.URL, e.Response.Status))
		}
	case *network.EventLoadingFailed:
		c.add(&c.failed, fmt.Sprintf("%s failed: %s %s", c.reqURL[e.RequestID], e.ErrorText, e.BlockedReason))
	}
}

func (c *collector) take() (console, dialogs, failed []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	console, dialogs, failed = c.console, c.dialogs, c.failed
	c.console, c.dialogs, c.failed = nil, nil, nil
	return
}

// Check serves dir on 127.0.0.1, opens every .html file under it in
// headless Chromium and reports what failed. The error is for failures of
// the check itself (no browser, no such folder); problems with the pages are
// in the Result.
func Check(ctx context.Context, dir string) (Result, error) {
	var res Result
	var pages []string
	// A published report folder is a symbolic link to its current
	// version, which WalkDir would not enter.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".html") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			pages = append(pages, "/"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("list pages: %w", err)
	}
	if len(pages) == 0 {
		return res, fmt.Errorf("no html pages in %s", dir)
	}
	slices.Sort(pages)
	srv := Serve(dir)
	defer srv.Close()

	bctx, stop, err := browser(ctx)
	if err != nil {
		return res, err
	}
	defer stop()
	tab, cancelTab := chromedp.NewContext(bctx)
	defer cancelTab()
	col := &collector{reqURL: map[network.RequestID]string{}}
	if err := chromedp.Listen(tab, col.listen); err != nil {
		return res, fmt.Errorf("listen: %w", err)
	}
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: probeScript}); err != nil {
		return res, fmt.Errorf("install probe: %w", err)
	}
	// A dialog blocks the page until answered: dismiss each one as it opens
	// (the collector has already recorded it as script execution).
	dialogs := chromedp.Events(tab, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(tab, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()

	ids := map[string]map[string]bool{} // page path -> ids on it
	links := map[string][]string{}      // target URL -> pages linking to it
	for _, p := range pages {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Pages++
		col.mu.Lock()
		col.page = p
		col.mu.Unlock()
		ins, err := checkPage(tab, srv.URL+p)
		console, dlg, failed := col.take()
		res.ConsoleErrors = append(res.ConsoleErrors, console...)
		res.ScriptRuns = append(res.ScriptRuns, dlg...)
		res.FailedLoads = append(res.FailedLoads, failed...)
		if err != nil {
			res.FailedPages = append(res.FailedPages, p+": "+err.Error())
			continue
		}
		if ins.Pwned {
			res.ScriptRuns = append(res.ScriptRuns, p+": window.__pwned is set")
		}
		for _, v := range ins.CSP {
			res.CSPViolations = append(res.CSPViolations, p+": "+v)
		}
		for _, im := range ins.Images {
			res.Images++
			switch {
			case im.Width == 0:
				res.BrokenImages = append(res.BrokenImages, p+": "+im.Src+" did not load")
			case im.Distinct < MinDistinctColors:
				res.BrokenImages = append(res.BrokenImages, fmt.Sprintf("%s: %s is blank (%d colours)", p, im.Src, im.Distinct))
			}
			if im.Alt == nil || strings.TrimSpace(*im.Alt) == "" {
				res.BrokenImages = append(res.BrokenImages, p+": "+im.Src+" has no alt text")
			}
		}
		ids[p] = map[string]bool{}
		for _, id := range ins.IDs {
			ids[p][id] = true
		}
		for _, l := range ins.Links {
			u, err := url.Parse(l)
			if err != nil || u.Host != strings.TrimPrefix(srv.URL, "http://") {
				continue // external: never fetched
			}
			links[l] = append(links[l], p)
		}
	}
	res.BrokenLinks = checkLinks(ctx, srv, links, ids)
	res.Links = len(links)
	return res, nil
}

func checkPage(tab context.Context, u string) (inspection, error) {
	var ins inspection
	ctx, cancel := context.WithTimeout(tab, pageTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(u))
	if err != nil {
		return ins, fmt.Errorf("navigate: %w", err)
	}
	if resp == nil || resp.Status != http.StatusOK {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		return ins, fmt.Errorf("status %d", status)
	}
	ins, err = chromedp.Run(ctx, chromedp.Evaluate[inspection](inspectScript, chromedp.EvalAwaitPromise))
	if err != nil {
		return ins, fmt.Errorf("inspect: %w", err)
	}
	return ins, nil
}

// checkLinks fetches each internal link target once (from the test server,
// on loopback) and checks fragments against the ids of the pages seen.
func checkLinks(ctx context.Context, srv *httptest.Server, links map[string][]string, ids map[string]map[string]bool) []string {
	var broken []string
	targets := make([]string, 0, len(links))
	for l := range links {
		targets = append(targets, l)
	}
	slices.Sort(targets)
	status := map[string]int{}
	for _, l := range targets {
		u, _ := url.Parse(l)
		frag := u.Fragment
		u.Fragment = ""
		key := u.String()
		st, ok := status[key]
		if !ok {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, key, nil)
			if err == nil {
				resp, err := srv.Client().Do(req)
				if err == nil {
					st = resp.StatusCode
					resp.Body.Close()
				}
			}
			status[key] = st
		}
		from := links[l][0]
		switch {
		case st != http.StatusOK:
			broken = append(broken, fmt.Sprintf("%s: link to %s answered %d", from, u.Path, st))
		case frag != "":
			p := u.Path
			if strings.HasSuffix(p, "/") {
				p = path.Join(p, "index.html")
			}
			if set, seen := ids[p]; seen && !set[frag] {
				broken = append(broken, fmt.Sprintf("%s: link to %s#%s: no such id", from, u.Path, frag))
			}
		}
	}
	return broken
}

// Screenshot opens url in headless Chromium at 1280 px wide and saves a
// full-page PNG to path. url is a loopback server's URL (see Serve), a
// file:// URL, or an absolute file path, which is opened as file://.
func Screenshot(ctx context.Context, url, path string) error {
	if filepath.IsAbs(url) {
		url = "file://" + filepath.ToSlash(url)
	}
	bctx, stop, err := browser(ctx)
	if err != nil {
		return err
	}
	defer stop()
	tctx, cancel := context.WithTimeout(bctx, pageTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	buf, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("write screenshot: %w", err)
	}
	return nil
}
