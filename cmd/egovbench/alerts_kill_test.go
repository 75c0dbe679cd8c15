package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// hookReceiver is a webhook on loopback that records every POST, and
// answers 200 or, while refusing, 503.
type hookReceiver struct {
	srv      *httptest.Server
	refusing atomic.Bool

	mu  sync.Mutex
	got []hookPost
}

type hookPost struct {
	Key, Type, Target string
	Since             time.Time
	Accepted          bool
	Header            string // the Idempotency-Key header
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var e struct {
			Key    string    `json:"idempotency_key"`
			Type   string    `json:"type"`
			Target string    `json:"target_id"`
			Since  time.Time `json:"since"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ok := !r.refusing.Load()
		r.mu.Lock()
		r.got = append(r.got, hookPost{e.Key, e.Type, e.Target, e.Since, ok, req.Header.Get("Idempotency-Key")})
		r.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) posts() []hookPost {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookPost(nil), r.got...)
}

func (r *hookReceiver) count(typ, target string, accepted bool) int {
	n := 0
	for _, p := range r.posts() {
		if p.Type == typ && p.Target == target && p.Accepted == accepted {
			n++
		}
	}
	return n
}

// daemonChild is the daemon run as a real child process (this test binary,
// re-executed as egovbench), so that it can be killed with SIGKILL.
type daemonChild struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startDaemonChild(t *testing.T, ctx context.Context, dir, name string, args []string) *daemonChild {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Args = append([]string{os.Args[0]}, args...)
	cmd.Env = append(os.Environ(), "EGOVBENCH_TEST_CHILD=1")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lf.Close()
	c := &daemonChild{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	t.Cleanup(c.kill)
	return c
}

func (c *daemonChild) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

func (c *daemonChild) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func (c *daemonChild) logText() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}

// TestScheduleKill9KeepsAlerts kills the daemon with SIGKILL twice, in the
// middle of a crawl and of a probe round, and restarts it at once each time.
// A webhook receiver on loopback checks what was posted: the "down" of a
// site announced before the first kill is not announced again, and its
// "recovered", raised while the receiver was refusing and still queued at
// the second kill, is delivered by the third start. The interrupted crawl
// is resumed, not restarted.
func TestScheduleKill9KeepsAlerts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	ff := startFleetFiles(t, ctx)
	hook := newHookReceiver(t)

	// A site the test takes down and up. Down, it holds each request past
	// the probe timeout, so a probe round is in flight while it is down.
	var up atomic.Bool
	var inFlight atomic.Int32
	flappy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		if !up.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return
		}
		fmt.Fprint(w, "<html><head><title>Pemerintah Kota Flappy</title></head><body><h1>Selamat datang</h1></body></html>")
	}))
	t.Cleanup(flappy.Close)
	tf, err := os.OpenFile(ff.targets, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(tf, "flappy,Pemerintah Kota Flappy,%s/,kota,Sulawesi Selatan,,ID,id\n", flappy.URL)
	tf.Close()

	config := fmt.Sprintf(`targets: [targets.csv]
database: egovbench.db
crawl:
  schedule: "0 2 * * *"
  run_on_start: true
probe:
  schedule: "@every 1s"
  jitter: 0s
  timeout: 1s
  run_on_start: true
budgets:
  max_pages: 12
  site_timeout: 30s
politeness:
  delay: 150ms
  workers: 2
  user_agent: "egovbench-test (+https://example.org/egovbench)"
allow_private: true
report:
  out: report
  regenerate_after_crawl: false
alerts:
  webhook: %s/hook
  down_after: 2
  backoff: 100ms
  max_backoff: 200ms
  max_retries: 1000
`, hook.srv.URL)
	cfgPath := filepath.Join(ff.dir, "egovbench.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"schedule", "--config", cfgPath, "--log-level", "info"}, ff.netArgs...)
	dbPath := filepath.Join(ff.dir, "egovbench.db")
	total := len(ff.fleet.Sites()) + 1

	waitUntil := func(what string, d *daemonChild, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
			if d.exited() {
				t.Fatalf("daemon exited (%v) while waiting for %s; its log:\n%s", d.err, what, d.logText())
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; daemon log:\n%s", what, d.logText())
			}
		}
	}
	outbox := func(q string) int {
		if _, err := os.Stat(dbPath); err != nil {
			return 0
		}
		db := openSQL(t, dbPath)
		defer db.Close()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			return 0 // not migrated yet
		}
		return n
	}

	// First start: flappy is down. Kill once its "down" is delivered and
	// recorded, the crawl is part way, and flappy's probe is in flight.
	a := startDaemonChild(t, ctx, ff.dir, "first", args)
	waitUntil("the down alert to be delivered and recorded", a, func() bool {
		return outbox(`SELECT count(*) FROM alert_outbox o JOIN targets t ON t.id = o.target_id
			WHERE t.slug = 'flappy' AND o.type = 'down' AND o.status = 'delivered'`) == 1
	})
	waitUntil("a crawl part way and a probe of flappy in flight", a, func() bool {
		n := countDone(t, dbPath)
		return n >= 1 && n < total-3 && inFlight.Load() > 0
	})
	a.kill()
	doneAtKill := countDone(t, dbPath)
	if doneAtKill >= total {
		t.Fatalf("crawl finished before the kill")
	}

	// Second start, at once: the dead daemon's lock is taken without
	// waiting for it to expire. The receiver now refuses, and flappy
	// comes back: its "recovered" is raised and queued but not delivered.
	hook.refusing.Store(true)
	restart := time.Now()
	b := startDaemonChild(t, ctx, ff.dir, "second", args)
	waitUntil("the second daemon to start", b, func() bool { return strings.Contains(b.logText(), "scheduler started") })
	t.Logf("second daemon started %v after the kill", time.Since(restart).Round(time.Millisecond))
	if strings.Contains(b.logText(), "waiting") {
		t.Errorf("second daemon waited for the dead one's lock:\n%s", b.logText())
	}
	up.Store(true)
	waitUntil("the recovered alert to be refused at least once", b, func() bool { return hook.count("recovered", "flappy", false) >= 1 })
	if n := outbox(`SELECT count(*) FROM alert_outbox WHERE type = 'recovered' AND status = 'pending'`); n < 1 {
		t.Fatalf("recovered alert not pending in the queue (%d)", n)
	}
	b.kill()

	// Third start: the receiver accepts again; the queued recovery is
	// delivered, and the crawl interrupted twice is finished.
	hook.refusing.Store(false)
	c := startDaemonChild(t, ctx, ff.dir, "third", args)
	waitUntil("the recovered alert to be delivered", c, func() bool { return hook.count("recovered", "flappy", true) == 1 })
	waitUntil("the interrupted crawl to finish", c, func() bool {
		return outbox(`SELECT count(*) FROM runs WHERE kind = 'crawl' AND status = 'done'`) == 1
	})
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-c.done
	if c.err != nil {
		t.Errorf("third daemon stopped with %v:\n%s", c.err, c.logText())
	}

	if n := hook.count("down", "flappy", true); n != 1 {
		t.Errorf("flappy's down delivered %d times, want 1", n)
	}
	// Never re-announced: per target, at most one "down" per outage (each
	// with its own start), and no two events with different keys for the
	// same type, target and outage.
	seen := map[string]string{}
	accepted := map[string]int{}
	for _, p := range hook.posts() {
		if p.Key == "" || p.Header != p.Key {
			t.Errorf("post without a matching idempotency key: %+v", p)
		}
		id := fmt.Sprintf("%s|%s|%d", p.Type, p.Target, p.Since.UnixMilli())
		if k, ok := seen[id]; ok && k != p.Key {
			t.Errorf("%s %s (outage since %s) announced under two keys", p.Type, p.Target, p.Since)
		}
		seen[id] = p.Key
		if p.Accepted {
			accepted[p.Key]++
		}
	}
	redelivered := 0
	for _, n := range accepted {
		redelivered += n - 1
	}
	// A target's outages alternate: never two downs without a recovery between.
	keysOf := map[string]map[string]bool{}
	for _, p := range hook.posts() {
		k := p.Type + "|" + p.Target
		if keysOf[k] == nil {
			keysOf[k] = map[string]bool{}
		}
		keysOf[k][p.Key] = true
	}
	for k, keys := range keysOf {
		typ, target, _ := strings.Cut(k, "|")
		if typ == "down" && len(keys) > len(keysOf["recovered|"+target])+1 {
			t.Errorf("%s announced down %d times with %d recoveries", target, len(keys), len(keysOf["recovered|"+target]))
		}
	}
	t.Logf("%d posts, %d events, %d repeated deliveries of an accepted key (allowed: at least once)",
		len(hook.posts()), len(accepted), redelivered)
	db := openSQL(t, dbPath)
	if n := queryInt(t, db, "SELECT count(*) FROM runs WHERE kind = 'crawl'"); n != 1 {
		t.Errorf("%d crawl runs; the restarts must resume the interrupted one", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM assessments"); n != total {
		t.Errorf("%d assessments for %d sites", n, total)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM alert_outbox WHERE status = 'pending'"); n != 0 {
		t.Errorf("%d alerts still pending after a clean stop with the receiver up", n)
	}
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
}
