package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// RenderMode says which pages the crawler opens in a browser.
type RenderMode string

// Render modes.
const (
	// RenderNever reads the static HTML only.
	RenderNever RenderMode = "never"
	// RenderAuto renders a page when its static HTML looks like a script
	// shell (an empty app root, a placeholder menu, a <noscript> warning,
	// little text or few links beside its scripts).
	RenderAuto RenderMode = "auto"
	// RenderAlways renders every HTML page.
	RenderAlways RenderMode = "always"
)

// ParseRenderMode reads a --render value.
func ParseRenderMode(s string) (RenderMode, error) {
	switch m := RenderMode(s); m {
	case RenderNever, RenderAuto, RenderAlways:
		return m, nil
	case "":
		return RenderAuto, nil
	}
	return "", fmt.Errorf("render mode %q: want never, auto or always", s)
}

// DefaultBrowserPath is where Debian's chromium package (and
// scripts/install-chromium.sh) installs the browser.
const DefaultBrowserPath = "/usr/bin/chromium"

// ErrNoBrowser means rendering was asked for and no browser is installed.
var ErrNoBrowser = errors.New("no browser for --render: install Chromium with scripts/install-chromium.sh (or set the browser path)")

// findBrowser returns the browser's path, or ErrNoBrowser.
func findBrowser(path string) (string, error) {
	if path == "" {
		path = DefaultBrowserPath
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, ErrNoBrowser)
	}
	return p, nil
}

// browser is the one Chromium process a Crawler shares among its crawls,
// started on first use, restarted if it dies, with a bounded number of tabs.
//
// Chromium never reaches the network itself: every request of every tab is
// paused by the Fetch domain and answered by the crawler (see render.go). As
// a second wall, the browser is told to use a proxy that is a loopback
// listener in this process which hangs up at once, and to resolve no name;
// whatever might slip past interception (a preconnect, a WebSocket, a
// service worker's fetch) dies there.
type browser struct {
	path string
	tabs chan struct{}

	mu       sync.Mutex
	ctx      context.Context // browser context; tabs are children
	stop     func()
	userData string
	wall     net.Listener
	// leaks counts connections the browser opened to the wall: requests
	// that escaped interception (and were refused there).
	leaks atomic.Int64

	// recycle is how many tabs a browser process opens before it is
	// restarted (browserRecycleTabs); opened counts them, inUse counts
	// the tabs open now (in any browser process), idle signals inUse
	// falling, starts counts browser starts.
	recycle int
	opened  int
	inUse   int
	idle    *sync.Cond
	starts  int
}

// browserRecycleTabs bounds the tabs one browser process opens. Chromium
// keeps something for every tab ever opened in a renderer of its own
// (its top-chrome WebUI renderer, even when tabs only open and close):
// about 0.6 MB a tab on 156, which took a 300-site rendered crawl's process
// tree past 1 GB in 7 minutes. Restarting the browser every few hundred
// tabs bounds that for about a second of browser start-up; each render has
// a fresh tab anyway, so no state is lost.
const browserRecycleTabs = 200

func newBrowser(path string, tabs int) *browser {
	n := max(tabs, 1)
	b := &browser{path: path, tabs: make(chan struct{}, n), recycle: browserRecycleTabs}
	b.idle = sync.NewCond(&b.mu)
	return b
}

