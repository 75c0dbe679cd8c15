package schedule

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
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
	// Key identifies the event: a delivery repeated after a restart or a
	// lost answer carries the same key (also sent as the Idempotency-Key
	// header), so the receiver can drop the copy.
	Key string `json:"idempotency_key"`
	// Text is a one-line human summary, so chat webhooks that display a
	// "text" field work unchanged. It holds only analyst-supplied ids and
	// our own words, never text taken from a site.
	Text string `json:"text"`
}

// maxAlertError bounds the error text carried in an event.
const maxAlertError = 300

// AlertStore keeps the alerter's per-target state and its webhook queue, so
// that they survive a restart; *store.DB implements it. Without one the
// alerter keeps both in memory.
type AlertStore interface {
	AlertStates(ctx context.Context) ([]egovbench.AlertState, error)
	// SaveAlerts stores states and queues alerts in one transaction, then
	// marks dropped the oldest pending alerts beyond maxPending (except the
	// one being sent) and returns their keys.
	SaveAlerts(ctx context.Context, states []egovbench.AlertState, alerts []egovbench.Alert, maxPending int, sending string) (dropped []string, err error)
	// PendingAlerts returns up to limit pending alerts, oldest first.
	PendingAlerts(ctx context.Context, limit int) ([]egovbench.Alert, error)
	// AlertAttempted records a delivery attempt's result.
	AlertAttempted(ctx context.Context, key string, status egovbench.AlertStatus, next time.Time, lastErr string) error
}

// Alerter turns probe rounds and stage changes into events, logs them, and
// POSTs them to the webhook from a bounded queue in the background (see
// Run). Each target's state and the queue live in an AlertStore, written in
// one transaction per round, so a restarted daemon announces nothing twice
// and still delivers what was queued: delivery is at least once, each event
// carrying its idempotency key. Observe and ObserveStages never block on the
// network: when the queue is full the oldest event is dropped and counted.
// It is safe for concurrent use.
type Alerter struct {
	cfg     AlertConfig
	client  *http.Client
	log     *slog.Logger
	metrics *Metrics
	maint   *Maintenance
	now     func() time.Time
	store   AlertStore

	mu     sync.Mutex
	loaded bool
	sites  map[string]egovbench.AlertState

	// sending is the key of the alert whose POST is under way, which the
	// queue bound must not drop (it may already have been received).
	sendMu  sync.Mutex
	sending string

	notify  chan struct{}
	running atomic.Bool
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

// WithAlertStore keeps the alert state and queue in s (the daemon's
// database) instead of in memory.
func WithAlertStore(s AlertStore) AlerterOption { return func(a *Alerter) { a.store = s } }

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
		sites:  map[string]egovbench.AlertState{},
		notify: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(a)
	}
	if a.metrics == nil {
		a.metrics = NewMetrics()
	}
	if a.store == nil {
		a.store = newMemAlertStore()
	}
	return a
}

// storeTimeout bounds one write of alert state; a database stuck longer
// costs the round its alerts (logged), never the prober its progress.
const storeTimeout = 30 * time.Second

// load reads the stored states once; a.mu must be held.
func (a *Alerter) load(ctx context.Context) error {
	if a.loaded {
		return nil
	}
	states, err := a.store.AlertStates(ctx)
	if err != nil {
		return err
	}
	for _, s := range states {
		a.sites[s.TargetID] = s
	}
	a.loaded = true
	return nil
}

