package egovbench

import "time"

// Page is one URL fetched during a crawl, as received. Pages are stored
// content-addressed, so Body is kept once however many runs saw it.
type Page struct {
	URL      string `json:"url"`       // the URL requested (normalised)
	FinalURL string `json:"final_url"` // after redirects
	// Depth is the number of links followed from the target URL (0 = homepage).
	Depth int `json:"depth"`
	// Check is true for a page fetched only to see whether a service link the
	// site advertises answers (it may lie outside the crawl scope); its links
	// are not followed.
	Check       bool      `json:"check,omitempty"`
	Status      int       `json:"status"`
	ContentType string    `json:"content_type,omitempty"`
	FetchedAt   time.Time `json:"fetched_at"`
	Outcome     Outcome   `json:"outcome"`
	// Body is the response body decoded to UTF-8 (HTML pages) or as
	// received (other types); nil when nothing was kept.
	Body []byte `json:"-"`
	// Hash is the hex SHA-256 of Body; the key of the stored blob.
	Hash      string `json:"hash,omitempty"`
	Truncated bool   `json:"truncated,omitempty"` // Body was cut at the byte cap
	Error     string `json:"error,omitempty"`
	// Rendered is true when Body is the page as a browser built it (its
	// DOM after its scripts ran), not the HTML the server sent.
	Rendered bool `json:"rendered,omitempty"`
	// StaticBody is the HTML the server sent for a rendered page (nil
	// otherwise), kept so evidence seen only after rendering can be told
	// apart; StaticHash is its hex SHA-256.
	StaticBody []byte `json:"-"`
	StaticHash string `json:"static_hash,omitempty"`
	// RenderError says why a page that was to be rendered kept its static
	// HTML ('' when it was rendered or not meant to be).
	RenderError string `json:"render_error,omitempty"`
}

// Link is a hyperlink met during a crawl that points outside the crawl scope.
// It is recorded, not followed: a link to a national system is evidence.
type Link struct {
	FromURL string `json:"from_url"`
	ToURL   string `json:"to_url"`
	Domain  string `json:"domain"` // host of ToURL, lower case
	Text    string `json:"text"`   // anchor text, whitespace collapsed, at most 200 runes
}

// Snapshot is everything one crawl brought back for one target: the probe of
// its home URL and the pages fetched. It is all the analyzer ever sees, and it
// can be rebuilt from the store, so any past run can be re-analysed.
type Snapshot struct {
	TargetID   string    `json:"target_id"`
	RunID      int64     `json:"run_id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Probe      Probe     `json:"probe"`
	Pages      []Page    `json:"pages"`
	Links      []Link    `json:"links"`
	// Redirects is the chain of URLs from the target URL to the homepage
	// actually crawled (empty when there was no redirect).
	Redirects []string `json:"redirects,omitempty"`
	// RobotsStatus is the HTTP status of /robots.txt (0 when not fetched).
	RobotsStatus int `json:"robots_status"`
	// SitemapURLs counts the URLs listed by the site's sitemap(s), -1 when no sitemap was found.
	SitemapURLs int `json:"sitemap_urls"`
	// Stopped says why the crawl of this target ended early, if it did:
	// "pages", "bytes", "time" (budget reached) or "" (ran out of links).
	Stopped string `json:"stopped,omitempty"`
}

// Home returns the first successfully fetched page of depth 0, if any.
func (s *Snapshot) Home() (Page, bool) {
	for _, p := range s.Pages {
		if p.Depth == 0 && !p.Check && p.Outcome == OutcomeOK {
			return p, true
		}
	}
	return Page{}, false
}
