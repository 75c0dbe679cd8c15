// Package crawler fetches government websites: it turns an egovbench.Target
// into an egovbench.Probe (availability, phase timings, TLS, HTTPS redirect,
// HSTS) and an egovbench.Snapshot (the pages fetched, the redirect chain, the
// external links met, robots and sitemap facts).
//
// It owns everything that touches the network for a crawl: colly collectors,
// the dialer that refuses private addresses at dial time, the per-host
// politeness gate shared by all crawls of one Crawler, robots.txt, sitemaps,
// URL normalisation and trap avoidance, byte and time budgets, and the
// classification of every fault into an egovbench.Outcome. The address check
// (Refused: the IANA special-purpose ranges, IPv4 unwrapped from IPv6 forms)
// and the guarded dialer also serve the daemon's own requests: NewClient is
// the webhook client. A site that is
// down, slow, hostile or broken is data, never a Go error or a panic.
//
// Pages are read once, with htmlfacts; CrawlEach hands that pass to its
// caller page by page, so the analyzer need not parse the pages again.
//
// With Config.Render, pages whose content a script builds are also opened in
// one shared headless Chromium (chromedp, a bounded pool of tabs). The
// browser never touches the network: every request it makes is intercepted
// and fetched by the crawler itself, under the same gate, robots.txt,
// address check, resolve map, User-Agent and budgets as any crawl fetch,
// and images, fonts, media, style sheets and trackers are not fetched at
// all. The rendered DOM then goes through the same htmlfacts pass.
//
// It may import the root package egovbench, htmlfacts, the standard library,
// colly, temoto/robotstxt, chromedp and golang.org/x/net. It must not import analyzer,
// store, reports, fleet or schedule; cmd/egovbench wires them together.
package crawler
