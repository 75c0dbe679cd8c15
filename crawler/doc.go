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
// It may import the root package egovbench, htmlfacts, the standard library,
// colly, temoto/robotstxt and golang.org/x/net. It must not import analyzer,
// store, reports, fleet or schedule; cmd/egovbench wires them together.
package crawler
