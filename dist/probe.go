package dist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/nats-io/nats.go/jetstream"
)

// Uptime probes through NATS. The hub publishes each target's probe task at
// a fixed phase within the interval (a hash of the target, so the load is
// spread evenly over it) on a work-queue stream whose tasks expire after
// one interval; the message id target@slot makes a second publish of a
// slot's task, by a restarted or a second scheduler, a no-op. Probe
// workers take tasks from one shared consumer, drop a task whose slot is
// over instead of probing it late, probe, and publish each sample with the
// same id to a results stream; a batch of probes that measured the
// worker's own network (egovbench.DegradedRoundOf) is sent as one degraded
// round instead of its samples. The hub drains the results into a save
// function that must be idempotent, and acks after its commit. A task that
// no worker answers leaves no sample: no data, never "down".

// MinProbeInterval is the shortest probe interval: slots are named by
// their start in whole seconds.
const MinProbeInterval = time.Second

// ProbeTask is one target's probe in one slot.
type ProbeTask struct {
	Target egovbench.Target `json:"target"`
	// Slot is the start of the interval the probe belongs to, a multiple
	// of Interval since the Unix epoch.
	Slot     time.Time     `json:"slot"`
	Interval time.Duration `json:"interval"`
	// Due is when the hub published the task: Slot plus the target's phase.
	Due time.Time `json:"due"`
	// Settings are the hub's probe settings as it encoded them (User-Agent,
	// timeouts), so every worker probes alike; this package does not read
	// them.
	Settings json.RawMessage `json:"settings,omitempty"`
}

// ID is the task's and its sample's message id: target@slot (Unix seconds).
func (t ProbeTask) ID() string { return t.Target.ID + "@" + strconv.FormatInt(t.Slot.Unix(), 10) }

// Stale reports whether the task's time has passed: a probe made now would
// be a late sample of a slot that is over, so it is not made.
func (t ProbeTask) Stale(now time.Time) bool { return !now.Before(t.Due.Add(t.Interval)) }

// ProbeResult is what a probe worker sends: one sample, or a degraded
// round standing for the samples of a batch it did not send.
type ProbeResult struct {
	Task     string                   `json:"task,omitempty"`
	Probe    *egovbench.Probe         `json:"probe,omitempty"`
	Degraded *egovbench.DegradedRound `json:"degraded,omitempty"`
	// Tasks are the ids of the tasks a degraded round stands for.
	Tasks  []string `json:"tasks,omitempty"`
	Worker string   `json:"worker,omitempty"`
}

// SlotOf returns the start of the interval holding t.
func SlotOf(t time.Time, interval time.Duration) time.Time {
	n := t.UnixNano()
	return time.Unix(0, n-((n%int64(interval))+int64(interval))%int64(interval)).UTC()
}

// Phase is where within the interval a target is probed: the same every
// slot, spread evenly over the fleet by a hash of the target id.
func Phase(targetID string, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(targetID))
	return time.Duration(h.Sum64() % uint64(interval))
}

func (c Config) probeTasksStream() string   { return c.stream("PROBES") }
func (c Config) probeResultsStream() string { return c.stream("PROBE_RESULTS") }
func (c Config) probeTaskSubject() string   { return c.Prefix + ".probe.task" }
func (c Config) probeResultSubject() string { return c.Prefix + ".probe.result" }

// probersConsumer is the one consumer all probe workers share.
const probersConsumer = "probers"

// ValidateProbeInterval reports an interval the probe path cannot use.
func ValidateProbeInterval(d time.Duration) error {
	if d < MinProbeInterval || d%time.Second != 0 {
		return fmt.Errorf("probe interval %v: a whole number of seconds, at least %v", d, MinProbeInterval)
	}
	return nil
}

