package crawler

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

const homeHTML = `<!doctype html><html><head><title>Pemerintah Kota Contoh</title></head>
<body><h1>Selamat datang</h1><p>Portal resmi pemerintah kota.</p><a href="/layanan">Layanan</a></body></html>`

func serveHTML(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func TestProbeOutcomes(t *testing.T) {
	t.Parallel()
	type setup func(t *testing.T, cfg *Config) string
	onHandler := func(h http.HandlerFunc) setup {
		return func(t *testing.T, cfg *Config) string {
			srv := newServer(t, h)
			return resolveTo(t, cfg, "http", "kota.contoh.go.id", hostAddr(t, srv.URL)) + "/"
		}
	}
	cases := []struct {
		name   string
		setup  setup
		want   egovbench.Outcome
		status int
		check  func(t *testing.T, p egovbench.Probe)
	}{
		{name: "ok", setup: onHandler(serveHTML(homeHTML)), want: egovbench.OutcomeOK, status: 200,
			check: func(t *testing.T, p egovbench.Probe) {
				if p.Bytes != int64(len(homeHTML)) || p.TTFB <= 0 || p.Total < p.TTFB || p.Connect <= 0 {
					t.Errorf("bytes %d ttfb %v total %v connect %v", p.Bytes, p.TTFB, p.Total, p.Connect)
				}
				if p.TLSValid || p.HSTS || p.HTTPSRedirect {
					t.Errorf("plain http reported TLS/HSTS/redirect: %+v", p)
				}
			}},
		{name: "dns failure", want: egovbench.OutcomeDNSError, setup: func(t *testing.T, cfg *Config) string {
			return "http://nowhere.invalid/"
		}},
		{name: "unknown name under resolve-only", want: egovbench.OutcomeDNSError, setup: func(t *testing.T, cfg *Config) string {
			return "https://kota-hilang.go.id/"
		}},
		{name: "connection refused", want: egovbench.OutcomeConnectionRefused, setup: func(t *testing.T, cfg *Config) string {
			return resolveTo(t, cfg, "http", "mati.go.id", closedPort(t)) + "/"
		}},
		{name: "accepts and never answers", want: egovbench.OutcomeTimeout, setup: func(t *testing.T, cfg *Config) string {
			return resolveTo(t, cfg, "http", "diam.go.id", silentListener(t)) + "/"
		}},
		{name: "body stalls", want: egovbench.OutcomeTimeout, status: 200, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body><p>x</p>"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}), check: func(t *testing.T, p egovbench.Probe) {
			if !strings.Contains(p.Error, "no body bytes") {
				t.Errorf("error %q does not say the body stalled", p.Error)
			}
		}},
		// Slow but live: every pause is short, the whole body takes about
		// three request timeouts. A whole-body deadline gave it up.
		{name: "slow steady body", want: egovbench.OutcomeOK, status: 200, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><head><title>Lambat</title></head><body>"))
			for range 20 {
				if _, err := w.Write([]byte("<p>Pelayanan publik</p>")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
			w.Write([]byte("</body></html>"))
		})},
		{name: "headers later than the timeout", want: egovbench.OutcomeTimeout, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		})},
		{name: "500", want: egovbench.OutcomeHTTPError, status: 500, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", 500)
		})},
		{name: "404", want: egovbench.OutcomeHTTPError, status: 404, setup: onHandler(http.NotFound)},
		{name: "503", want: egovbench.OutcomeMaintenance, status: 503, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		})},
		{name: "maintenance page with 200", want: egovbench.OutcomeMaintenance, status: 200,
			setup: onHandler(serveHTML(`<html><head><title>Portal</title></head><body><h1>Mohon maaf, website sedang dalam perbaikan</h1></body></html>`))},
		{name: "403", want: egovbench.OutcomeBlocked, status: 403, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "forbidden", http.StatusForbidden)
		})},
		{name: "429", want: egovbench.OutcomeBlocked, status: 429, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		})},
		{name: "waf challenge", want: egovbench.OutcomeBlocked, status: 503, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(503)
			fmt.Fprint(w, `<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>`)
		})},
		{name: "redirect loop", want: egovbench.OutcomeRedirectLoop, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/a" {
				http.Redirect(w, r, "/b", http.StatusFound)
				return
			}
			http.Redirect(w, r, "/a", http.StatusFound)
		})},
		{name: "endless redirects", want: egovbench.OutcomeRedirectLoop, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		})},
		{name: "multi-GB body", want: egovbench.OutcomeTooLarge, status: 200, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", fmt.Sprint(int64(4)<<30))
			chunk := []byte(strings.Repeat("<p>lorem ipsum</p>", 2000))
			for written := int64(0); written < 4<<30; written += int64(len(chunk)) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}), check: func(t *testing.T, p egovbench.Probe) {
			if p.Bytes != 256<<10 {
				t.Errorf("read %d bytes, want the 256 KiB cap", p.Bytes)
			}
		}},
		{name: "binary served as html", want: egovbench.OutcomeInvalidContent, status: 200, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"))
		})},
		{name: "html served as image", want: egovbench.OutcomeInvalidContent, status: 200, setup: onHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, homeHTML)
		})},
		{name: "private address refused", want: egovbench.OutcomePrivateAddress, setup: func(t *testing.T, cfg *Config) string {
			srv := newServer(t, serveHTML(homeHTML))
			cfg.AllowPrivate = false
			return resolveTo(t, cfg, "http", "intranet.go.id", hostAddr(t, srv.URL)) + "/"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig()
			target := tc.setup(t, &cfg)
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			start := time.Now()
			p := c.Probe(context.Background(), egovbench.Target{ID: "t", URL: target})
			if p.Outcome != tc.want {
				t.Fatalf("outcome %q (%s), want %q", p.Outcome, p.Error, tc.want)
			}
			if p.HTTPStatus != tc.status {
				t.Errorf("status %d, want %d", p.HTTPStatus, tc.status)
			}
			if p.Outcome != egovbench.OutcomeOK && p.Outcome != egovbench.OutcomeTooLarge && p.Error == "" && p.HTTPStatus == 0 {
				t.Errorf("failure without an error text")
			}
			// Catches a hang, not a speed target: timeouts here are < 1 s.
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("probe took %v", d)
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

// TestProbeRedirectToPrivate: the first hop is public, the redirect points
// at an address the check refuses; it must be refused at dial time.
func TestProbeRedirectToPrivate(t *testing.T) {
	t.Parallel()
	inner := &requestLog{}
	intranet := newServer(t, inner.wrap(serveHTML(homeHTML)))
	cfg := testConfig()
	_, port, _ := strings.Cut(hostAddr(t, intranet.URL), ":")
	// 127.0.0.2 is loopback too, but plays the private address here.
	cfg.Resolve = map[string]string{"intranet.contoh.go.id:" + port: "127.0.0.2:" + port}
	outer := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://intranet.contoh.go.id:"+port+"/", http.StatusFound)
	}))
	target := resolveTo(t, &cfg, "http", "www.contoh.go.id", hostAddr(t, outer.URL)) + "/"
	public := netip.MustParseAddr("127.0.0.1")
	c := newTestCrawler(t, cfg, func(a netip.Addr) bool { return a != public })
	p := c.Probe(context.Background(), egovbench.Target{ID: "t", URL: target})
	if p.Outcome != egovbench.OutcomePrivateAddress {
		t.Fatalf("outcome %q (%s), want private_address", p.Outcome, p.Error)
	}
	if n := len(inner.Paths()); n != 0 {
		t.Errorf("private server got %d requests", n)
	}
}

