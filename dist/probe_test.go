package dist

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/internal/natstest"
	"github.com/nats-io/nats.go/jetstream"
)

// sampleLog collects what probe hubs save, keyed by target and slot.
type sampleLog struct {
	mu       sync.Mutex
	interval time.Duration
	samples  map[string]int // target@slot -> times saved
	rounds   []egovbench.DegradedRound
}

func (s *sampleLog) save(ctx context.Context, ps []egovbench.Probe, rs []egovbench.DegradedRound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samples == nil {
		s.samples = map[string]int{}
	}
	for _, p := range ps {
		// A task is probed between its due time (slot plus phase) and one
		// interval later, never after: that names its slot.
		slot := SlotOf(p.At.Add(-Phase(p.TargetID, s.interval)), s.interval)
		s.samples[fmt.Sprintf("%s@%d", p.TargetID, slot.Unix())]++
	}
	s.rounds = append(s.rounds, rs...)
	return nil
}

func (s *sampleLog) snapshot() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]int, len(s.samples))
	for k, v := range s.samples {
		m[k] = v
	}
	return m, len(s.rounds)
}

// okProbe answers every probe with ok at once, counting the calls.
type okProbe struct {
	mu       sync.Mutex
	calls    map[string]int
	out      egovbench.Outcome
	settings map[string]bool
}

func (o *okProbe) probe(ctx context.Context, task ProbeTask) (egovbench.Probe, error) {
	t := task.Target
	o.mu.Lock()
	if o.calls == nil {
		o.calls = map[string]int{}
	}
	o.calls[t.ID]++
	if o.settings == nil {
		o.settings = map[string]bool{}
	}
	o.settings[string(task.Settings)] = true
	o.mu.Unlock()
	out := o.out
	if out == "" {
		out = egovbench.OutcomeOK
	}
	return egovbench.Probe{TargetID: t.ID, URL: t.URL, At: time.Now().UTC(), Outcome: out, Total: time.Millisecond}, nil
}

func (o *okProbe) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, c := range o.calls {
		n += c
	}
	return n
}

func staticTargets(ts []egovbench.Target) func(context.Context) ([]egovbench.Target, error) {
	return func(context.Context) ([]egovbench.Target, error) { return ts, nil }
}

func runProbeWorker(t *testing.T, ctx context.Context, w *ProbeWorker) *sync.WaitGroup {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := w.Run(ctx); err != nil {
			t.Error(err)
		}
	})
	return &wg
}

