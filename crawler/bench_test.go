package crawler

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/egovbench/egovbench"
	"github.com/gocolly/colly/v2"
)

// startFleet runs the fleet server in a child process and returns its address.
func startFleet(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fleetEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("fleet server: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if !ok {
		b.Fatalf("fleet server said %q", line)
	}
	return addr
}

// cpuTime is the user+system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS restarts the kernel's peak-RSS counter (VmHWM) so each
// benchmark measures its own peak; it fails silently where unsupported.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM in bytes.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkCrawlFleet crawls N simulated sites of 20 pages with a 200 ms
// per-host delay through one Crawler and a pool of 300 workers, then
// fetches the same pages with bare colly + goquery in the same run. It
// reports wall time against the politeness bound, peak RSS, and the CPU
// per page of both (and their ratio). Run it with -benchtime=1x.
func BenchmarkCrawlFleet(b *testing.B) {
	for _, sites := range []int{30, 300, 3000} {
		b.Run(fmt.Sprintf("sites=%d", sites), func(b *testing.B) { benchFleet(b, sites, 300, 200*time.Millisecond) })
	}
}

func benchFleet(b *testing.B, sites, workers int, delay time.Duration) {
	addr := startFleet(b)
	_, port, _ := net.SplitHostPort(addr)
	cfg := Config{
		MaxPages: fleetPages, Delay: delay, RequestTimeout: 20 * time.Second, SiteTimeout: 5 * time.Minute,
		ResolveOnly: true, AllowPrivate: true, Resolve: map[string]string{},
	}
	targets := make([]egovbench.Target, sites)
	for i := range targets {
		host := fmt.Sprintf("kab%04d.go.id", i)
		cfg.Resolve[host+":"+port] = addr
		targets[i] = egovbench.Target{ID: host, URL: "http://" + host + ":" + port + "/"}
	}
	c, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()

	b.ReportAllocs()
	var pages, failed atomic.Int64
	var peakHeap atomic.Uint64
	stopSampling := sampleHeap(&peakHeap)
	resetPeakRSS()
	b.ResetTimer()
	for range b.N {
		pages.Store(0)
		start, cpu0 := time.Now(), cpuTime()
		runPool(targets, workers, func(t egovbench.Target) {
			snap := c.Crawl(context.Background(), t)
			n := 0
			for _, p := range snap.Pages {
				if p.Outcome == egovbench.OutcomeOK {
					n++
				}
			}
			pages.Add(int64(n))
			if n != fleetPages {
				failed.Add(1)
			}
		})
		wall, crawlCPU := time.Since(start), cpuTime()-cpu0
		b.StopTimer()
		rss := peakRSS()
		stopSampling()
		bound := time.Duration(fleetPages) * delay * time.Duration((sites+workers-1)/workers)
		baseCPU, basePages := bareCollyBaseline(b, targets, workers, cfg.Resolve)
		if failed.Load() > 0 || pages.Load() != int64(sites*fleetPages) || basePages != int64(sites*fleetPages) {
			b.Fatalf("incomplete: %d sites short, %d pages crawled, %d baseline pages", failed.Load(), pages.Load(), basePages)
		}
		perPage := float64(crawlCPU.Microseconds()) / float64(pages.Load())
		basePerPage := float64(baseCPU.Microseconds()) / float64(basePages)
		b.ReportMetric(wall.Seconds(), "wall_s")
		b.ReportMetric(bound.Seconds(), "bound_s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "wall/bound")
		b.ReportMetric(float64(rss)/(1<<20), "peakRSS_MB")
		b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peakHeap_MB")
		b.ReportMetric(perPage, "cpu_us/page")
		b.ReportMetric(basePerPage, "bare_cpu_us/page")
		b.ReportMetric(perPage/basePerPage, "cpu_ratio")
		b.StartTimer()
	}
}

// runPool runs fn over targets with a fixed number of workers, like the
// lead's worker pool.
func runPool(targets []egovbench.Target, workers int, fn func(egovbench.Target)) {
	ch := make(chan egovbench.Target)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for t := range ch {
				fn(t)
			}
		})
	}
	for _, t := range targets {
		ch <- t
	}
	close(ch)
	wg.Wait()
}

// sampleHeap records the peak of the Go heap in use until stopped.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtimeMemStats
			readMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// bareCollyBaseline fetches every fleet page with a plain colly collector
// and parses it with goquery: the least any colly crawler must spend.
func bareCollyBaseline(b *testing.B, targets []egovbench.Target, workers int, resolve map[string]string) (time.Duration, int64) {
	b.Helper()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := resolve[addr]; ok {
				addr = to
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns: 4096, MaxIdleConnsPerHost: 2,
	}
	defer tr.CloseIdleConnections()
	var pages atomic.Int64
	cpu0 := cpuTime()
	runPool(targets, workers, func(t egovbench.Target) {
		col := colly.NewCollector()
		col.WithTransport(tr)
		col.OnResponse(func(r *colly.Response) {
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
			if err == nil && doc.Find("a[href]").Length() > 0 {
				pages.Add(1)
			}
		})
		base, _ := url.Parse(t.URL)
		for _, p := range fleetPaths() {
			_ = col.Visit(base.ResolveReference(&url.URL{Path: p}).String())
		}
	})
	return cpuTime() - cpu0, pages.Load()
}

type runtimeMemStats = runtime.MemStats

func readMemStats(ms *runtime.MemStats) { runtime.ReadMemStats(ms) }
