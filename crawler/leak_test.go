package crawler

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestCrawlLeavesNothingBehind: once crawls return, their connections and
// goroutines are gone, so a run over thousands of sites does not pile them
// up. Not parallel, so other tests' goroutines do not blur the count.
func TestCrawlLeavesNothingBehind(t *testing.T) {
	cfg := testConfig()
	rs := routes{"*/": pageWith("Home", `<a href="/layanan">Layanan</a>`, `<a href="/profil">Profil</a>`),
		"*/layanan": pageWith("Layanan"), "*/profil": pageWith("Profil")}
	var targets []string
	for i := range 8 {
		srv := newServer(t, rs)
		targets = append(targets, resolveTo(t, &cfg, "http", fmt.Sprintf("bersih%d.go.id", i), hostAddr(t, srv.URL))+"/")
	}
	c := newTestCrawler(t, cfg, nil)
	before := runtime.NumGoroutine()
	for _, u := range targets {
		if snap := c.Crawl(context.Background(), egovbench.Target{ID: u, URL: u}); len(snap.Pages) != 3 {
			t.Fatalf("%s: %d pages", u, len(snap.Pages))
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
