package crawler

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// fetchInfo travels in a request's context from the caller to the
// transport and the redirect policy, and carries back what colly does not
// expose (TLS state, the redirect chain, whether the body was cut). A fetch
// runs on one goroutine, so it needs no lock.
type fetchInfo struct {
	// set by the caller
	limit   int64  // body cap in bytes
	scope   string // registrable domain redirects may stay in; "" follows any host
	anyType bool   // read the body whatever its type (robots.txt, sitemaps)
	// holdOff applies a Retry-After to the host's gate. Crawl fetches do;
	// the probe and robots.txt only note it, so a site answering 503 with
	// "come back in an hour" is still probed and classified at once.
	holdOff bool
	// timeout, when set, replaces the transport's (uptime probes have
	// their own).
	timeout time.Duration
	// set by the transport and the redirect policy
	chain       []string // URLs requested, in order, the first included
	offScope    string   // redirect target outside scope, not followed
	contentType string   // Content-Type as the server sent it
	tls         *tls.ConnectionState
	sniffOnly   bool  // the body was cut at sniffBytes because it claims not to be HTML
	truncated   bool  // the body was cut at limit
	read        int64 // body bytes read
	retryAfter  time.Duration
	// waited sums the time the fetch's hops spent queued at the host gate
	// (nanoseconds). It is our politeness, not the site's latency, so the
	// probe's timings leave it out. Atomic: httptrace hooks read it from
	// the transport's goroutines.
	waited atomic.Int64
}

type fetchKey struct{}

func withFetchInfo(ctx context.Context, fi *fetchInfo) context.Context {
	return context.WithValue(ctx, fetchKey{}, fi)
}

func fetchInfoFrom(ctx context.Context) *fetchInfo {
	fi, _ := ctx.Value(fetchKey{}).(*fetchInfo)
	return fi
}

// gatedTransport passes every request, redirects included, through the
// host gate, caps bodies, and notes what the caller needs in its fetchInfo.
type gatedTransport struct {
	base          http.RoundTripper
	gate          *hostGate
	maxRetryAfter time.Duration
	defaultLimit  int64
	// timeout bounds the wait for each hop's response headers (connect and
	// TLS included) and then every pause while its body is read; it never
	// bounds the whole body. A live but slow server that keeps sending is
	// data to record, not a failure; the crawl's SiteTimeout bounds the
	// total. It starts once the gate lets the request go, so politeness
	// waits never count as a slow server.
	timeout time.Duration
}

// stallError is a hop given up because the server sent nothing for the
// timeout: no response headers, or no body bytes since the last ones. It
// is a net.Error with Timeout() true, so it is classified as a timeout.
type stallError struct {
	phase string
	after time.Duration
}

func (e stallError) Error() string   { return fmt.Sprintf("no %s for %v", e.phase, e.after) }
func (e stallError) Timeout() bool   { return true }
func (e stallError) Temporary() bool { return true }

// watchdog cancels a hop when the server stays silent for its timeout;
// kick restarts the count each time bytes arrive.
type watchdog struct {
	timer  *time.Timer
	d      time.Duration
	phase  atomic.Value // string: what was awaited when it fired
	fired  atomic.Bool
	cancel context.CancelFunc
}

func newWatchdog(d time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{d: d, cancel: cancel}
	w.phase.Store("response")
	w.timer = time.AfterFunc(d, func() { w.fired.Store(true); cancel() })
	return w
}

func (w *watchdog) kick()      { w.timer.Reset(w.d) }
func (w *watchdog) stop()      { w.timer.Stop(); w.cancel() }
func (w *watchdog) err() error { return stallError{phase: w.phase.Load().(string), after: w.d} }

func (t *gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := strings.ToLower(req.URL.Hostname())
	fi := fetchInfoFrom(req.Context())
	if fi == nil {
		fi = &fetchInfo{}
	}
	queued := time.Now()
	release, err := t.gate.acquire(req.Context(), host)
	fi.waited.Add(int64(time.Since(queued)))
	if err != nil {
		return nil, notSentError{err}
	}
	ctx, cancel := context.WithCancel(req.Context())
	timeout := t.timeout
	if fi.timeout > 0 {
		timeout = fi.timeout
	}
	wd := newWatchdog(timeout, cancel)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		wd.stop()
		release()
		if wd.fired.Load() && req.Context().Err() == nil {
			return nil, wd.err()
		}
		return nil, err
	}
	wd.phase.Store("body bytes")
	wd.kick()
	done := func() { wd.stop(); release() }
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			fi.retryAfter = d
			if fi.holdOff {
				t.gate.holdOff(host, time.Now().Add(min(d, t.maxRetryAfter)))
			}
		}
	}
	fi.tls = resp.TLS
	ct := resp.Header.Get("Content-Type")
	fi.contentType = ct
	limit := fi.limit
	if limit <= 0 {
		limit = t.defaultLimit
	}
	fi.sniffOnly = false
	if !htmlish(ct) && !fi.anyType {
		limit = min(limit, sniffBytes)
		fi.sniffOnly = true
	}
	if ct != "" {
		// colly converts charsets only when the header names one, and
		// only some; hiding the parameter leaves one decoder (ours, with
		// the WHATWG order BOM > header > meta) working on the raw bytes.
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			resp.Header.Set("Content-Type", mt)
		} else {
			resp.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && ce != "identity" && !resp.Uncompressed {
		// An encoding the transport did not undo would be inflated by colly
		// after our cap, so a small body could become gigabytes.
		resp.Header.Set("Content-Type", "application/octet-stream")
		limit = min(limit, sniffBytes)
		fi.sniffOnly = true
	}
	resp.Body = &cappedBody{rc: resp.Body, left: limit, fi: fi, release: done, wd: wd, parent: req.Context()}
	return resp, nil
}

// htmlish reports whether a Content-Type may hold a web page (empty means
// the server did not say, so the body is sniffed).
func htmlish(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	switch mt {
	case "text/html", "application/xhtml+xml", "text/plain", "":
		return true
	}
	return false
}

// cappedBody reads at most left bytes, notes whether more were on offer,
// and releases the host when closed.
type cappedBody struct {
	rc      io.ReadCloser
	left    int64
	fi      *fetchInfo
	release func()
	done    bool
	wd      *watchdog
	parent  context.Context // the caller's: its end is not a stall
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if b.left <= 0 {
		// One more byte tells a body that ends exactly at the cap from one
		// that goes on; the rest is never read.
		var one [1]byte
		n, _ := io.ReadFull(b.rc, one[:])
		if n > 0 && !b.fi.sniffOnly {
			b.fi.truncated = true
		}
		b.done = true
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	b.fi.read += int64(n)
	if n > 0 {
		b.wd.kick()
	}
	if err != nil && err != io.EOF && b.wd.fired.Load() && b.parent.Err() == nil {
		err = b.wd.err()
	}
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.rc.Close()
	b.release()
	return err
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		return max(d, 0), true
	}
	return 0, false
}

// notSentError marks a request given up while waiting for its host's
// turn: the server was never asked, so nothing about it may be concluded.
type notSentError struct{ err error }

func (e notSentError) Error() string { return "not sent, waiting for the host: " + e.err.Error() }
func (e notSentError) Unwrap() error { return e.err }

// notSent reports whether err means the request never left.
func notSent(err error) bool {
	var ns notSentError
	return errors.As(err, &ns)
}