// SetupProbes creates or updates the probe streams and consumers for the
// interval. The probe hub calls it; it is idempotent.
func SetupProbes(ctx context.Context, js jetstream.JetStream, cfg Config, interval time.Duration) error {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := ValidateProbeInterval(interval); err != nil {
		return err
	}
	ctx, cancel := api(ctx)
	defer cancel()
	streams := []jetstream.StreamConfig{
		// A task lives one interval: one nobody took by then is dropped by
		// the server, so tasks never pile up behind dead workers. Its id is
		// remembered as long, which covers every publish of its slot.
		{Name: cfg.probeTasksStream(), Subjects: []string{cfg.probeTaskSubject()}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, MaxAge: interval, Duplicates: interval},
		// Samples wait for the hub however long it is away; a second
		// worker's sample of the same slot (its task was redelivered while
		// the first worker was slow, not dead) is dropped within two
		// intervals.
		{Name: cfg.probeResultsStream(), Subjects: []string{cfg.probeResultSubject()}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Duplicates: max(2*interval, 2*time.Minute)},
	}
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, cfg.probeTasksStream(), jetstream.ConsumerConfig{
		Durable:       probersConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.Lease,
		MaxDeliver:    cfg.MaxDeliver,
		MaxAckPending: 1 << 16,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}); err != nil {
		return fmt.Errorf("consumer %s/%s: %w", cfg.probeTasksStream(), probersConsumer, err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, cfg.probeResultsStream(), jetstream.ConsumerConfig{
		Durable:       "hub",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       resultsAckWait,
		MaxAckPending: 4 * probeBatch(cfg),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}); err != nil {
		return fmt.Errorf("consumer %s/hub: %w", cfg.probeResultsStream(), err)
	}
	return nil
}

// probeBatch is how many samples the hub stores in one commit at most:
// samples are small and come steadily, so more of them share a commit
// than crawl results do.
func probeBatch(cfg Config) int { return max(cfg.Batch, 256) }

// ProbeSaveFunc stores a batch of samples and degraded rounds in one
// commit. It must be idempotent: a batch may come again after a hub died
// between the commit and the acks. An error stops the hub unacked.
type ProbeSaveFunc func(ctx context.Context, probes []egovbench.Probe, degraded []egovbench.DegradedRound) error

// ProbeHub schedules probe tasks and stores their samples.
type ProbeHub struct {
	JS       jetstream.JetStream
	Config   Config
	Interval time.Duration
	// Targets returns the targets to probe; it is called at every slot,
	// so targets added to the database are probed from the next slot on.
	Targets func(ctx context.Context) ([]egovbench.Target, error)
	Save    ProbeSaveFunc
	// Settings go into every task (see ProbeTask).
	Settings json.RawMessage
	// Until, when set, ends the hub: it publishes the slots that start
	// before it, and Run returns once every task it published has its
	// sample, is covered by a degraded round, or is given up.
	Until time.Time
	// GiveUp is how long after its slot is over a task's sample is still
	// waited for before it counts as missing (default Config.Lease: a
	// worker may hold a task that long).
	GiveUp time.Duration
	Log    LogFunc

	published, republished, received, degraded, unreadable, missing atomic.Int64

	mu          sync.Mutex
	outstanding map[string]time.Time // task id -> when its sample is given up
	scheduled   atomic.Bool          // Until passed: no task will be published any more
}

// ProbeHubStats are what a probe hub did so far.
type ProbeHubStats struct {
	Published   int64 // tasks the server took
	Republished int64 // tasks published again and dropped by the server (a restart within a slot)
	Received    int64 // samples handed to Save (a redelivered one counts again)
	Degraded    int64 // degraded rounds handed to Save
	Unreadable  int64 // result messages that could not be read, dropped
	// Missing counts tasks this hub published that got no sample nor
	// degraded round in time: no data for that target and slot.
	Missing int64
}

// Stats returns the counts so far.
func (h *ProbeHub) Stats() ProbeHubStats {
	return ProbeHubStats{Published: h.published.Load(), Republished: h.republished.Load(), Received: h.received.Load(),
		Degraded: h.degraded.Load(), Unreadable: h.unreadable.Load(), Missing: h.missing.Load()}
}

func (h *ProbeHub) log(msg string, args ...any) {
	if h.Log != nil {
		h.Log(slog.LevelWarn, msg, args...)
	}
}

