package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/egovbench/egovbench"
)

// EventType names an alert event.
type EventType string

// Alert event types.
const (
	// EventDown: a site failed DownAfter consecutive counted probes.
	EventDown EventType = "down"
	// EventRecovered: a site reported down answered ok again.
	EventRecovered EventType = "recovered"
	// EventStageDrop: a crawl assessed a site at a lower stage than the previous one.
	EventStageDrop EventType = "stage_drop"
)

func eventTypes() []EventType { return []EventType{EventDown, EventRecovered, EventStageDrop} }

// Event is the JSON body POSTed to the webhook.
type Event struct {
	Type     EventType `json:"type"`
	TargetID string    `json:"target_id"`
	// At is when the event was detected (the probe's time, or the clock's
	// for stage drops).
	At  time.Time `json:"at"`
	URL string    `json:"url,omitempty"`
	// Outcome is the class of the latest failed probe (down) or of the probe
	// that answered again (recovered).
	Outcome egovbench.Outcome `json:"outcome,omitempty"`
	// Error is the latest failure's error text, cut to 300 bytes. It may
	// quote the site, so it is kept out of Text.
	Error string `json:"error,omitempty"`
	// Failures is the number of consecutive failed probes.
	Failures int `json:"failures,omitempty"`
	// Since is the time of the first failed probe of the outage.
	Since time.Time `json:"since,omitzero"`
	// DownSeconds is how long the outage lasted (recovered only).
	DownSeconds float64 `json:"down_seconds,omitempty"`
	// FromStage and ToStage are stage names (stage_drop only).
	FromStage string `json:"from_stage,omitempty"`
	ToStage   string `json:"to_stage,omitempty"`
	// Text is a one-line human summary, so chat webhooks that display a
	// "text" field work unchanged. It holds only analyst-supplied ids and
	// our own words, never text taken from a site.
	Text string `json:"text"`
}

// maxAlertError bounds the error text carried in an event.
const maxAlertError = 300

// Alerter turns probe rounds and stage changes into events, logs them, and
// POSTs them to the webhook from a bounded queue in the background (see
// Run). Observe and ObserveStages never block on the network: when the
// queue is full the oldest event is dropped and counted. It is safe for
// concurrent use.
type Alerter struct {
	cfg     AlertConfig
	client  *http.Client
	log     *slog.Logger
	metrics *Metrics
	maint   *Maintenance
	now     func() time.Time

	mu    sync.Mutex
	sites map[string]*siteState

	qmu    sync.Mutex
	queue  []Event
	notify chan struct{}

	running atomic.Bool
}

type siteState struct {
	fails  int
	since  time.Time
	down   bool
	lastAt time.Time
}

// AlerterOption customises an Alerter.
type AlerterOption func(*Alerter)

// WithAlertHTTPClient sets the client used for webhook POSTs; each POST is
// bounded by AlertConfig.Timeout. The daemon passes the crawler's guarded
// client. The default, for tests and embedders, follows no redirects and
// uses no proxy, but does not check addresses: this package has no dialer.
func WithAlertHTTPClient(c *http.Client) AlerterOption {
	return func(a *Alerter) { a.client = c }
}

// WithAlertLogger sets the logger events and delivery failures are logged to.
func WithAlertLogger(l *slog.Logger) AlerterOption { return func(a *Alerter) { a.log = l } }

// WithAlertMetrics counts events raised, sent, failed and dropped in m.
func WithAlertMetrics(m *Metrics) AlerterOption { return func(a *Alerter) { a.metrics = m } }

// WithMaintenance makes failures inside maintenance windows not count
// towards "down".
func WithMaintenance(m *Maintenance) AlerterOption { return func(a *Alerter) { a.maint = m } }

// WithAlertClock sets the clock used to stamp stage-drop events.
func WithAlertClock(now func() time.Time) AlerterOption { return func(a *Alerter) { a.now = now } }