func TestProbeTLS(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good, goodLeaf := selfSignedCert(t, now.Add(-time.Hour), now.Add(90*24*time.Hour), "secure.contoh.go.id")
	expired, expiredLeaf := selfSignedCert(t, now.Add(-90*24*time.Hour), now.Add(-24*time.Hour), "expired.contoh.go.id")
	hsts := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		serveHTML(homeHTML)(w, r)
	}
	goodSrv := newTLSServer(t, http.HandlerFunc(hsts), good)
	expiredSrv := newTLSServer(t, serveHTML(homeHTML), expired)

	pool := x509.NewCertPool()
	pool.AddCert(goodLeaf)
	pool.AddCert(expiredLeaf)

	cases := []struct {
		name   string
		host   string
		srv    string
		roots  *x509.CertPool
		want   egovbench.Outcome
		valid  bool
		expiry time.Time
	}{
		{"trusted", "secure.contoh.go.id", goodSrv.URL, pool, egovbench.OutcomeOK, true, goodLeaf.NotAfter},
		{"unknown authority", "secure.contoh.go.id", goodSrv.URL, x509.NewCertPool(), egovbench.OutcomeTLSError, false, goodLeaf.NotAfter},
		{"wrong host", "other.contoh.go.id", goodSrv.URL, pool, egovbench.OutcomeTLSError, false, goodLeaf.NotAfter},
		{"expired", "expired.contoh.go.id", expiredSrv.URL, pool, egovbench.OutcomeTLSError, false, expiredLeaf.NotAfter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.RootCAs = tc.roots
			target := resolveTo(t, &cfg, "https", tc.host, hostAddr(t, tc.srv)) + "/"
			c := newTestCrawler(t, cfg, nil)
			p := c.Probe(context.Background(), egovbench.Target{ID: "t", URL: target})
			if p.Outcome != tc.want || p.TLSValid != tc.valid {
				t.Fatalf("outcome %q valid %v (%s), want %q valid %v", p.Outcome, p.TLSValid, p.Error, tc.want, tc.valid)
			}
			if !p.TLSExpiry.Equal(tc.expiry.UTC()) {
				t.Errorf("expiry %v, want %v", p.TLSExpiry, tc.expiry)
			}
			if tc.valid && (!p.HSTS || p.TLS <= 0) {
				t.Errorf("hsts %v tls %v", p.HSTS, p.TLS)
			}
		})
	}
}