// Run schedules tasks and stores samples until ctx ends (a clean stop:
// nil) or Save fails.
func (h *ProbeHub) Run(ctx context.Context) error {
	h.Config = h.Config.withDefaults()
	if h.Targets == nil || h.Save == nil {
		return errors.New("probe hub: no targets or save function")
	}
	if h.GiveUp <= 0 {
		h.GiveUp = h.Config.Lease
	}
	h.outstanding = map[string]time.Time{}
	if err := retry(ctx, func() error { return SetupProbes(ctx, h.JS, h.Config, h.Interval) }); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var results jetstream.Consumer
	if err := retry(ctx, func() error {
		actx, cancel := api(ctx)
		defer cancel()
		var err error
		results, err = h.JS.Consumer(actx, h.Config.probeResultsStream(), "hub")
		return err
	}); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("probe results consumer: %w", err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { h.schedule(sctx) })
	err := h.drain(ctx, results)
	stop()
	wg.Wait()
	return err
}

// schedule publishes every target's task of every slot at its phase.
func (h *ProbeHub) schedule(ctx context.Context) {
	var targets []egovbench.Target
	defer h.scheduled.Store(true)
	for slot := SlotOf(time.Now(), h.Interval); ctx.Err() == nil; slot = slot.Add(h.Interval) {
		if !h.Until.IsZero() && !slot.Before(h.Until) {
			return
		}
		ts, err := h.Targets(ctx)
		if err != nil {
			h.log("read targets; probing the previous list", "err", err)
		} else {
			targets = ts
		}
		tasks := make([]ProbeTask, len(targets))
		for i, t := range targets {
			tasks[i] = ProbeTask{Target: t, Slot: slot, Interval: h.Interval, Due: slot.Add(Phase(t.ID, h.Interval)), Settings: h.Settings}
		}
		slices.SortFunc(tasks, func(a, b ProbeTask) int { return a.Due.Compare(b.Due) })
		h.publishSlot(ctx, slot, tasks)
		sleep(ctx, time.Until(slot.Add(h.Interval)))
	}
}

// publishTick is the least time between two wake-ups of the scheduler:
// tasks due within it are published together.
const publishTick = 20 * time.Millisecond

// publishSlot publishes each task when it is due; tasks already due (the
// hub started within the slot) go at once, and the server drops those a
// previous hub had published. A publish that fails is tried again while
// its slot lasts.
func (h *ProbeHub) publishSlot(ctx context.Context, slot time.Time, tasks []ProbeTask) {
	var again []ProbeTask
	for len(tasks) > 0 || len(again) > 0 {
		if ctx.Err() != nil {
			return
		}
		now := time.Now()
		n := 0
		for n < len(tasks) && !tasks[n].Due.After(now) {
			n++
		}
		due := append(again, tasks[:n]...)
		tasks = tasks[n:]
		again = nil
		// A task the server did not confirm is tried again while it is not
		// stale; it stays awaited, and counts as missing if no sample comes.
		for _, t := range h.publish(ctx, due) {
			if !t.Stale(time.Now()) {
				again = append(again, t)
			}
		}
		wait := time.Second
		if len(tasks) > 0 {
			wait = max(publishTick, time.Until(tasks[0].Due))
		}
		if len(again) > 0 {
			wait = min(wait, 500*time.Millisecond)
		}
		if len(tasks) == 0 && len(again) == 0 {
			return
		}
		sleep(ctx, wait)
	}
}

// publish sends tasks without waiting for each acknowledgement in turn and
// returns those the server did not confirm.
func (h *ProbeHub) publish(ctx context.Context, tasks []ProbeTask) (failed []ProbeTask) {
	// Awaited before they are sent: a sample can come back before the
	// server's acknowledgement of its task does. A task never published
	// gets no sample either, and counts as missing.
	h.mu.Lock()
	for _, t := range tasks {
		h.outstanding[t.ID()] = t.Due.Add(t.Interval + h.GiveUp)
	}
	h.mu.Unlock()
	futures := make([]jetstream.PubAckFuture, len(tasks))
	for i, t := range tasks {
		data, err := json.Marshal(t)
		if err != nil {
			h.log("encode probe task", "task", t.ID(), "err", err)
			continue
		}
		futures[i], err = h.JS.PublishAsync(h.Config.probeTaskSubject(), data, jetstream.WithMsgID(t.ID()))
		if err != nil {
			futures[i] = nil
			failed = append(failed, t)
		}
	}
	timeout := time.NewTimer(apiTimeout)
	defer timeout.Stop()
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				// Published by an earlier hub, whose sample may be stored
				// already: not this hub's to count as missing.
				h.republished.Add(1)
				h.mu.Lock()
				delete(h.outstanding, tasks[i].ID())
				h.mu.Unlock()
			} else {
				h.published.Add(1)
			}

		case err := <-f.Err():
			h.log("publish probe task", "task", tasks[i].ID(), "err", err)
			failed = append(failed, tasks[i])
		case <-timeout.C:
			failed = append(failed, tasks[i])
			timeout.Reset(0)
		case <-ctx.Done():
			return failed
		}
	}
	return failed
}