// Observe feeds one round of probes. A site becomes "down" after DownAfter
// consecutive failed probes and "recovered" on its next ok probe. Blocked
// probes say nothing about availability and are ignored; so are failures
// inside a maintenance window and probes older than one already seen. The
// round's state changes and events are stored together; if they cannot be
// stored the round is logged and forgotten, and the next one decides.
func (a *Alerter) Observe(probes []egovbench.Probe) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.load(ctx); err != nil {
		a.log.Error("load alert state; probe round not observed", "err", err)
		return
	}
	changed := map[string]egovbench.AlertState{}
	var events []Event
	for _, p := range probes {
		if p.TargetID == "" {
			continue
		}
		st, ok := changed[p.TargetID]
		if !ok {
			st = a.sites[p.TargetID]
			st.TargetID = p.TargetID
		}
		if p.At.Before(st.LastProbe) {
			continue
		}
		st.LastProbe = p.At
		switch {
		case !p.Outcome.Counted():
		case p.Outcome.Up():
			if st.Down && a.cfg.OnRecovery {
				events = append(events, Event{
					Type: EventRecovered, TargetID: p.TargetID, At: p.At, URL: p.URL,
					Outcome: p.Outcome, Failures: st.Failures, Since: st.Since,
					DownSeconds: p.At.Sub(st.Since).Seconds(),
					Text: fmt.Sprintf("RECOVERED: %s is up again after %s down (%d failed checks)",
						p.TargetID, p.At.Sub(st.Since).Round(time.Second), st.Failures),
				})
			}
			st.Failures, st.Since, st.Down = 0, time.Time{}, false
		default:
			if a.maint.Active(p.TargetID, p.At) {
				break
			}
			if st.Failures == 0 {
				st.Since = p.At
			}
			st.Failures++
			if !st.Down && st.Failures >= a.cfg.DownAfter {
				st.Down = true
				events = append(events, Event{
					Type: EventDown, TargetID: p.TargetID, At: p.At, URL: p.URL,
					Outcome: p.Outcome, Error: truncate(p.Error, maxAlertError),
					Failures: st.Failures, Since: st.Since,
					Text: fmt.Sprintf("DOWN: %s failed %d consecutive checks since %s (last: %s)",
						p.TargetID, st.Failures, st.Since.UTC().Format(time.RFC3339), p.Outcome),
				})
			}
		}
		changed[p.TargetID] = st
	}
	a.commit(ctx, changed, events)
}

// ObserveStages raises a "stage_drop" event for each target of cur whose
// stage is lower than the one last compared for it, which is stored with
// the alert state; prev (the stages before the crawl) stands in for targets
// never compared yet. A crawl cut by a restart therefore neither loses the
// drops of the sites it assessed before the stop nor repeats them.
func (a *Alerter) ObserveStages(prev, cur map[string]egovbench.Stage) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.load(ctx); err != nil {
		a.log.Error("load alert state; stages not compared", "err", err)
		return
	}
	ids := make([]string, 0, len(cur))
	for id := range cur {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	now := a.now()
	changed := map[string]egovbench.AlertState{}
	var events []Event
	for _, id := range ids {
		c := cur[id]
		st := a.sites[id]
		st.TargetID = id
		base, known := st.Stage, st.StageKnown
		if !known {
			base, known = prev[id]
		}
		if known && c < base && a.cfg.OnStageDrop {
			events = append(events, Event{
				Type: EventStageDrop, TargetID: id, At: now,
				FromStage: base.String(), ToStage: c.String(),
				Text: fmt.Sprintf("STAGE DROP: %s fell from %s to %s", id, base, c),
			})
		}
		if !st.StageKnown || st.Stage != c {
			st.Stage, st.StageKnown = c, true
			changed[id] = st
		}
	}
	a.commit(ctx, changed, events)
}

