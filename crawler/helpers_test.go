package crawler

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"
)

// testConfig is a Config with the short limits the suite needs to stay fast.
func testConfig() Config {
	return Config{
		MaxPages: 30, MaxDepth: 4, MaxBytesPerPage: 256 << 10, MaxBytesPerSite: 4 << 20,
		SiteTimeout: 10 * time.Second, RequestTimeout: 700 * time.Millisecond,
		Delay: time.Millisecond, ResolveOnly: true, AllowPrivate: true, RetryBackoff: 10 * time.Millisecond,
	}
}

// newTestCrawler builds a crawler; private, when not nil, replaces the
// address check so that some loopback addresses can play private ones.
func newTestCrawler(tb testing.TB, cfg Config, private func(netip.Addr) bool) *Crawler {
	tb.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		tb.Fatal(err)
	}
	c := newCrawler(cfg, private)
	tb.Cleanup(c.Close)
	return c
}

// resolveTo maps name:port of the server's address to the server, and
// returns the URL by name.
func resolveTo(tb testing.TB, cfg *Config, scheme, name, addr string) string {
	tb.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Resolve == nil {
		cfg.Resolve = map[string]string{}
	}
	cfg.Resolve[name+":"+port] = addr
	return scheme + "://" + name + ":" + port
}

func hostAddr(tb testing.TB, rawURL string) string {
	tb.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Host
}

// requestLog records the requests a test server saw.
type requestLog struct {
	mu    sync.Mutex
	paths []string
	times []time.Time
	uas   []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths = append(l.paths, r.URL.RequestURI())
		l.times = append(l.times, time.Now())
		l.uas = append(l.uas, r.UserAgent())
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (l *requestLog) Paths() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.paths...)
}

func (l *requestLog) Times() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...)
}

func (l *requestLog) count(path string) int {
	n := 0
	for _, p := range l.Paths() {
		if p == path {
			n++
		}
	}
	return n
}

// selfSignedCert makes a certificate for names valid in [notBefore, notAfter].
func selfSignedCert(tb testing.TB, notBefore, notAfter time.Time, names ...string) (tls.Certificate, *x509.Certificate) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore, NotAfter: notAfter,
		DNSNames:              names,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

// newTLSServer starts an HTTPS server on loopback with cert.
func newTLSServer(tb testing.TB, h http.Handler, cert tls.Certificate) *httptest.Server {
	tb.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	// Refused handshakes are what these tests provoke; keep them out of the log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	tb.Cleanup(srv.Close)
	return srv
}

func newServer(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// silentListener accepts connections and never answers.
func silentListener(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// closedPort returns a loopback address where nothing listens.
func closedPort(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