// drain stores samples in batches until ctx ends, or, with Until, until
// every task published has been answered or given up.
func (h *ProbeHub) drain(ctx context.Context, results jetstream.Consumer) error {
	size := probeBatch(h.Config)
	var swept, warned time.Time
	var warnedAt int64
	for ctx.Err() == nil {
		if now := time.Now(); now.Sub(swept) >= time.Second {
			swept = now
			h.mu.Lock()
			for id, end := range h.outstanding {
				if now.After(end) {
					delete(h.outstanding, id)
					h.missing.Add(1)
				}
			}
			left := len(h.outstanding)
			h.mu.Unlock()
			if m := h.missing.Load(); m > warnedAt && now.Sub(warned) >= time.Minute {
				h.log("probe tasks got no sample in time: no data for them (are probe workers running, and keeping up?)",
					"missing", m-warnedAt)
				warned, warnedAt = now, m
			}
			if !h.Until.IsZero() && h.scheduled.Load() && left == 0 {
				return nil
			}
		}
		batch, err := results.Fetch(size, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			h.log("fetch probe results", "err", err)
			sleep(ctx, 500*time.Millisecond)
			continue
		}
		var (
			msgs   []jetstream.Msg
			probes []egovbench.Probe
			rounds []egovbench.DegradedRound
		)
		for msg := range batch.Messages() {
			var r ProbeResult
			if err := json.Unmarshal(msg.Data(), &r); err != nil || (r.Probe == nil) == (r.Degraded == nil) {
				h.unreadable.Add(1)
				h.log("unreadable probe result dropped", "err", err)
				_ = msg.Term()
				continue
			}
			msgs = append(msgs, msg)
			if r.Probe != nil {
				probes = append(probes, *r.Probe)
			} else {
				rounds = append(rounds, *r.Degraded)
			}
			h.mu.Lock()
			delete(h.outstanding, r.Task)
			for _, id := range r.Tasks {
				delete(h.outstanding, id)
			}
			h.mu.Unlock()
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
			h.log("fetch probe results", "err", err)
		}
		if len(msgs) == 0 {
			continue
		}
		// A batch in hand is stored and acked even when the hub is being
		// stopped: it is already here.
		if err := h.Save(context.WithoutCancel(ctx), probes, rounds); err != nil {
			return fmt.Errorf("save probe results: %w", err)
		}
		h.received.Add(int64(len(probes)))
		h.degraded.Add(int64(len(rounds)))
		for _, m := range msgs {
			_ = m.Ack()
		}
	}
	return nil
}

// ProbeFunc probes a task's target with the task's settings: the same
// prober as a local probe round. An error says the task cannot be probed
// at all by this worker (settings it cannot read); a target that is down
// is a Probe with its outcome.
type ProbeFunc func(ctx context.Context, task ProbeTask) (egovbench.Probe, error)

// ProbeWorker takes probe tasks, probes, and publishes the samples.
type ProbeWorker struct {
	JS     jetstream.JetStream
	Config Config
	Probe  ProbeFunc
	// Canaries probes the worker's canaries (addresses up whenever its
	// network is); nil when it has none. It is called only for a batch in
	// which a probe failed with a network-class outcome.
	Canaries func(ctx context.Context) []egovbench.Probe
	// Slots is how many probes the worker makes at once.
	Slots int
	// Flush is the worker's round: the probes it made within it are
	// judged together (is this the worker's own network failing?) and
	// sent together.
	Flush time.Duration
	// Name says which worker sent a sample, in the hub's logs.
	Name string
	Log  LogFunc

	mu      sync.Mutex
	pending []probed
	lease   time.Duration

	probed, stale, sent, degraded, lost atomic.Int64
}

