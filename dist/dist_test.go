package dist

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/internal/natstest"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func startServer(t *testing.T) string {
	t.Helper()
	s, err := natstest.Start(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}

func connect(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func targets(n int, domain func(i int) string) []egovbench.Target {
	ts := make([]egovbench.Target, n)
	for i := range ts {
		host := domain(i)
		ts[i] = egovbench.Target{ID: host, Name: host, URL: "https://" + host + "/"}
	}
	return ts
}

// fakeCrawl returns a snapshot with one page whose body names the site, and
// records when each key was being crawled.
type fakeCrawl struct {
	mu       sync.Mutex
	busy     map[string]int
	overlaps []string
	last     map[string]time.Time
	gaps     []time.Duration
	calls    map[string]int
	behave   func(ctx context.Context, t egovbench.Target, call int) error
	work     time.Duration
	// pause is how long the site asks its key to be left alone after its
	// crawl (a Retry-After, a Crawl-delay); the gaps after such a crawl go
	// to pausedGaps, less the pause.
	pause      func(t egovbench.Target) time.Duration
	paused     map[string]time.Duration
	pausedGaps []time.Duration
	jobs       []Job
}

func (f *fakeCrawl) crawl(ctx context.Context, job Job) (c Crawled, err error) {
	run, t := job.Run, job.Target
	key := KeyDomain.Key(t.URL)
	f.mu.Lock()
	if f.busy == nil {
		f.busy, f.last, f.calls = map[string]int{}, map[string]time.Time{}, map[string]int{}
	}
	f.calls[t.ID]++
	f.jobs = append(f.jobs, job)
	call := f.calls[t.ID]
	f.busy[key]++
	if f.busy[key] > 1 {
		f.overlaps = append(f.overlaps, key)
	}
	if l, ok := f.last[key]; ok {
		if p, ok := f.paused[key]; ok {
			f.pausedGaps = append(f.pausedGaps, time.Since(l)-p)
			delete(f.paused, key)
		} else {
			f.gaps = append(f.gaps, time.Since(l))
		}
	}
	f.mu.Unlock()
	var pause time.Duration
	if f.pause != nil {
		pause = f.pause(t)
	}
	defer func() {
		f.mu.Lock()
		f.busy[key]--
		f.last[key] = time.Now()
		if pause > 0 {
			if f.paused == nil {
				f.paused = map[string]time.Duration{}
			}
			f.paused[key] = pause
			c.NotBefore = f.last[key].Add(pause)
		}
		f.mu.Unlock()
	}()
	if f.behave != nil {
		if err := f.behave(ctx, t, call); err != nil {
			return Crawled{}, err
		}
	}
	sleep(ctx, f.work)
	now := time.Now().UTC()
	snap := egovbench.Snapshot{TargetID: t.ID, RunID: run, StartedAt: now, FinishedAt: now,
		Pages: []egovbench.Page{{URL: t.URL, Status: 200, Body: []byte("<p>" + t.ID + "</p>"), Outcome: egovbench.OutcomeOK},
			{URL: t.URL + "nil", Status: 404, Outcome: egovbench.OutcomeHTTPError}}}
	return Crawled{Snapshot: snap, Assessment: egovbench.Assessment{TargetID: t.ID, RunID: run, Stage: egovbench.StagePresence, Score: 12.5}}, nil
}

type saved struct {
	mu      sync.Mutex
	results map[string][]Result
}

func (s *saved) save(ctx context.Context, r Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.results == nil {
		s.results = map[string][]Result{}
	}
	s.results[r.TargetID] = append(s.results[r.TargetID], r)
	return nil
}

func runWorkers(t *testing.T, ctx context.Context, url string, cfg Config, n, slots int, hold time.Duration, f CrawlFunc, maxJob time.Duration) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		w := &Worker{JS: connect(t, url), Config: cfg, Crawl: f, Slots: slots, Hold: hold, MaxJobTime: maxJob, Poll: 50 * time.Millisecond}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	return &wg
}

