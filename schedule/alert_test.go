package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// receiver is a webhook endpoint on loopback that records what it gets.
type receiver struct {
	srv *httptest.Server
	// status returns the code for the n-th request (0-based); nil means 200.
	status func(n int) int
	// hold, if set, is waited on before answering.
	hold chan struct{}
	// refuse, if set, answers 503 to the events it returns true for.
	refuse func(Event) bool

	mu     sync.Mutex
	got    []Event
	posted []string // "type target" of every POST, accepted or not
	times  []time.Time
	n      atomic.Int32
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := int(r.n.Add(1)) - 1
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.times = append(r.times, time.Now())
		r.mu.Unlock()
		if r.hold != nil {
			<-r.hold
		}
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want JSON POST", http.StatusBadRequest)
			return
		}
		var e Event
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		code := 200
		switch {
		case r.status != nil:
			code = r.status(n)
		case r.refuse != nil && r.refuse(e):
			code = http.StatusServiceUnavailable
		}
		r.mu.Lock()
		r.posted = append(r.posted, string(e.Type)+" "+e.TargetID)
		if code == 200 {
			r.got = append(r.got, e)
		}
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// accepted is "type target" of each event answered 200, in order.
func (r *receiver) accepted() []string {
	var out []string
	for _, e := range r.events() {
		out = append(out, string(e.Type)+" "+e.TargetID)
	}
	return out
}

func (r *receiver) posts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.posted...)
}

func (r *receiver) events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.got...)
}

func (r *receiver) attempts() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.times...)
}

func alertConfig(url string) AlertConfig {
	c := DefaultConfig().Alerts
	c.Webhook = url
	c.Backoff = Duration(5 * time.Millisecond)
	c.MaxBackoff = Duration(time.Second)
	c.Timeout = Duration(2 * time.Second)
	return c
}

// runAlerter runs a's delivery loop; the returned func stops it (flushing)
// and waits for it.
func runAlerter(t *testing.T, a *Alerter) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.Run(ctx); err != nil {
			t.Errorf("alerter Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

func probes(target string, start time.Time, outcomes ...egovbench.Outcome) []egovbench.Probe {
	var ps []egovbench.Probe
	for i, o := range outcomes {
		ps = append(ps, egovbench.Probe{TargetID: target, URL: "https://" + target + ".go.id/",
			At: start.Add(time.Duration(i) * 5 * time.Minute), Outcome: o, Error: string(o) + " after 30s"})
	}
	return ps
}

func TestAlertSequences(t *testing.T) {
	const (
		ok  = egovbench.OutcomeOK
		to  = egovbench.OutcomeTimeout
		ref = egovbench.OutcomeConnectionRefused
		blk = egovbench.OutcomeBlocked
		mnt = egovbench.OutcomeMaintenance
	)
	cases := []struct {
		name       string
		outcomes   []egovbench.Outcome
		onRecovery bool
		want       []EventType
	}{
		{"two failures are not down", []egovbench.Outcome{to, to, ok}, true, nil},
		{"down after three", []egovbench.Outcome{to, ref, to}, true, []EventType{EventDown}},
		{"down once however long", []egovbench.Outcome{to, to, to, to, to, to}, true, []EventType{EventDown}},
		{"down then recovered", []egovbench.Outcome{to, to, to, to, ok, ok}, true, []EventType{EventDown, EventRecovered}},
		{"recovery not wanted", []egovbench.Outcome{to, to, to, ok}, false, []EventType{EventDown}},
		{"blocked is never down", []egovbench.Outcome{blk, blk, blk, blk, blk}, true, nil},
		{"blocked neither counts nor resets", []egovbench.Outcome{to, blk, to, blk, to}, true, []EventType{EventDown}},
		{"ok resets the count", []egovbench.Outcome{to, to, ok, to, to}, true, nil},
		{"maintenance page is a failure", []egovbench.Outcome{mnt, mnt, mnt}, true, []EventType{EventDown}},
		{"two outages", []egovbench.Outcome{to, to, to, ok, ref, ref, ref, ok}, true,
			[]EventType{EventDown, EventRecovered, EventDown, EventRecovered}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newReceiver(t)
			cfg := alertConfig(rec.srv.URL)
			cfg.OnRecovery = tc.onRecovery
			m := NewMetrics()
			a := NewAlerter(cfg, WithAlertMetrics(m))
			stop := runAlerter(t, a)
			// One probe per round, as the scheduler feeds them.
			for _, p := range probes("kota-a", t0, tc.outcomes...) {
				a.Observe([]egovbench.Probe{p})
			}
			stop()
			got := rec.events()
			if len(got) != len(tc.want) {
				t.Fatalf("events = %+v, want types %v", got, tc.want)
			}
			for i, e := range got {
				if e.Type != tc.want[i] || e.TargetID != "kota-a" || e.Text == "" {
					t.Errorf("event %d = %+v, want %s for kota-a", i, e, tc.want[i])
				}
			}
			if len(got) > 0 && got[0].Type == EventDown {
				if got[0].Failures != 3 || got[0].Since.IsZero() || got[0].Outcome == ok || got[0].Error == "" {
					t.Errorf("down event lacks detail: %+v", got[0])
				}
			}
			if len(got) > 1 && got[1].Type == EventRecovered && got[1].DownSeconds <= 0 {
				t.Errorf("recovered event lacks duration: %+v", got[1])
			}
			for _, typ := range []EventType{EventDown, EventRecovered} {
				raised, sent, failed, dropped := m.AlertCounts(typ)
				want := uint64(0)
				for _, w := range tc.want {
					if w == typ {
						want++
					}
				}
				if raised != want || sent != want || failed != 0 || dropped != 0 {
					t.Errorf("%s counts raised=%d sent=%d failed=%d dropped=%d, want %d sent", typ, raised, sent, failed, dropped, want)
				}
			}
		})
	}
}

func TestAlertsIgnoreFailuresInMaintenance(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Maintenance = []MaintenanceConfig{{Target: "kota-a", Start: "2026-03-04T00:00:00Z", End: "2026-03-04T00:12:00Z"}}
	mw, err := cfg.MaintenanceWindows()
	if err != nil {
		t.Fatal(err)
	}
	rec := newReceiver(t)
	a := NewAlerter(alertConfig(rec.srv.URL), WithMaintenance(mw))
	stop := runAlerter(t, a)
	// Probes at :00 :05 :10 fall in the window, :15 and :20 do not: only two counted failures.
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout))
	// Another target is not covered by the window.
	a.Observe(probes("kota-b", t0, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout))
	stop()
	got := rec.events()
	if len(got) != 1 || got[0].TargetID != "kota-b" {
		t.Fatalf("events = %+v, want only kota-b down", got)
	}
}

