package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/fleet"
	"github.com/egovbench/egovbench/store"
)

// fleetChildEnv, set to a number of sites, turns the test binary into a
// synthetic fleet server (see serveFleetChild). The benchmark runs the
// server in a child process so that its CPU is not charged to the pipeline.
const fleetChildEnv = "EGOVBENCH_TEST_FLEET"

// fleetChildPagesEnv and fleetChildScriptEnv set the fleet child's pages
// per site (default 20) and share of script-built sites (default 0).
const (
	fleetChildPagesEnv  = "EGOVBENCH_TEST_FLEET_PAGES"
	fleetChildScriptEnv = "EGOVBENCH_TEST_FLEET_SCRIPT"
)

// benchSitesEnv raises the number of simulated sites of BenchmarkPipeline.
const benchSitesEnv = "EGOVBENCH_BENCH_SITES"

// benchRecrawlEnv, when set, makes BenchmarkPipeline measure a second crawl
// into the same database, as a schedule runs them: bodies that did not
// change are found stored and not compressed again.
const benchRecrawlEnv = "EGOVBENCH_BENCH_RECRAWL"

// fleetInfo is what the fleet child tells its parent: enough to crawl the
// fleet while keeping every connection on loopback.
type fleetInfo struct {
	Resolve    map[string]string `json:"resolve"`
	CAPEM      string            `json:"ca_pem"`
	TargetsCSV string            `json:"targets_csv"`
	Sites      int               `json:"sites"`
	// Truth is each site's TrueStage and how it is built by script ('' for
	// a static site), by target id.
	Truth map[string]childTruth `json:"truth"`
}

// childTruth is the ground truth of one fleet child site.
type childTruth struct {
	Stage  egovbench.Stage `json:"stage"`
	Script string          `json:"script,omitempty"`
}

// serveFleetChild starts a synthetic fleet of sites sites, prints its
// fleetInfo as one JSON line and serves until stdin is closed.
func serveFleetChild(sites string) int {
	n, err := strconv.Atoi(sites)
	if err != nil || n <= 0 {
		fmt.Fprintf(os.Stderr, "%s=%q: want a positive number\n", fleetChildEnv, sites)
		return 2
	}
	opts := fleet.Options{Sites: n, PagesPerSite: 20, Seed: 1}
	if v := os.Getenv(fleetChildPagesEnv); v != "" {
		if opts.PagesPerSite, err = strconv.Atoi(v); err != nil {
			fmt.Fprintf(os.Stderr, "%s=%q: %v\n", fleetChildPagesEnv, v, err)
			return 2
		}
	}
	if v := os.Getenv(fleetChildScriptEnv); v != "" {
		if opts.ScriptShare, err = strconv.ParseFloat(v, 64); err != nil {
			fmt.Fprintf(os.Stderr, "%s=%q: %v\n", fleetChildScriptEnv, v, err)
			return 2
		}
	}
	f, err := fleet.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		return 1
	}
	defer f.Close()
	var csv bytes.Buffer
	if err := f.TargetsCSV(&csv); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		return 1
	}
	info := fleetInfo{Resolve: f.Resolve(), CAPEM: string(f.CACertPEM()), TargetsCSV: csv.String(), Sites: len(f.Sites()),
		Truth: map[string]childTruth{}}
	for _, s := range f.Sites() {
		info.Truth[s.Target.ID] = childTruth{Stage: s.TrueStage, Script: s.Script}
	}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// startFleetChild runs serveFleetChild in a child process and returns what
// it printed; the child stops when the benchmark ends. env adds settings
// (fleetChildPagesEnv, fleetChildScriptEnv) as KEY=VALUE.
func startFleetChild(b *testing.B, sites int, env ...string) fleetInfo {
	info, _ := startFleetChildPID(b, sites, env...)
	return info
}

