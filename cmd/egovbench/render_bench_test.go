//go:build linux

package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/store"
)

// Settings of BenchmarkRenderFleet beside EGOVBENCH_BENCH_SITES (default
// 300 here) and EGOVBENCH_BENCH_RENDER (one mode; default never, auto and
// always in turn).
const (
	// benchScriptShareEnv is the share of script-built sites (default 0.5:
	// a script-heavy fleet; 0.1 is a static-heavy one).
	benchScriptShareEnv = "EGOVBENCH_BENCH_SCRIPT_SHARE"
	// benchPagesEnv is the pages per site (default 20).
	benchPagesEnv = "EGOVBENCH_BENCH_PAGES"
)

// BenchmarkRenderFleet crawls a synthetic fleet (300 sites, half of them
// built by script the three ways of the default fleet's script-built
// sites) through the crawl command's pipeline with --render never, auto
// and always, and reports what rendering costs in memory and time:
//
//   - peak_pss_MB: the peak, over samples every 250 ms, of the summed
//     proportional set size (smaps_rollup Pss) of this process and every
//     process it started (the browser and its renderers, zygotes and
//     utility processes), the fleet server excluded; PSS counts a page
//     shared by n processes 1/n in each, so the sum is what the tree holds.
//   - peak_rss_sum_MB: the same with RSS, which counts shared pages once
//     per process (an upper bound), and peak_procs the most processes seen.
//   - go_peak_rss_MB: this process alone, from the kernel's VmHWM.
//   - pages, rendered, rendered_share, pages_per_s (wall), cpu_s (this
//     process plus the browser's processes, user+sys; the browser's from
//     RUSAGE_CHILDREN once it has exited), render_errors.
//   - script_stage_ok, static_stage_ok: the share of script-built and of
//     static sites whose stage is their TrueStage (never reads script-built
//     sites as static HTML, so its script_stage_ok is low by design), and
//     static_rendered, the pages of static sites that auto rendered.
//
// Sampling misses a peak shorter than 250 ms. Run it with -benchtime 1x;
// it runs 20 to 40 minutes on two idle cores for the three modes.
func BenchmarkRenderFleet(b *testing.B) {
	sites := 300
	if os.Getenv(benchSitesEnv) != "" {
		sites = benchSites(b)
	}
	share, pages := "0.5", "20"
	if v := os.Getenv(benchScriptShareEnv); v != "" {
		share = v
	}
	if v := os.Getenv(benchPagesEnv); v != "" {
		pages = v
	}
	info, fleetPID := startFleetChildPID(b, sites, fleetChildScriptEnv+"="+share, fleetChildPagesEnv+"="+pages)
	targets, err := egovbench.ParseTargets(strings.NewReader(info.TargetsCSV))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, []byte(info.CAPEM), 0o644); err != nil {
		b.Fatal(err)
	}
	scripted := 0
	for _, t := range info.Truth {
		if t.Script != "" {
			scripted++
		}
	}
	b.Logf("%d sites (%d built by script), %s pages each", len(targets), scripted, pages)
	modes := []string{"never", "auto", "always"}
	if m := os.Getenv(benchRenderEnv); m != "" {
		modes = []string{m}
	}
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			args := []string{"--allow-private", "--ca-file", caFile, "--delay", benchDelay.String(), "--render", mode}
			for k, v := range info.Resolve {
				args = append(args, "--resolve", k+"="+v)
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
			ccfg.ResolveOnly = true
			cat, err := loadCatalogue(cf.catalogue)
			if err != nil {
				b.Fatal(err)
			}
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(defaultMemoryLimit))
			for i := range b.N {
				cr, err := crawler.New(ccfg)
				if err != nil {
					b.Fatal(err)
				}
				if why := cr.RenderFallback(); why != "" && mode != "never" {
					b.Fatal(why)
				}
				dbPath := filepath.Join(dir, fmt.Sprintf("%s-%d.sqlite", mode, i))
				db, err := store.Open(context.Background(), dbPath)
				if err != nil {
					b.Fatal(err)
				}
				env := &Env{Stdout: io.Discard, Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
				runtime.GC()
				debug.FreeOSMemory()
				_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // restart VmHWM
				mem := startTreeSampler(os.Getpid(), fleetPID, 250*time.Millisecond)
				self0, kids0 := rusage(b, syscall.RUSAGE_SELF), rusage(b, syscall.RUSAGE_CHILDREN)
				start := time.Now()
				sum, err := crawlRun(context.Background(), env, db, cr, cat, targets, runConfigJSON(cr, cf.workers, cat.Version()), cf.workers, false)
				took := time.Since(start)
				cr.Close() // the browser exits, and its CPU is in RUSAGE_CHILDREN
				peak := mem.stop()
				cpu := rusage(b, syscall.RUSAGE_SELF) - self0 + rusage(b, syscall.RUSAGE_CHILDREN) - kids0
				goPeak := peakRSSMB(b)
				db.Close()
				if err != nil {
					b.Fatalf("crawl: %v", err)
				}
				if sum.OK != len(targets) {
					b.Fatalf("crawl: %s; want all %d sites ok", sum, len(targets))
				}
				r := renderFigures(b, dbPath, info.Truth)
				if mode != "never" && r.rendered == 0 {
					b.Fatalf("--render %s rendered no page of a fleet with %d script-built sites", mode, scripted)
				}
				b.ReportMetric(peak.pss/(1<<20), "peak_pss_MB")
				b.ReportMetric(peak.rss/(1<<20), "peak_rss_sum_MB")
				b.ReportMetric(float64(peak.procs), "peak_procs")
				b.ReportMetric(goPeak, "go_peak_rss_MB")
				b.ReportMetric(float64(r.pages), "pages")
				b.ReportMetric(float64(r.rendered), "rendered")
				b.ReportMetric(float64(r.rendered)/float64(r.pages), "rendered_share")
				b.ReportMetric(float64(r.staticRendered), "static_rendered")
				b.ReportMetric(float64(r.renderErrors), "render_errors")
				b.ReportMetric(float64(r.pages)/took.Seconds(), "pages_per_s")
				b.ReportMetric(took.Seconds(), "wall_s")
				b.ReportMetric(cpu.Seconds(), "cpu_s")
				b.ReportMetric(r.scriptOK, "script_stage_ok")
				b.ReportMetric(r.staticOK, "static_stage_ok")
				if load, err := os.ReadFile("/proc/loadavg"); err == nil {
					b.Logf("--render %s: %s; load average at the end %s", mode, sum, strings.Join(strings.Fields(string(load))[:3], " "))
				}
			}
		})
	}
}