// acquire waits for a free tab slot.
func (b *browser) acquire(ctx context.Context) (release func(), err error) {
	select {
	case b.tabs <- struct{}{}:
		return func() { <-b.tabs }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tab is one open page of the browser, with request interception on and
// the page's dialogs and new windows silenced. Every render has a fresh
// tab: a reused one could still hold the last page (its timers, its
// requests, a load event arriving late), and a render must see only its
// own page.
type tab struct {
	ctx     context.Context
	close   func() // closes the tab; safe to call more than once
	release func() // frees the tab slot
}

// getTab waits for a tab slot and opens a tab in the running browser. The
// caller gives it back with putTab.
func (b *browser) getTab(ctx context.Context) (*tab, error) {
	release, err := b.acquire(ctx)
	if err != nil {
		return nil, err
	}
	bctx, err := b.context()
	if err != nil {
		release()
		return nil, err
	}
	tctx, cancel := chromedp.NewContext(bctx)
	var once sync.Once
	t := &tab{ctx: tctx, close: func() { once.Do(cancel) }, release: func() { b.tabDone(); release() }}
	// The tab's first Run opens it; a deadline on that Run would close it
	// when the deadline passes, so a timer closes the tab instead.
	timer := time.AfterFunc(tabOpenTimeout, t.close)
	defer timer.Stop()
	fail := func(what string, err error) (*tab, error) {
		t.close()
		t.release()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := chromedp.Do(tctx); err != nil {
		return fail("open tab", err)
	}
	if _, err := chromedp.Call(tctx, fetch.Enable, fetch.EnableParams{}); err != nil {
		return fail("intercept", err)
	}
	if _, err := chromedp.Call(tctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: quietScript}); err != nil {
		return fail("install quiet script", err)
	}
	return t, nil
}

// tabOpenTimeout bounds opening a tab in a browser that stopped answering.
const tabOpenTimeout = 10 * time.Second

// putTab closes a tab and then frees its slot. Closing waits for the
// browser; the crawl does not.
func (b *browser) putTab(t *tab) {
	go func() {
		t.close()
		t.release()
	}()
}

// tabDone counts a tab of context() closed.
func (b *browser) tabDone() {
	b.mu.Lock()
	b.inUse--
	b.idle.Broadcast()
	b.mu.Unlock()
}

// context returns the running browser's context for one more tab (counted
// in inUse until tabDone), starting the browser when it is not running
// (first use, or it died) or has opened its recycle quota of tabs; a
// browser due for restart is restarted once its open tabs are closed, and
// new tabs wait for that.
func (b *browser) context() (context.Context, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	alive := func() bool { return b.ctx != nil && b.ctx.Err() == nil }
	for alive() && b.opened >= b.recycle && b.inUse > 0 {
		b.idle.Wait()
	}
	if alive() && b.opened < b.recycle {
		b.opened++
		b.inUse++
		return b.ctx, nil
	}
	b.closeLocked()
	if b.wall == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("browser wall listener: %w", err)
		}
		b.wall = ln
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				b.leaks.Add(1)
				c.Close()
			}
		}()
	}
	userData, err := os.MkdirTemp("", "egovbench-browser-")
	if err != nil {
		return nil, fmt.Errorf("browser profile: %w", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.path),
		chromedp.UserDataDir(userData),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("blink-settings", "imagesEnabled=false"),
		// The second wall: no name resolves, and everything not answered
		// by interception goes to a proxy that hangs up, loopback included.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.Flag("proxy-server", "http://"+b.wall.Addr().String()),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		// A page that builds a gigantic DOM runs out of heap and its
		// renderer dies, instead of the machine running out of memory.
		chromedp.Flag("js-flags", "--max-old-space-size=256"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// The first Run starts the browser; it must not carry a timeout (that
	// would stop the browser when it expires).
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(userData)
		return nil, fmt.Errorf("start browser %s: %w", b.path, err)
	}
	b.ctx, b.userData = bctx, userData
	b.stop = func() {
		cancelBrowser()
		cancelAlloc()
	}
	b.starts++
	b.opened = 1
	b.inUse++
	return bctx, nil
}

func (b *browser) closeLocked() {
	if b.stop != nil {
		b.stop()
		b.stop = nil
	}
	if b.userData != "" {
		os.RemoveAll(b.userData)
		b.userData = ""
	}
	b.ctx = nil
	b.idle.Broadcast() // tabs waiting for a restart start a browser of their own
}

// close stops the browser; a later render starts a new one.
func (b *browser) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closeLocked()
	if b.wall != nil {
		b.wall.Close()
		b.wall = nil
	}
}

// WarmBrowser starts the browser of a rendering crawler, if it is not
// running, and opens and closes one tab, so the first page rendered is not
// charged the browser's start; it returns how long that took, a measure of
// how busy the machine is. A crawler that does not render returns 0.
func (c *Crawler) WarmBrowser(ctx context.Context) (time.Duration, error) {
	if c.browser == nil {
		return 0, nil
	}
	start := time.Now()
	t, err := c.browser.getTab(ctx)
	if err != nil {
		return 0, fmt.Errorf("warm browser: %w", err)
	}
	t.close()
	t.release()
	return time.Since(start), nil
}
