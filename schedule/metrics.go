package schedule

import (
	"bufio"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
)

// JobKind names a scheduled job in metrics, logs and /healthz.
type JobKind string

// Job kinds.
const (
	JobCrawl  JobKind = "crawl"
	JobProbe  JobKind = "probe"
	JobReport JobKind = "report"
	JobPrune  JobKind = "prune"
)

func jobKinds() []JobKind { return []JobKind{JobCrawl, JobProbe, JobReport, JobPrune} }

// Run results as counted in egovbench_runs_total.
const (
	ResultOK       = "ok"
	ResultError    = "error"
	ResultCanceled = "canceled" // stopped by shutdown or the job's timeout
)

func runResults() []string { return []string{ResultOK, ResultError, ResultCanceled} }

// latencyBounds are the upper bounds (seconds) of the probe latency
// histogram: government sites range from fast CDNs to tens of seconds.
func latencyBounds() []float64 { return []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30} }

// maxErrorText bounds the error text kept for /healthz.
const maxErrorText = 500

// Metrics collects what the daemon did, for /metrics (Prometheus text
// format) and /healthz (JSON). It is safe for concurrent use; jobs and cmd
// may call its methods directly (e.g. AddPages from the crawl job).
type Metrics struct {
	mu      sync.Mutex
	started time.Time
	jobs    map[JobKind]*jobState
	pages   uint64
	// degraded counts probe rounds dropped because the prober's own
	// network failed (egovbench.RoundDegraded).
	degraded uint64
	probes   map[egovbench.Outcome]uint64
	latency  histogram
	alerts   map[EventType]*alertCounts
}

type jobState struct {
	runs       map[string]uint64
	skipped    uint64
	running    bool
	lastStart  time.Time
	lastEnd    time.Time
	lastResult string
	lastError  string
	next       time.Time
}

type alertCounts struct{ raised, sent, failed, dropped uint64 }

type histogram struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

// NewMetrics returns empty metrics whose start time is now.
func NewMetrics() *Metrics { return newMetrics(time.Now()) }

func newMetrics(now time.Time) *Metrics {
	m := &Metrics{
		started: now,
		jobs:    map[JobKind]*jobState{},
		probes:  map[egovbench.Outcome]uint64{},
		alerts:  map[EventType]*alertCounts{},
	}
	m.latency.bounds = latencyBounds()
	m.latency.counts = make([]uint64, len(m.latency.bounds)+1)
	return m
}

func (m *Metrics) job(k JobKind) *jobState {
	j := m.jobs[k]
	if j == nil {
		j = &jobState{runs: map[string]uint64{}}
		m.jobs[k] = j
	}
	return j
}

func (m *Metrics) alert(t EventType) *alertCounts {
	a := m.alerts[t]
	if a == nil {
		a = &alertCounts{}
		m.alerts[t] = a
	}
	return a
}

// AddDegradedRound counts a probe round not recorded because the prober's
// own network failed; its probes must not be passed to ObserveProbes.
func (m *Metrics) AddDegradedRound() {
	m.mu.Lock()
	m.degraded++
	m.mu.Unlock()
}

// DegradedRounds returns the count of AddDegradedRound.
func (m *Metrics) DegradedRounds() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.degraded
}

// AddPages counts pages fetched by a crawl.
func (m *Metrics) AddPages(n int) {
	if n <= 0 {
		return
	}
	m.mu.Lock()
	m.pages += uint64(n)
	m.mu.Unlock()
}

// ObserveProbes counts probes by outcome and adds the total time of ok
// probes to the latency histogram (a failure's time says how long we waited,
// not how fast the site is).
func (m *Metrics) ObserveProbes(probes []egovbench.Probe) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range probes {
		o := p.Outcome
		if !knownOutcome(o) {
			// Keeps label cardinality bounded whatever a job reports.
			o = egovbench.OutcomeError
		}
		m.probes[o]++
		if o == egovbench.OutcomeOK && p.Total >= 0 {
			m.latency.observe(p.Total.Seconds())
		}
	}
}

func knownOutcome(o egovbench.Outcome) bool {
	for _, k := range egovbench.Outcomes {
		if k == o {
			return true
		}
	}
	return false
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // first bound >= v: "le" semantics
	h.counts[i]++
	h.sum += v
	h.count++
}

// JobStarted records that a job run began.
func (m *Metrics) JobStarted(k JobKind, at time.Time) {
	m.mu.Lock()
	j := m.job(k)
	j.running = true
	j.lastStart = at
	m.mu.Unlock()
}

