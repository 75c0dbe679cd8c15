package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/dist"
	"github.com/egovbench/egovbench/internal/natstest"
	"github.com/nats-io/nats-server/v2/server"
)

// natsServer is a real NATS server with JetStream in the test process; it
// can be stopped and started again on the same port and store, as a
// restarted server would be.
type natsServer struct {
	t    testing.TB
	dir  string
	port int
	mu   sync.Mutex
	s    *server.Server
}

func startNATS(t testing.TB) *natsServer {
	t.Helper()
	n := &natsServer{t: t, dir: t.TempDir()}
	s, err := natstest.Start(n.dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	n.s, n.port = s, s.Addr().(*net.TCPAddr).Port
	t.Cleanup(n.stop)
	return n
}

func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

func (n *natsServer) stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.s != nil {
		n.s.Shutdown()
		n.s.WaitForShutdown()
		n.s = nil
	}
}

func (n *natsServer) restart() {
	n.stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	s, err := natstest.Start(n.dir, n.port)
	if err != nil {
		n.t.Fatal(err)
	}
	n.s = s
}

// syncBuffer collects a child's stderr while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// child is an egovbench process (the test binary running main).
type child struct {
	name   string
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

func startChild(t *testing.T, ctx context.Context, name string, args ...string) *child {
	t.Helper()
	c := &child{name: name, stderr: &syncBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.CommandContext(ctx, os.Args[0], args...)
	c.cmd.Env = append(os.Environ(), "EGOVBENCH_TEST_CHILD=1")
	c.cmd.Stderr = c.stderr
	dieWithParent(c.cmd)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("%s stderr (tail):\n%s", c.name, tail(c.stderr.String(), 3000))
			if dir := os.Getenv("EGOVBENCH_TEST_LOGS"); dir != "" {
				os.WriteFile(filepath.Join(dir, t.Name()+"-"+c.name+".log"), []byte(c.stderr.String()), 0o644)
			}
		}
	})
	return c
}

