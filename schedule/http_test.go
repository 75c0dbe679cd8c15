package schedule

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func sampleMetrics() *Metrics {
	m := newMetrics(t0)
	m.JobStarted(JobCrawl, t0)
	m.JobFinished(JobCrawl, t0.Add(time.Hour), nil, false)
	m.JobStarted(JobProbe, t0)
	m.JobFinished(JobProbe, t0.Add(time.Second), errors.New("store: \"disk\" full\nretry later"), false)
	m.JobSkipped(JobCrawl)
	m.SetNext(JobCrawl, t0.Add(24*time.Hour))
	m.AddPages(120)
	m.AddDegradedRound()
	m.AddDegradedRound()
	m.ObserveProbes([]egovbench.Probe{
		{Outcome: egovbench.OutcomeOK, Total: 80 * time.Millisecond},
		{Outcome: egovbench.OutcomeOK, Total: 3 * time.Second},
		{Outcome: egovbench.OutcomeOK, Total: time.Minute},
		{Outcome: egovbench.OutcomeTimeout, Total: 30 * time.Second},
		{Outcome: egovbench.OutcomeTimeout},
		{Outcome: egovbench.OutcomeBlocked},
		{Outcome: "weird\"}\n# TYPE injected counter"},
	})
	m.alertRaised(EventDown)
	m.alertSent(EventDown)
	m.alertDropped(EventStageDrop)
	return m
}

var (
	metricName  = `[a-zA-Z_:][a-zA-Z0-9_:]*`
	helpLine    = regexp.MustCompile(`^# HELP (` + metricName + `) .+$`)
	typeLine    = regexp.MustCompile(`^# TYPE (` + metricName + `) (counter|gauge|histogram|summary|untyped)$`)
	sampleLine  = regexp.MustCompile(`^(` + metricName + `)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$`)
	histSuffixe = regexp.MustCompile(`_(bucket|sum|count)$`)
)

// parseExposition checks every line against the text exposition format and
// returns the samples keyed by `name{labels}` as written.
func parseExposition(t *testing.T, body string) map[string]float64 {
	t.Helper()
	types := map[string]string{}
	samples := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			if !helpLine.MatchString(line) {
				t.Errorf("line %d: bad HELP: %q", n, line)
			}
		case strings.HasPrefix(line, "# TYPE "):
			m := typeLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("line %d: bad TYPE: %q", n, line)
				continue
			}
			if _, dup := types[m[1]]; dup {
				t.Errorf("line %d: TYPE of %s declared twice", n, m[1])
			}
			types[m[1]] = m[2]
		case strings.HasPrefix(line, "#"):
			t.Errorf("line %d: stray comment %q", n, line)
		default:
			m := sampleLine.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("line %d: bad sample: %q", n, line)
				continue
			}
			family := m[1]
			if _, ok := types[family]; !ok {
				family = histSuffixe.ReplaceAllString(family, "")
				if types[family] != "histogram" {
					t.Errorf("line %d: sample %s without a TYPE", n, m[1])
				}
			}
			if _, err := strconv.ParseFloat(m[3], 64); err != nil && m[3] != "+Inf" {
				t.Errorf("line %d: bad value %q", n, m[3])
			}
			v, _ := strconv.ParseFloat(m[3], 64)
			key := m[1] + "{" + m[2] + "}"
			if _, dup := samples[key]; dup {
				t.Errorf("line %d: duplicate series %s", n, key)
			}
			samples[key] = v
		}
	}
	return samples
}

