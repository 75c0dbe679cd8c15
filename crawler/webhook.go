package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ClientConfig configures NewClient.
type ClientConfig struct {
	// AllowPrivate permits addresses Refused would turn away (an intranet
	// chat server); by default they are refused at dial time, as for crawls.
	AllowPrivate bool
	// Proxy, when set, carries every request; the proxy itself is dialled
	// without the address check (the operator chose it) and it resolves and
	// reaches the destination. When nil, HTTP_PROXY and friends in the
	// environment are ignored: they would hide the destination from the
	// check and send alerts where nobody configured them to go.
	Proxy *url.URL
	// Timeout bounds dialling; callers bound whole requests with their ctx.
	Timeout time.Duration
	// RootCAs verifies server certificates; nil means the system roots.
	RootCAs *x509.CertPool
}

// errOtherHost refuses a redirect that leaves the original host.
var errOtherHost = errors.New("redirect to another host refused")

// maxClientRedirects bounds same-host redirects (a trailing slash, http to
// https); a receiver that needs more is misconfigured.
const maxClientRedirects = 3

// NewClient returns an HTTP client for requests the daemon makes on its own
// account, webhook POSTs: it dials through the crawler's guarded dialer, so
// the special-purpose ranges (cloud metadata, private networks) are refused
// after DNS and on every redirect hop, it follows redirects only on the
// original host (a redirect elsewhere ends the request with an error, and
// the body is never sent there), and it ignores proxy environment variables.
func NewClient(cfg ClientConfig) *http.Client {
	return newClient(cfg, nil)
}

// newClient lets tests replace the address check and the connect step.
func newClient(cfg ClientConfig, d *dialer) *http.Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if d == nil {
		d = &dialer{timeout: cfg.Timeout}
		if !cfg.AllowPrivate {
			d.private = Refused
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConns:          4,
		IdleConnTimeout:       time.Minute,
		ForceAttemptHTTP2:     true,
	}
	if cfg.Proxy != nil {
		proxy := *cfg.Proxy
		tr.Proxy = http.ProxyURL(&proxy)
		hostPort := proxyHostPort(&proxy)
		guarded := d.DialContext
		plain := &net.Dialer{Timeout: cfg.Timeout}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if strings.EqualFold(addr, hostPort) {
				return plain.DialContext(ctx, network, addr)
			}
			return guarded(ctx, network, addr)
		}
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			first := via[0].URL
			if !strings.EqualFold(req.URL.Host, first.Host) && !sameHostUpgrade(first, req.URL) {
				return fmt.Errorf("%s to %s: %w", first.Redacted(), req.URL.Redacted(), errOtherHost)
			}
			if first.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("%s to %s: downgrade to http: %w", first.Redacted(), req.URL.Redacted(), errOtherHost)
			}
			if len(via) > maxClientRedirects {
				return fmt.Errorf("%d redirects: %w", len(via), errRedirectLoop)
			}
			return nil
		},
	}
}

// sameHostUpgrade allows http://h/ to https://h/, whose default ports differ.
func sameHostUpgrade(from, to *url.URL) bool {
	return from.Scheme == "http" && to.Scheme == "https" && from.Port() == "" && to.Port() == "" &&
		strings.EqualFold(from.Hostname(), to.Hostname())
}

func proxyHostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
