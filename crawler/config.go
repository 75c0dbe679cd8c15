package crawler

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// DefaultUserAgent identifies the crawler and says where to complain.
const DefaultUserAgent = "egovbench/0.1 (+https://github.com/egovbench/egovbench)"

// Config sets the budgets and manners of a Crawler. Zero fields take the
// defaults documented on each field.
type Config struct {
	// UserAgent is sent with every request and must carry a contact URL
	// (default DefaultUserAgent). Its first product token (before "/") is
	// the agent name matched against robots.txt groups.
	UserAgent string
	// MaxPages bounds the pages fetched per site, check pages included (default 50).
	MaxPages int
	// MaxDepth bounds the links followed from the homepage (default 4).
	MaxDepth int
	// MaxBytesPerPage caps one body; bigger bodies are cut and marked (default 2 MiB).
	MaxBytesPerPage int64
	// MaxBytesPerSite caps the bodies of one site together (default 32 MiB).
	MaxBytesPerSite int64
	// SiteTimeout bounds the wall time of one site's crawl (default 3 min).
	SiteTimeout time.Duration
	// RequestTimeout bounds each silence of a server: the wait for the
	// response headers (connect and TLS included) and then every pause
	// between body bytes (default 20 s). It does not bound a body that
	// keeps arriving, however slowly: SiteTimeout does.
	RequestTimeout time.Duration
	// ProbeTimeout is RequestTimeout for uptime probes (Probe); a crawl's
	// own homepage request uses RequestTimeout (default RequestTimeout).
	ProbeTimeout time.Duration
	// HomeRetries is how many times the home URL is asked again when the
	// server does not answer (timeout, refused, reset) before the site is
	// recorded unreachable for the run (default 1; a robots.txt request
	// left unanswered counts as the first try).
	HomeRetries int
	// RetryBackoff is the wait before the first retry of the home URL,
	// doubled for each further one (default 2 s).
	RetryBackoff time.Duration
	// Delay is the least time between the starts of two requests to one
	// host, across all crawls of this Crawler (default 1 s).
	Delay time.Duration
	// PerHostConcurrency bounds the requests in flight per host (default 1).
	PerHostConcurrency int
	// MaxRetryAfter bounds how long a 429/503 Retry-After may hold a host
	// back (default 30 s); a page refused with a longer wait is not retried.
	MaxRetryAfter time.Duration
	// MaxCrawlDelay bounds the robots.txt Crawl-delay honoured (default
	// 30 s): a host asking for more is asked this often, and a crawl of it
	// fetches what its SiteTimeout allows at that pace.
	MaxCrawlDelay time.Duration
	// AllowPrivate permits private, loopback, link-local and the other
	// special-purpose addresses (see Refused). Otherwise they are refused
	// when dialling, after DNS, so rebinding and redirects to such
	// addresses are caught (OutcomePrivateAddress).
	AllowPrivate bool
	// Resolve maps "host:port" to "ip:port" like curl --resolve.
	Resolve map[string]string
	// ResolveOnly makes every name missing from Resolve fail as a DNS error
	// without any lookup leaving the process.
	ResolveOnly bool
	// RootCAs verifies server certificates; nil means the system roots.
	RootCAs *x509.CertPool
	// IgnoreRobots skips robots.txt; by default it is honoured.
	IgnoreRobots bool
	// Now is the clock for recorded times (default time.Now).
	Now func() time.Time

	// Render says which HTML pages are opened in a headless browser to
	// read them as a citizen's browser shows them (default RenderNever
	// here; the commands default to RenderAuto).
	Render RenderMode
	// BrowserPath is the Chromium binary (default DefaultBrowserPath).
	BrowserPath string
	// RenderTabs bounds the pages rendered at once, across all crawls
	// (default 4).
	RenderTabs int
	// RenderTimeout bounds the wall time of rendering one page, its
	// subresources' politeness waits included (default 20 s).
	RenderTimeout time.Duration
}

// Defaults of Config; see the field docs.
const (
	DefaultMaxPages        = 50
	DefaultMaxDepth        = 4
	DefaultMaxBytesPerPage = 2 << 20
	DefaultMaxBytesPerSite = 32 << 20
	DefaultSiteTimeout     = 3 * time.Minute
	DefaultRequestTimeout  = 20 * time.Second
	DefaultDelay           = time.Second
	DefaultMaxRetryAfter   = 30 * time.Second
	DefaultMaxCrawlDelay   = 30 * time.Second
	DefaultRenderTabs      = 4
	DefaultRenderTimeout   = 20 * time.Second
	DefaultHomeRetries     = 1
	DefaultRetryBackoff    = 2 * time.Second
)

