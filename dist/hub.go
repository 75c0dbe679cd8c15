package dist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/nats-io/nats.go/jetstream"
)

// SaveFunc stores one result (or records one failure) in one commit. It
// is called only for sites the hub still waits for; an error stops the hub
// without acking, so the result is delivered again after a restart.
type SaveFunc func(ctx context.Context, r Result) error

// Hub enqueues a run's jobs and drains their results into Save.
type Hub struct {
	JS     jetstream.JetStream
	Config Config
	Save   SaveFunc
	Key    KeyBy
	Log    LogFunc
	// Delay, MaxTime and Settings go into every job (see Job): the run's
	// crawl settings are the hub's, whatever machine crawls.
	Delay    time.Duration
	MaxTime  time.Duration
	Settings json.RawMessage
}

// HubStats are what a hub did in one Run.
type HubStats struct {
	Enqueued   int   // jobs published (jobs already queued, or done, within the Duplicates window are dropped by the server)
	Stored     int   // results saved
	Failed     int   // sites recorded as failed for good
	Duplicates int   // results delivered again and dropped
	Stale      int   // results of other runs, dropped
	WireBytes  int64 // bytes of the result messages received
}

func (h *Hub) log(msg string, args ...any) {
	if h.Log != nil {
		h.Log(slog.LevelWarn, msg, args...)
	}
}

