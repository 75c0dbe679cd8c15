package dist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/nats-io/nats.go/jetstream"
)

// CrawlFunc crawls and analyses one site for one run: the same function a
// local crawl runs. It must return soon after ctx ends.
type CrawlFunc func(ctx context.Context, run int64, t egovbench.Target) (egovbench.Snapshot, egovbench.Assessment, error)

// LogFunc receives what a hub or worker has to say; nil is silent. The
// package does not log by itself: cmd does.
type LogFunc func(level slog.Level, msg string, args ...any)

// Worker takes jobs from any shard, crawls them with Crawl and publishes
// the results.
type Worker struct {
	JS     jetstream.JetStream
	Config Config
	Crawl  CrawlFunc
	// Slots is how many sites the worker crawls at once.
	Slots int
	// Hold is the politeness delay: a job is acked (freeing its shard for
	// the next site of the same key, maybe on another machine) no sooner
	// than Hold after the crawl of this one ended.
	Hold time.Duration
	// MaxJobTime bounds one attempt: the crawl's context ends then, and
	// the lease stops being renewed, so a site that never finishes goes
	// back to the queue and counts against MaxDeliver.
	MaxJobTime time.Duration
	// Poll is the pause after finding no work (default 200ms, jittered),
	// and how long a listing of the shards that hold jobs is reused.
	Poll time.Duration
	Log  LogFunc

	mu        sync.Mutex
	consumers map[int]jetstream.Consumer
	empty     map[int]time.Time // shard -> the listing it was found empty in
	cands     []int
	candsAt   time.Time
	held      sync.WaitGroup
}

func (w *Worker) log(msg string, args ...any) { w.logAt(slog.LevelWarn, msg, args...) }

func (w *Worker) logAt(level slog.Level, msg string, args ...any) {
	if w.Log != nil {
		w.Log(level, msg, args...)
	}
}

// Run works until ctx ends. Jobs in hand are given back (Nak) so another
// worker takes them at once; results already published are acked.
func (w *Worker) Run(ctx context.Context) error {
	w.Config = w.Config.withDefaults()
	if err := w.Config.Validate(); err != nil {
		return err
	}
	if w.Crawl == nil {
		return errors.New("worker: no crawl function")
	}
	if w.Slots <= 0 {
		w.Slots = 1
	}
	if w.MaxJobTime <= 0 {
		w.MaxJobTime = 10 * time.Minute
	}
	if w.Poll <= 0 {
		w.Poll = 200 * time.Millisecond
	}
	w.consumers = map[int]jetstream.Consumer{}
	w.empty = map[int]time.Time{}
	var wg sync.WaitGroup
	for range w.Slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.slot(ctx)
		}()
	}
	wg.Wait()
	w.held.Wait()
	return nil
}

func (w *Worker) slot(ctx context.Context) {
	for ctx.Err() == nil {
		msg := w.next(ctx)
		if msg == nil {
			sleep(ctx, w.Poll/2+rand.N(w.Poll))
			continue
		}
		w.process(ctx, msg)
	}
}

// next returns a job from a shard that has one waiting, or nil. Only the
// shards that hold messages are asked, so an idle worker costs the server
// one stream-info request per Poll, not one request per shard.
func (w *Worker) next(ctx context.Context) jetstream.Msg {
	shards := w.candidates(ctx)
	for _, i := range rand.Perm(len(shards)) {
		shard := shards[i]
		// A shard whose one job is in another worker's hands answers
		// "nothing" until that job is acked: ask it once per listing,
		// not once per idle slot.
		w.mu.Lock()
		skip := w.empty[shard] == w.candsAt
		w.mu.Unlock()
		if skip {
			continue
		}
		c, err := w.consumer(ctx, shard)
		if err != nil {
			continue
		}
		batch, err := c.FetchNoWait(1)
		if err != nil {
			continue
		}
		for m := range batch.Messages() {
			return m
		}
		w.mu.Lock()
		w.empty[shard] = w.candsAt
		w.mu.Unlock()
	}
	return nil
}

func (w *Worker) candidates(ctx context.Context) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if time.Since(w.candsAt) < w.Poll {
		return w.cands
	}
	w.candsAt = time.Now()
	w.cands = nil
	ctx, cancel := api(ctx)
	defer cancel()
	s, err := w.JS.Stream(ctx, w.Config.jobsStream())
	if err != nil {
		return nil // not created yet, or the server is away: try again later
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(w.Config.Prefix+".crawl.>"))
	if err != nil {
		return nil
	}
	seen := map[int]bool{}
	for subj := range info.State.Subjects {
		parts := strings.Split(subj, ".")
		if len(parts) < 3 {
			continue
		}
		if i, err := strconv.Atoi(parts[2]); err == nil && !seen[i] {
			seen[i] = true
			w.cands = append(w.cands, i)
		}
	}
	return w.cands
}

func (w *Worker) consumer(ctx context.Context, shard int) (jetstream.Consumer, error) {
	w.mu.Lock()
	c, ok := w.consumers[shard]
	w.mu.Unlock()
	if ok {
		return c, nil
	}
	actx, cancel := api(ctx)
	defer cancel()
	c, err := w.JS.Consumer(actx, w.Config.jobsStream(), w.Config.shardName(shard))
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.consumers[shard] = c
	w.mu.Unlock()
	return c, nil
}