// commit stores the changed states and queues the events in one
// transaction, then applies them in memory, logs and counts the events and
// wakes the sender. a.mu must be held.
func (a *Alerter) commit(ctx context.Context, changed map[string]egovbench.AlertState, events []Event) {
	if len(changed) == 0 && len(events) == 0 {
		return
	}
	states := make([]egovbench.AlertState, 0, len(changed))
	for _, st := range changed {
		states = append(states, st)
	}
	sort.Slice(states, func(i, j int) bool { return states[i].TargetID < states[j].TargetID })
	var queued []egovbench.Alert
	if a.cfg.Webhook != "" {
		created := time.Now()
		for i := range events {
			e := &events[i]
			e.Key = eventKey(*e)
			body, err := json.Marshal(e)
			if err != nil {
				a.log.Error("encode alert", "err", err)
				continue
			}
			queued = append(queued, egovbench.Alert{Key: e.Key, Type: string(e.Type), TargetID: e.TargetID,
				Body: body, CreatedAt: created, Status: egovbench.AlertPending})
		}
	} else {
		for i := range events {
			events[i].Key = eventKey(events[i])
		}
	}
	a.sendMu.Lock()
	sending := a.sending
	a.sendMu.Unlock()
	dropped, err := a.store.SaveAlerts(ctx, states, queued, a.cfg.QueueSize, sending)
	if err != nil {
		// Nothing was stored: the state stays as it was, so the next round
		// raises these events again rather than never.
		a.log.Error("store alert state; events of this round not raised", "err", err, "events", len(events))
		return
	}
	for _, st := range states {
		a.sites[st.TargetID] = st
	}
	for _, e := range events {
		a.metrics.alertRaised(e.Type)
		a.log.Info("alert", "type", string(e.Type), "target_id", e.TargetID, "outcome", string(e.Outcome),
			"failures", e.Failures, "from_stage", e.FromStage, "to_stage", e.ToStage, "key", e.Key)
	}
	for _, k := range dropped {
		typ := EventType(k[:strings.IndexByte(k+":", ':')])
		a.metrics.alertDropped(typ)
		a.log.Warn("alert queue full; dropped oldest event", "key", k)
	}
	if len(queued) > 0 {
		select {
		case a.notify <- struct{}{}:
		default:
		}
	}
}

// eventKey derives the idempotency key from what the event is about, so it
// is the same however often the event is posted: type, target, the time the
// state changed, and for stage drops the stages. It starts with the type.
func eventKey(e Event) string {
	// Milliseconds, as stored: a state read back after a restart gives the
	// same key as the one held in memory before it.
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d|%s|%s", e.Type, e.TargetID, e.At.UnixMilli(),
		e.Since.UnixMilli(), e.FromStage, e.ToStage))
	return string(e.Type) + ":" + hex.EncodeToString(h[:12])
}

// Pending returns the number of events waiting to be sent, not counting one
// whose POST is under way.
func (a *Alerter) Pending() int {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	pend, err := a.store.PendingAlerts(ctx, a.cfg.QueueSize+1)
	if err != nil {
		a.log.Error("count pending alerts", "err", err)
		return 0
	}
	a.sendMu.Lock()
	defer a.sendMu.Unlock()
	n := len(pend)
	for _, p := range pend {
		if p.Key == a.sending {
			n--
		}
	}
	return n
}

// Run delivers queued events, oldest first, until ctx is cancelled,
// retrying failures with exponential backoff; the attempts are stored, so a
// restart continues where the last process stopped. On cancellation it
// tries each event still queued once more, within AlertConfig.Timeout in
// all; what is still undelivered then stays queued for the next start.
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
		pend, err := a.store.PendingAlerts(ctx, a.cfg.QueueSize+1)
		if err != nil && ctx.Err() == nil {
			a.log.Error("read alert queue", "err", err)
		}
		next, ok := nextAlert(pend)
		var wait time.Duration = -1 // until notified
		switch {
		case err != nil:
			wait = a.cfg.Backoff.Std()
		case ok:
			wait = time.Until(next.NextAttempt)
		}
		if ok && err == nil && wait <= 0 {
			a.attempt(ctx, next, false)
			continue
		}
		var t *time.Timer
		var timer <-chan time.Time
		if wait >= 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-a.notify:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// nextAlert picks the alert to post next from the pending queue (oldest
