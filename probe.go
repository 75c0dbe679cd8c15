package egovbench

import (
	"strconv"
	"time"
)

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

// NetworkClass reports whether the outcome is a failure to reach the server
// at all (no answer, refused or unreachable, no name) rather than an answer
// the server gave. It is what the prober's own network failing looks like.
func (o Outcome) NetworkClass() bool {
	return o == OutcomeTimeout || o == OutcomeConnectionRefused || o == OutcomeDNSError
}

// MinDegradedRound is the least number of targets a round needs before
// "most failed at once" is read as the prober's fault rather than theirs.
const MinDegradedRound = 4

// RoundDegraded decides whether a probe round measured the prober's own
// network rather than the sites: such a round must open no outage, fire no
// alert and count in no uptime. With canaries (addresses that are up
// whenever the prober's network is), the round is degraded exactly when
// every canary failed with a network-class outcome: a canary that answered
// proves the network, however many sites failed. Without canaries it is
// degraded when at least MinDegradedRound targets were probed and more
// than half failed with a network-class outcome in the same round. The
// reason says which rule fired, for logs and the report.
func RoundDegraded(round, canaries []Probe) (bool, string) {
	if len(canaries) > 0 {
		for _, c := range canaries {
			if !c.Outcome.NetworkClass() {
				return false, ""
			}
		}
		return true, "every canary failed (" + string(canaries[0].Outcome) + ")"
	}
	n, failed := len(round), 0
	for _, p := range round {
		if p.Outcome.NetworkClass() {
			failed++
		}
	}
	if n >= MinDegradedRound && failed*2 > n {
		return true, strconv.Itoa(failed) + " of " + strconv.Itoa(n) + " targets failed with network errors"
	}
	return false, ""
}

// DegradedRoundOf returns the round to record in place of probes when
// RoundDegraded judges them (with the canaries probed alongside) to have
// measured the prober's own network, or nil when they measured the sites.
// A local round and a distributed worker's batch of probes are judged by
// this one rule.
func DegradedRoundOf(round, canaries []Probe) *DegradedRound {
	bad, why := RoundDegraded(round, canaries)
	if !bad {
		return nil
	}
	r := DegradedRound{Targets: len(round), Reason: why}
	for _, p := range round {
		if r.At.IsZero() || p.At.Before(r.At) {
			r.At = p.At
		}
		if p.Outcome.NetworkClass() {
			r.Failed++
		}
	}
	return &r
}