type probed struct {
	msg  jetstream.Msg
	task ProbeTask
	p    egovbench.Probe
}

// ProbeWorkerStats are what a probe worker did so far.
type ProbeWorkerStats struct {
	Probed   int64 // probes made
	Stale    int64 // tasks dropped unprobed: their slot was over
	Sent     int64 // samples the server confirmed
	Degraded int64 // batches judged to measure the worker's own network, sent as degraded rounds
	Lost     int64 // tasks not probed (their settings refused) or probes not sent (the server did not confirm them; their tasks come back or expire)
}

// Stats returns the counts so far.
func (w *ProbeWorker) Stats() ProbeWorkerStats {
	return ProbeWorkerStats{Probed: w.probed.Load(), Stale: w.stale.Load(), Sent: w.sent.Load(),
		Degraded: w.degraded.Load(), Lost: w.lost.Load()}
}

func (w *ProbeWorker) log(msg string, args ...any) { w.logAt(slog.LevelWarn, msg, args...) }

func (w *ProbeWorker) logAt(level slog.Level, msg string, args ...any) {
	if w.Log != nil {
		w.Log(level, msg, args...)
	}
}

// DefaultProbeFlush is ProbeWorker.Flush by default.
const DefaultProbeFlush = 2 * time.Second

// Run works until ctx ends; probes made by then are still sent, tasks not
// yet probed go back to the queue.
func (w *ProbeWorker) Run(ctx context.Context) error {
	w.Config = w.Config.withDefaults()
	if err := w.Config.Validate(); err != nil {
		return err
	}
	if w.Probe == nil {
		return errors.New("probe worker: no probe function")
	}
	w.Slots = max(w.Slots, 1)
	if w.Flush <= 0 {
		w.Flush = DefaultProbeFlush
	}
	// The hub creates the stream: a worker started first waits for it.
	var cons jetstream.Consumer
	for ctx.Err() == nil {
		actx, cancel := api(ctx)
		c, err := w.JS.Consumer(actx, w.Config.probeTasksStream(), probersConsumer)
		cancel()
		if err == nil {
			cons = c
			break
		}
		w.logAt(slog.LevelDebug, "waiting for the probe hub's streams", "err", err)
		sleep(ctx, time.Second)
	}
	if cons == nil {
		return nil
	}
	w.lease = w.Config.Lease
	if ci := cons.CachedInfo(); ci != nil && ci.Config.AckWait > 0 {
		w.lease = ci.Config.AckWait
	}
	if w.lease < 3*w.Flush {
		w.log("the lease is short beside the flush period: probes may be made twice", "lease", w.lease, "flush", w.Flush)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2 * w.Slots))
	if err != nil {
		return fmt.Errorf("probe tasks: %w", err)
	}
	// On stop the tasks already fetched are handed out, and given back.
	stopIt := context.AfterFunc(ctx, func() {
		it.Drain()
		time.AfterFunc(apiTimeout/2, it.Stop) // a server that is away does not hold the stop
	})
	defer stopIt()

	flushDone := make(chan struct{})
	go func() {
		defer close(flushDone)
		t := time.NewTicker(w.Flush)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.flush(ctx)
			}
		}
	}()

	sem := make(chan struct{}, w.Slots)
	var wg sync.WaitGroup
	for {
		msg, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			break
		}
		if ctx.Err() != nil {
			if err == nil {
				_ = msg.Nak() // another worker may take it at once
				continue
			}
			break
		}
		if err != nil {
			w.logAt(slog.LevelDebug, "probe tasks", "err", err)
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			w.handle(ctx, msg)
		})
	}
	wg.Wait()
	<-flushDone
	// Probes made before the stop are measurements: send them.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apiTimeout)
	defer cancel()
	w.flush(fctx)
	return nil
}