// TestProbeHubsAndWorkers: two schedulers (one started late, as a
// restarted or second hub would be) publish each slot's task once, two
// workers probe it once, and every sample is saved once.
func TestProbeHubsAndWorkers(t *testing.T) {
	url := startServer(t)
	const interval = 2 * time.Second
	cfg := Config{Prefix: "p1", Lease: 10 * time.Second}
	ts := targets(40, func(i int) string { return fmt.Sprintf("desa%d.go.id", i) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	log := &sampleLog{interval: interval}
	// Start just after a slot begins, so the run covers whole slots.
	sleep(ctx, time.Until(SlotOf(time.Now(), interval).Add(interval+50*time.Millisecond)))
	first := SlotOf(time.Now(), interval)
	hctx, stopHubs := context.WithCancel(ctx)
	var hubs sync.WaitGroup
	newHub := func() *ProbeHub {
		return &ProbeHub{JS: connect(t, url), Config: cfg, Interval: interval, Targets: staticTargets(ts), Save: log.save,
			Settings: []byte(`{"user_agent":"x"}`)}
	}
	h1, h2 := newHub(), newHub()
	hubs.Go(func() {
		if err := h1.Run(hctx); err != nil {
			t.Error(err)
		}
	})
	sleep(ctx, interval/2)
	hubs.Go(func() {
		if err := h2.Run(hctx); err != nil {
			t.Error(err)
		}
	})
	wctx, stopWorkers := context.WithCancel(ctx)
	var prober okProbe
	var workers []*sync.WaitGroup
	for i := range 2 {
		workers = append(workers, runProbeWorker(t, wctx, &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: prober.probe,
			Slots: 8, Flush: 200 * time.Millisecond, Name: fmt.Sprint("w", i)}))
	}
	// Three whole slots after the first.
	last := first.Add(3 * interval)
	sleep(ctx, time.Until(last.Add(interval+time.Second)))
	stopWorkers()
	for _, wg := range workers {
		wg.Wait()
	}
	stopHubs()
	hubs.Wait()

	got, _ := log.snapshot()
	for slot := first; !slot.After(last); slot = slot.Add(interval) {
		for _, tg := range ts {
			id := ProbeTask{Target: tg, Slot: slot}.ID()
			if got[id] != 1 {
				t.Errorf("%s saved %d times, want once", id, got[id])
			}
		}
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s saved %d times", id, n)
		}
	}
	if len(prober.settings) != 1 || !prober.settings[`{"user_agent":"x"}`] {
		t.Errorf("tasks carried settings %v, want the hub's", prober.settings)
	}
	s1, s2 := h1.Stats(), h2.Stats()
	if s2.Republished == 0 {
		t.Errorf("the second scheduler published nothing again (stats %+v): not a test of deduplication", s2)
	}
	if pub := s1.Published + s2.Published; int(pub) < len(ts)*4 || prober.count() > int(pub) {
		t.Errorf("%d tasks published, %d probes made; want at most one probe per published task, at least %d tasks", pub, prober.count(), len(ts)*4)
	}
}