// JobFinished records the end of a run and its result: ok when err is nil,
// canceled when canceled is true, else error.
func (m *Metrics) JobFinished(k JobKind, at time.Time, err error, canceled bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.job(k)
	j.running = false
	j.lastEnd = at
	switch {
	case err == nil:
		j.lastResult, j.lastError = ResultOK, ""
	case canceled:
		j.lastResult, j.lastError = ResultCanceled, truncate(err.Error(), maxErrorText)
	default:
		j.lastResult, j.lastError = ResultError, truncate(err.Error(), maxErrorText)
	}
	j.runs[j.lastResult]++
}

// JobSkipped counts a due run that was not started because the previous
// run of the same job was still going.
func (m *Metrics) JobSkipped(k JobKind) {
	m.mu.Lock()
	m.job(k).skipped++
	m.mu.Unlock()
}

// SetNext records when a job is next due.
func (m *Metrics) SetNext(k JobKind, at time.Time) {
	m.mu.Lock()
	m.job(k).next = at
	m.mu.Unlock()
}

// Skipped returns how many due runs of k were skipped.
func (m *Metrics) Skipped(k JobKind) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.job(k).skipped
}

// Runs returns how many runs of k finished with result.
func (m *Metrics) Runs(k JobKind, result string) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.job(k).runs[result]
}

func (m *Metrics) alertRaised(t EventType) {
	m.mu.Lock()
	m.alert(t).raised++
	m.mu.Unlock()
}

func (m *Metrics) alertSent(t EventType) {
	m.mu.Lock()
	m.alert(t).sent++
	m.mu.Unlock()
}

func (m *Metrics) alertFailed(t EventType) {
	m.mu.Lock()
	m.alert(t).failed++
	m.mu.Unlock()
}

func (m *Metrics) alertDropped(t EventType) {
	m.mu.Lock()
	m.alert(t).dropped++
	m.mu.Unlock()
}

// AlertCounts returns how many events of type t were raised, sent, failed
// (given up after retries) and dropped (queue full).
func (m *Metrics) AlertCounts(t EventType) (raised, sent, failed, dropped uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.alert(t)
	return a.raised, a.sent, a.failed, a.dropped
}

// Health is the /healthz document.
type Health struct {
	// Status is "ok", or "degraded" when the last crawl or probe round failed.
	Status    string                `json:"status"`
	StartedAt time.Time             `json:"started_at"`
	Jobs      map[JobKind]JobHealth `json:"jobs"`
}