// Run makes sure every target of pending has a job of run in the queue,
// then drains results until each of them is saved or failed for good. A
// hub restarted on the same run calls Run again with what is still
// pending: results published meanwhile are drained, and jobs still queued
// are not queued twice.
func (h *Hub) Run(ctx context.Context, run int64, pending []egovbench.Target) (HubStats, error) {
	var st HubStats
	h.Config = h.Config.withDefaults()
	if h.Key == "" {
		h.Key = KeyDomain
	}
	if err := retry(ctx, func() error { return Setup(ctx, h.JS, h.Config) }); err != nil {
		return st, err
	}
	remaining := make(map[string]bool, len(pending))
	for _, t := range pending {
		remaining[t.ID] = true
	}
	if err := retry(ctx, func() error {
		n, err := h.enqueue(ctx, run, pending)
		st.Enqueued += n
		return err
	}); err != nil {
		return st, err
	}
	var results, failures jetstream.Consumer
	if err := retry(ctx, func() error {
		actx, cancel := api(ctx)
		defer cancel()
		var err error
		if results, err = h.JS.Consumer(actx, h.Config.resultsStream(), "hub"); err != nil {
			return fmt.Errorf("results consumer: %w", err)
		}
		if failures, err = h.JS.Consumer(actx, h.Config.failuresStream(), "hub"); err != nil {
			return fmt.Errorf("failures consumer: %w", err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	for len(remaining) > 0 {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		batch, err := results.Fetch(h.Config.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			h.log("fetch results", "err", err)
			sleep(ctx, 500*time.Millisecond)
			continue
		}
		for msg := range batch.Messages() {
			st.WireBytes += int64(len(msg.Data()))
			r, err := decodeResult(msg.Data())
			switch {
			case err != nil && r.TargetID != "" && r.Run == run && remaining[r.TargetID]:
				// A worker sent something this hub cannot read: the site
				// is failed rather than waited for forever.
				r = Result{Run: run, TargetID: r.TargetID, Failed: "unreadable result: " + err.Error(), Attempts: r.Attempts}
			case err != nil:
				h.log("unreadable result dropped", "subject", msg.Subject(), "err", err)
				_ = msg.Term()
				continue
			case r.Run != run:
				st.Stale++
				_ = msg.Ack()
				continue
			case !remaining[r.TargetID]:
				st.Duplicates++
				_ = msg.Ack()
				continue
			}
			if err := h.Save(ctx, r); err != nil {
				return st, fmt.Errorf("save %s: %w", r.TargetID, err)
			}
			delete(remaining, r.TargetID)
			if r.Failed != "" {
				st.Failed++
			} else {
				st.Stored++
			}
			// Acked after the commit: a hub killed between the two gets
			// the result again and drops it as a duplicate.
			_ = msg.Ack()
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
			h.log("fetch results", "err", err)
		}
		if err := h.drainFailures(ctx, failures, run, remaining, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

// drainFailures records the sites whose job ran out of deliveries.
func (h *Hub) drainFailures(ctx context.Context, failures jetstream.Consumer, run int64, remaining map[string]bool, st *HubStats) error {
	batch, err := failures.FetchNoWait(16)
	if err != nil {
		return nil
	}
	ctx, cancel := api(ctx)
	defer cancel()
	jobs, err := h.JS.Stream(ctx, h.Config.jobsStream())
	if err != nil {
		return nil
	}
	for msg := range batch.Messages() {
		var adv struct {
			StreamSeq  uint64 `json:"stream_seq"`
			Deliveries uint64 `json:"deliveries"`
		}
		if err := json.Unmarshal(msg.Data(), &adv); err != nil || adv.StreamSeq == 0 {
			_ = msg.Term()
			continue
		}
		raw, err := jobs.GetMsg(ctx, adv.StreamSeq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			_ = msg.Ack() // already dealt with
			continue
		}
		if err != nil {
			continue // not acked: seen again on the next pass
		}
		var job Job
		err = json.Unmarshal(raw.Data, &job)
		site := job.Target.ID
		if err == nil && job.Run == run && remaining[site] {
			res := Result{Run: run, TargetID: site, Attempts: int(adv.Deliveries),
				Failed: fmt.Sprintf("no attempt finished in %d deliveries (the worker died, or the crawl outlived its lease)", adv.Deliveries)}
			if err := h.Save(ctx, res); err != nil {
				return fmt.Errorf("record failure of %s: %w", site, err)
			}
			delete(remaining, site)
			st.Failed++
		}
		if err := jobs.DeleteMsg(ctx, adv.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			h.log("delete failed job", "seq", adv.StreamSeq, "err", err)
		}
		_ = msg.Ack()
	}
	return nil
}

// enqueue publishes a job for every pending target; jobs of other runs (an
// interrupted run's leftovers) are purged first.
func (h *Hub) enqueue(ctx context.Context, run int64, pending []egovbench.Target) (int, error) {
	actx, cancel := api(ctx)
	defer cancel()
	s, err := h.JS.Stream(actx, h.Config.jobsStream())
	if err != nil {
		return 0, fmt.Errorf("jobs stream: %w", err)
	}
	info, err := s.Info(actx, jetstream.WithSubjectFilter(h.Config.Prefix+".crawl.>"))
	if err != nil {
		return 0, fmt.Errorf("jobs stream: %w", err)
	}
	otherRuns := map[int64]bool{}
	for subj := range info.State.Subjects {
		if r, err := h.Config.parseJobSubject(subj); err == nil && r != run {
			otherRuns[r] = true
		}
	}
	for r := range otherRuns {
		if err := s.Purge(actx, jetstream.WithPurgeSubject(fmt.Sprintf("%s.crawl.*.%d", h.Config.Prefix, r))); err != nil {
			return 0, fmt.Errorf("purge jobs of run %d: %w", r, err)
		}
	}
	// Jobs still queued from before a hub restart are published again:
	// their message id makes the server drop them (within Duplicates).
	todo := pending
	var mu sync.Mutex
	n := 0
	err = parallel(len(todo), func(i int) error {
		t := todo[i]
		data, err := json.Marshal(Job{Run: run, Target: t, Delay: h.Delay, MaxTime: h.MaxTime, Settings: h.Settings})
		if err != nil {
			return fmt.Errorf("job %s: %w", t.ID, err)
		}
		subj := h.Config.jobSubject(h.Config.shardOf(h.Key.Key(t.URL)), run)
		// The id makes a second publish of this job (a hub restarted after
		// the job was done but before its result was stored) a no-op.
		pctx, cancel := api(ctx)
		ack, err := h.JS.Publish(pctx, subj, data, jetstream.WithMsgID(msgID(run, t.ID)))
		cancel()
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", t.ID, err)
		}
		if !ack.Duplicate {
			mu.Lock()
			n++
			mu.Unlock()
		}
		return nil
	})
	return n, err
}

// retry runs fn until it succeeds or ctx ends: the server may be
// restarting when the hub starts.
func retry(ctx context.Context, fn func() error) error {
	var err error
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		if err = fn(); err == nil {
			return nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.Code == 400 {
			return err // a bad request does not get better
		}
		if ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		if strings.Contains(err.Error(), "invalid") {
			return err
		}
		sleep(ctx, wait)
	}
}