func TestAlertsIgnoreStaleProbes(t *testing.T) {
	rec := newReceiver(t)
	a := NewAlerter(alertConfig(rec.srv.URL))
	stop := runAlerter(t, a)
	a.Observe(probes("kota-a", t0.Add(time.Hour), egovbench.OutcomeOK))
	// Older failures arriving late (e.g. a resumed crawl's probes) change nothing.
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout))
	stop()
	if got := rec.events(); len(got) != 0 {
		t.Fatalf("events = %+v, want none", got)
	}
}

func TestStageDrop(t *testing.T) {
	rec := newReceiver(t)
	m := NewMetrics()
	a := NewAlerter(alertConfig(rec.srv.URL), WithAlertMetrics(m), WithAlertClock(func() time.Time { return t0 }))
	stop := runAlerter(t, a)
	prev := map[string]egovbench.Stage{
		"a": egovbench.StageIntegration, "b": egovbench.StagePresence,
		"d": egovbench.StageInteraction, "e": egovbench.StagePresence,
	}
	cur := map[string]egovbench.Stage{
		"a": egovbench.StageInteraction, "b": egovbench.StageTransaction,
		"c": egovbench.StagePresence, "d": egovbench.StageNone, "e": egovbench.StagePresence,
	}
	a.ObserveStages(prev, cur)
	stop()
	got := rec.events()
	if len(got) != 2 {
		t.Fatalf("events = %+v, want drops for a and d", got)
	}
	want := []Event{
		{Type: EventStageDrop, TargetID: "a", FromStage: "integration", ToStage: "interaction"},
		{Type: EventStageDrop, TargetID: "d", FromStage: "interaction", ToStage: "none"},
	}
	for i, w := range want {
		g := got[i]
		if g.Type != w.Type || g.TargetID != w.TargetID || g.FromStage != w.FromStage || g.ToStage != w.ToStage || !g.At.Equal(t0) {
			t.Errorf("event %d = %+v, want %+v", i, g, w)
		}
	}

	off := alertConfig(rec.srv.URL)
	off.OnStageDrop = false
	m2 := NewMetrics()
	NewAlerter(off, WithAlertMetrics(m2)).ObserveStages(prev, cur)
	if raised, _, _, _ := m2.AlertCounts(EventStageDrop); raised != 0 {
		t.Errorf("stage drops raised with on_stage_drop off: %d", raised)
	}
}