// TestProbeStaleTasks: tasks whose slot is over when a worker gets them
// are dropped unprobed, and a worker that took tasks and died leaves them
// to another worker while their slot lasts, and to nobody after.
func TestProbeStaleTasks(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const interval = 30 * time.Second
	cfg := Config{Prefix: "p2", Lease: 2 * time.Second, MaxDeliver: 5}
	js := connect(t, url)
	if err := SetupProbes(ctx, js, cfg, interval); err != nil {
		t.Fatal(err)
	}
	cfg = cfg.withDefaults()
	now := time.Now()
	publish := func(id string, due time.Time) {
		t.Helper()
		task := ProbeTask{Target: egovbench.Target{ID: id, URL: "https://" + id + "/"}, Slot: SlotOf(due, interval), Interval: interval, Due: due}
		data, _ := json.Marshal(task)
		if _, err := js.Publish(ctx, cfg.probeTaskSubject(), data, jetstream.WithMsgID(task.ID())); err != nil {
			t.Fatal(err)
		}
	}
	// Old: due more than an interval ago (a backlog behind dead workers).
	for i := range 5 {
		publish(fmt.Sprintf("old%d", i), now.Add(-interval-time.Duration(i)*time.Second))
	}
	// Held by a worker that dies without a word: fresh, and one whose
	// slot ends before the lease does.
	publish("fresh", now)
	publish("ending", now.Add(-interval+time.Second))
	cons, err := js.Consumer(ctx, cfg.probeTasksStream(), probersConsumer)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(7, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range batch.Messages() {
		n++ // taken, never acked: the dead worker
	}
	if n != 7 {
		t.Fatalf("the dead worker took %d tasks, want 7", n)
	}

	var prober okProbe
	log := &sampleLog{interval: interval}
	wctx, stop := context.WithCancel(ctx)
	w := &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: prober.probe, Slots: 4, Flush: 100 * time.Millisecond, Name: "heir"}
	wg := runProbeWorker(t, wctx, w)
	hctx, stopHub := context.WithCancel(ctx)
	h := &ProbeHub{JS: connect(t, url), Config: cfg, Interval: interval, Targets: staticTargets(nil), Save: log.save}
	var hwg sync.WaitGroup
	hwg.Go(func() {
		if err := h.Run(hctx); err != nil {
			t.Error(err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for w.Stats().Stale < 6 && time.Now().Before(deadline) {
		sleep(ctx, 100*time.Millisecond)
	}
	for w.Stats().Sent < 1 && time.Now().Before(deadline) {
		sleep(ctx, 100*time.Millisecond)
	}
	sleep(ctx, time.Second)
	stop()
	wg.Wait()
	stopHub()
	hwg.Wait()
	st := w.Stats()
	prober.mu.Lock()
	calls := prober.calls
	prober.mu.Unlock()
	if st.Stale != 6 || st.Sent != 1 || len(calls) != 1 || calls["fresh"] != 1 {
		t.Errorf("worker stats %+v, probes %v; want the 6 stale tasks dropped and only the fresh one probed", st, calls)
	}
	got, _ := log.snapshot()
	if len(got) != 1 || calls["fresh"] != 1 {
		t.Errorf("saved %v, want the fresh sample once", got)
	}
}

// TestProbeWorkerOffline: a batch in which most targets fail with network
// errors, or every canary does, is sent as one degraded round and no
// sample; a canary that answers makes the failures samples.
func TestProbeWorkerOffline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		canary   egovbench.Outcome // "" for none
		degraded bool
	}{
		{"no canary", "", true},
		{"canary down too", egovbench.OutcomeTimeout, true},
		{"canary up", egovbench.OutcomeOK, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := startServer(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			const interval = 20 * time.Second
			cfg := Config{Prefix: "p3", Lease: 5 * time.Second}
			ts := targets(8, func(i int) string { return fmt.Sprintf("kab%d.go.id", i) })
			// All due at once: one phase for every target is not what the
			// hub does, so the tasks are published here.
			js := connect(t, url)
			if err := SetupProbes(ctx, js, cfg, interval); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			for _, tg := range ts {
				data, _ := json.Marshal(ProbeTask{Target: tg, Slot: SlotOf(now, interval), Interval: interval, Due: now})
				if _, err := js.Publish(ctx, cfg.withDefaults().probeTaskSubject(), data); err != nil {
					t.Fatal(err)
				}
			}
			prober := &okProbe{out: egovbench.OutcomeConnectionRefused}
			w := &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: prober.probe, Slots: 8, Flush: 3 * time.Second, Name: "w"}
			if tc.canary != "" {
				w.Canaries = func(context.Context) []egovbench.Probe {
					return []egovbench.Probe{{TargetID: "canary", At: time.Now(), Outcome: tc.canary}}
				}
			}
			log := &sampleLog{interval: interval}
			wctx, stop := context.WithCancel(ctx)
			wg := runProbeWorker(t, wctx, w)
			hctx, stopHub := context.WithCancel(ctx)
			h := &ProbeHub{JS: connect(t, url), Config: cfg, Interval: interval, Targets: staticTargets(nil), Save: log.save}
			var hwg sync.WaitGroup
			hwg.Go(func() {
				if err := h.Run(hctx); err != nil {
					t.Error(err)
				}
			})
			deadline := time.Now().Add(30 * time.Second)
			for {
				got, rounds := log.snapshot()
				if len(got)+rounds > 0 || time.Now().After(deadline) {
					break
				}
				sleep(ctx, 100*time.Millisecond)
			}
			sleep(ctx, time.Second)
			stop()
			wg.Wait()
			stopHub()
			hwg.Wait()
			got, rounds := log.snapshot()
			if tc.degraded && (len(got) != 0 || rounds != 1 || w.Stats().Degraded != 1) {
				t.Errorf("%d samples, %d degraded rounds saved; want none and 1", len(got), rounds)
			}
			if !tc.degraded && (len(got) != len(ts) || rounds != 0) {
				t.Errorf("%d samples, %d degraded rounds saved; want %d and none", len(got), rounds, len(ts))
			}
		})
	}
}

func TestSlotAndPhase(t *testing.T) {
	iv := 5 * time.Minute
	at := time.Date(2026, 12, 3, 10, 7, 12, 0, time.UTC)
	if got := SlotOf(at, iv); !got.Equal(time.Date(2026, 12, 3, 10, 5, 0, 0, time.UTC)) {
		t.Errorf("SlotOf = %v", got)
	}
	seen := map[time.Duration]bool{}
	for i := range 100 {
		p := Phase(fmt.Sprintf("desa%d", i), iv)
		if p < 0 || p >= iv {
			t.Fatalf("phase %v outside [0, %v)", p, iv)
		}
		if p != Phase(fmt.Sprintf("desa%d", i), iv) {
			t.Fatal("phase not stable")
		}
		seen[p/(iv/10)] = true
	}
	if len(seen) < 8 {
		t.Errorf("100 phases fall in only %d of 10 tenths of the interval", len(seen))
	}
	for _, bad := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond} {
		if ValidateProbeInterval(bad) == nil {
			t.Errorf("interval %v accepted", bad)
		}
	}
}

