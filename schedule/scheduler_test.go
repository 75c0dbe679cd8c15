package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func testConfig(t testing.TB) *Config {
	t.Helper()
	c := DefaultConfig()
	c.Targets = []string{"targets.csv"}
	c.Politeness.UserAgent = "egovbench-test (+https://example.org/contact)"
	c.Report.Out = t.TempDir()
	c.Probe.Jitter = 0
	c.Probe.RunOnStart = false
	c.Report.RegenerateAfterCrawl = false
	return c
}

// runScheduler starts s.Run and returns a stop function that cancels it and
// waits for it to return.
func runScheduler(t *testing.T, s *Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitIdle waits until no run of kind is in progress, so that the next
// activation is not skipped as overlapping.
func waitIdle(t *testing.T, s *Scheduler, kind JobKind) {
	t.Helper()
	waitFor(t, func() bool { return !s.running[kind].Load() }, "%s to be idle", kind)
}

var t0 = utc("2026-03-04T00:00:00Z")

func TestCrawlNeverOverlapsItself(t *testing.T) {
	cfg := testConfig(t)
	cfg.Crawl.Schedule = "@every 1h"
	clk := newFakeClock(t0)
	var starts atomic.Int32
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	jobs := Jobs{Crawl: func(ctx context.Context) error {
		starts.Add(1)
		started <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	s, err := New(cfg, jobs, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	stop := runScheduler(t, s)

	clk.waitTimers(t, 1)
	clk.Advance(time.Hour)
	<-started
	// Three more activations while the first crawl still runs.
	for range 3 {
		clk.waitTimers(t, 1)
		clk.Advance(time.Hour)
	}
	clk.waitTimers(t, 1)
	if n := starts.Load(); n != 1 {
		t.Fatalf("crawl started %d times while one was running, want 1", n)
	}
	if n := s.Metrics().Skipped(JobCrawl); n != 3 {
		t.Errorf("skipped = %d, want 3", n)
	}
	close(release)
	waitFor(t, func() bool { return s.Metrics().Runs(JobCrawl, ResultOK) == 1 }, "first crawl to finish")
	waitIdle(t, s, JobCrawl)
	clk.Advance(time.Hour)
	<-started
	if n := starts.Load(); n != 2 {
		t.Errorf("crawl started %d times, want 2 once the first finished", n)
	}
	waitFor(t, func() bool { return s.Metrics().Runs(JobCrawl, ResultOK) == 2 }, "second crawl to finish")
	stop()
}

func TestShutdownWaitsForInFlightJob(t *testing.T) {
	cfg := testConfig(t)
	cfg.Crawl.RunOnStart = true
	started := make(chan struct{})
	var finished atomic.Bool
	var calls atomic.Int32
	jobs := Jobs{Crawl: func(ctx context.Context) error {
		calls.Add(1)
		close(started)
		<-ctx.Done()
		// Stands for rolling back the interrupted work.
		time.Sleep(50 * time.Millisecond)
		finished.Store(true)
		return ctx.Err()
	}}
	s, err := New(cfg, jobs, WithClock(newFakeClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	stop := runScheduler(t, s)
	<-started
	stop()
	if !finished.Load() {
		t.Fatal("Run returned before the in-flight crawl returned")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("crawl called %d times, want 1", n)
	}
	if n := s.Metrics().Runs(JobCrawl, ResultCanceled); n != 1 {
		t.Errorf("canceled runs = %d, want 1", n)
	}
	if h := s.Metrics().Health(); h.Jobs[JobCrawl].Running {
		t.Error("health still says running")
	}
}

func TestProbeJitterIsDeterministicAndDoesNotDrift(t *testing.T) {
	cfg := testConfig(t)
	cfg.Probe.Schedule = "@every 1m"
	cfg.Probe.Jitter = Duration(30 * time.Second)
	clk := newFakeClock(t0)
	startedAt := make(chan time.Time, 10)
	jobs := Jobs{Probe: func(ctx context.Context) ([]egovbench.Probe, error) {
		startedAt <- clk.Now()
		return nil, nil
	}}
	s, err := New(cfg, jobs, WithClock(clk), WithRand(rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		t.Fatal(err)
	}
	runScheduler(t, s)
	ref := rand.New(rand.NewPCG(1, 2))
	var jitters []time.Duration
	for k := 1; k <= 4; k++ {
		j := time.Duration(ref.Int64N(int64(30 * time.Second)))
		jitters = append(jitters, j)
		want := t0.Add(time.Duration(k) * time.Minute).Add(j)
		clk.waitTimers(t, 1)
		if next := s.Metrics().Health().Jobs[JobProbe].NextRun; !next.Equal(want) {
			t.Fatalf("round %d due at %s, want %s", k, next, want)
		}
		clk.AdvanceTo(want)
		if got := <-startedAt; !got.Equal(want) {
			t.Fatalf("round %d started at %s, want %s", k, got, want)
		}
		// Let the round end, or the next activation would be skipped as overlapping.
		waitFor(t, func() bool { return s.Metrics().Runs(JobProbe, ResultOK) == uint64(k) }, "round %d to end", k)
		waitIdle(t, s, JobProbe)
	}
	if jitters[0] == jitters[1] && jitters[1] == jitters[2] {
		t.Errorf("jitter did not vary: %v", jitters)
	}
}

func TestReportRegeneratedOnlyAfterSuccessfulCrawl(t *testing.T) {
	cfg := testConfig(t)
	cfg.Crawl.Schedule = "@every 1h"
	cfg.Report.RegenerateAfterCrawl = true
	clk := newFakeClock(t0)
	var crawls, reports atomic.Int32
	jobs := Jobs{
		Crawl: func(ctx context.Context) error {
			if crawls.Add(1) == 2 {
				return errors.New("database is on fire")
			}
			return nil
		},
		Report: func(ctx context.Context) error { reports.Add(1); return nil },
	}
	s, err := New(cfg, jobs, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	stop := runScheduler(t, s)
	clk.waitTimers(t, 1)
	clk.Advance(time.Hour)
	waitFor(t, func() bool { return reports.Load() == 1 }, "report after first crawl")
	waitIdle(t, s, JobCrawl)
	clk.waitTimers(t, 1)
	clk.Advance(time.Hour)
	waitFor(t, func() bool { return s.Metrics().Runs(JobCrawl, ResultError) == 1 }, "failing crawl")
	stop()
	if n := reports.Load(); n != 1 {
		t.Errorf("report ran %d times, want 1 (not after the failed crawl)", n)
	}
	if n := s.Metrics().Runs(JobReport, ResultOK); n != 1 {
		t.Errorf("report runs ok = %d, want 1", n)
	}
	if h := s.Metrics().Health(); h.Status != "degraded" || h.Jobs[JobCrawl].LastError != "database is on fire" {
		t.Errorf("health = %+v, want degraded with the crawl's error", h)
	}
}

func TestPanickingJobDoesNotKillTheDaemon(t *testing.T) {
	cfg := testConfig(t)
	cfg.Crawl.Schedule = "@every 1h"
	clk := newFakeClock(t0)
	var calls atomic.Int32
	jobs := Jobs{Crawl: func(ctx context.Context) error {
		if calls.Add(1) == 1 {
			var m map[string]int
			_ = m["boom"]
			panic("boom: the job crashed")
		}
		return nil
	}}
	s, err := New(cfg, jobs, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	runScheduler(t, s)
	clk.waitTimers(t, 1)
	clk.Advance(time.Hour)
	waitFor(t, func() bool { return s.Metrics().Runs(JobCrawl, ResultError) == 1 }, "panicking crawl counted as error")
	waitIdle(t, s, JobCrawl)
	clk.waitTimers(t, 1)
	clk.Advance(time.Hour)
	waitFor(t, func() bool { return s.Metrics().Runs(JobCrawl, ResultOK) == 1 }, "next crawl")
}

func TestPruneRunsOnItsSchedule(t *testing.T) {
	cfg := testConfig(t)
	cfg.Timezone = "Asia/Makassar"
	cfg.Crawl.Schedule = "0 2 * * *"
	cfg.Retention.PruneSchedule = "30 3 * * *"
	clk := newFakeClock(utc("2026-03-04T12:00:00Z"))
	pruned := make(chan time.Time, 1)
	crawled := make(chan time.Time, 1)
	jobs := Jobs{
		Crawl: func(ctx context.Context) error { crawled <- clk.Now(); return nil },
		Prune: func(ctx context.Context) error { pruned <- clk.Now(); return nil },
	}
	s, err := New(cfg, jobs, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	runScheduler(t, s)
	clk.waitTimers(t, 2)
	// 02:00 WITA is 18:00 UTC the day before.
	clk.AdvanceTo(utc("2026-03-04T18:00:00Z"))
	if got := <-crawled; !got.Equal(utc("2026-03-04T18:00:00Z")) {
		t.Errorf("crawl at %s", got)
	}
	clk.waitTimers(t, 2)
	clk.AdvanceTo(utc("2026-03-04T19:30:00Z"))
	if got := <-pruned; !got.Equal(utc("2026-03-04T19:30:00Z")) {
		t.Errorf("prune at %s", got)
	}
}

func TestProbeRoundsFeedMetricsAndAlerts(t *testing.T) {
	rec := newReceiver(t)
	cfg := testConfig(t)
	cfg.Probe.Schedule = "@every 10ms"
	cfg.Probe.RunOnStart = true
	cfg.Alerts.Webhook = rec.srv.URL
	cfg.Alerts.DownAfter = 2
	var round atomic.Int32
	jobs := Jobs{Probe: func(ctx context.Context) ([]egovbench.Probe, error) {
		n := round.Add(1)
		return []egovbench.Probe{
			{TargetID: "down-site", At: t0.Add(time.Duration(n) * time.Minute), Outcome: egovbench.OutcomeTimeout},
			{TargetID: "ok-site", At: t0.Add(time.Duration(n) * time.Minute), Outcome: egovbench.OutcomeOK, Total: 300 * time.Millisecond},
		}, nil
	}}
	s, err := New(cfg, jobs)
	if err != nil {
		t.Fatal(err)
	}
	stop := runScheduler(t, s)
	waitFor(t, func() bool { return len(rec.events()) >= 1 }, "down event")
	stop()
	ev := rec.events()
	if len(ev) != 1 || ev[0].Type != EventDown || ev[0].TargetID != "down-site" || ev[0].Failures != 2 {
		t.Errorf("events = %+v, want one down event for down-site after 2 failures", ev)
	}
	if r := s.Metrics().Runs(JobProbe, ResultOK); r < 2 {
		t.Errorf("probe rounds ok = %d, want >= 2", r)
	}
	s.Metrics().mu.Lock()
	timeouts, oks := s.Metrics().probes[egovbench.OutcomeTimeout], s.Metrics().probes[egovbench.OutcomeOK]
	s.Metrics().mu.Unlock()
	if timeouts < 2 || oks != timeouts {
		t.Errorf("probes counted: timeout %d, ok %d", timeouts, oks)
	}
}

func TestRunServesHTTPUntilStopped(t *testing.T) {
	cfg := testConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	jobs := Jobs{Crawl: func(ctx context.Context) error { return nil }}
	s, err := New(cfg, jobs, WithClock(newFakeClock(t0)), WithListener(ln))
	if err != nil {
		t.Fatal(err)
	}
	stop := runScheduler(t, s)
	url := "http://" + ln.Addr().String() + "/healthz"
	var resp *http.Response
	waitFor(t, func() bool {
		resp, err = http.Get(url)
		return err == nil
	}, "listener")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var h Health
	if resp.StatusCode != 200 || json.Unmarshal(body, &h) != nil || h.Status != "ok" {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	if h.Jobs[JobCrawl].NextRun.IsZero() {
		t.Errorf("healthz has no next crawl time: %s", body)
	}
	stop()
	if _, err := http.Get(url); err == nil {
		t.Error("listener still answers after Run returned")
	}
}

func TestRunFailsWhenAddressTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := testConfig(t)
	cfg.HTTP.Listen = ln.Addr().String()
	s, err := New(cfg, Jobs{Crawl: func(ctx context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background()); err == nil {
		t.Fatal("Run started on a taken address")
	}
}

func TestCrawlTimeoutCancelsTheRun(t *testing.T) {
	cfg := testConfig(t)
	cfg.Crawl.RunOnStart = true
	cfg.Crawl.Timeout = Duration(20 * time.Millisecond)
	jobs := Jobs{Crawl: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}
	s, err := New(cfg, jobs, WithClock(newFakeClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	runScheduler(t, s)
	waitFor(t, func() bool { return s.Metrics().Runs(JobCrawl, ResultCanceled) == 1 }, "crawl stopped by its timeout")
}

func TestNewRefusesBadInput(t *testing.T) {
	cfg := testConfig(t)
	if _, err := New(cfg, Jobs{}); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("no jobs: err = %v", err)
	}
	if _, err := New(nil, Jobs{Crawl: func(context.Context) error { return nil }}); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("nil config: err = %v", err)
	}
	cfg.Crawl.Schedule = "every day"
	if _, err := New(cfg, Jobs{Crawl: func(context.Context) error { return nil }}); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("bad schedule: err = %v", err)
	}
	clk := newFakeClock(t0)
	s, err := New(testConfig(t), Jobs{Crawl: func(context.Context) error { return nil }}, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	stop := runScheduler(t, s)
	clk.waitTimers(t, 1) // the first Run is under way
	if err := s.Run(context.Background()); err == nil {
		t.Error("second concurrent Run accepted")
	}
	stop()
}

// syncBuffer is a log sink safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// TestWiringAsCmdDoes builds metrics and alerter first, hands them to the
// crawl job and to New, as cmd/egovbench is expected to.
func TestWiringAsCmdDoes(t *testing.T) {
	rec := newReceiver(t)
	cfg := testConfig(t)
	cfg.Crawl.RunOnStart = true
	cfg.Alerts.Webhook = rec.srv.URL
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m := NewMetrics()
	a := NewAlerter(cfg.Alerts, WithAlertMetrics(m), WithAlertLogger(log))
	jobs := Jobs{Crawl: func(ctx context.Context) error {
		m.AddPages(42)
		a.ObserveStages(
			map[string]egovbench.Stage{"kota-a": egovbench.StageTransaction},
			map[string]egovbench.Stage{"kota-a": egovbench.StagePresence})
		return nil
	}}
	s, err := New(cfg, jobs, WithMetrics(m), WithAlerter(a), WithLogger(log), WithClock(newFakeClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Metrics() != m || s.Alerter() != a || s.Maintenance() == nil {
		t.Fatal("accessors do not return what was wired")
	}
	stop := runScheduler(t, s)
	waitFor(t, func() bool { return len(rec.events()) == 1 }, "stage drop delivered")
	stop()
	if e := rec.events()[0]; e.Type != EventStageDrop || e.FromStage != "transaction" || e.ToStage != "presence" {
		t.Errorf("event = %+v", e)
	}
	var buf strings.Builder
	if err := m.WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "egovbench_pages_fetched_total 42\n") {
		t.Error("pages added by the job not exposed")
	}
	for _, want := range []string{"msg=\"job finished\" job=crawl", "msg=alert type=stage_drop target_id=kota-a", "msg=\"scheduler stopped\""} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := strings.Repeat("é", 10) // 2 bytes each
	got := truncate(s, 5)
	if got != "éé…" {
		t.Errorf("truncate = %q", got)
	}
	if truncate("short", 10) != "short" {
		t.Error("short string changed")
	}
}

// fakeListener reports any address without binding it, so the warning for
// a listener on every interface is tested without opening one.
type fakeListener struct {
	addr   net.Addr
	closed chan struct{}
	once   sync.Once
}

func (l *fakeListener) Accept() (net.Conn, error) { <-l.closed; return nil, net.ErrClosed }
func (l *fakeListener) Close() error              { l.once.Do(func() { close(l.closed) }); return nil }
func (l *fakeListener) Addr() net.Addr            { return l.addr }

func TestListenWarnsWhenNotLoopback(t *testing.T) {
	cases := []struct {
		addr net.Addr
		warn bool
	}{
		{&net.TCPAddr{IP: net.IPv4zero, Port: 9091}, true},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9091}, true},
		{&net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 9091}, true},
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 9091}, false},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 9091}, false},
	}
	for _, tc := range cases {
		t.Run(tc.addr.String(), func(t *testing.T) {
			var logs syncBuffer
			cfg := testConfig(t)
			cfg.HTTP.Listen = ":9091"
			ln := &fakeListener{addr: tc.addr, closed: make(chan struct{})}
			s, err := New(cfg, Jobs{Crawl: func(ctx context.Context) error { return nil }}, WithClock(newFakeClock(t0)),
				WithListener(ln), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			stop := runScheduler(t, s)
			waitFor(t, func() bool { return strings.Contains(logs.String(), "scheduler started") }, "start")
			stop()
			out := logs.String()
			warned := strings.Contains(out, "level=WARN msg=\"http listening on a non-loopback address")
			if warned != tc.warn {
				t.Errorf("warned=%v, want %v:\n%s", warned, tc.warn, out)
			}
			if !strings.Contains(out, "addr="+tc.addr.String()) {
				t.Errorf("log does not name the address %s:\n%s", tc.addr, out)
			}
		})
	}
}