type crawled struct {
	snap egovbench.Snapshot
	a    egovbench.Assessment
	err  error
}

// abandonAfter is how long a crawl that ignores its ended context is
// waited for before its slot moves on without it.
const abandonAfter = 5 * time.Second

func (w *Worker) process(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		w.log("job without metadata", "subject", msg.Subject(), "err", err)
		return
	}
	var job Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil || job.Run == 0 || job.Target.ID == "" {
		// Only a hub writes jobs; one that cannot be read never will be.
		_ = msg.TermWithReason("unreadable job")
		w.log("unreadable job dropped", "subject", msg.Subject(), "err", err)
		return
	}
	attempts := int(meta.NumDelivered)
	w.logAt(slog.LevelDebug, "job taken", "site", job.Target.ID, "run", job.Run, "attempt", attempts)
	maxDeliver := w.Config.MaxDeliver
	if c, err := w.consumer(ctx, 0); err == nil && c.CachedInfo() != nil && c.CachedInfo().Config.MaxDeliver > 0 {
		maxDeliver = c.CachedInfo().Config.MaxDeliver
	}

	// The lease is renewed until the job is acked, but never past
	// MaxJobTime plus the hold: a crawl stuck for good loses its lease.
	stopKeep := make(chan struct{})
	go func() {
		t := time.NewTicker(w.Config.Lease / 3)
		defer t.Stop()
		deadline := time.NewTimer(w.MaxJobTime + w.Hold)
		defer deadline.Stop()
		for {
			select {
			case <-stopKeep:
				return
			case <-deadline.C:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()

	jobCtx, cancel := context.WithTimeout(ctx, w.MaxJobTime)
	done := make(chan crawled, 1)
	go func() {
		var c crawled
		defer func() {
			if p := recover(); p != nil {
				c.err = fmt.Errorf("crawl crashed: %v", p)
			}
			done <- c
		}()
		c.snap, c.a, c.err = w.Crawl(jobCtx, job.Run, job.Target)
	}()
	var c crawled
	select {
	case c = <-done:
	case <-jobCtx.Done():
		select {
		case c = <-done:
		case <-time.After(abandonAfter):
			c.err = fmt.Errorf("crawl did not finish within %v", w.MaxJobTime)
		}
	}
	timedOut := jobCtx.Err() != nil
	cancel()
	ended := time.Now()
	if ctx.Err() != nil {
		close(stopKeep)
		_ = msg.Nak() // shutting down: let another worker have it now
		return
	}
	if c.err == nil && timedOut {
		c.err = fmt.Errorf("crawl did not finish within %v", w.MaxJobTime)
	}
	res := Result{Run: job.Run, TargetID: job.Target.ID, Snapshot: c.snap, Assessment: c.a, Attempts: attempts}
	if c.err != nil {
		w.log("crawl failed", "site", job.Target.ID, "attempt", attempts, "of", maxDeliver, "err", c.err)
		if attempts < maxDeliver {
			close(stopKeep)
			_ = msg.NakWithDelay(w.Hold)
			return
		}
		res = Result{Run: job.Run, TargetID: job.Target.ID, Failed: c.err.Error(), Attempts: attempts}
	}
	err = w.publish(ctx, res)
	if errors.Is(err, errTooLarge) {
		res = Result{Run: job.Run, TargetID: job.Target.ID, Failed: err.Error(), Attempts: attempts}
		err = w.publish(ctx, res)
	}
	if err != nil {
		close(stopKeep)
		w.log("result not published; the job returns to the queue when its lease ends", "site", job.Target.ID, "err", err)
		return
	}
	// The next site of this key may start on any machine once the job is
	// acked: not before the delay since this crawl's last request.
	w.held.Add(1)
	go func() {
		defer w.held.Done()
		defer close(stopKeep)
		sleep(context.Background(), time.Until(ended.Add(w.Hold)))
		actx, cancel := context.WithTimeout(context.Background(), w.Config.Lease)
		defer cancel()
		if err := msg.DoubleAck(actx); err != nil {
			// The result is stored; a redelivered job is crawled again
			// and its second result is dropped by the hub.
			w.log("ack not confirmed", "site", job.Target.ID, "err", err)
			return
		}
		w.logAt(slog.LevelDebug, "job done", "site", job.Target.ID, "run", job.Run, "attempt", attempts, "failed", res.Failed != "")
	}()
}

// publish sends a result and waits for the server to have stored it,
// retrying while the server is away, for as long as the lease could last.
func (w *Worker) publish(ctx context.Context, r Result) error {
	data, err := encodeResult(r)
	if err != nil {
		return err
	}
	if max := w.JS.Conn().MaxPayload(); max > 0 && int64(len(data)) > max {
		return fmt.Errorf("%w: %d bytes compressed, the server's max_payload is %d", errTooLarge, len(data), max)
	}
	deadline := time.Now().Add(w.MaxJobTime)
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = w.JS.Publish(pctx, w.Config.resultSubject(r.Run), data, jetstream.WithMsgID(msgID(r.Run, r.TargetID)))
		cancel()
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		sleep(ctx, 500*time.Millisecond)
	}
}

// errTooLarge is a result the server would refuse whatever the retries.
var errTooLarge = errors.New("result too large")

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