// TestProbeHubUntil: a hub with an end publishes its slots, then returns
// once every task is answered; without workers every task is given up and
// counted missing, and nothing is saved for it.
func TestProbeHubUntil(t *testing.T) {
	url := startServer(t)
	const interval = 2 * time.Second
	ts := targets(30, func(i int) string { return fmt.Sprintf("desa%d.go.id", i) })
	for _, withWorkers := range []bool{true, false} {
		t.Run(fmt.Sprint("workers=", withWorkers), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cfg := Config{Prefix: fmt.Sprint("p4", withWorkers), Lease: 2 * time.Second}
			log := &sampleLog{interval: interval}
			var prober okProbe
			wctx, stop := context.WithCancel(ctx)
			defer stop()
			if err := SetupProbes(ctx, connect(t, url), cfg, interval); err != nil {
				t.Fatal(err)
			}
			if withWorkers {
				for i := range 2 {
					runProbeWorker(t, wctx, &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: prober.probe, Slots: 4,
						Flush: 100 * time.Millisecond, Name: fmt.Sprint("w", i)})
				}
			}
			// Started as a slot begins: a hub started late in a slot
			// publishes the tasks already due at once, and those due
			// nearly an interval ago may expire before a worker gets them.
			sleep(ctx, time.Until(SlotOf(time.Now(), interval).Add(interval+20*time.Millisecond)))
			start := time.Now()
			h := &ProbeHub{JS: connect(t, url), Config: cfg, Interval: interval, Targets: staticTargets(ts), Save: log.save,
				Until: start.Add(2 * interval), GiveUp: time.Second}
			if err := h.Run(ctx); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			st := h.Stats()
			got, _ := log.snapshot()
			n := 0
			for _, c := range got {
				n += c
			}
			if withWorkers && (st.Missing != 0 || int64(n) != st.Published || st.Published < int64(2*len(ts))) {
				t.Errorf("stats %+v, %d samples saved; want every published task's sample, none missing", st, n)
			}
			if !withWorkers && (n != 0 || st.Missing != st.Published || st.Published < int64(2*len(ts))) {
				t.Errorf("stats %+v, %d samples saved; want every task missing and nothing saved", st, n)
			}
			if took > 4*interval+2*time.Second+10*time.Second {
				t.Errorf("the hub took %v to end", took)
			}
		})
	}
}

