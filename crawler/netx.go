package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/egovbench/egovbench"
)

// dialer dials with the Resolve overrides and refuses private addresses
// after name resolution, in the socket's Control hook, so the check sees
// the address actually connected to, whatever DNS said before.
type dialer struct {
	resolve     map[string]string
	resolveOnly bool
	// private reports whether an address must be refused; nil allows all.
	private func(netip.Addr) bool
	timeout time.Duration
	// connected, when set, is asked after the address check and before
	// connect; tests make it fail so that no packet leaves even when the
	// check under test would let one go.
	connected func(address string) error
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	key := strings.ToLower(host) + ":" + port
	if to, ok := d.resolve[key]; ok {
		addr = to
	} else if d.resolveOnly {
		if _, err := netip.ParseAddr(host); err != nil {
			// Shaped like the resolver's own answer so classification treats
			// it the same, but no query ever leaves the process.
			return nil, &net.DNSError{Err: "no such host (not in resolve map)", Name: host, IsNotFound: true}
		}
	}
	// Literal addresses are refused before a socket exists; names are
	// checked in control, on each address the resolver returned.
	if ap, err := netip.ParseAddrPort(addr); err == nil && d.private != nil && d.private(ap.Addr()) {
		return nil, fmt.Errorf("dial %s: %w", addr, egovbench.ErrPrivateAddress)
	}
	nd := net.Dialer{Timeout: d.timeout, Control: d.control}
	return nd.DialContext(ctx, network, addr)
}

func (d *dialer) control(_, address string, _ syscall.RawConn) error {
	if d.private == nil {
		return d.beforeConnect(address)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, egovbench.ErrPrivateAddress)
	}
	if d.private(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", address, egovbench.ErrPrivateAddress)
	}
	return d.beforeConnect(address)
}

func (d *dialer) beforeConnect(address string) error {
	if d.connected == nil {
		return nil
	}
	return d.connected(address)
}

// newTransport builds the one transport all crawls of a Crawler share, so
// connections are reused across pages of a host.
func newTransport(cfg Config, d *dialer) *http.Transport {
	return &http.Transport{
		// Never a proxy from the environment: it would hide the address
		// check and send traffic where nobody asked.
		Proxy:           nil,
		DialContext:     d.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS10},
		// No ResponseHeaderTimeout: the gated transport's watchdog bounds
		// the wait for headers with the timeout of the fetch (a probe's or
		// a crawl's).
		TLSHandshakeTimeout:    min(max(cfg.RequestTimeout, cfg.ProbeTimeout), 15*time.Second),
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           4096,
		MaxIdleConnsPerHost:    cfg.PerHostConcurrency + 1,
		MaxConnsPerHost:        cfg.PerHostConcurrency + 2,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 256 << 10,
		ForceAttemptHTTP2:      true,
	}
}

// errRedirectLoop marks a redirect chain that revisits a URL or runs too long.
var errRedirectLoop = errors.New("redirect loop")

// maxRedirects matches browsers' patience, roughly.
const maxRedirects = 10

// classifyErr maps a transport-level failure to an outcome.
func classifyErr(err error) egovbench.Outcome {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		uaErr   x509.UnknownAuthorityError
		hnErr   x509.HostnameError
		ciErr   x509.CertificateInvalidError
		rhErr   tls.RecordHeaderError
		alert   tls.AlertError
		netErr  net.Error
	)
	switch {
	case err == nil:
		return egovbench.OutcomeOK
	case errors.Is(err, egovbench.ErrPrivateAddress):
		return egovbench.OutcomePrivateAddress
	case errors.Is(err, errRedirectLoop):
		return egovbench.OutcomeRedirectLoop
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return egovbench.OutcomeTimeout
		}
		return egovbench.OutcomeDNSError
	case errors.As(err, &certErr), errors.As(err, &uaErr), errors.As(err, &hnErr),
		errors.As(err, &ciErr), errors.As(err, &rhErr), errors.As(err, &alert):
		return egovbench.OutcomeTLSError
	case strings.Contains(err.Error(), "tls: "):
		// Handshake failures (no shared cipher, protocol version) come as
		// plain errors from crypto/tls.
		return egovbench.OutcomeTLSError
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT),
		errors.As(err, &netErr) && netErr.Timeout():
		return egovbench.OutcomeTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return egovbench.OutcomeConnectionRefused
	}
	return egovbench.OutcomeError
}
