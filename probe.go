package egovbench

import "time"

// Outcome classifies what happened when a URL was requested. A site that is
// down, slow, blocked or broken is data with an outcome, never a Go error.
type Outcome string

// Outcome classes. Blocked is kept apart from the failures so that a site
// that refuses robots is not reported as down.
const (
	OutcomeOK                Outcome = "ok"
	OutcomeHTTPError         Outcome = "http_error"         // 4xx/5xx other than the classes below
	OutcomeMaintenance       Outcome = "maintenance"        // 503 or a page that says it is under maintenance
	OutcomeBlocked           Outcome = "blocked"            // 403, 429, WAF challenge, robots.txt disallow
	OutcomeTimeout           Outcome = "timeout"            // no answer, or too slow, within the limit
	OutcomeDNSError          Outcome = "dns_error"          // the name does not resolve
	OutcomeConnectionRefused Outcome = "connection_refused" // nothing listens, or the connection was reset
	OutcomeTLSError          Outcome = "tls_error"          // bad, expired or mismatched certificate; handshake failure
	OutcomeRedirectLoop      Outcome = "redirect_loop"      // too many or circular redirects
	OutcomeTooLarge          Outcome = "too_large"          // body over the byte cap (kept truncated)
	OutcomeInvalidContent    Outcome = "invalid_content"    // not a web page (binary, wrong type, undecodable)
	OutcomePrivateAddress    Outcome = "private_address"    // refused: resolves to a private, loopback or link-local address
	OutcomeError             Outcome = "error"              // anything else; the error text says what
)

// Outcomes lists every class, for validation, documentation and reports.
var Outcomes = []Outcome{
	OutcomeOK, OutcomeHTTPError, OutcomeMaintenance, OutcomeBlocked, OutcomeTimeout,
	OutcomeDNSError, OutcomeConnectionRefused, OutcomeTLSError, OutcomeRedirectLoop,
	OutcomeTooLarge, OutcomeInvalidContent, OutcomePrivateAddress, OutcomeError,
}

// Up reports whether the outcome counts as available for uptime. Blocked is
// neither up nor down; see Counted.
func (o Outcome) Up() bool { return o == OutcomeOK }

// Counted reports whether the outcome counts in uptime at all: a blocked
// probe says nothing about availability to citizens.
func (o Outcome) Counted() bool { return o != OutcomeBlocked }

// Probe is one availability check of a site's home URL.
type Probe struct {
	TargetID string    `json:"target_id"`
	RunID    int64     `json:"run_id,omitempty"` // zero for probes made on the probe schedule
	At       time.Time `json:"at"`
	URL      string    `json:"url"`
	Outcome  Outcome   `json:"outcome"`
	// HTTPStatus of the final response, zero when none arrived.
	HTTPStatus int `json:"http_status,omitempty"`
	// Timings by phase; zero when the phase did not happen (reused
	// connection, plain HTTP, failure before it).
	DNS      time.Duration `json:"dns"`
	Connect  time.Duration `json:"connect"`
	TLS      time.Duration `json:"tls"`
	TTFB     time.Duration `json:"ttfb"`
	Total    time.Duration `json:"total"`
	Bytes    int64         `json:"bytes"`
	FinalURL string        `json:"final_url,omitempty"`
	// TLSValid is true when an HTTPS response came with a certificate the
	// system trusts for the host; TLSExpiry is its leaf's NotAfter.
	TLSValid  bool      `json:"tls_valid"`
	TLSExpiry time.Time `json:"tls_expiry,omitzero"`
	// HTTPSRedirect is true when the http:// form of the URL redirects to https://.
	HTTPSRedirect bool `json:"https_redirect"`
	// HSTS is true when the HTTPS response carries Strict-Transport-Security.
	HSTS  bool   `json:"hsts"`
	Error string `json:"error,omitempty"`
}