func (c *child) kill9(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
	c.done <- errors.New("killed") // for the cleanup
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// jobEvents reads a worker's JSON log: per site, the attempts it took and
// the attempts it finished.
func jobEvents(log string) (taken, done map[string][]int) {
	taken, done = map[string][]int{}, map[string][]int{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			Msg     string `json:"msg"`
			Site    string `json:"site"`
			Attempt int    `json:"attempt"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch e.Msg {
		case "worker: job taken":
			taken[e.Site] = append(taken[e.Site], e.Attempt)
		case "worker: job done":
			done[e.Site] = append(done[e.Site], e.Attempt)
		}
	}
	return taken, done
}

// distFleet is the default fleet with a hub's and a worker's arguments.
type distFleet struct {
	ff       fleetFiles
	nats     *natsServer
	dbPath   string
	hubArgs  []string
	workArgs []string
	total    int
}

func newDistFleet(t *testing.T, ctx context.Context) *distFleet {
	t.Helper()
	d := &distFleet{ff: startFleetFiles(t, ctx), nats: startNATS(t)}
	d.dbPath = filepath.Join(d.ff.dir, "hub.db")
	d.total = len(d.ff.fleet.Sites())
	d.hubArgs = []string{"crawl", "--targets", d.ff.targets, "--db", d.dbPath, "--nats", d.nats.url(),
		// A lease long beside a loaded machine's pauses: a worker starved of
		// CPU for a few seconds must not lose a job it is still renewing.
		"--lease", "10s", "--shards", "16", "--log-format", "json", "--log-level", "warn",
		// The crawl settings are the hub's: the workers crawl with them.
		"--delay", "50ms", "--max-pages", "15", "--request-timeout", "3s"}
	d.workArgs = append([]string{"worker", "--nats", d.nats.url(), "--allow-private", "--workers", "3",
		"--log-format", "json", "--log-level", "debug"}, d.ff.netArgs...)
	return d
}

// hubInProcess runs the hub in a goroutine and returns its outcome.
func (d *distFleet) hubInProcess(t *testing.T, ctx context.Context, args ...string) <-chan error {
	t.Helper()
	ch := make(chan error, 1)
	go func() {
		out, errs, err := run(t, ctx, args...)
		if err != nil {
			err = fmt.Errorf("%w\nstdout:\n%s\nstderr:\n%s", err, out, tail(errs, 3000))
		}
		ch <- err
	}()
	return ch
}

func waitDone(t *testing.T, path string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for countDone(t, path) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d sites done after %v", countDone(t, path), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkStoredOnce checks what every fault test must leave: one crawl run,
// done, every site stored exactly once, nothing failed, an intact file.
func checkStoredOnce(t *testing.T, path string, total int) {
	t.Helper()
	db := openSQL(t, path)
	if n := queryInt(t, db, "SELECT count(*) FROM runs WHERE kind = 'crawl'"); n != 1 {
		t.Errorf("%d crawl runs, want 1", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM runs WHERE status = 'done'"); n != 1 {
		t.Errorf("run not marked done")
	}
	if n := queryInt(t, db, "SELECT count(*) FROM crawls WHERE status = 'done'"); n != total {
		t.Errorf("%d of %d sites done", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM assessments"); n != total {
		t.Errorf("%d assessments for %d sites: something was lost or stored twice", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM probes"); n != total {
		t.Errorf("%d probes for %d sites", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM crawl_failures"); n != 0 {
		t.Errorf("%d sites recorded as failed", n)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Errorf("integrity_check = %q, %v", integrity, err)
	}
}

func storedVerdicts(t testing.TB, path string) map[string]string {
	t.Helper()
	rows, err := openSQL(t, path).Query(`SELECT t.slug, a.stage, a.score FROM assessments a JOIN targets t ON t.id = a.target_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var id, stage string
		var score float64
		if err := rows.Scan(&id, &stage, &score); err != nil {
			t.Fatal(err)
		}
		m[id] = fmt.Sprintf("%s %.1f", stage, score)
	}
	return m
}

// TestDistributedCrawlSameAsLocal: a hub and two worker processes over a
// real NATS server store every site of the fleet once, with the stage and
// score the local crawl of the same fleet finds.
func TestDistributedCrawlSameAsLocal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := newDistFleet(t, ctx)
	for i := range 2 {
		startChild(t, ctx, fmt.Sprintf("worker%d", i), d.workArgs...)
	}
	if err := <-d.hubInProcess(t, ctx, d.hubArgs...); err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, d.dbPath, d.total)

	local := filepath.Join(d.ff.dir, "local.db")
	mustRun(t, ctx, append([]string{"crawl", "--targets", d.ff.targets, "--db", local, "--allow-private", "--workers", "6",
		"--delay", "50ms", "--max-pages", "15", "--request-timeout", "3s", "--log-level", "warn"}, d.ff.netArgs...)...)
	want, got := storedVerdicts(t, local), storedVerdicts(t, d.dbPath)
	if len(want) != d.total {
		t.Fatalf("local crawl assessed %d of %d sites", len(want), d.total)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: distributed %q, local %q", id, got[id], w)
		}
	}
}

// TestDistributedWorkerKilled: a worker killed with -9 in the middle of a
// site loses nothing: the site is taken again by the other worker once the
// lease runs out and stored exactly once.
func TestDistributedWorkerKilled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := newDistFleet(t, ctx)
	victim := startChild(t, ctx, "victim", d.workArgs...)
	hub := d.hubInProcess(t, ctx, d.hubArgs...)
	waitDone(t, d.dbPath, 2, time.Minute)
	// A second hub on the same database is refused while this one runs.
	if _, _, err := run(t, ctx, d.hubArgs...); !errors.Is(err, egovbench.ErrLocked) {
		t.Errorf("a second hub on the database: err = %v, want ErrLocked", err)
	}
	var inFlight []string
	deadline := time.Now().Add(time.Minute)
	for len(inFlight) == 0 && time.Now().Before(deadline) {
		taken, done := jobEvents(victim.stderr.String())
		for site := range taken {
			if len(done[site]) == 0 {
				inFlight = append(inFlight, site)
			}
		}
		if len(inFlight) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if len(inFlight) == 0 {
		t.Fatal("the worker never had a site in hand")
	}
	victim.kill9(t)
	survivor := startChild(t, ctx, "survivor", d.workArgs...)
	if err := <-hub; err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, d.dbPath, d.total)
	// A site whose result the victim had published and acked just before the
	// kill, but not yet logged, is rightly not delivered again: at least one
	// site in hand must be, and every one is stored once (checked above).
	taken, _ := jobEvents(survivor.stderr.String())
	redelivered := 0
	for _, site := range inFlight {
		if a := taken[site]; len(a) > 0 && a[len(a)-1] >= 2 {
			redelivered++
		}
	}
	if redelivered == 0 {
		t.Errorf("none of the sites in hand when the worker died (%v) was taken again by the survivor; want a redelivery (survivor took %v)", inFlight, taken)
	}
}

