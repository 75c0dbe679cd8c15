package crawler

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestCrawlRetriesHomeOnce: a homepage that stalls, resets or refuses
// once is asked again after a backoff; the site is crawled, not recorded
// unreachable for the run.
func TestCrawlRetriesHomeOnce(t *testing.T) {
	t.Parallel()
	good := routes{"*/": pageWith("Beranda", `<a href="/layanan">Layanan</a>`), "*/layanan": pageWith("Layanan"),
		"*/robots.txt": func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }}
	// failFirst wraps good so that the first request for "/" fails as fail does.
	failFirst := func(fail func(w http.ResponseWriter, r *http.Request)) (http.Handler, *atomic.Int32) {
		var n atomic.Int32
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" && n.Add(1) == 1 {
				fail(w, r)
				return
			}
			good.ServeHTTP(w, r)
		}), &n
	}
	stall := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	reset := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, not FIN
		}
		conn.Close()
	}
	for _, tc := range []struct {
		name string
		fail func(w http.ResponseWriter, r *http.Request)
	}{{"stalls once", stall}, {"resets once", reset}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, homeHits := failFirst(tc.fail)
			srv := newServer(t, h)
			cfg := testConfig()
			cfg.RequestTimeout = 400 * time.Millisecond
			u := resolveTo(t, &cfg, "http", "goyah.go.id", hostAddr(t, srv.URL)) + "/"
			c := newTestCrawler(t, cfg, nil)
			snap := c.Crawl(context.Background(), egovbench.Target{ID: "goyah", URL: u})
			if snap.Probe.Outcome != egovbench.OutcomeOK || len(snap.Pages) != 2 {
				t.Fatalf("outcome %s (%s), %d pages; want ok and 2 pages", snap.Probe.Outcome, snap.Probe.Error, len(snap.Pages))
			}
			if n := homeHits.Load(); n != 2 {
				t.Errorf("home asked %d times, want 2", n)
			}
		})
	}
}

// TestCrawlRefusedOnceThenListening: nothing listens at the first try and
// the server is up by the retry.
func TestCrawlRefusedOnceThenListening(t *testing.T) {
	t.Parallel()
	addr := closedPort(t)
	cfg := testConfig()
	cfg.RetryBackoff = 600 * time.Millisecond
	cfg.IgnoreRobots = true // the homepage is the first request
	u := resolveTo(t, &cfg, "http", "bangun.go.id", addr) + "/"
	c := newTestCrawler(t, cfg, nil)
	listening := make(chan struct{})
	go func() {
		// Well after the first try was refused, well before the retry.
		time.Sleep(200 * time.Millisecond)
		defer close(listening)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		srv := &http.Server{Handler: pageWith("Beranda")}
		t.Cleanup(func() { srv.Close() })
		go srv.Serve(ln)
	}()
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "bangun", URL: u})
	<-listening
	if snap.Probe.Outcome != egovbench.OutcomeOK {
		t.Fatalf("crawl outcome %s (%s), want ok", snap.Probe.Outcome, snap.Probe.Error)
	}
	// The probe kept is the attempt that succeeded: it started after the
	// backoff, so a first attempt was made and refused.
	if d := snap.Probe.At.Sub(snap.StartedAt); d < cfg.RetryBackoff {
		t.Errorf("the kept probe started %v after the crawl: no retry happened", d)
	}
}

// TestCrawlHungSiteCostsTwoTries: a server that accepts and never answers
// is asked twice in all (robots.txt, then the homepage once), so a hung
// site costs about two request timeouts and is recorded as a timeout.
func TestCrawlHungSiteCostsTwoTries(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	})
	cfg := testConfig()
	cfg.RequestTimeout = 300 * time.Millisecond
	u := resolveTo(t, &cfg, "http", "hang.go.id", ln.Addr().String()) + "/"
	c := newTestCrawler(t, cfg, nil)
	snap := c.Crawl(context.Background(), egovbench.Target{ID: "hang", URL: u})
	if snap.Probe.Outcome != egovbench.OutcomeTimeout {
		t.Fatalf("outcome %s (%s), want timeout", snap.Probe.Outcome, snap.Probe.Error)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (robots.txt and one homepage try)", n)
	}
}