// TestProbeNATSRestart: after the server restarts, the hub publishes and
// stores again and the worker probes again, without being restarted.
func TestProbeNATSRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := natstest.Start(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	port := s.Addr().(*net.TCPAddr).Port
	url := s.ClientURL()
	defer func() { s.Shutdown(); s.WaitForShutdown() }()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const interval = 2 * time.Second
	cfg := Config{Prefix: "p5", Lease: 3 * time.Second}
	ts := targets(10, func(i int) string { return fmt.Sprintf("desa%d.go.id", i) })
	log := &sampleLog{interval: interval}
	var prober okProbe
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	wg := runProbeWorker(t, wctx, &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: prober.probe, Slots: 4, Flush: 100 * time.Millisecond})
	h := &ProbeHub{JS: connect(t, url), Config: cfg, Interval: interval, Targets: staticTargets(ts), Save: log.save}
	var hwg sync.WaitGroup
	hwg.Go(func() {
		if err := h.Run(wctx); err != nil {
			t.Error(err)
		}
	})
	count := func() int {
		got, _ := log.snapshot()
		return len(got)
	}
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(40 * time.Second)
		for count() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d samples, want %d", count(), n)
			}
			sleep(ctx, 100*time.Millisecond)
		}
	}
	waitFor(len(ts))
	s.Shutdown()
	s.WaitForShutdown()
	sleep(ctx, interval)
	if s, err = natstest.Start(dir, port); err != nil {
		t.Fatal(err)
	}
	after := count()
	waitFor(after + 2*len(ts))
	stop()
	wg.Wait()
	hwg.Wait()
	got, _ := log.snapshot()
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s saved %d times", id, n)
		}
	}
}

// TestProbeWorkerStop: a worker stopped gives the tasks in its hands back
// at once (the one it was probing, and one fetched and waiting for a free
// slot), so another worker probes them long before the lease would have
// returned them; the probe cut short by the stop is not sent.
func TestProbeWorkerStop(t *testing.T) {
	url := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const interval = 2 * time.Minute
	cfg := Config{Prefix: "p6", Lease: 40 * time.Second}
	js := connect(t, url)
	if err := SetupProbes(ctx, js, cfg, interval); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ts := targets(5, func(i int) string { return fmt.Sprintf("kab%d.go.id", i) })
	for _, tg := range ts {
		task := ProbeTask{Target: tg, Slot: SlotOf(now, interval), Interval: interval, Due: now}
		data, _ := json.Marshal(task)
		if _, err := js.Publish(ctx, cfg.withDefaults().probeTaskSubject(), data, jetstream.WithMsgID(task.ID())); err != nil {
			t.Fatal(err)
		}
	}
	started := make(chan struct{}, len(ts))
	stuck := func(ctx context.Context, task ProbeTask) (egovbench.Probe, error) {
		started <- struct{}{}
		<-ctx.Done()
		return egovbench.Probe{TargetID: task.Target.ID, At: time.Now(), Outcome: egovbench.OutcomeTimeout}, nil
	}
	actx, stopA := context.WithCancel(ctx)
	a := runProbeWorker(t, actx, &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: stuck, Slots: 1, Flush: time.Second, Name: "a"})
	<-started
	stopA()
	a.Wait()
	if n := len(started); n != 0 {
		t.Errorf("the stopped worker began %d more probes", n)
	}

	var prober okProbe
	log := &sampleLog{interval: interval}
	bctx, stopB := context.WithCancel(ctx)
	b := runProbeWorker(t, bctx, &ProbeWorker{JS: connect(t, url), Config: cfg, Probe: prober.probe, Slots: 4, Flush: 100 * time.Millisecond, Name: "b"})
	h := &ProbeHub{JS: connect(t, url), Config: cfg, Interval: interval, Targets: staticTargets(nil), Save: log.save}
	var hwg sync.WaitGroup
	hwg.Go(func() {
		if err := h.Run(bctx); err != nil {
			t.Error(err)
		}
	})
	deadline := time.Now().Add(15 * time.Second) // well inside the 40 s lease
	for prober.count() < len(ts) && time.Now().Before(deadline) {
		sleep(ctx, 100*time.Millisecond)
	}
	sleep(ctx, time.Second)
	stopB()
	b.Wait()
	hwg.Wait()
	if n := prober.count(); n != len(ts) {
		t.Errorf("the second worker probed %d of the %d tasks the first gave back", n, len(ts))
	}
	got, _ := log.snapshot()
	if len(got) != len(ts) {
		t.Errorf("%d samples saved, want %d; none from the stopped worker's cut probe", len(got), len(ts))
	}
}
