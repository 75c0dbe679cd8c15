package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench/dist"
	"github.com/egovbench/egovbench/internal/natstest"
	"github.com/egovbench/egovbench/store"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkDistributedProbes probes a fleet of simulated hosts on loopback
// through NATS: a probe hub (`probe --nats --every E --for D`) and two
// probe worker processes, the NATS server and the hosts' HTTP server in
// the benchmark process. It fails if a sample is lost (a task published
// without its sample stored) or stored twice, and reports the hub's CPU
// per stored sample (its whole process, user + sys), the workers' and the
// benchmark process's (NATS server and hosts), the hub's peak RSS, and the
// load average before and after, since a loaded machine stretches
// everything.
//
// Run it with -benchtime 1x. EGOVBENCH_BENCH_PROBE_HOSTS (1000),
// EGOVBENCH_BENCH_PROBE_EVERY (10s) and EGOVBENCH_BENCH_PROBE_FOR (5m) set
// the fleet, the interval and how long the hub publishes.
func BenchmarkDistributedProbes(b *testing.B) {
	hosts := envInt(b, "EGOVBENCH_BENCH_PROBE_HOSTS", 1000)
	every := envDuration(b, "EGOVBENCH_BENCH_PROBE_EVERY", 10*time.Second)
	runFor := envDuration(b, "EGOVBENCH_BENCH_PROBE_FOR", 5*time.Minute)
	dir := b.TempDir()

	// The hosts: one loopback server answering for every name; one host
	// in 50 is "under maintenance" (503), the rest answer a small page.
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(r.Host, ".", 2)[0], "desa")); err == nil && n%50 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>Pemerintah Desa</h1></body></html>", r.Host)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	var csv, resolve strings.Builder
	csv.WriteString("id,name,url\n")
	for i := range hosts {
		host := fmt.Sprintf("desa%05d.probe.test", i)
		fmt.Fprintf(&csv, "desa%05d,Desa %d,http://%s:%d/\n", i, i, host, port)
		fmt.Fprintf(&resolve, "%s:%d=%s\n", host, port, srv.Listener.Addr())
	}
	targets, resolveFile := filepath.Join(dir, "targets.csv"), filepath.Join(dir, "resolve.txt")
	if err := os.WriteFile(targets, []byte(csv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(resolveFile, []byte(resolve.String()), 0o644); err != nil {
		b.Fatal(err)
	}

	for i := range b.N {
		ctx := context.Background()
		dbPath := filepath.Join(dir, fmt.Sprintf("probes%d.db", i))
		db, err := store.Open(ctx, dbPath)
		if err != nil {
			b.Fatal(err)
		}
		ts, err := readTargets(targets)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.UpsertTargets(ctx, ts); err != nil {
			b.Fatal(err)
		}
		db.Close()

		ns, err := natstest.Start(filepath.Join(dir, fmt.Sprintf("nats%d", i)), 0)
		if err != nil {
			b.Fatal(err)
		}
		url := ns.ClientURL()
		// The streams first, so the workers are attached when the hub's
		// first slot starts (the hub sets them up the same way again).
		nc, err := nats.Connect(url)
		if err != nil {
			b.Fatal(err)
		}
		js, _ := jetstream.New(nc)
		if err := dist.SetupProbes(ctx, js, dist.Config{}, every); err != nil {
			b.Fatal(err)
		}
		nc.Close()

		load0 := loadAvg(b)
		cpu0 := processCPU(b)
		req0 := requests.Load()
		var workers []*exec.Cmd
		for w := range 2 {
			workers = append(workers, benchChild(b, filepath.Join(dir, fmt.Sprintf("worker%d-%d.log", i, w)),
				"worker", "--probes", "--nats", url, "--allow-private", "--resolve", "@"+resolveFile, "--workers", "32",
				"--log-format", "json", "--log-level", "info"))
		}
		time.Sleep(time.Until(dist.SlotOf(time.Now(), every).Add(every + 50*time.Millisecond)))
		hubLog := filepath.Join(dir, fmt.Sprintf("hub%d.log", i))
		start := time.Now()
		hub := benchChild(b, hubLog, "probe", "--nats", url, "--db", dbPath, "--every", every.String(), "--for", runFor.String(),
			"--log-format", "json", "--log-level", "info")
		if err := hub.Wait(); err != nil {
			log, _ := os.ReadFile(hubLog)
			b.Fatalf("hub: %v\n%s", err, tail(string(log), 2000))
		}
		wall := time.Since(start)
		hubCPU := hub.ProcessState.UserTime() + hub.ProcessState.SystemTime()
		hubRSS := hub.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		var workerCPU time.Duration
		for _, w := range workers {
			_ = w.Process.Signal(syscall.SIGTERM)
			_ = w.Wait()
			workerCPU += w.ProcessState.UserTime() + w.ProcessState.SystemTime()
		}
		benchCPU := processCPU(b) - cpu0
		probesMade := requests.Load() - req0
		load1 := loadAvg(b)
		ns.Shutdown()
		ns.WaitForShutdown()

		st := hubStopped(b, hubLog)
		stored, dups, perSlot := countSamples(b, dbPath, every)
		for slot, n := range perSlot {
			if n != hosts {
				// The workers are attached before the first slot: every
				// slot, the first one included, is whole.
				b.Errorf("slot %v: %d samples of %d hosts", slot.Format(time.TimeOnly), n, hosts)
			}
		}
		if len(perSlot) < int(runFor/every) {
			b.Errorf("samples of %d slots, want %d at least", len(perSlot), runFor/every)
		}
		if st.Published < int64(hosts)*int64(runFor/every) {
			b.Errorf("%d tasks published in %v, want at least %d (%d hosts every %v)", st.Published, runFor, int64(hosts)*int64(runFor/every), hosts, every)
		}
		if dups != 0 {
			b.Errorf("%d samples stored twice", dups)
		}
		if stored != st.Published || st.Missing != 0 {
			b.Errorf("%d tasks published, %d samples stored, %d missing: samples lost", st.Published, stored, st.Missing)
		}
		b.Logf("%d hosts every %v for %v: %d tasks published (%d again), %d samples stored, %d stored twice, %d missing; %d requests to the hosts; hub wall %.1fs",
			hosts, every, runFor, st.Published, st.Republished, stored, dups, st.Missing, probesMade, wall.Seconds())
		b.ReportMetric(float64(st.Published), "expected")
		b.ReportMetric(float64(stored), "stored")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(float64(st.Missing), "missing")
		b.ReportMetric(float64(hubCPU.Microseconds())/float64(max(stored, 1)), "hub_cpu_us/probe")
		b.ReportMetric(float64(workerCPU.Microseconds())/float64(max(stored, 1)), "workers_cpu_us/probe")
		b.ReportMetric(float64(benchCPU.Microseconds())/float64(max(stored, 1)), "nats+hosts_cpu_us/probe")
		b.ReportMetric(float64(hubRSS)/1024, "hub_peak_rss_MB")
		b.ReportMetric(load0, "load1_before")
		b.ReportMetric(load1, "load1_after")
	}
}

type hubStop struct {
	Published   int64 `json:"tasks_published"`
	Republished int64 `json:"tasks_republished"`
	Stored      int64 `json:"samples_stored"`
	Missing     int64 `json:"tasks_missing"`
}

// hubStopped reads the probe hub's closing log line.
func hubStopped(b *testing.B, path string) hubStop {
	return logLine[hubStop](b, path, "probe hub: stopped")
}

// countSamples counts the stored probes and the target/slot pairs stored
// more than once.
func countSamples(b *testing.B, path string, every time.Duration) (stored, dups int64, perSlot map[time.Time]int) {
	b.Helper()
	rows, err := openSQL(b, path).Query(`SELECT t.slug, p.at FROM probes p JOIN targets t ON t.id = p.target_id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	perSlot = map[time.Time]int{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			b.Fatal(err)
		}
		stored++
		// As in TestDistributedProbes: probed within an interval of its
		// due time, stored to the millisecond.
		slot := dist.SlotOf(time.UnixMilli(at).Add(time.Millisecond-dist.Phase(id, every)), every)
		k := id + "@" + strconv.FormatInt(slot.Unix(), 10)
		if seen[k] {
			dups++
		}
		perSlot[slot]++
		seen[k] = true
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return stored, dups, perSlot
}

func loadAvg(b *testing.B) float64 {
	b.Helper()
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1 // not Linux: reported as unknown
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	return v
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a positive duration", name, s)
	}
	return d
}