func (w *ProbeWorker) handle(ctx context.Context, msg jetstream.Msg) {
	var task ProbeTask
	if err := json.Unmarshal(msg.Data(), &task); err != nil || task.Target.ID == "" || task.Interval <= 0 {
		_ = msg.TermWithReason("unreadable probe task")
		w.log("unreadable probe task dropped", "err", err)
		return
	}
	if ctx.Err() != nil {
		_ = msg.Nak() // stopping: another worker may take it at once
		return
	}
	if task.Stale(time.Now()) {
		w.stale.Add(1)
		_ = msg.TermWithReason("slot over")
		w.logAt(slog.LevelDebug, "stale probe task dropped", "task", task.ID())
		return
	}
	// A slow probe keeps its lease; a probe waiting for its flush is
	// sent within Flush, well inside it.
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(w.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	p, err := w.Probe(ctx, task)
	close(stop)
	if err != nil {
		w.lost.Add(1)
		_ = msg.TermWithReason("not probed: " + err.Error())
		w.log("probe task refused", "task", task.ID(), "err", err)
		return
	}
	if ctx.Err() != nil {
		// A probe cut short by the stop would read as a timeout.
		_ = msg.Nak()
		return
	}
	w.probed.Add(1)
	w.mu.Lock()
	w.pending = append(w.pending, probed{msg, task, p})
	w.mu.Unlock()
}

// flush judges and sends the probes made since the last flush.
func (w *ProbeWorker) flush(ctx context.Context) {
	w.mu.Lock()
	batch := w.pending
	w.pending = nil
	w.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	probes := make([]egovbench.Probe, len(batch))
	netFail := false
	for i, b := range batch {
		probes[i] = b.p
		netFail = netFail || b.p.Outcome.NetworkClass()
	}
	var canaries []egovbench.Probe
	if netFail && w.Canaries != nil {
		canaries = w.Canaries(ctx)
	}
	if d := egovbench.DegradedRoundOf(probes, canaries); d != nil {
		// The samples would say the sites are down when this worker's
		// network is: send what happened instead, and no sample.
		ids := make([]string, len(batch))
		for i, b := range batch {
			ids[i] = b.task.ID()
		}
		data, _ := json.Marshal(ProbeResult{Degraded: d, Tasks: ids, Worker: w.Name})
		id := fmt.Sprintf("degraded/%s/%s/%d", w.Name, batch[0].task.ID(), d.At.UnixNano())
		pctx, cancel := api(ctx)
		_, err := w.JS.Publish(pctx, w.Config.probeResultSubject(), data, jetstream.WithMsgID(id))
		cancel()
		if err != nil {
			w.lost.Add(int64(len(batch)))
			w.log("degraded round not sent; its tasks come back or expire", "err", err)
			return
		}
		w.degraded.Add(1)
		w.log("probes not sent: this worker's own network failed", "probes", len(batch), "reason", d.Reason)
		for _, b := range batch {
			_ = b.msg.Ack()
		}
		return
	}
	futures := make([]jetstream.PubAckFuture, len(batch))
	for i, b := range batch {
		data, err := json.Marshal(ProbeResult{Task: b.task.ID(), Probe: &probes[i], Worker: w.Name})
		if err == nil {
			futures[i], err = w.JS.PublishAsync(w.Config.probeResultSubject(), data, jetstream.WithMsgID(b.task.ID()))
		}
		if err != nil {
			futures[i] = nil
			w.log("sample not sent", "task", b.task.ID(), "err", err)
		}
	}
	timeout := time.NewTimer(apiTimeout)
	defer timeout.Stop()
	for i, f := range futures {
		if f == nil {
			w.lost.Add(1)
			continue
		}
		select {
		case <-f.Ok():
			w.sent.Add(1)
			// Acked only once the sample is safe in the server.
			_ = batch[i].msg.Ack()
			continue
		case err := <-f.Err():
			w.log("sample not confirmed", "task", batch[i].task.ID(), "err", err)
		case <-timeout.C:
			timeout.Reset(0)
		case <-ctx.Done():
		}
		w.lost.Add(1)
	}
}