// rusage is the user+system CPU of who (RUSAGE_SELF or RUSAGE_CHILDREN).
func rusage(b *testing.B, who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// renderCounts are the rendering figures of one crawl, read back from its
// database.
type renderCounts struct {
	pages, rendered, renderErrors, staticRendered int
	scriptOK, staticOK                            float64 // shares of sites at their TrueStage
}

func renderFigures(b *testing.B, dbPath string, truth map[string]childTruth) renderCounts {
	b.Helper()
	sq := openSQL(b, dbPath)
	rows, err := sq.Query(`SELECT t.slug, count(*), COALESCE(sum(p.rendered), 0), COALESCE(sum(p.render_error != ''), 0)
		FROM pages p JOIN targets t ON t.id = p.target_id
		WHERE p.is_check = 0 AND p.status = 200 AND p.content_type LIKE 'text/html%' GROUP BY t.slug`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var r renderCounts
	for rows.Next() {
		var slug string
		var n, rendered, errs int
		if err := rows.Scan(&slug, &n, &rendered, &errs); err != nil {
			b.Fatal(err)
		}
		r.pages += n
		r.rendered += rendered
		r.renderErrors += errs
		if truth[slug].Script == "" {
			r.staticRendered += rendered
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	latest, err := db.LatestAssessments(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var script, scriptOK, static, staticOK int
	for id, t := range truth {
		ok := latest[id].Stage == t.Stage
		if t.Script != "" {
			script++
			if ok {
				scriptOK++
			}
		} else {
			static++
			if ok {
				staticOK++
			}
		}
	}
	r.scriptOK = float64(scriptOK) / float64(max(script, 1))
	r.staticOK = float64(staticOK) / float64(max(static, 1))
	return r
}

// treePeak is the largest memory a process tree was seen to hold.
type treePeak struct {
	pss, rss float64 // bytes
	procs    int
}

// treeSampler samples the memory of a process and its descendants.
type treeSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	peak treePeak
}

// startTreeSampler samples root and every process descending from it,
// except skip and its descendants, every interval until stop.
func startTreeSampler(root, skip int, interval time.Duration) *treeSampler {
	s := &treeSampler{done: make(chan struct{})}
	sample := func() {
		pss, rss, n := treeMemory(root, skip)
		s.mu.Lock()
		s.peak.pss = max(s.peak.pss, pss)
		s.peak.rss = max(s.peak.rss, rss)
		s.peak.procs = max(s.peak.procs, n)
		s.mu.Unlock()
	}
	s.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

// stop ends sampling and returns the peaks.
func (s *treeSampler) stop() treePeak {
	close(s.done)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// treeMemory sums Pss and Rss (smaps_rollup) over root and its
// descendants, skip's subtree left out. A process that exits while it is
// read is left out of the sample.
func treeMemory(root, skip int) (pss, rss float64, procs int) {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses: the fields
		// after it start past the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if pid == skip {
			continue
		}
		queue = append(queue, children[pid]...)
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		procs++
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				continue
			}
			switch f[0] {
			case "Pss:":
				pss += kb * 1024
			case "Rss:":
				rss += kb * 1024
			}
		}
	}
	return pss, rss, procs
}