// first): of each target's oldest alert, the one due soonest, the older on
// a tie. Only a target's oldest alert is a candidate, so a target's events
// arrive in the order they were raised ("recovered" never before its
// "down"); and an alert being retried with backoff holds back only its own
// target's later alerts, never other targets'.
func nextAlert(pend []egovbench.Alert) (egovbench.Alert, bool) {
	heads := make(map[string]bool, len(pend))
	best := -1
	for i, al := range pend {
		if heads[al.TargetID] {
			continue
		}
		heads[al.TargetID] = true
		if best < 0 || al.NextAttempt.Before(pend[best].NextAttempt) {
			best = i
		}
	}
	if best < 0 {
		return egovbench.Alert{}, false
	}
	return pend[best], true
}

// flush makes one attempt per queued event, bounded in total by the POST
// timeout so that shutdown is never held up by a dead receiver. A target
// whose event was not delivered gets no later event posted, as in Run.
func (a *Alerter) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.Timeout.Std())
	defer cancel()
	pend, err := a.store.PendingAlerts(ctx, a.cfg.QueueSize+1)
	if err != nil {
		a.log.Warn("read alert queue at shutdown", "err", err)
		return
	}
	held := map[string]bool{}
	for i, al := range pend {
		if ctx.Err() != nil {
			a.log.Warn("alerts left queued for the next start", "count", len(pend)-i)
			return
		}
		if held[al.TargetID] {
			continue
		}
		if !a.attempt(ctx, al, true) {
			held[al.TargetID] = true
		}
	}
}

// attempt POSTs one alert and stores the result: delivered; pending again
// after a backoff (retryable, retries left, or at shutdown); or failed.
// It reports whether the alert left the queue (delivered or given up).
func (a *Alerter) attempt(ctx context.Context, al egovbench.Alert, final bool) (settled bool) {
	a.sendMu.Lock()
	a.sending = al.Key
	a.sendMu.Unlock()
	defer func() {
		a.sendMu.Lock()
		a.sending = ""
		a.sendMu.Unlock()
	}()
	typ := EventType(al.Type)
	// A POST under way is not cut by shutdown (it is bounded by its own
	// timeout): cutting it after the receiver acted would only make the
	// next start deliver it again.
	retry, err := a.post(context.WithoutCancel(ctx), al)
	status, next, lastErr := egovbench.AlertDelivered, time.Time{}, ""
	switch {
	case err == nil:
		a.metrics.alertSent(typ)
	case retry && (final || al.Attempts < a.cfg.MaxRetries):
		// At shutdown the event stays queued for the next start, whatever
		// its attempts: it was not given up on, only interrupted.
		status, next, lastErr = egovbench.AlertPending, time.Now().Add(a.backoff(al.Attempts)), err.Error()
		if final {
			a.log.Warn("alert not delivered before shutdown; kept for the next start", "type", al.Type,
				"target_id", al.TargetID, "key", al.Key, "err", err)
		}
	default:
		status, lastErr = egovbench.AlertFailed, err.Error()
		a.metrics.alertFailed(typ)
		a.log.Warn("alert delivery failed", "type", al.Type, "target_id", al.TargetID, "key", al.Key,
			"attempts", al.Attempts+1, "err", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := a.store.AlertAttempted(sctx, al.Key, status, next, truncate(lastErr, maxAlertError)); err != nil {
		// Left pending: it will be posted again, which its key makes harmless.
		a.log.Error("record alert delivery", "key", al.Key, "err", err)
		return false
	}
	return status != egovbench.AlertPending
}

// backoff is the wait after the n-th failed attempt (0-based): Backoff,
// doubled each time, at most MaxBackoff.
func (a *Alerter) backoff(n int) time.Duration {
	d := a.cfg.Backoff.Std()
	for range n {
		d *= 2
		if d >= a.cfg.MaxBackoff.Std() {
			return a.cfg.MaxBackoff.Std()
		}
	}
	return min(d, a.cfg.MaxBackoff.Std())
}

// post sends one request; retry says whether a later attempt might succeed.
func (a *Alerter) post(ctx context.Context, al egovbench.Alert) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout.Std())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Webhook, bytes.NewReader(al.Body))
	if err != nil {
		return false, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "egovbench-alerter")
	req.Header.Set("Idempotency-Key", al.Key)
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