// startFleetChildPID is startFleetChild that also returns the child's
// process id, for benchmarks that measure every process but the fleet.
func startFleetChildPID(b *testing.B, sites int, env ...string) (fleetInfo, int) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), fleetChildEnv+"="+strconv.Itoa(sites)), env...)
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
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	var info fleetInfo
	if err := json.NewDecoder(stdout).Decode(&info); err != nil {
		b.Fatalf("fleet child: %v", err)
	}
	return info, cmd.Process.Pid
}

// processCPU is the user+system CPU this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSites is the fleet size: 60 sites, or EGOVBENCH_BENCH_SITES.
func benchSites(b *testing.B) int {
	s := os.Getenv(benchSitesEnv)
	if s == "" {
		return 60
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 25 {
		// Up to 25 sites the fleet is the hand-made one, with its faults.
		b.Fatalf("%s=%q: want a number above 25", benchSitesEnv, s)
	}
	return n
}

// benchWorkers is both the pipeline's --workers and the baseline's pool.
const benchWorkers = 64

// benchDelay is the per-host politeness delay of both the pipeline and the
// baseline: the setting. The baseline waits as the pipeline does, so
// the two fetch the same pages on the same schedule and the ratio compares
// their work, not how busy a waiting crawl keeps the Go scheduler (a paced
// bare colly spends about a quarter more CPU per page than an unpaced one).
const benchDelay = 200 * time.Millisecond

// BenchmarkPipeline measures the CPU per page of the whole crawl pipeline
// (crawl, analyse, store: what `egovbench crawl` runs) against a bare colly
// fetch + goquery parse of exactly the same pages in the same run, to check
// the issue-3 target (pipeline within 1.3 × the bare baseline). It also
// runs the crawl alone (crawl_ratio), which bounds what any analysis and
// storage could reach. The fleet
// server runs in a child process, so only the client side is counted.
// Run it with -benchtime 1x; EGOVBENCH_BENCH_SITES=300 enlarges the fleet,
// EGOVBENCH_BENCH_RECRAWL=1 measures a re-crawl instead of a first crawl.
func BenchmarkPipeline(b *testing.B) {
	sites := benchSites(b)
	info := startFleetChild(b, sites)
	targets, err := egovbench.ParseTargets(strings.NewReader(info.TargetsCSV))
	if err != nil {
		b.Fatal(err)
	}
	if len(targets) != sites || info.Sites != sites {
		b.Fatalf("fleet has %d targets, %d sites; want %d", len(targets), info.Sites, sites)
	}
	dir := b.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, []byte(info.CAPEM), 0o644); err != nil {
		b.Fatal(err)
	}
	args := []string{"--allow-private", "--ca-file", caFile, "--delay", benchDelay.String(), "--workers", strconv.Itoa(benchWorkers)}
	for k, v := range info.Resolve {
		args = append(args, "--resolve", k+"="+v)
	}
	if m := os.Getenv(benchRenderEnv); m != "" {
		args = append(args, "--render", m)
	}
	var cf crawlFlags
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	cf.register(fs)
	if err := fs.Parse(args); err != nil {
		b.Fatal(err)
	}
	ccfg, err := cf.crawlerConfig()
	if err != nil {
		b.Fatal(err)
	}
	// The CLI has no flag for it, but a benchmark must never look a name
	// up outside the fleet.
	ccfg.ResolveOnly = true
	cat, err := loadCatalogue(cf.catalogue)
	if err != nil {
		b.Fatal(err)
	}
	// As main does: the soft heap limit changes how hard the collector works.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(defaultMemoryLimit))

	var pipeCPU, crawlCPU, baseCPU, wall time.Duration
	var pages, allPages, rendered int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		dbPath := filepath.Join(dir, fmt.Sprintf("run%d.sqlite", i))
		cr, err := crawler.New(ccfg)
		if err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(context.Background(), dbPath)
		if err != nil {
			b.Fatal(err)
		}
		env := &Env{Stdout: io.Discard, Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if os.Getenv(benchRecrawlEnv) != "" {
			if err := unmeasuredCrawl(ccfg, env, db, cat, targets, cf.workers); err != nil {
				b.Fatalf("first crawl: %v", err)
			}
		}
		runtime.GC()
		start, cpu0 := time.Now(), processCPU(b)
		var sum summary
		// The label follows every goroutine the pipeline starts, so a
		// -cpuprofile splits with -tagfocus phase=pipeline or phase=baseline.
		pprof.Do(context.Background(), pprof.Labels("phase", "pipeline"), func(ctx context.Context) {
			sum, err = crawlRun(ctx, env, db, cr, cat, targets, runConfigJSON(cr, cf.workers, cat.Version()), cf.workers, false)
		})
		cpu, took := processCPU(b)-cpu0, time.Since(start)
		b.StopTimer()
		cr.Close()
		db.Close()
		if err != nil {
			b.Fatalf("pipeline: %v", err)
		}
		if sum.Sites != sites || sum.OK != sites {
			b.Fatalf("pipeline: %s; want all %d sites ok", sum, sites)
		}
		bySite, n, all := pipelinePages(b, dbPath)
		if n < int64(sites*12) {
			b.Fatalf("pipeline stored %d HTML pages for %d sites: too few to compare", n, sites)
		}
		// The crawl alone, as the pipeline runs it but with neither
		// analysis nor storage: the part of the pipeline's cost that is
		// fetching politely (robots.txt, sitemaps, the probe, service checks)
		// and reading the pages for links.
		runtime.GC()
		var ccpu time.Duration
		pprof.Do(context.Background(), pprof.Labels("phase", "crawl"), func(ctx context.Context) {
			ccpu = crawlOnly(b, ccfg, targets)
		})
		runtime.GC()
		var bcpu time.Duration
		var bpages, berrs int64
		pprof.Do(context.Background(), pprof.Labels("phase", "baseline"), func(context.Context) {
			bcpu, bpages, berrs = bareBaseline(b, bySite, info)
		})
		if bpages != n || berrs != 0 {
			b.Fatalf("baseline parsed %d pages with %d errors; pipeline stored %d", bpages, berrs, n)
		}
		pipeCPU, crawlCPU, baseCPU, wall = pipeCPU+cpu, crawlCPU+ccpu, baseCPU+bcpu, wall+took
		pages, allPages, rendered = pages+n, allPages+all, rendered+int64(sum.Rendered)
		b.StartTimer()
	}
	b.StopTimer()
	pipePer := float64(pipeCPU.Microseconds()) / float64(pages)
	basePer := float64(baseCPU.Microseconds()) / float64(pages)
	b.ReportMetric(pipePer, "pipeline_cpu_us/page")
	b.ReportMetric(basePer, "baseline_cpu_us/page")
	b.ReportMetric(pipePer/basePer, "ratio")
	crawlPer := float64(crawlCPU.Microseconds()) / float64(pages)
	b.ReportMetric(crawlPer, "crawl_cpu_us/page")
	b.ReportMetric(crawlPer/basePer, "crawl_ratio")
	b.ReportMetric(float64(pages)/float64(b.N), "pages")
	b.ReportMetric(float64(allPages)/float64(b.N), "fetches")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall_s")
	b.ReportMetric(float64(rendered)/float64(b.N), "rendered")
}