func TestProbeHTTPSRedirect(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cert, leaf := selfSignedCert(t, now.Add(-time.Hour), now.Add(24*time.Hour), "www.contoh.go.id")
	tlsSrv := newTLSServer(t, serveHTML(homeHTML), cert)
	cfg := testConfig()
	cfg.RootCAs = x509.NewCertPool()
	cfg.RootCAs.AddCert(leaf)
	httpsURL := resolveTo(t, &cfg, "https", "www.contoh.go.id", hostAddr(t, tlsSrv.URL))
	plain := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, httpsURL+r.URL.Path, http.StatusMovedPermanently)
	}))
	target := resolveTo(t, &cfg, "http", "contoh.go.id", hostAddr(t, plain.URL)) + "/"
	c := newTestCrawler(t, cfg, nil)
	p := c.Probe(context.Background(), egovbench.Target{ID: "t", URL: target})
	if p.Outcome != egovbench.OutcomeOK || !p.HTTPSRedirect || !p.TLSValid || p.FinalURL != httpsURL+"/" {
		t.Fatalf("got %+v", p)
	}
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "t", URL: target})
	if len(snap.Redirects) != 2 || snap.Redirects[0] != target || snap.Redirects[1] != httpsURL+"/" {
		t.Errorf("redirect chain %q", snap.Redirects)
	}
}

// TestProbeLatencyLeavesOutGateWait: the politeness delay (and a crawl of
// the same host holding the gate) is our wait, not the site's latency. A
// server that answers at once must be recorded fast even when the probe
// queued for the full delay first.
func TestProbeLatencyLeavesOutGateWait(t *testing.T) {
	t.Parallel()
	const delay = 1500 * time.Millisecond
	cfg := testConfig()
	cfg.Delay = delay
	srv := newServer(t, serveHTML(homeHTML))
	u := resolveTo(t, &cfg, "http", "cepat.go.id", hostAddr(t, srv.URL)) + "/"
	c := newTestCrawler(t, cfg, nil)
	tg := egovbench.Target{ID: "cepat", URL: u}
	ctx := context.Background()

	first := c.Probe(ctx, tg)
	start := time.Now()
	second := c.Probe(ctx, tg) // queues behind the first for the delay
	wall := time.Since(start)
	snap := c.Crawl(ctx, tg) // robots.txt first, then the probe queues
	if wall < delay*2/3 {
		t.Fatalf("second probe took %v: the gate did not hold it, so the test proves nothing", wall)
	}
	for name, p := range map[string]egovbench.Probe{"first": first, "second": second, "crawl": snap.Probe} {
		if p.Outcome != egovbench.OutcomeOK {
			t.Fatalf("%s probe: %s %s", name, p.Outcome, p.Error)
		}
		// Loopback answers in well under a millisecond; a third of the
		// delay is a margin no busy machine needs, and far below the wait.
		if p.TTFB >= delay/3 || p.Total >= delay/3 {
			t.Errorf("%s probe: ttfb %v total %v: the %v gate wait was counted as latency", name, p.TTFB, p.Total, delay)
		}
		if p.TTFB <= 0 || p.Total < p.TTFB {
			t.Errorf("%s probe: ttfb %v total %v", name, p.TTFB, p.Total)
		}
	}
}