// TestDistributedHubKilled: the hub killed with -9 mid-run and started again
// with --resume drains what the workers published meanwhile; nothing is
// lost or stored twice, and the run finishes.
func TestDistributedHubKilled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := newDistFleet(t, ctx)
	for i := range 2 {
		startChild(t, ctx, fmt.Sprintf("worker%d", i), d.workArgs...)
	}
	hub := startChild(t, ctx, "hub", d.hubArgs...)
	waitDone(t, d.dbPath, 3, time.Minute)
	hub.kill9(t)
	doneAtKill := countDone(t, d.dbPath)
	if doneAtKill >= d.total {
		t.Fatalf("hub killed with all %d sites done; the test needs a run cut in the middle", doneAtKill)
	}
	time.Sleep(2 * time.Second) // the workers go on publishing
	// The dead hub's lock is taken at once: its process is gone.
	resume := append([]string{"crawl", "--resume"}, d.hubArgs[3:]...)
	if err := <-d.hubInProcess(t, ctx, resume...); err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, d.dbPath, d.total)
}

// TestDistributedNATSRestart: the NATS server stops mid-run and comes back
// on the same port and store; hub and workers reconnect and the run
// completes with every site stored once.
func TestDistributedNATSRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := newDistFleet(t, ctx)
	for i := range 2 {
		startChild(t, ctx, fmt.Sprintf("worker%d", i), d.workArgs...)
	}
	hub := d.hubInProcess(t, ctx, d.hubArgs...)
	waitDone(t, d.dbPath, 3, time.Minute)
	d.nats.stop()
	time.Sleep(time.Second)
	d.nats.restart()
	if err := <-hub; err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, d.dbPath, d.total)
}

// requestLog is a loopback web server's own record of every request.
type requestLog struct {
	mu   sync.Mutex
	reqs []loggedRequest
}

type loggedRequest struct {
	host, path string
	start, end time.Time
}