// NewAlerter returns an alerter for cfg (normally Config.Alerts, already
// validated; zero numeric fields fall back to the defaults).
func NewAlerter(cfg AlertConfig, opts ...AlerterOption) *Alerter {
	def := DefaultConfig().Alerts
	if cfg.DownAfter < 1 {
		cfg.DownAfter = def.DownAfter
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = def.Backoff
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = cfg.Backoff
	}
	if cfg.QueueSize < 1 {
		cfg.QueueSize = def.QueueSize
	}
	a := &Alerter{
		cfg: cfg,
		client: &http.Client{
			Transport:     &http.Transport{Proxy: nil},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		log:    slog.New(slog.DiscardHandler),
		now:    time.Now,
		sites:  map[string]*siteState{},
		notify: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(a)
	}
	if a.metrics == nil {
		a.metrics = NewMetrics()
	}
	return a
}

// Observe feeds one round of probes. A site becomes "down" after DownAfter
// consecutive failed probes and "recovered" on its next ok probe. Blocked
// probes say nothing about availability and are ignored; so are failures
// inside a maintenance window and probes older than one already seen.
func (a *Alerter) Observe(probes []egovbench.Probe) {
	var events []Event
	a.mu.Lock()
	for _, p := range probes {
		if p.TargetID == "" {
			continue
		}
		st := a.sites[p.TargetID]
		if st == nil {
			st = &siteState{}
			a.sites[p.TargetID] = st
		}
		if p.At.Before(st.lastAt) {
			continue
		}
		st.lastAt = p.At
		switch {
		case !p.Outcome.Counted():
			continue
		case p.Outcome.Up():
			if st.down && a.cfg.OnRecovery {
				events = append(events, Event{
					Type: EventRecovered, TargetID: p.TargetID, At: p.At, URL: p.URL,
					Outcome: p.Outcome, Failures: st.fails, Since: st.since,
					DownSeconds: p.At.Sub(st.since).Seconds(),
					Text: fmt.Sprintf("RECOVERED: %s is up again after %s down (%d failed checks)",
						p.TargetID, p.At.Sub(st.since).Round(time.Second), st.fails),
				})
			}
			*st = siteState{lastAt: p.At}
		default:
			if a.maint.Active(p.TargetID, p.At) {
				continue
			}
			if st.fails == 0 {
				st.since = p.At
			}
			st.fails++
			if !st.down && st.fails >= a.cfg.DownAfter {
				st.down = true
				events = append(events, Event{
					Type: EventDown, TargetID: p.TargetID, At: p.At, URL: p.URL,
					Outcome: p.Outcome, Error: truncate(p.Error, maxAlertError),
					Failures: st.fails, Since: st.since,
					Text: fmt.Sprintf("DOWN: %s failed %d consecutive checks since %s (last: %s)",
						p.TargetID, st.fails, st.since.UTC().Format(time.RFC3339), p.Outcome),
				})
			}
		}
	}
	a.mu.Unlock()
	for _, e := range events {
		a.emit(e)
	}
}

// ObserveStages compares the stages of two consecutive crawls and raises a
// "stage_drop" event for each target whose stage fell. Targets missing from
// prev (new ones) are not compared.
func (a *Alerter) ObserveStages(prev, cur map[string]egovbench.Stage) {
	if !a.cfg.OnStageDrop {
		return
	}
	ids := make([]string, 0, len(cur))
	for id := range cur {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	now := a.now()
	for _, id := range ids {
		p, ok := prev[id]
		c := cur[id]
		if !ok || c >= p {
			continue
		}
		a.emit(Event{
			Type: EventStageDrop, TargetID: id, At: now,
			FromStage: p.String(), ToStage: c.String(),
			Text: fmt.Sprintf("STAGE DROP: %s fell from %s to %s", id, p, c),
		})
	}
}

// emit logs an event and queues it for the webhook.
func (a *Alerter) emit(e Event) {
	a.metrics.alertRaised(e.Type)
	a.log.Info("alert", "type", string(e.Type), "target_id", e.TargetID, "outcome", string(e.Outcome),
		"failures", e.Failures, "from_stage", e.FromStage, "to_stage", e.ToStage)
	if a.cfg.Webhook == "" {
		return
	}
	a.qmu.Lock()
	if len(a.queue) >= a.cfg.QueueSize {
		old := a.queue[0]
		a.queue = a.queue[1:]
		a.metrics.alertDropped(old.Type)
		a.log.Warn("alert queue full; dropped oldest event", "type", string(old.Type), "target_id", old.TargetID)
	}
	a.queue = append(a.queue, e)
	a.qmu.Unlock()
	select {
	case a.notify <- struct{}{}:
	default:
	}
}

func (a *Alerter) pop() (Event, bool) {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	if len(a.queue) == 0 {
		return Event{}, false
	}
	e := a.queue[0]
	a.queue[0] = Event{}
	a.queue = a.queue[1:]
	return e, true
}

// Pending returns the number of events waiting to be sent.
func (a *Alerter) Pending() int {
	a.qmu.Lock()
	defer a.qmu.Unlock()
	return len(a.queue)
}

// Run delivers queued events until ctx is cancelled, retrying failures
// with exponential backoff. On cancellation it tries each event still
// queued once more, within AlertConfig.Timeout in all, then returns.
// Only one Run may be active at a time.
func (a *Alerter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("alerter already running")
	}
	defer a.running.Store(false)
	for {
		if ctx.Err() != nil {
			a.flush()
			return nil
		}
		e, ok := a.pop()
		if !ok {
			select {
			case <-ctx.Done():
				a.flush()
				return nil
			case <-a.notify:
				continue
			}
		}
		if !a.deliver(ctx, e, a.cfg.MaxRetries) {
			// Interrupted by shutdown: give it its last chance in flush.
			a.qmu.Lock()
			a.queue = append([]Event{e}, a.queue...)
			a.qmu.Unlock()
		}
	}
}

// flush makes one attempt per queued event, bounded in total by the POST
// timeout so that shutdown is never held up by a dead receiver.
func (a *Alerter) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout.Std())
	defer cancel()
	for {
		e, ok := a.pop()
		if !ok {
			return
		}
		if ctx.Err() != nil || !a.deliver(ctx, e, 0) {
			a.metrics.alertFailed(e.Type)
			a.log.Warn("alert not delivered before shutdown", "type", string(e.Type), "target_id", e.TargetID)
		}
	}
}

