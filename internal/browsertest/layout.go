package browsertest

import (
	"context"
	"fmt"
	"os"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Layout is what a page looks like at one width: whether it scrolls
// sideways and which words the browser broke across two lines.
type Layout struct {
	// Width is the viewport width in CSS pixels; ScrollWidth is the page's
	// own width: more means the whole page scrolls sideways.
	Width, ScrollWidth int
	// BrokenWords lists words laid out on more than one line (a word
	// broken mid-word, hyphenated or not), with the element they are in.
	BrokenWords []string
	// Overflowing lists elements wider than the viewport that are not in a
	// scrolling container (so they are cut off or widen the page).
	Overflowing []string
}

// Problems lists what is wrong with the layout.
func (l Layout) Problems() []string {
	var out []string
	if l.ScrollWidth > l.Width+1 {
		out = append(out, fmt.Sprintf("page is %d px wide in a %d px viewport", l.ScrollWidth, l.Width))
	}
	for _, w := range l.BrokenWords {
		out = append(out, "word broken across lines: "+w)
	}
	for _, e := range l.Overflowing {
		out = append(out, "wider than the viewport: "+e)
	}
	return out
}

// layoutScript measures the page after images have loaded. A word counts
// when it is made of letters (2 to 30 of them, so addresses and long
// identifiers, which must break somewhere on a phone, do not count) and
// lies outside <code> and elements of class "url" (web addresses, which
// have to break somewhere on a phone); it is broken when its range has
// boxes on more than one line.
const layoutScript = `(async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const vw = document.documentElement.clientWidth;
  const out = {width: vw, scrollWidth: document.documentElement.scrollWidth, broken: [], overflowing: []};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const word = /[\p{L}\p{M}]{2,30}/gu;
  const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '');
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('code, .url, script, style') || n.parentElement.offsetParent === null) continue;
    for (const m of n.data.matchAll(word)) {
      const r = document.createRange();
      r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
      if (tops.size > 1 && out.broken.length < 50) out.broken.push('"' + m[0] + '" in ' + describe(n.parentElement));
    }
  }
  for (const e of document.body.querySelectorAll('*')) {
    const b = e.getBoundingClientRect();
    if (b.right <= vw + 1 || out.overflowing.length >= 20) continue;
    let scrolled = false;
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX;
      if ((s === 'auto' || s === 'scroll' || s === 'hidden') && p.getBoundingClientRect().right <= vw + 1) { scrolled = true; break; }
    }
    if (!scrolled) out.overflowing.push(describe(e) + ' (right edge at ' + Math.round(b.right) + ' px)');
  }
  return out;
})()`

type layoutResult struct {
	Width       int      `json:"width"`
	ScrollWidth int      `json:"scrollWidth"`
	Broken      []string `json:"broken"`
	Overflowing []string `json:"overflowing"`
}

// Camera is one headless Chromium kept open for many screenshots: starting
// the browser costs more than a page.
type Camera struct {
	bctx context.Context
	stop func()
}

// NewCamera starts the browser; Close ends it.
func NewCamera(ctx context.Context) (*Camera, error) {
	bctx, stop, err := browser(ctx)
	if err != nil {
		return nil, err
	}
	return &Camera{bctx: bctx, stop: stop}, nil
}

// Close ends the browser and removes its profile.
func (c *Camera) Close() { c.stop() }

// Shoot opens url in a new tab with a viewport width px wide (emulating a
// phone below 600 px, and print media when print is set), saves a
// full-page PNG screenshot to path and measures the layout.
func (c *Camera) Shoot(url, path string, width int, print bool) (Layout, error) {
	tab, closeTab := chromedp.NewContext(c.bctx)
	defer closeTab()
	tctx, cancel := context.WithTimeout(tab, pageTimeout)
	defer cancel()
	mobile := width < 600
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(int64(width), 800, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.Mobile = mobile
	})); err != nil {
		return Layout{}, fmt.Errorf("viewport: %w", err)
	}
	if print {
		if _, err := chromedp.Call(tctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			return Layout{}, fmt.Errorf("print media: %w", err)
		}
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		return Layout{}, fmt.Errorf("open %s: %w", url, err)
	}
	res, err := chromedp.Run(tctx, chromedp.Evaluate[layoutResult](layoutScript, chromedp.EvalAwaitPromise))
	if err != nil {
		return Layout{}, fmt.Errorf("measure %s: %w", url, err)
	}
	buf, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		return Layout{}, fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return Layout{}, fmt.Errorf("write screenshot: %w", err)
	}
	return Layout{Width: res.Width, ScrollWidth: res.ScrollWidth, BrokenWords: res.Broken, Overflowing: res.Overflowing}, nil
}