// TestDistributedPoliteness: 20 sites share one registrable domain, as a
// province's agencies share pemda.go.id, among other sites; three worker
// processes crawl them. The server's own log shows never two requests to
// that domain at once, and never less than the delay between two starts.
func TestDistributedPoliteness(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var lg requestLog
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() {
			lg.mu.Lock()
			lg.reqs = append(lg.reqs, loggedRequest{host: r.Host, path: r.URL.Path, start: start, end: time.Now()})
			lg.mu.Unlock()
		}()
		time.Sleep(5 * time.Millisecond) // a server that takes a moment makes overlaps visible
		if r.URL.Path == "/robots.txt" || r.URL.Path == "/sitemap.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Dinas %s</title></head><body><h1>Pemerintah</h1>
			<a href="/berita">Berita</a> <a href="/kontak">Kontak</a> <a href="/layanan">Layanan</a></body></html>`, r.Host)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("id,name,url\n")
	var resolve []string
	shared := func(host string) bool { return strings.HasSuffix(host, ".pemda.go.id") }
	for i := range 30 {
		host := fmt.Sprintf("dinas%02d.pemda.go.id", i)
		if i >= 20 {
			host = fmt.Sprintf("kab%02d.go.id", i)
		}
		fmt.Fprintf(&csv, "%s,Site %d,http://%s/\n", host, i, host)
		resolve = append(resolve, "--resolve", host+":80="+addr)
	}
	targets := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(targets, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	nats := startNATS(t)
	const delay = 100 * time.Millisecond
	workArgs := append([]string{"worker", "--nats", nats.url(), "--allow-private", "--workers", "4",
		"--log-format", "json", "--log-level", "debug"}, resolve...)
	var workers []*child
	for i := range 3 {
		workers = append(workers, startChild(t, ctx, fmt.Sprintf("worker%d", i), workArgs...))
	}
	dbPath := filepath.Join(dir, "hub.db")
	if err := <-(&distFleet{}).hubInProcess(t, ctx, "crawl", "--targets", targets, "--db", dbPath, "--nats", nats.url(),
		"--shards", "8", "--lease", "5s", "--log-level", "warn", "--delay", delay.String(), "--max-pages", "4"); err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, dbPath, 30)

	lg.mu.Lock()
	defer lg.mu.Unlock()
	var reqs []loggedRequest
	for _, r := range lg.reqs {
		if shared(strings.Split(r.host, ":")[0]) {
			reqs = append(reqs, r)
		}
	}
	slices.SortFunc(reqs, func(a, b loggedRequest) int { return a.start.Compare(b.start) })
	if len(reqs) < 20*4 {
		t.Fatalf("only %d requests to pemda.go.id logged", len(reqs))
	}
	crossings := 0
	for i := 1; i < len(reqs); i++ {
		prev, cur := reqs[i-1], reqs[i]
		if cur.start.Before(prev.end) {
			t.Errorf("%s started while %s was still being answered", cur.host, prev.host)
		}
		// Between two sites of the key the hand-off is the distributed
		// path's: the next site's first request starts no sooner than the
		// delay after the previous site's last request ended. Both ends
		// are seen by the server no earlier (a start) and no later (an
		// end) than by the crawlers, so this holds exactly in its log.
		// Within one site the spacing is the crawler's own per-host gate,
		// which times the starts as the client sees them, before a dial;
		// the server sees them after, shifted by a scheduling delay that a
		// loaded machine makes long, so that spacing is the crawler tests'
		// to check, not this log's.
		if cur.host != prev.host {
			crossings++
			if g := cur.start.Sub(prev.end); g < delay {
				t.Errorf("%s%s started %v after %s%s ended; the delay is %v", cur.host, cur.path, g, prev.host, prev.path, delay)
			}
		}
	}
	if crossings < 19 {
		t.Errorf("%d hand-offs between sites of the shared domain, want at least 19", crossings)
	}
	// The guarantee is across machines: the shared domain's sites were
	// spread over more than one worker.
	by := 0
	for _, w := range workers {
		taken, _ := jobEvents(w.stderr.String())
		for site := range taken {
			if shared(site) {
				by++
				break
			}
		}
	}
	if by < 2 {
		t.Errorf("the shared domain's sites were all crawled by %d worker(s); the test needs several", by)
	}
}

// TestDistributedFlags: bad distributed settings are usage errors, found
// before the database is created.
func TestDistributedFlags(t *testing.T) {
	dir := t.TempDir()
	targets := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(targets, []byte("name,url\nKota A,https://a.go.id/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "db.sqlite")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"crawl", "--nats", "nats://127.0.0.1:1", "--shards", "5000", "--targets", targets, "--db", dbPath}, "shards 5000"},
		{[]string{"crawl", "--nats", "nats://127.0.0.1:1", "--politeness-key", "ip", "--targets", targets, "--db", dbPath}, "politeness-key"},
		{[]string{"crawl", "--nats", "nats://127.0.0.1:1", "--nats-prefix", "a.b", "--targets", targets, "--db", dbPath}, "prefix"},
		{[]string{"worker"}, "--nats"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1", "--lease", "1ms"}, ""}, // the lease is the hub's: not a worker flag
		// The crawl settings are the hub's, egress and slots each worker's.
		{[]string{"worker", "--nats", "nats://127.0.0.1:1", "--delay", "1s"}, "crawl --nats"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1", "--user-agent", "x (+https://a.example)"}, "crawl --nats"},
		{[]string{"crawl", "--nats", "nats://127.0.0.1:1", "--allow-private", "--targets", targets, "--db", dbPath}, "egovbench worker"},
		{[]string{"crawl", "--nats", "nats://127.0.0.1:1", "--resolve", "a.go.id:443=127.0.0.1:1", "--targets", targets, "--db", dbPath}, "egovbench worker"},
		{[]string{"worker", "--nats", "nats://127.0.0.1:1", "--canary", "https://a.go.id/"}, "--probes"},
		{[]string{"probe", "--nats", "nats://127.0.0.1:1", "--db", dbPath, "--canary", "https://a.go.id/"}, "worker --probes"},
		{[]string{"probe", "--nats", "nats://127.0.0.1:1", "--db", dbPath, "--every", "1500ms"}, "--every"},
		{[]string{"probe", "--nats", "nats://127.0.0.1:1", "--db", dbPath, "--lease", "1ms"}, "lease"},
		{[]string{"probe", "--nats", "nats://127.0.0.1:1", "--db", dbPath, "--allow-private"}, "worker --probes"},
		{[]string{"probe", "--db", dbPath, "--every", "1m"}, "probe --nats"},
		{[]string{"probe", "--nats", "nats://127.0.0.1:1", "--db", dbPath, "--workers", "4"}, "worker --probes"},
		{[]string{"worker", "--probes", "--nats", "nats://127.0.0.1:1", "--request-timeout", "4s"}, "probe --nats"},
	} {
		_, _, err := run(t, context.Background(), c.args...)
		if exitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), c.want) {
			t.Errorf("%v: err %v (exit %d), want a usage error naming %q", c.args, err, exitCode(err), c.want)
		}
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("a database was created despite bad flags (stat err %v)", err)
	}
}

// TestDistributedRetryAfterAndCrawlDelay: sites of one registrable domain
// answer a page with 429 and Retry-After: 2, and sites of another ask for a
// robots.txt Crawl-delay of 1 s, ten times the hub's delay; three worker
// processes crawl them. The fleet server's own log shows that after a 429
// nothing of that domain was asked, by any worker, sooner than 2 s after
// the 429 was sent, and that the next site of the slow domain started no
// sooner than 1 s after the last request of the one before ended.
func TestDistributedRetryAfterAndCrawlDelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const (
		retryAfter = 2 * time.Second
		crawlDelay = time.Second
		delay      = 100 * time.Millisecond
	)
	var lg requestLog
	var refused []loggedRequest // the 429s sent, with when they ended
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		host := strings.Split(r.Host, ":")[0]
		status := http.StatusOK
		defer func() {
			lr := loggedRequest{host: host, path: r.URL.Path, start: start, end: time.Now()}
			lg.mu.Lock()
			lg.reqs = append(lg.reqs, lr)
			if status == http.StatusTooManyRequests {
				refused = append(refused, lr)
			}
			lg.mu.Unlock()
		}()
		time.Sleep(5 * time.Millisecond)
		switch {
		case r.URL.Path == "/robots.txt" && strings.HasSuffix(host, ".lambat.go.id"):
			fmt.Fprintf(w, "User-agent: *\nCrawl-delay: %g\n", crawlDelay.Seconds())
			return
		case r.URL.Path == "/robots.txt" || r.URL.Path == "/sitemap.xml":
			status = http.StatusNotFound
			http.NotFound(w, r)
			return
		case r.URL.Path == "/layanan" && strings.HasSuffix(host, ".sibuk.go.id"):
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds())))
			http.Error(w, "terlalu banyak permintaan", status)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		links := `<a href="/layanan">Layanan</a> <a href="/berita">Berita</a>`
		if strings.HasSuffix(host, ".sibuk.go.id") {
			// The refused page is the site's last request (asked again
			// once, after the wait, and refused again): nothing of the
			// site's own waits for the Retry-After after it.
			links = `<a href="/layanan">Layanan</a>`
		}
		fmt.Fprintf(w, `<html><head><title>Dinas %s</title></head><body><h1>Pemerintah</h1>%s</body></html>`, host, links)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("id,name,url\n")
	var resolve []string
	var hosts []string
	for i := range 3 {
		hosts = append(hosts, fmt.Sprintf("dinas%d.sibuk.go.id", i), fmt.Sprintf("dinas%d.lambat.go.id", i))
	}
	for i := range 4 {
		hosts = append(hosts, fmt.Sprintf("kab%d.go.id", i))
	}
	for i, host := range hosts {
		fmt.Fprintf(&csv, "%s,Site %d,http://%s/\n", host, i, host)
		resolve = append(resolve, "--resolve", host+":80="+addr)
	}
	targets := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(targets, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	nats := startNATS(t)
	workArgs := append([]string{"worker", "--nats", nats.url(), "--allow-private", "--workers", "2",
		"--log-format", "json", "--log-level", "debug"}, resolve...)
	var workers []*child
	for i := range 3 {
		workers = append(workers, startChild(t, ctx, fmt.Sprintf("worker%d", i), workArgs...))
	}
	dbPath := filepath.Join(dir, "hub.db")
	if err := <-(&distFleet{}).hubInProcess(t, ctx, "crawl", "--targets", targets, "--db", dbPath, "--nats", nats.url(),
		"--shards", "8", "--lease", "10s", "--log-level", "warn", "--delay", delay.String(), "--max-pages", "3",
		"--render", "never"); err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, dbPath, len(hosts))

	lg.mu.Lock()
	defer lg.mu.Unlock()
	of := func(domain string) []loggedRequest {
		var rs []loggedRequest
		for _, r := range lg.reqs {
			if strings.HasSuffix(r.host, "."+domain) {
				rs = append(rs, r)
			}
		}
		slices.SortFunc(rs, func(a, b loggedRequest) int { return a.start.Compare(b.start) })
		for i := 1; i < len(rs); i++ {
			if rs[i].start.Before(rs[i-1].end) {
				t.Errorf("%s%s started while %s%s was still being answered", rs[i].host, rs[i].path, rs[i-1].host, rs[i-1].path)
			}
		}
		return rs
	}

	// Retry-After: every request to the domain that started after a 429
	// ended started no sooner than the wait it asked for. The crawler reads
	// the 429 no earlier than the server finished sending it, so this holds
	// exactly in the server's log.
	busy := of("sibuk.go.id")
	if len(refused) < 3 {
		t.Fatalf("%d 429s sent; each site of sibuk.go.id should have met one", len(refused))
	}
	handOffs := 0
	minAfter429 := time.Hour
	for _, rf := range refused {
		for _, r := range busy {
			if !r.start.After(rf.end) {
				continue
			}
			if g := r.start.Sub(rf.end); g < retryAfter {
				t.Errorf("%s%s asked %v after %s%s answered 429 Retry-After: %v", r.host, r.path, g, rf.host, rf.path, retryAfter)
			}
			if r.host != rf.host {
				handOffs++
				minAfter429 = min(minAfter429, r.start.Sub(rf.end))
			}
		}
	}
	if handOffs == 0 {
		t.Error("no site of sibuk.go.id started after another one's 429: the test measured nothing across sites")
	}

	// Crawl-delay: the next site of the domain started no sooner than the
	// Crawl-delay after the last request of the one before ended.
	slow := of("lambat.go.id")
	crossings := 0
	minCross := time.Hour
	for i := 1; i < len(slow); i++ {
		prev, cur := slow[i-1], slow[i]
		if cur.host == prev.host {
			continue
		}
		crossings++
		minCross = min(minCross, cur.start.Sub(prev.end))
		if g := cur.start.Sub(prev.end); g < crawlDelay {
			t.Errorf("%s%s started %v after %s%s ended; robots.txt asked for a Crawl-delay of %v", cur.host, cur.path, g, prev.host, prev.path, crawlDelay)
		}
	}
	if crossings < 2 {
		t.Errorf("%d hand-offs between sites of lambat.go.id, want 2", crossings)
	}
	t.Logf("next site of sibuk.go.id no sooner than %v after a 429 (Retry-After %v); of lambat.go.id, %v after the last request (Crawl-delay %v)",
		minAfter429.Round(time.Millisecond), retryAfter, minCross.Round(time.Millisecond), crawlDelay)

	// Across machines: the two domains' sites were spread over more than
	// one worker.
	by := 0
	for _, w := range workers {
		taken, _ := jobEvents(w.stderr.String())
		for site := range taken {
			if strings.Contains(site, ".sibuk.") || strings.Contains(site, ".lambat.") {
				by++
				break
			}
		}
	}
	if by < 2 {
		t.Errorf("the two domains' sites were all crawled by %d worker(s); the test needs several", by)
	}
}

// uaServer is a loopback site server that records every request's host,
// path and User-Agent.
type uaServer struct {
	mu   sync.Mutex
	reqs []string // host path UA
	srv  *httptest.Server
}

func startUAServer(t *testing.T) *uaServer {
	t.Helper()
	s := &uaServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, strings.Split(r.Host, ":")[0]+" "+r.URL.Path+" "+r.UserAgent())
		s.mu.Unlock()
		if r.URL.Path == "/robots.txt" || r.URL.Path == "/sitemap.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>Pemerintah</title></head><body><h1>Pemerintah</h1>
			<a href="/a">A</a> <a href="/b">B</a> <a href="/c">C</a> <a href="/d">D</a> <a href="/e">E</a></body></html>`)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// sites writes a targets file of n sites served by s, and returns it with