// deliver POSTs e with up to retries retries. It returns false only when ctx
// ended before the event was either sent or given up on.
func (a *Alerter) deliver(ctx context.Context, e Event, retries int) bool {
	body, err := json.Marshal(e)
	if err != nil {
		a.metrics.alertFailed(e.Type)
		a.log.Error("encode alert", "err", err)
		return true
	}
	delay := a.cfg.Backoff.Std()
	for attempt := 0; ; attempt++ {
		// A POST under way is not cut by shutdown (it is bounded by its own
		// timeout): cutting it after the receiver acted would deliver the
		// event twice when flush retries it.
		retry, err := a.post(context.WithoutCancel(ctx), body)
		if err == nil {
			a.metrics.alertSent(e.Type)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if !retry || attempt >= retries {
			a.metrics.alertFailed(e.Type)
			a.log.Warn("alert delivery failed", "type", string(e.Type), "target_id", e.TargetID,
				"attempts", attempt+1, "err", err)
			return true
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(2*delay, a.cfg.MaxBackoff.Std())
	}
}

// post sends one request; retry says whether a later attempt might succeed.
func (a *Alerter) post(ctx context.Context, body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout.Std())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Webhook, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "egovbench-alerter")
	resp, err := a.client.Do(req)
	if err != nil {
		return true, fmt.Errorf("post webhook: %w", err)
	}
	// Drain a bounded amount so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return false, nil
	case s == http.StatusRequestTimeout || s == http.StatusTooEarly || s == http.StatusTooManyRequests || s >= 500:
		return true, fmt.Errorf("webhook answered %d", s)
	default:
		return false, fmt.Errorf("webhook answered %d", s)
	}
}