// JobHealth is one job's state in Health.
type JobHealth struct {
	Running      bool      `json:"running"`
	LastStarted  time.Time `json:"last_started,omitzero"`
	LastFinished time.Time `json:"last_finished,omitzero"`
	// LastResult is ok, error or canceled; empty before the first run.
	LastResult string    `json:"last_result,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	NextRun    time.Time `json:"next_run,omitzero"`
	Runs       uint64    `json:"runs"`
	Skipped    uint64    `json:"skipped"`
}

// Health returns a snapshot for /healthz.
func (m *Metrics) Health() Health {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := Health{Status: "ok", StartedAt: m.started, Jobs: map[JobKind]JobHealth{}}
	for k, j := range m.jobs {
		var runs uint64
		for _, n := range j.runs {
			runs += n
		}
		h.Jobs[k] = JobHealth{
			Running: j.running, LastStarted: j.lastStart, LastFinished: j.lastEnd,
			LastResult: j.lastResult, LastError: j.lastError, NextRun: j.next,
			Runs: runs, Skipped: j.skipped,
		}
		if (k == JobCrawl || k == JobProbe) && j.lastResult == ResultError {
			h.Status = "degraded"
		}
	}
	return h
}

// WritePrometheus writes all metrics in the Prometheus text exposition
// format (version 0.0.4).
func (m *Metrics) WritePrometheus(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	bw := bufio.NewWriter(w)
	p := promWriter{w: bw}

	p.family("egovbench_start_time_seconds", "gauge", "Unix time the daemon started.")
	p.sample("egovbench_start_time_seconds", nil, unixSeconds(m.started))

	p.family("egovbench_runs_total", "counter", "Finished job runs by kind and result (ok, error, canceled).")
	for _, k := range jobKinds() {
		j := m.job(k)
		for _, r := range runResults() {
			p.sample("egovbench_runs_total", []string{"kind", string(k), "result", r}, float64(j.runs[r]))
		}
	}
	p.family("egovbench_runs_skipped_total", "counter", "Due runs not started because the previous run of the same job was still going.")
	for _, k := range jobKinds() {
		p.sample("egovbench_runs_skipped_total", []string{"kind", string(k)}, float64(m.job(k).skipped))
	}
	p.family("egovbench_job_running", "gauge", "1 while a run of the job is in progress.")
	for _, k := range jobKinds() {
		p.sample("egovbench_job_running", []string{"kind", string(k)}, b2f(m.job(k).running))
	}
	p.family("egovbench_last_run_finished_timestamp_seconds", "gauge", "Unix time the last run of the job finished (0 before the first).")
	for _, k := range jobKinds() {
		p.sample("egovbench_last_run_finished_timestamp_seconds", []string{"kind", string(k)}, unixSeconds(m.job(k).lastEnd))
	}
	p.family("egovbench_last_run_success", "gauge", "1 if the last run of the job succeeded.")
	for _, k := range jobKinds() {
		p.sample("egovbench_last_run_success", []string{"kind", string(k)}, b2f(m.job(k).lastResult == ResultOK))
	}
	p.family("egovbench_next_run_timestamp_seconds", "gauge", "Unix time the job is next due (0 when unscheduled).")
	for _, k := range jobKinds() {
		p.sample("egovbench_next_run_timestamp_seconds", []string{"kind", string(k)}, unixSeconds(m.job(k).next))
	}

	p.family("egovbench_probe_rounds_prober_degraded_total", "counter", "Probe rounds not recorded because the prober's own network failed (every canary, or most targets, failed with network errors).")
	p.sample("egovbench_probe_rounds_prober_degraded_total", nil, float64(m.degraded))

	p.family("egovbench_pages_fetched_total", "counter", "Pages fetched by deep crawls.")
	p.sample("egovbench_pages_fetched_total", nil, float64(m.pages))

	p.family("egovbench_probes_total", "counter", "Probes by outcome class; blocked is neither up nor down.")
	for _, o := range egovbench.Outcomes {
		p.sample("egovbench_probes_total", []string{"outcome", string(o)}, float64(m.probes[o]))
	}

	p.family("egovbench_probe_latency_seconds", "histogram", "Total time of successful probes.")
	var cum uint64
	for i, b := range m.latency.bounds {
		cum += m.latency.counts[i]
		p.sample("egovbench_probe_latency_seconds_bucket", []string{"le", formatFloat(b)}, float64(cum))
	}
	cum += m.latency.counts[len(m.latency.bounds)]
	p.sample("egovbench_probe_latency_seconds_bucket", []string{"le", "+Inf"}, float64(cum))
	p.sample("egovbench_probe_latency_seconds_sum", nil, m.latency.sum)
	p.sample("egovbench_probe_latency_seconds_count", nil, float64(m.latency.count))

	p.family("egovbench_alerts_total", "counter", "Alert events by type and fate: raised, sent, failed (gave up after retries), dropped (queue full).")
	for _, t := range eventTypes() {
		a := m.alert(t)
		for _, r := range []struct {
			name string
			n    uint64
		}{{"raised", a.raised}, {"sent", a.sent}, {"failed", a.failed}, {"dropped", a.dropped}} {
			p.sample("egovbench_alerts_total", []string{"type", string(t), "result", r.name}, float64(r.n))
		}
	}
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
}

type promWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (p *promWriter) family(name, typ, help string) {
	p.write("# HELP " + name + " " + escapeHelp(help) + "\n# TYPE " + name + " " + typ + "\n")
}

// sample writes one line; labels alternate name, value.
func (p *promWriter) sample(name string, labels []string, v float64) {
	b := append(p.buf[:0], name...)
	if len(labels) > 0 {
		b = append(b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, labels[i]...)
			b = append(b, `="`...)
			b = append(b, escapeLabel(labels[i+1])...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, v)
	b = append(b, '\n')
	p.buf = b
	if p.err == nil {
		_, p.err = p.w.Write(b)
	}
}

func (p *promWriter) write(s string) {
	if p.err == nil {
		_, p.err = p.w.WriteString(s)
	}
}

// escapeLabel and escapeHelp apply the exposition format's escapes; the
// fast path matters because almost no value needs any.
func escapeLabel(s string) string { return escape(s, true) }

func escapeHelp(s string) string { return escape(s, false) }

func escape(s string, quote bool) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '"' && quote:
			b.WriteString(`\"`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func formatFloat(v float64) string { return string(appendFloat(nil, v)) }

func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary so the JSON stays valid UTF-8.
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