// the --resolve flags that reach them.
func (s *uaServer) sites(t *testing.T, dir string, n int) (string, []string) {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("id,name,url\n")
	var resolve []string
	for i := range n {
		host := fmt.Sprintf("kab%02d.go.id", i)
		fmt.Fprintf(&csv, "%s,Site %d,http://%s/\n", host, i, host)
		resolve = append(resolve, "--resolve", host+":80="+s.srv.Listener.Addr().String())
	}
	path := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, resolve
}

func runConfig(t *testing.T, dbPath string) map[string]any {
	t.Helper()
	var raw string
	if err := openSQL(t, dbPath).QueryRow(`SELECT config FROM runs WHERE kind = 'crawl' ORDER BY id DESC LIMIT 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("run config %q: %v", raw, err)
	}
	return m
}

// TestDistributedHubSettings: the crawl settings are the hub's. Workers
// started with no crawl flag crawl with the hub's User-Agent, page budget
// and delay, and the run's record shows the settings under the keys and
// with the values a local crawl with the same flags records.
func TestDistributedHubSettings(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	srv := startUAServer(t)
	targets, resolve := srv.sites(t, dir, 6)
	const ua = "egovbench-hubtest/2.0 (+https://example.invalid/contact)"
	crawlFlags := []string{"--user-agent", ua, "--max-pages", "3", "--max-depth", "1", "--delay", "120ms",
		"--request-timeout", "4s", "--site-timeout", "40s", "--per-host", "1", "--render", "never", "--max-page-bytes", "100000",
		"--render-timeout", "7s"}
	nats := startNATS(t)
	for i := range 2 {
		startChild(t, ctx, fmt.Sprintf("worker%d", i), append([]string{"worker", "--nats", nats.url(), "--allow-private",
			"--workers", "2", "--log-format", "json", "--log-level", "debug"}, resolve...)...)
	}
	dbPath := filepath.Join(dir, "hub.db")
	if err := <-(&distFleet{}).hubInProcess(t, ctx, append([]string{"crawl", "--targets", targets, "--db", dbPath,
		"--nats", nats.url(), "--shards", "8", "--lease", "10s", "--log-level", "warn"}, crawlFlags...)...); err != nil {
		t.Fatal(err)
	}
	checkStoredOnce(t, dbPath, 6)

	srv.mu.Lock()
	for _, r := range srv.reqs {
		if !strings.HasSuffix(r, " "+ua) {
			t.Errorf("request %q: not the hub's User-Agent", r)
		}
	}
	srv.mu.Unlock()
	if n := queryInt(t, openSQL(t, dbPath), `SELECT max(n) FROM (SELECT count(*) AS n FROM pages GROUP BY run_id, target_id)`); n != 3 {
		t.Errorf("a site has up to %d pages stored; the hub's --max-pages is 3", n)
	}

	// The local crawl with the same flags records the same settings.
	localDB := filepath.Join(dir, "local.db")
	mustRun(t, ctx, append(append([]string{"crawl", "--targets", targets, "--db", localDB, "--allow-private", "--log-level", "warn"},
		crawlFlags...), resolve...)...)
	local, hub := runConfig(t, localDB), runConfig(t, dbPath)
	if hub["mode"] != "nats" {
		t.Errorf("hub run config %v: mode is not nats", hub)
	}
	perMachine := map[string]bool{"workers": true, "render_fallback": true, "allow_private": true}
	compared := 0
	for k, v := range local {
		if perMachine[k] {
			continue
		}
		compared++
		if fmt.Sprint(hub[k]) != fmt.Sprint(v) {
			t.Errorf("run config %s: hub %v, local %v", k, hub[k], v)
		}
	}
	if compared < 10 {
		t.Errorf("only %d settings compared: %v", compared, local)
	}
	if hub["render_timeout"] != "7s" || hub["delay"] != "120ms" || hub["user_agent"] != ua {
		t.Errorf("hub run config %v", hub)
	}
}

// TestDistributedCatalogueMismatch: a worker whose catalogue is not the
// hub's does not assess the run's sites with it: each site fails for good
// with a reason that says so, and the run completes.
func TestDistributedCatalogueMismatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	srv := startUAServer(t)
	targets, resolve := srv.sites(t, dir, 2)
	cat := filepath.Join(dir, "catalogue.yaml")
	if err := os.WriteFile(cat, []byte("extends: default\nversion: another-version\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nats := startNATS(t)
	startChild(t, ctx, "worker", append([]string{"worker", "--nats", nats.url(), "--allow-private", "--catalogue", cat,
		"--log-format", "json", "--log-level", "debug"}, resolve...)...)
	dbPath := filepath.Join(dir, "hub.db")
	if err := <-(&distFleet{}).hubInProcess(t, ctx, "crawl", "--targets", targets, "--db", dbPath, "--nats", nats.url(),
		"--shards", "4", "--lease", "10s", "--max-deliver", "2", "--delay", "10ms", "--log-level", "error"); err != nil {
		t.Fatal(err)
	}
	db := openSQL(t, dbPath)
	if n := queryInt(t, db, "SELECT count(*) FROM assessments"); n != 0 {
		t.Errorf("%d sites assessed with another catalogue", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM crawl_failures WHERE reason LIKE '%catalogue%another-version%'"); n != 2 {
		rows, _ := db.Query("SELECT reason FROM crawl_failures")
		var reasons []string
		for rows != nil && rows.Next() {
			var r string
			_ = rows.Scan(&r)
			reasons = append(reasons, r)
		}
		t.Errorf("%d sites failed naming the catalogue; reasons %q", n, reasons)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.reqs) != 0 {
		t.Errorf("the sites were crawled by a worker that cannot assess them: %v", srv.reqs)
	}
}

// TestRecordedSettings: the settings a hub records in its run's config
// read back unchanged (a resumed run goes on with them), and a local run's
// config, or garbage, is not taken for them.
func TestRecordedSettings(t *testing.T) {
	cfg, err := (&crawlFlags{render: "never", maxPages: 7, delay: 1500 * time.Millisecond, siteTimeout: time.Minute}).crawlerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cr, err := crawler.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsOf(cr.Config(), "v9")
	config := hubConfigJSON(s, dist.Config{Prefix: "p", Shards: 4, Lease: time.Minute, MaxDeliver: 2}, dist.KeyHost)
	got, ok := recordedSettings(config)
	if !ok || got != s {
		t.Errorf("recorded %s\nread back %+v (%v), want %+v", config, got, ok, s)
	}
	if time.Duration(got.Delay) != 1500*time.Millisecond || got.MaxPages != 7 || got.Render != crawler.RenderNever {
		t.Errorf("settings %+v", got)
	}
	// The worker crawls with exactly these.
	applied := got.apply(crawler.Config{AllowPrivate: true, BrowserPath: "/x", UserAgent: "someone else (+https://a.example)"})
	if applied.Delay != cfg.Delay || applied.MaxPages != 7 || applied.UserAgent != cr.Config().UserAgent || !applied.AllowPrivate || applied.BrowserPath != "/x" {
		t.Errorf("applied %+v", applied)
	}
	for _, c := range []string{runConfigJSON(cr, 4, "v9"), "", "{", `{"mode":"nats","delay":"soon"}`, `{"mode":"nats"}`} {
		if s, ok := recordedSettings(c); ok {
			t.Errorf("recordedSettings(%q) = %+v, true", c, s)
		}
	}
}

// TestDistributedWorkerWithoutBrowser: the hub asks for rendering and the
// worker has no browser: the site is stored read as static HTML, its
// script-shell page says why in render_error, and the hub warns.
func TestDistributedWorkerWithoutBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="id"><head><title>Kabupaten Contoh</title><script src="/app.js"></script></head>
			<body><div id="app"></div><noscript>Aktifkan JavaScript untuk membuka situs ini.</noscript></body></html>`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(targets, []byte("id,name,url\nspa.go.id,SPA,http://spa.go.id/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nats := startNATS(t)
	startChild(t, ctx, "worker", "worker", "--nats", nats.url(), "--allow-private", "--browser", filepath.Join(dir, "no-chromium"),
		"--resolve", "spa.go.id:80="+srv.Listener.Addr().String(), "--log-level", "warn")
	dbPath := filepath.Join(dir, "hub.db")
	_, errs, err := run(t, ctx, "crawl", "--targets", targets, "--db", dbPath, "--nats", nats.url(), "--shards", "4",
		"--lease", "10s", "--delay", "10ms", "--render", "auto", "--log-level", "warn")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	checkStoredOnce(t, dbPath, 1)
	if n := queryInt(t, openSQL(t, dbPath), `SELECT count(*) FROM pages WHERE render_error LIKE '%no browser%' AND rendered = 0`); n != 1 {
		t.Errorf("%d pages say they were not rendered for want of a browser, want the homepage", n)
	}
	if !strings.Contains(errs, "without a browser") {
		t.Errorf("the hub did not warn:\n%s", errs)
	}
}