func TestMetricsExposition(t *testing.T) {
	srv := httptest.NewServer(NewHandler(sampleMetrics(), t.TempDir()))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasSuffix(string(body), "\n") {
		t.Error("exposition does not end with a newline")
	}
	s := parseExposition(t, string(body))
	want := map[string]float64{
		`egovbench_runs_total{kind="crawl",result="ok"}`:             1,
		`egovbench_runs_total{kind="probe",result="error"}`:          1,
		`egovbench_runs_total{kind="prune",result="ok"}`:             0,
		`egovbench_runs_skipped_total{kind="crawl"}`:                 1,
		`egovbench_last_run_success{kind="crawl"}`:                   1,
		`egovbench_last_run_success{kind="probe"}`:                   0,
		`egovbench_pages_fetched_total{}`:                            120,
		`egovbench_probe_rounds_prober_degraded_total{}`:             2,
		`egovbench_probes_total{outcome="ok"}`:                       3,
		`egovbench_probes_total{outcome="timeout"}`:                  2,
		`egovbench_probes_total{outcome="blocked"}`:                  1,
		`egovbench_probes_total{outcome="error"}`:                    1, // the unknown outcome, folded in
		`egovbench_probe_latency_seconds_bucket{le="0.1"}`:           1,
		`egovbench_probe_latency_seconds_bucket{le="5"}`:             2,
		`egovbench_probe_latency_seconds_bucket{le="30"}`:            2,
		`egovbench_probe_latency_seconds_bucket{le="+Inf"}`:          3,
		`egovbench_probe_latency_seconds_count{}`:                    3,
		`egovbench_probe_latency_seconds_sum{}`:                      63.08,
		`egovbench_alerts_total{type="down",result="sent"}`:          1,
		`egovbench_alerts_total{type="stage_drop",result="dropped"}`: 1,
		`egovbench_start_time_seconds{}`:                             float64(t0.Unix()),
		`egovbench_next_run_timestamp_seconds{kind="crawl"}`:         float64(t0.Add(24 * time.Hour).Unix()),
	}
	for k, v := range want {
		got, ok := s[k]
		if !ok {
			t.Errorf("missing %s", k)
			continue
		}
		if d := got - v; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	// Histogram buckets are cumulative.
	prev := -1.0
	for _, le := range []string{"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf"} {
		v, ok := s[`egovbench_probe_latency_seconds_bucket{le="`+le+`"}`]
		if !ok || v < prev {
			t.Errorf("bucket le=%s = %v (prev %v)", le, v, prev)
		}
		prev = v
	}
	if strings.Contains(string(body), "injected") {
		t.Error("an outcome string reached the exposition")
	}
}

func TestHealthz(t *testing.T) {
	h := NewHandler(sampleMetrics(), t.TempDir())
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("GET", "/healthz", nil))
	if rr.Code != 200 || rr.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d type %q", rr.Code, rr.Header().Get("Content-Type"))
	}
	var got Health
	if err := json.Unmarshal(rr.Body.Bytes(), &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, rr.Body)
	}
	c, p := got.Jobs[JobCrawl], got.Jobs[JobProbe]
	if got.Status != "degraded" || !got.StartedAt.Equal(t0) {
		t.Errorf("status %q started %s", got.Status, got.StartedAt)
	}
	if c.LastResult != "ok" || !c.LastFinished.Equal(t0.Add(time.Hour)) || c.Runs != 1 || c.Skipped != 1 || !c.NextRun.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("crawl = %+v", c)
	}
	if p.LastResult != "error" || !strings.Contains(p.LastError, "disk") {
		t.Errorf("probe = %+v", p)
	}
	rr = httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("POST", "/healthz", nil))
	if rr.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d", rr.Code)
	}
}

func TestReportFilesStayInside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "report")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "index.html"), "<h1>laporan</h1>")
	write(filepath.Join(dir, "sites", "makassarkota.html"), "kota makassar")
	write(filepath.Join(dir, ".env"), "hidden")
	write(filepath.Join(base, "secret.txt"), "TOPSECRET")
	if err := os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(NewMetrics(), dir))
	defer srv.Close()

	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "laporan"},
		{"/index.html", 200, "laporan"}, // redirected to /
		{"/sites/makassarkota.html", 200, "kota makassar"},
		{"/missing.html", 404, ""},
		{"/.env", 404, ""},
		{"/escape.txt", 404, ""},
		{"/up/secret.txt", 404, ""},
		{"/../secret.txt", 0, ""},
		{"/%2e%2e/secret.txt", 0, ""},
		{"/sites/..%2f..%2fsecret.txt", 0, ""},
		{"/sites/%2e%2e/%2e%2e/secret.txt", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			// A raw request line, so no client-side cleaning hides the test.
			req, err := http.NewRequest("GET", srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = tc.path
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "TOPSECRET") || strings.Contains(string(body), "hidden") {
				t.Fatalf("%s leaked a file outside the report: %d %q", tc.path, resp.StatusCode, body)
			}
			if tc.status != 0 && resp.StatusCode != tc.status {
				t.Errorf("%s = %d, want %d", tc.path, resp.StatusCode, tc.status)
			}
			if tc.status == 0 && resp.StatusCode == 200 {
				t.Errorf("%s = 200 with %q, want a refusal", tc.path, body)
			}
			if tc.body != "" && !strings.Contains(string(body), tc.body) {
				t.Errorf("%s body %q, want %q", tc.path, body, tc.body)
			}
		})
	}
}

func TestReportDirMissing(t *testing.T) {
	h := NewHandler(NewMetrics(), filepath.Join(t.TempDir(), "not-yet"))
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest("GET", "/", nil))
	if rr.Code != 404 {
		t.Errorf("status %d, want 404 before the first report", rr.Code)
	}
}

func BenchmarkWritePrometheus(b *testing.B) {
	m := sampleMetrics()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.WritePrometheus(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkObserveProbes550(b *testing.B) {
	m := NewMetrics()
	round := make([]egovbench.Probe, 550)
	for i := range round {
		round[i] = egovbench.Probe{Outcome: egovbench.Outcomes[i%len(egovbench.Outcomes)], Total: time.Duration(i) * time.Millisecond}
	}
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveProbes(round)
	}
}

func TestEscapeLabel(t *testing.T) {
	cases := map[string]string{
		"plain":           "plain",
		`a"b`:             `a\"b`,
		`back\slash`:      `back\\slash`,
		"new\nline":       `new\nline`,
		"\"}\n# TYPE x y": `\"}\n# TYPE x y`,
	}
	for in, want := range cases {
		if got := escapeLabel(in); got != want {
			t.Errorf("escapeLabel(%q) = %q, want %q", in, got, want)
		}
		line := `m{l="` + escapeLabel(in) + `"} 1`
		if !sampleLine.MatchString(line) {
			t.Errorf("escaped %q does not make a valid sample line: %s", in, line)
		}
	}
	if got := escapeHelp(`a"b` + "\n"); got != `a"b\n` {
		t.Errorf("escapeHelp = %q", got)
	}
}