func TestAlertRetriesWithBackoff(t *testing.T) {
	rec := newReceiver(t)
	rec.status = func(n int) int {
		if n < 2 {
			return http.StatusInternalServerError
		}
		return 200
	}
	cfg := alertConfig(rec.srv.URL)
	cfg.Backoff = Duration(20 * time.Millisecond)
	cfg.DownAfter = 1
	m := NewMetrics()
	a := NewAlerter(cfg, WithAlertMetrics(m))
	runAlerter(t, a)
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout))
	waitFor(t, func() bool { _, sent, _, _ := m.AlertCounts(EventDown); return sent == 1 }, "delivery after retries")
	at := rec.attempts()
	if len(at) != 3 {
		t.Fatalf("attempts = %d, want 3", len(at))
	}
	// Backoff doubles: at least 20 ms before the 2nd try, 40 ms before the 3rd.
	if d := at[1].Sub(at[0]); d < 20*time.Millisecond {
		t.Errorf("first retry after %s, want >= 20ms", d)
	}
	if d := at[2].Sub(at[1]); d < 40*time.Millisecond {
		t.Errorf("second retry after %s, want >= 40ms", d)
	}
	if _, _, failed, _ := m.AlertCounts(EventDown); failed != 0 {
		t.Errorf("failed = %d", failed)
	}
}

func TestAlertGivesUp(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		attempts int
	}{
		{"server error retried", http.StatusBadGateway, 3},
		{"too many requests retried", http.StatusTooManyRequests, 3},
		{"client error not retried", http.StatusNotFound, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newReceiver(t)
			rec.status = func(int) int { return tc.status }
			cfg := alertConfig(rec.srv.URL)
			cfg.MaxRetries = 2
			cfg.DownAfter = 1
			m := NewMetrics()
			a := NewAlerter(cfg, WithAlertMetrics(m))
			runAlerter(t, a)
			a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout))
			waitFor(t, func() bool { _, _, failed, _ := m.AlertCounts(EventDown); return failed == 1 }, "give up")
			if n := len(rec.attempts()); n != tc.attempts {
				t.Errorf("attempts = %d, want %d", n, tc.attempts)
			}
		})
	}
}

func TestAlertQueueFullDoesNotBlock(t *testing.T) {
	rec := newReceiver(t)
	rec.hold = make(chan struct{})
	cfg := alertConfig(rec.srv.URL)
	cfg.QueueSize = 4
	cfg.DownAfter = 1
	cfg.MaxRetries = 0
	m := NewMetrics()
	a := NewAlerter(cfg, WithAlertMetrics(m))
	stop := runAlerter(t, a)
	const n = 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			a.Observe(probes(fmt.Sprintf("kota-%02d", i), t0, egovbench.OutcomeTimeout))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Observe blocked on a stuck webhook")
	}
	// The sender holds at most one event (stuck in its POST); the rest wait
	// in the queue, which never grows past its bound.
	if p := a.Pending(); p > cfg.QueueSize || p < cfg.QueueSize-1 {
		t.Errorf("pending = %d, want %d or %d", p, cfg.QueueSize-1, cfg.QueueSize)
	}
	if _, _, _, dropped := m.AlertCounts(EventDown); dropped < n-uint64(cfg.QueueSize)-1 {
		t.Errorf("dropped = %d, want >= %d", dropped, n-cfg.QueueSize-1)
	}
	close(rec.hold)
	stop()
	raised, sent, failed, dropped := m.AlertCounts(EventDown)
	if raised != n || dropped == 0 || sent+failed+dropped != n {
		t.Errorf("raised=%d sent=%d failed=%d dropped=%d: every event must be sent, failed or dropped", raised, sent, failed, dropped)
	}
	// The newest events survive: the last target must have been delivered.
	found := false
	for _, e := range rec.events() {
		found = found || e.TargetID == fmt.Sprintf("kota-%02d", n-1)
	}
	if !found {
		t.Error("newest event was dropped instead of the oldest")
	}
}