// checkPageBytes caps a check page: enough to see an error or a
// maintenance notice, too little to crawl someone else's site.
const checkPageBytes = 64 << 10

// sniffBytes is what is read of a response that claims not to be HTML: enough
// for http.DetectContentType to catch a lie, no more.
const sniffBytes = 512

// withDefaults returns cfg with zero fields set to their defaults, or an
// error wrapping egovbench.ErrInvalid that names the bad field.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if !strings.Contains(cfg.UserAgent, "http://") && !strings.Contains(cfg.UserAgent, "https://") {
		return cfg, fmt.Errorf("config UserAgent %q: must carry a contact URL: %w", cfg.UserAgent, egovbench.ErrInvalid)
	}
	if strings.ContainsAny(cfg.UserAgent, "\r\n") {
		return cfg, fmt.Errorf("config UserAgent: line break: %w", egovbench.ErrInvalid)
	}
	type field struct {
		name string
		neg  bool
	}
	for _, f := range []field{
		{"MaxPages", cfg.MaxPages < 0}, {"MaxDepth", cfg.MaxDepth < 0},
		{"MaxBytesPerPage", cfg.MaxBytesPerPage < 0}, {"MaxBytesPerSite", cfg.MaxBytesPerSite < 0},
		{"SiteTimeout", cfg.SiteTimeout < 0}, {"RequestTimeout", cfg.RequestTimeout < 0},
		{"ProbeTimeout", cfg.ProbeTimeout < 0},
		{"Delay", cfg.Delay < 0}, {"PerHostConcurrency", cfg.PerHostConcurrency < 0},
		{"MaxRetryAfter", cfg.MaxRetryAfter < 0}, {"MaxCrawlDelay", cfg.MaxCrawlDelay < 0}, {"HomeRetries", cfg.HomeRetries < 0},
		{"RetryBackoff", cfg.RetryBackoff < 0},
	} {
		if f.neg {
			return cfg, fmt.Errorf("config %s: negative: %w", f.name, egovbench.ErrInvalid)
		}
	}
	if cfg.MaxPages == 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxBytesPerPage == 0 {
		cfg.MaxBytesPerPage = DefaultMaxBytesPerPage
	}
	if cfg.MaxBytesPerSite == 0 {
		cfg.MaxBytesPerSite = DefaultMaxBytesPerSite
	}
	if cfg.SiteTimeout == 0 {
		cfg.SiteTimeout = DefaultSiteTimeout
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.ProbeTimeout == 0 {
		cfg.ProbeTimeout = cfg.RequestTimeout
	}
	if cfg.Delay == 0 {
		cfg.Delay = DefaultDelay
	}
	if cfg.PerHostConcurrency == 0 {
		cfg.PerHostConcurrency = 1
	}
	if cfg.MaxRetryAfter == 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.MaxCrawlDelay == 0 {
		cfg.MaxCrawlDelay = DefaultMaxCrawlDelay
	}
	if cfg.HomeRetries == 0 {
		cfg.HomeRetries = DefaultHomeRetries
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Render == "" {
		cfg.Render = RenderNever
	}
	if _, err := ParseRenderMode(string(cfg.Render)); err != nil {
		return cfg, fmt.Errorf("config Render: %v: %w", err, egovbench.ErrInvalid)
	}
	if cfg.RenderTabs == 0 {
		cfg.RenderTabs = DefaultRenderTabs
	}
	if cfg.RenderTimeout == 0 {
		cfg.RenderTimeout = DefaultRenderTimeout
	}
	if cfg.RenderTabs < 0 || cfg.RenderTimeout < 0 {
		return cfg, fmt.Errorf("config RenderTabs/RenderTimeout: negative: %w", egovbench.ErrInvalid)
	}
	resolve := make(map[string]string, len(cfg.Resolve))
	for from, to := range cfg.Resolve {
		host, port, err := net.SplitHostPort(from)
		if err != nil || host == "" || port == "" {
			return cfg, fmt.Errorf("config Resolve key %q: want host:port: %w", from, egovbench.ErrInvalid)
		}
		if _, err := netip.ParseAddrPort(to); err != nil {
			return cfg, fmt.Errorf("config Resolve[%q] = %q: want ip:port: %w", from, to, egovbench.ErrInvalid)
		}
		resolve[strings.ToLower(host)+":"+port] = to
	}
	cfg.Resolve = resolve
	return cfg, nil
}

// agentName is the robots.txt product token of a User-Agent.
func agentName(ua string) string {
	name, _, _ := strings.Cut(ua, "/")
	name, _, _ = strings.Cut(name, " ")
	return strings.ToLower(strings.TrimSpace(name))
}