// benchRenderEnv sets the pipeline's --render (default auto, as the
// commands): auto on the static synthetic fleet should render nothing and
// cost what never costs.
const benchRenderEnv = "EGOVBENCH_BENCH_RENDER"

// unmeasuredCrawl runs the pipeline once, with its own Crawler, before the
// measured run.
func unmeasuredCrawl(cfg crawler.Config, env *Env, db *store.DB, cat *analyzer.Catalogue, targets []egovbench.Target, workers int) error {
	cr, err := crawler.New(cfg)
	if err != nil {
		return err
	}
	defer cr.Close()
	_, err = crawlRun(context.Background(), env, db, cr, cat, targets, runConfigJSON(cr, workers, cat.Version()), workers, false)
	return err
}

// crawlOnly crawls the targets with a fresh Crawler (cold robots and check
// caches, as the pipeline starts) over benchWorkers workers, and returns
// the CPU it took.
func crawlOnly(b *testing.B, cfg crawler.Config, targets []egovbench.Target) time.Duration {
	b.Helper()
	cr, err := crawler.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer cr.Close()
	work := make(chan egovbench.Target)
	var wg sync.WaitGroup
	var short atomic.Int64
	cpu0 := processCPU(b)
	for range benchWorkers {
		wg.Go(func() {
			for t := range work {
				if snap := cr.Crawl(context.Background(), t); len(snap.Pages) < 12 {
					short.Add(1)
				}
			}
		})
	}
	for _, t := range targets {
		work <- t
	}
	close(work)
	wg.Wait()
	cpu := processCPU(b) - cpu0
	if short.Load() > 0 {
		b.Fatalf("crawl only: %d sites came back with fewer than 12 pages", short.Load())
	}
	return cpu
}