func TestAlerterWithoutWebhookOnlyCounts(t *testing.T) {
	m := NewMetrics()
	a := NewAlerter(AlertConfig{DownAfter: 1}, WithAlertMetrics(m))
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout))
	if raised, sent, _, _ := m.AlertCounts(EventDown); raised != 1 || sent != 0 || a.Pending() != 0 {
		t.Errorf("raised=%d sent=%d pending=%d", raised, sent, a.Pending())
	}
}

func BenchmarkAlerterObserve550(b *testing.B) {
	a := NewAlerter(AlertConfig{DownAfter: 3})
	round := make([]egovbench.Probe, 550)
	for i := range round {
		o := egovbench.OutcomeOK
		if i%10 == 0 {
			o = egovbench.OutcomeTimeout
		}
		round[i] = egovbench.Probe{TargetID: fmt.Sprintf("site-%03d", i), Outcome: o}
	}
	b.ReportAllocs()
	at := t0
	for b.Loop() {
		at = at.Add(5 * time.Minute)
		for i := range round {
			round[i].At = at
		}
		a.Observe(round)
	}
}

// TestAlertStateSurvivesRestart: a second alerter on the same store (a
// restarted daemon) announces nothing already announced, delivers what the
// first queued but never sent, and still announces the recovery.
func TestAlertStateSurvivesRestart(t *testing.T) {
	rec := newReceiver(t)
	cfg := alertConfig(rec.srv.URL)
	cfg.DownAfter = 2
	st := newMemAlertStore()
	first := NewAlerter(cfg, WithAlertStore(st))
	first.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout, egovbench.OutcomeTimeout))
	first.ObserveStages(nil, map[string]egovbench.Stage{"kota-b": egovbench.StageIntegration})
	// The first daemon dies before delivering anything.

	m := NewMetrics()
	second := NewAlerter(cfg, WithAlertStore(st), WithAlertMetrics(m))
	runAlerter(t, second)
	second.Observe(probes("kota-a", t0.Add(10*time.Minute), egovbench.OutcomeTimeout, egovbench.OutcomeTimeout))
	// A crawl resumed after the restart: prev already holds the new stage
	// of kota-b; the stored stage is what it is compared with.
	second.ObserveStages(map[string]egovbench.Stage{"kota-b": egovbench.StagePresence},
		map[string]egovbench.Stage{"kota-b": egovbench.StagePresence})
	second.Observe(probes("kota-a", t0.Add(20*time.Minute), egovbench.OutcomeOK))
	waitFor(t, func() bool { return len(rec.events()) == 3 }, "three deliveries")
	time.Sleep(50 * time.Millisecond)
	got := rec.events()
	if len(got) != 3 || got[0].Type != EventDown || got[1].Type != EventStageDrop || got[2].Type != EventRecovered {
		t.Fatalf("delivered %+v, want down, stage_drop, recovered once each", got)
	}
	if got[2].Since != t0 || got[2].Failures != 4 {
		t.Errorf("recovered since %s after %d failures, want %s and 4", got[2].Since, got[2].Failures, t0)
	}
	keys := map[string]bool{}
	for _, e := range got {
		if e.Key == "" || keys[e.Key] {
			t.Errorf("event %s has key %q (empty or repeated)", e.Type, e.Key)
		}
		keys[e.Key] = true
	}
	if raised, _, _, _ := m.AlertCounts(EventDown); raised != 0 {
		t.Errorf("the restarted alerter raised %d down events", raised)
	}
}