// TestHubWorkers: every site is stored exactly once, a shared registrable
// domain is never crawled twice at once nor sooner than the hold, and the
// page bodies arrive intact.
func TestHubWorkers(t *testing.T) {
	url := startServer(t)
	cfg := Config{Prefix: "t1", Shards: 8, Lease: 5 * time.Second}
	ts := targets(30, func(i int) string {
		if i < 10 {
			return fmt.Sprintf("dinas%d.pemda.go.id", i) // one key
		}
		return fmt.Sprintf("kab%d.go.id", i)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wctx, stopWorkers := context.WithCancel(ctx)
	fc := &fakeCrawl{work: 20 * time.Millisecond}
	const hold = 100 * time.Millisecond
	wg := runWorkers(t, wctx, url, cfg, 3, 4, hold, fc.crawl, 10*time.Second)
	var sv saved
	h := &Hub{JS: connect(t, url), Config: cfg, Save: sv.save}
	st, err := h.Run(ctx, 7, ts)
	stopWorkers()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != len(ts) || st.Enqueued != len(ts) || st.Failed != 0 {
		t.Errorf("stats %+v, want %d enqueued and stored", st, len(ts))
	}
	for _, tg := range ts {
		rs := sv.results[tg.ID]
		if len(rs) != 1 {
			t.Errorf("%s saved %d times", tg.ID, len(rs))
			continue
		}
		r := rs[0]
		if got := string(r.Snapshot.Pages[0].Body); got != "<p>"+tg.ID+"</p>" || r.Snapshot.Pages[1].Body != nil || r.Assessment.Score != 12.5 {
			t.Errorf("%s: result not intact: %q %v %+v", tg.ID, got, r.Snapshot.Pages[1].Body, r.Assessment)
		}
	}
	if len(fc.overlaps) > 0 {
		t.Errorf("keys crawled twice at once: %v", fc.overlaps)
	}
	for _, g := range fc.gaps {
		if g < hold {
			t.Errorf("a key was crawled again %v after the last crawl ended, want at least %v", g, hold)
		}
	}
	if len(fc.gaps) < 9 {
		t.Errorf("only %d gaps measured on the shared key", len(fc.gaps))
	}

	// A hub run again on the same run finds nothing queued twice and
	// stores nothing again when a worker republishes a result.
	w := &Worker{JS: connect(t, url), Config: cfg}
	w.Config = w.Config.withDefaults()
	c, _ := fc.crawl(ctx, Job{Run: 7, Target: ts[0]})
	if err := w.publish(ctx, Result{Run: 7, TargetID: ts[0].ID, Snapshot: c.Snapshot, Assessment: c.Assessment}); err != nil {
		t.Fatal(err)
	}
	info, err := connect(t, url).Stream(ctx, cfg.withDefaults().resultsStream())
	if err != nil {
		t.Fatal(err)
	}
	if si, _ := info.Info(ctx); si.State.Msgs != 0 {
		t.Errorf("a result published again with its id was stored by the server: %d messages", si.State.Msgs)
	}
}

// TestPoison: a site whose crawl crashes every time, and one that never
// finishes, are retried MaxDeliver times and then failed with a reason;
// the run completes, and a site that crashes once is stored.
func TestPoison(t *testing.T) {
	url := startServer(t)
	cfg := Config{Prefix: "t2", Shards: 4, Lease: 2 * time.Second, MaxDeliver: 3}
	ts := targets(6, func(i int) string { return fmt.Sprintf("kab%d.go.id", i) })
	fc := &fakeCrawl{behave: func(ctx context.Context, t egovbench.Target, call int) error {
		switch t.ID {
		case "kab0.go.id":
			panic("analysis bug")
		case "kab1.go.id":
			select {} // never returns, whatever its context says
		case "kab2.go.id":
			if call == 1 {
				return fmt.Errorf("first attempt breaks")
			}
		}
		return nil
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	wctx, stopWorkers := context.WithCancel(ctx)
	wg := runWorkers(t, wctx, url, cfg, 2, 3, 10*time.Millisecond, fc.crawl, 2500*time.Millisecond)
	var sv saved
	st, err := (&Hub{JS: connect(t, url), Config: cfg, Save: sv.save}).Run(ctx, 1, ts)
	stopWorkers()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != 4 || st.Failed != 2 {
		t.Errorf("stats %+v, want 4 stored and 2 failed", st)
	}
	for id, want := range map[string]string{"kab0.go.id": "analysis bug", "kab1.go.id": "finish"} {
		rs := sv.results[id]
		if len(rs) != 1 || !strings.Contains(rs[0].Failed, want) {
			t.Errorf("%s: %+v, want one failure saying %q", id, rs, want)
		}
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.calls["kab0.go.id"] != 3 || fc.calls["kab1.go.id"] != 3 {
		t.Errorf("attempts: crash %d, hang %d; want 3 each", fc.calls["kab0.go.id"], fc.calls["kab1.go.id"])
	}
	if rs := sv.results["kab2.go.id"]; len(rs) != 1 || rs[0].Failed != "" || rs[0].Attempts != 2 {
		t.Errorf("kab2: %+v, want stored on attempt 2", rs)
	}
}

func TestKey(t *testing.T) {
	for _, c := range []struct {
		by   KeyBy
		url  string
		want string
	}{
		{KeyDomain, "https://dinas.pemda.go.id/x", "pemda.go.id"},
		{KeyDomain, "https://www.makassarkota.go.id/", "makassarkota.go.id"},
		{KeyHost, "https://dinas.pemda.go.id/x", "dinas.pemda.go.id"},
		{KeyDomain, "http://127.0.0.1:8080/", "127.0.0.1"},
		{KeyDomain, "https://EXAMPLE.gov.uk./", "example.gov.uk"},
	} {
		if got := c.by.Key(c.url); got != c.want {
			t.Errorf("%s.Key(%q) = %q, want %q", c.by, c.url, got, c.want)
		}
	}
}

func TestWireRejectsGarbage(t *testing.T) {
	good, err := encodeResult(Result{Run: 1, TargetID: "a", Snapshot: egovbench.Snapshot{Pages: []egovbench.Page{{Body: []byte("x")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeResult(good); err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{nil, []byte("junk"), good[:len(good)/2]} {
		if _, err := decodeResult(b); err == nil {
			t.Errorf("decodeResult(%q) accepted", b)
		}
	}
}

// TestSetupAgain: a second Setup keeps the consumers, and one with a new
// lease updates them.
func TestSetupAgain(t *testing.T) {
	url := startServer(t)
	js := connect(t, url)
	ctx := context.Background()
	cfg := Config{Prefix: "t3", Shards: 5, Lease: 2 * time.Second, MaxDeliver: 2}
	for _, lease := range []time.Duration{2 * time.Second, 2 * time.Second, 3 * time.Second} {
		cfg.Lease = lease
		if err := Setup(ctx, js, cfg); err != nil {
			t.Fatal(err)
		}
		for i := range cfg.Shards {
			c, err := js.Consumer(ctx, cfg.withDefaults().jobsStream(), cfg.shardName(i))
			if err != nil {
				t.Fatal(err)
			}
			got := c.CachedInfo().Config
			if got.AckWait != lease || got.MaxDeliver != 2 || got.MaxAckPending != 1 {
				t.Errorf("shard %d: %+v after Setup with lease %v", i, got, lease)
			}
		}
	}
}

// TestHoldAcrossWorkers: the hub's delay travels in each job, and a site
// whose crawl asked its key to be left alone longer (a Retry-After, a
// robots.txt Crawl-delay) holds the next site of its key back that long,
// whichever worker takes it; the hub's settings reach the crawl function.
func TestHoldAcrossWorkers(t *testing.T) {
	url := startServer(t)
	cfg := Config{Prefix: "t4", Shards: 4, Lease: 5 * time.Second}
	ts := targets(8, func(i int) string { return fmt.Sprintf("dinas%d.pemda.go.id", i) })
	const delay, pause = 150 * time.Millisecond, 700 * time.Millisecond
	fc := &fakeCrawl{work: 10 * time.Millisecond, pause: func(t egovbench.Target) time.Duration {
		if t.ID == "dinas0.pemda.go.id" || t.ID == "dinas5.pemda.go.id" {
			return pause
		}
		return 0
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wctx, stopWorkers := context.WithCancel(ctx)
	wg := runWorkers(t, wctx, url, cfg, 3, 2, 0, fc.crawl, 10*time.Second)
	var sv saved
	settings := []byte(`{"delay":"150ms","max_pages":7}`)
	h := &Hub{JS: connect(t, url), Config: cfg, Save: sv.save, Delay: delay, MaxTime: 4 * time.Second, Settings: settings}
	st, err := h.Run(ctx, 3, ts)
	stopWorkers()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != len(ts) {
		t.Fatalf("stats %+v", st)
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.overlaps) > 0 {
		t.Errorf("keys crawled twice at once: %v", fc.overlaps)
	}
	for _, g := range fc.gaps {
		if g < delay {
			t.Errorf("the key was crawled again %v after the last crawl ended, want at least the hub's delay %v", g, delay)
		}
	}
	for _, g := range fc.pausedGaps {
		if g < 0 {
			t.Errorf("the key was crawled again %v before the pause its last site asked for (%v) was over", -g, pause)
		}
	}
	// Both paused sites are followed by another crawl of the key unless one
	// of them is crawled last, as happened once under CI's load (7 gaps, 1
	// after a pause): a shard's jobs keep no fixed order once one has been
	// put back, and nothing here needs them to.
	wantPaused := 2
	if n := len(fc.jobs); n > 0 && fc.pause(fc.jobs[n-1].Target) > 0 {
		wantPaused = 1
		t.Logf("a paused site was crawled last: %s", fc.jobs[n-1].Target.ID)
	}
	if len(fc.gaps)+len(fc.pausedGaps) != len(ts)-1 || len(fc.pausedGaps) != wantPaused {
		t.Errorf("%d gaps and %d after a pause measured, want %d and %d", len(fc.gaps), len(fc.pausedGaps), len(ts)-1-wantPaused, wantPaused)
	}
	for _, j := range fc.jobs {
		if j.Delay != delay || j.MaxTime != 4*time.Second || string(j.Settings) != string(settings) {
			t.Errorf("job of %s: delay %v, max time %v, settings %s; want the hub's", j.Target.ID, j.Delay, j.MaxTime, j.Settings)
		}
	}
}