// pipelinePages reads back the pages the pipeline stored: the distinct
// final URLs of HTML pages answered 200 (check pages excluded), by site;
// their number; and the number of all stored fetches.
func pipelinePages(b *testing.B, dbPath string) (bySite [][]string, n, all int64) {
	b.Helper()
	db := openSQL(b, dbPath)
	if err := db.QueryRow(`SELECT count(*) FROM pages`).Scan(&all); err != nil {
		b.Fatal(err)
	}
	rows, err := db.Query(`SELECT DISTINCT target_id, COALESCE(NULLIF(final_url, ''), url) FROM pages
		WHERE status = 200 AND is_check = 0 AND content_type LIKE 'text/html%' ORDER BY target_id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	last := int64(-1)
	for rows.Next() {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			b.Fatal(err)
		}
		if id != last {
			bySite = append(bySite, nil)
			last = id
		}
		bySite[len(bySite)-1] = append(bySite[len(bySite)-1], u)
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return bySite, n, all
}

// bareBaseline fetches the given pages with a plain colly collector per
// site (one request at a time per host, as the pipeline) over a pool of
// benchWorkers, and parses each body with goquery: the least any colly
// crawler must spend on them. It dials the same loopback addresses and
// trusts the same CA as the pipeline.
func bareBaseline(b *testing.B, bySite [][]string, info fleetInfo) (cpu time.Duration, pages, errs int64) {
	b.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(info.CAPEM)) {
		b.Fatal("fleet CA: no certificate")
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			to, ok := info.Resolve[addr]
			if !ok {
				return nil, fmt.Errorf("dial %s: not a fleet address", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, to)
		},
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConns:    4096, MaxIdleConnsPerHost: 2,
	}
	defer tr.CloseIdleConnections()
	work := make(chan []string)
	var wg sync.WaitGroup
	var okPages, failed atomic.Int64
	cpu0 := processCPU(b)
	for range benchWorkers {
		wg.Go(func() {
			for urls := range work {
				c := colly.NewCollector()
				c.WithTransport(tr)
				// One collector per site, so this limit is per host, as the
				// pipeline's gate is; colly waits Delay after each request.
				if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Delay: benchDelay}); err != nil {
					failed.Add(1)
					continue
				}
				c.OnResponse(func(r *colly.Response) {
					doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
					if err != nil || doc.Find("title").Length() == 0 {
						failed.Add(1)
						return
					}
					okPages.Add(1)
				})
				c.OnError(func(*colly.Response, error) { failed.Add(1) })
				for _, u := range urls {
					_ = c.Visit(u)
				}
			}
		})
	}
	for _, urls := range bySite {
		work <- urls
	}
	close(work)
	wg.Wait()
	return processCPU(b) - cpu0, okPages.Load(), failed.Load()
}