// TestAlertKeptQueuedAtShutdown: an event the receiver could not take before
// shutdown is neither failed nor lost; the next start delivers it.
func TestAlertKeptQueuedAtShutdown(t *testing.T) {
	rec := newReceiver(t)
	var up atomic.Bool
	rec.status = func(int) int {
		if up.Load() {
			return 200
		}
		return http.StatusServiceUnavailable
	}
	cfg := alertConfig(rec.srv.URL)
	cfg.DownAfter = 1
	cfg.MaxRetries = 1
	cfg.Backoff = Duration(time.Hour) // no retry before the stop
	cfg.MaxBackoff = Duration(time.Hour)
	st := newMemAlertStore()
	m := NewMetrics()
	a := NewAlerter(cfg, WithAlertStore(st), WithAlertMetrics(m))
	stop := runAlerter(t, a)
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout))
	waitFor(t, func() bool { return len(rec.attempts()) >= 1 }, "first attempt")
	stop()
	if _, _, failed, _ := m.AlertCounts(EventDown); failed != 0 {
		t.Errorf("failed = %d at shutdown, want the event kept", failed)
	}
	if p, _ := st.PendingAlerts(context.Background(), 10); len(p) != 1 {
		t.Fatalf("pending after shutdown = %d, want 1", len(p))
	}
	up.Store(true)
	cfg.Backoff, cfg.MaxBackoff = Duration(5*time.Millisecond), Duration(5*time.Millisecond)
	b := NewAlerter(cfg, WithAlertStore(st))
	// Its next attempt is an hour away; a restart waits for it like the
	// first process would have, so bring it forward as time would.
	for i := range st.queue {
		st.queue[i].NextAttempt = time.Now()
	}
	runAlerter(t, b)
	waitFor(t, func() bool { return len(rec.events()) == 1 }, "delivery after restart")
}

// TestAlertFailingTargetDoesNotHoldOthers: an event the receiver keeps
// refusing is retried with backoff, but events of other targets raised
// after it are delivered meanwhile (a queue read strictly oldest first let
// one dead event hold every later one for its whole retry budget: hours
// with the defaults). Per target the order stays the order of raising: a
// "recovered" is not posted before the "down" it ends.
func TestAlertFailingTargetDoesNotHoldOthers(t *testing.T) {
	var refuseA atomic.Bool
	refuseA.Store(true)
	rec := newReceiver(t)
	rec.refuse = func(e Event) bool { return e.TargetID == "kota-a" && refuseA.Load() }
	got := rec.accepted

	cfg := alertConfig(rec.srv.URL)
	cfg.DownAfter = 1
	cfg.MaxRetries = 1000
	cfg.Backoff = Duration(20 * time.Millisecond)
	cfg.MaxBackoff = Duration(50 * time.Millisecond)
	m := NewMetrics()
	a := NewAlerter(cfg, WithAlertMetrics(m))
	runAlerter(t, a)
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout))
	a.Observe(probes("kota-b", t0.Add(time.Minute), egovbench.OutcomeTimeout))
	waitFor(t, func() bool { return len(got()) == 1 }, "kota-b's down while kota-a's is refused")
	a.Observe(probes("kota-a", t0.Add(10*time.Minute), egovbench.OutcomeOK))
	a.Observe(probes("kota-b", t0.Add(10*time.Minute), egovbench.OutcomeOK))
	waitFor(t, func() bool { return len(got()) == 2 }, "kota-b's recovery")
	// kota-a's recovery waits behind its refused down.
	time.Sleep(200 * time.Millisecond)
	if g := got(); len(g) != 2 {
		t.Fatalf("accepted %q; kota-a's recovered must wait for its down", g)
	}
	refuseA.Store(false)
	waitFor(t, func() bool { return len(got()) == 4 }, "kota-a's events once accepted")
	want := []string{"down kota-b", "recovered kota-b", "down kota-a", "recovered kota-a"}
	if g := got(); fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("accepted %q, want %q", g, want)
	}
}

// TestAlertFlushKeepsTargetOrder: at shutdown each queued alert is tried
// once, except those behind an undelivered alert of the same target.
func TestAlertFlushKeepsTargetOrder(t *testing.T) {
	rec := newReceiver(t)
	rec.refuse = func(e Event) bool { return e.TargetID == "kota-a" }
	cfg := alertConfig(rec.srv.URL)
	cfg.DownAfter = 1
	a := NewAlerter(cfg)
	a.Observe(probes("kota-a", t0, egovbench.OutcomeTimeout))
	a.Observe(probes("kota-b", t0, egovbench.OutcomeTimeout))
	a.Observe(probes("kota-a", t0.Add(time.Minute), egovbench.OutcomeOK))
	a.Observe(probes("kota-b", t0.Add(time.Minute), egovbench.OutcomeOK))
	a.flush()
	want := []string{"down kota-a", "down kota-b", "recovered kota-b"}
	if posted := rec.posts(); fmt.Sprint(posted) != fmt.Sprint(want) {
		t.Errorf("posted %q at shutdown, want %q", posted, want)
	}
	if n := a.Pending(); n != 2 {
		t.Errorf("%d alerts still queued, want kota-a's two", n)
	}
}
