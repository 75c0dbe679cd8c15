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

// CrawlFunc crawls and analyses one job's site with the job's settings:
// the same crawl and analysis a local run does. It must return soon after
// ctx ends. Its NotBefore counts even with an error: a site that failed
// may have asked to be left alone all the same.
type CrawlFunc func(ctx context.Context, job Job) (Crawled, error)

// Crawled is what a CrawlFunc made of one site.
type Crawled struct {
	Snapshot   egovbench.Snapshot
	Assessment egovbench.Assessment
	// NotBefore is the earliest time the next request to the site's hosts
	// may start, as the crawl learnt it: a Retry-After of a 429 or 503, or
	// a robots.txt Crawl-delay longer than the run's delay, counted from
	// the end of the crawl. The next site of the key waits until then on
	// every machine; zero adds nothing to Job.Delay and Worker.Hold.
	NotBefore time.Time
}

// MaxHold bounds how long a worker keeps a key's next site waiting after
// a crawl, whatever the crawl asked (the crawler caps Retry-After and
// Crawl-delay well below it): a lease held longer than this for one site is
// a bug, not politeness.
const MaxHold = 5 * time.Minute

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
	// Hold is the least politeness delay: a job is acked (freeing its
	// shard for the next site of the same key, maybe on another machine)
	// no sooner than Hold, nor the job's Delay, after the crawl of this one
	// ended, nor before the crawl's NotBefore.
	Hold time.Duration
	// MaxJobTime bounds one attempt: the crawl's context ends then, and
	// the lease stops being renewed, so a site that never finishes goes
	// back to the queue and counts against MaxDeliver. A job's MaxTime
	// replaces it when shorter, or when MaxJobTime is 0.
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
	Crawled
	err error
}

// jobTime is how long one attempt at job may take.
func (w *Worker) jobTime(job Job) time.Duration {
	switch {
	case job.MaxTime > 0 && w.MaxJobTime > 0:
		return min(job.MaxTime, w.MaxJobTime)
	case job.MaxTime > 0:
		return job.MaxTime
	case w.MaxJobTime > 0:
		return w.MaxJobTime
	}
	return 10 * time.Minute
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
	maxTime := w.jobTime(job)

	// The lease is renewed until the job is acked, but never past the
	// attempt's time, a publish as long and the longest hold: a crawl
	// stuck for good loses its lease.
	stopKeep := make(chan struct{})
	go func() {
		t := time.NewTicker(w.Config.Lease / 3)
		defer t.Stop()
		deadline := time.NewTimer(2*maxTime + abandonAfter + MaxHold)
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

	jobCtx, cancel := context.WithTimeout(ctx, maxTime)
	done := make(chan crawled, 1)
	go func() {
		var c crawled
		defer func() {
			if p := recover(); p != nil {
				c.err = fmt.Errorf("crawl crashed: %v", p)
			}
			done <- c
		}()
		c.Crawled, c.err = w.Crawl(jobCtx, job)
	}()
	var c crawled
	select {
	case c = <-done:
	case <-jobCtx.Done():
		select {
		case c = <-done:
		case <-time.After(abandonAfter):
			c.err = fmt.Errorf("crawl did not finish within %v", maxTime)
		}
	}
	timedOut := jobCtx.Err() != nil
	cancel()
	// The key's next site may start, on any machine, once the job is
	// acked or its delayed Nak runs out: not before then.
	ended := time.Now()
	notBefore := ended.Add(max(w.Hold, job.Delay))
	if c.NotBefore.After(notBefore) {
		notBefore = c.NotBefore
	}
	if notBefore.After(ended.Add(MaxHold)) {
		notBefore = ended.Add(MaxHold)
	}
	if ctx.Err() != nil {
		close(stopKeep)
		// Shutting down: another worker may have it as soon as the site
		// may be asked again. The server keeps the shard's slot taken
		// until then.
		_ = msg.NakWithDelay(max(time.Until(notBefore), time.Millisecond))
		return
	}
	if c.err == nil && timedOut {
		c.err = fmt.Errorf("crawl did not finish within %v", maxTime)
	}
	res := Result{Run: job.Run, TargetID: job.Target.ID, Snapshot: c.Snapshot, Assessment: c.Assessment, Attempts: attempts}
	if c.err != nil {
		w.log("crawl failed", "site", job.Target.ID, "attempt", attempts, "of", maxDeliver, "err", c.err)
		if attempts < maxDeliver {
			close(stopKeep)
			_ = msg.NakWithDelay(max(time.Until(notBefore), time.Millisecond))
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
	// acked: the lease is held until notBefore. A worker stopped meanwhile
	// waits for it too (at most MaxHold), since an ack or a Nak now would
	// let the next site start at once.
	if d := notBefore.Sub(ended); d > max(w.Hold, job.Delay) {
		w.logAt(slog.LevelInfo, "key held back", "site", job.Target.ID, "for", d.Round(time.Millisecond).String())
	}
	w.held.Add(1)
	go func() {
		defer w.held.Done()
		defer close(stopKeep)
		sleep(context.Background(), time.Until(notBefore))
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
	deadline := time.Now().Add(w.jobTime(Job{}))
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
