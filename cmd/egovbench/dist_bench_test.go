package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench/internal/natstest"
)

// distBenchSlots is the sites crawled at once in both modes: one local
// process, or three worker processes with a third each.
const distBenchSlots = 63

// BenchmarkDistributed crawls one synthetic fleet twice, each time into a
// new database: locally (one `crawl` process) and through NATS (a hub and
// three worker processes, the NATS server embedded in the benchmark
// process), with the same politeness and the same number of sites at once.
// It fails unless both runs store every site with the same stage and score.
// It reports the wall time of each and their ratio, the hub's CPU per stored
// result, and the bytes the NATS server moved per site (every client's
// traffic, in and out: jobs, results, acks, leases and polling).
//
// Run it with -benchtime 1x; EGOVBENCH_BENCH_SITES sets the fleet size
// (default 60).
func BenchmarkDistributed(b *testing.B) {
	sites := benchSites(b)
	info := startFleetChild(b, sites)
	dir := b.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	targets := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(caFile, []byte(info.CAPEM), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(targets, []byte(info.TargetsCSV), 0o644); err != nil {
		b.Fatal(err)
	}
	// Egress flags are each worker's, crawl settings the hub's; the local
	// crawl takes both.
	netArgs := []string{"--allow-private", "--ca-file", caFile, "--log-level", "warn"}
	for k, v := range info.Resolve {
		netArgs = append(netArgs, "--resolve", k+"="+v)
	}
	settings := []string{"--delay", benchDelay.String()}
	crawlArgs := append(append([]string(nil), netArgs...), settings...)
	// Each iteration's databases are new: a first crawl, in both modes.
	var localWall, distWall, hubCPU, workerCPU, natsCPU time.Duration
	var wire, resultBytes int64
	var localSite, distSite float64
	var localIdle, distIdle time.Duration
	for i := range b.N {
		localDB := filepath.Join(dir, fmt.Sprintf("local%d.db", i))
		start := time.Now()
		local := benchChild(b, "", append([]string{"crawl", "--targets", targets, "--db", localDB,
			"--workers", strconv.Itoa(distBenchSlots)}, crawlArgs...)...)
		if err := local.Wait(); err != nil {
			b.Fatalf("local crawl: %v", err)
		}
		localWall += time.Since(start)
		ls, le := runSpan(b, localDB)
		localIdle += ls.Sub(start) + time.Since(le)

		ns, err := natstest.Start(filepath.Join(dir, fmt.Sprintf("nats%d", i)), 0)
		if err != nil {
			b.Fatal(err)
		}
		url := ns.ClientURL()
		v0, _ := ns.Varz(nil)
		cpu0 := processCPU(b)
		var workers []*exec.Cmd
		for range 3 {
			workers = append(workers, benchChild(b, "", append([]string{"worker", "--nats", url,
				"--workers", strconv.Itoa(distBenchSlots / 3)}, netArgs...)...))
		}
		distDB := filepath.Join(dir, fmt.Sprintf("dist%d.db", i))
		start = time.Now()
		hubLog := filepath.Join(dir, fmt.Sprintf("hub%d.log", i))
		hub := benchChild(b, hubLog, append([]string{"crawl", "--targets", targets, "--db", distDB, "--nats", url, "--log-format", "json", "--log-level", "info"}, settings...)...)
		if err := hub.Wait(); err != nil {
			log, _ := os.ReadFile(hubLog)
			b.Fatalf("hub: %v\n%s", err, tail(string(log), 2000))
		}
		distWall += time.Since(start)
		ds, de := runSpan(b, distDB)
		distIdle += ds.Sub(start) + time.Since(de)
		hubCPU += hub.ProcessState.UserTime() + hub.ProcessState.SystemTime()
		for _, w := range workers {
			_ = w.Process.Signal(syscall.SIGTERM)
			_ = w.Wait()
			workerCPU += w.ProcessState.UserTime() + w.ProcessState.SystemTime()
		}
		v1, _ := ns.Varz(nil)
		natsCPU += processCPU(b) - cpu0
		wire += (v1.InBytes - v0.InBytes) + (v1.OutBytes - v0.OutBytes)
		ns.Shutdown()
		ns.WaitForShutdown()
		resultBytes += hubResultBytes(b, hubLog)

		localSite += meanSiteTime(b, localDB)
		distSite += meanSiteTime(b, distDB)
		want, got := storedVerdicts(b, localDB), storedVerdicts(b, distDB)
		if len(want) != sites || len(got) != sites {
			b.Fatalf("local stored %d, distributed %d of %d sites", len(want), len(got), sites)
		}
		for id, w := range want {
			if got[id] != w {
				b.Errorf("%s: distributed %q, local %q", id, got[id], w)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(localWall.Seconds()/n, "local_s")
	b.ReportMetric(distWall.Seconds()/n, "dist_s")
	b.ReportMetric(distWall.Seconds()/localWall.Seconds(), "dist/local")
	b.ReportMetric(localSite/n, "local_site_s")
	b.ReportMetric(localIdle.Seconds()/n, "local_edges_s")
	b.ReportMetric(distIdle.Seconds()/n, "dist_edges_s")
	b.ReportMetric(distSite/n, "dist_site_s")
	b.ReportMetric(float64(hubCPU.Microseconds())/n/float64(sites), "hub_cpu_us/result")
	b.ReportMetric(float64(workerCPU.Milliseconds())/n/float64(sites), "worker_cpu_ms/site")
	b.ReportMetric(float64(natsCPU.Microseconds())/n/float64(sites), "nats_cpu_us/site")
	b.ReportMetric(float64(wire)/n/float64(sites), "wire_B/site")
	b.ReportMetric(float64(resultBytes)/n/float64(sites), "result_B/site")
}

// benchChild starts the test binary as egovbench with args; its stderr goes
// to the file stderrPath, or to the benchmark's stderr when "".
func benchChild(b *testing.B, stderrPath string, args ...string) *exec.Cmd {
	b.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "EGOVBENCH_TEST_CHILD=1")
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	if stderrPath != "" {
		f, err := os.Create(stderrPath)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		cmd.Stderr = f
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// hubResultBytes reads the result bytes the hub received from its closing
// log line.
func hubResultBytes(b *testing.B, path string) int64 {
	return logLine[struct {
		Bytes int64 `json:"result_bytes"`
	}](b, path, "hub: done").Bytes
}

// logLine decodes the first JSON log line of path whose msg is msg into a
// T (a benchmark reads a process's closing figures from it).
func logLine[T any](b *testing.B, path, msg string) T {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Msg != msg {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			b.Fatalf("%s: %q line: %v", path, msg, err)
		}
		return v
	}
	b.Fatalf("%s: no %q line", path, msg)
	var zero T
	return zero
}

// meanSiteTime is the mean wall time of one site's crawl in a run, in
// seconds: with the run's wall time it tells slower sites from idle slots.
func meanSiteTime(b *testing.B, path string) float64 {
	b.Helper()
	var ms float64
	if err := openSQL(b, path).QueryRow(`SELECT avg(finished_at - started_at) FROM crawls WHERE status = 'done'`).Scan(&ms); err != nil {
		b.Fatal(err)
	}
	return ms / 1000
}

// runSpan is when a run's first site started and its last site finished;
// the time outside it is the process's start-up and wind-down.
func runSpan(b *testing.B, path string) (first, last time.Time) {
	b.Helper()
	var f, l int64
	if err := openSQL(b, path).QueryRow(`SELECT min(started_at), max(finished_at) FROM crawls WHERE status = 'done'`).Scan(&f, &l); err != nil {
		b.Fatal(err)
	}
	return time.UnixMilli(f), time.UnixMilli(l)
}
