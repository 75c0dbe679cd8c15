package reports

import (
	"bytes"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/egovbench/egovbench"
)

func FuzzSafeHref(f *testing.F) {
	for _, s := range []string{"https://a.go.id/x", "javascript:alert(1)", " JaVaScRiPt:x", "data:,x", "http://[::1]:80/", "http:/x", "\x00http://a/", "https://a/\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeHref(s)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeHref(%q) = %q does not parse: %v", s, got, err)
		}
		if sc := strings.ToLower(u.Scheme); (sc != "http" && sc != "https") || u.Host == "" {
			t.Fatalf("safeHref(%q) = %q: not an absolute http(s) URL", s, got)
		}
		if strings.ContainsAny(got, " \t\r\n\"'<>") {
			t.Fatalf("safeHref(%q) = %q keeps characters that could end an attribute", s, got)
		}
	})
}

func FuzzSlugs(f *testing.F) {
	for _, s := range []string{"site-001", "../../etc/passwd", "", ".", "con", "A/B\\C", "\u202e", strings.Repeat("x", 300)} {
		f.Add(s, "other")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got := slugs([]string{a, b})
		for _, id := range []string{a, b} {
			s := got[id]
			if s == "" || len(s) > 70 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.HasPrefix(s, "-") {
				t.Fatalf("slug of %q = %q is not a safe file name", id, s)
			}
			if filepath.Base(s) != s || filepath.Clean(filepath.Join("sites", s+".html")) != filepath.Join("sites", s+".html") {
				t.Fatalf("slug of %q = %q escapes its folder", id, s)
			}
		}
		if a != b && got[a] == got[b] {
			t.Fatalf("%q and %q share slug %q", a, b, got[a])
		}
	})
}

func FuzzChartText(f *testing.F) {
	for _, s := range []string{"Kota Makassar", "\u202eevil", "\x00\xff", strings.Repeat("é", 100)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = max(0, n%200)
		got := chartText(s, n)
		if !utf8.ValidString(got) {
			t.Fatalf("chartText(%q) = %q is not UTF-8", s, got)
		}
		if c := utf8.RuneCountInString(got); c > n+1 {
			t.Fatalf("chartText(%q, %d) has %d runes", s, n, c)
		}
		if strings.ContainsAny(got, "\u202e\u202d\u2066\u2067\u2068\u2069\x00\n") {
			t.Fatalf("chartText(%q) = %q keeps control characters", s, got)
		}
	})
}

// FuzzSitePage renders a site page whose every string comes from the
// fuzzer and checks that the markup stays inert.
func FuzzSitePage(f *testing.F) {
	f.Add(xssScript, xssJSURL, xssAttr+xssImg, `http://127.0.0.1/"><script>x</script>`, bidiText)
	f.Add("Pemerintah Kota Makassar", "https://makassarkota.go.id/", "Layanan", "https://makassarkota.go.id/layanan", "a[href]")
	f.Add("</title><script>", "javascript:/*", "<!--", "data:text/html,<script>", "<style>")
	tmpl, err := parseTemplates()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, home, text, page, element string) {
		in := Input{
			GeneratedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Targets:     []egovbench.Target{{ID: name, Name: name, URL: home, Region: text, Level: element}},
			Indicators:  testCatalogue[:3],
			Latest: map[string]egovbench.Assessment{name: {
				Reachable: true, Stage: egovbench.StageInteraction, Score: 50,
				Frameworks:   map[string]string{"spbe": text},
				Indicators:   []egovbench.IndicatorResult{{ID: testCatalogue[0].ID, Met: true, Evidence: []egovbench.Evidence{{PageURL: page, Element: element, Text: text}}}},
				NextSteps:    []string{text},
				DeadServices: []egovbench.DeadService{{PageURL: home, URL: page, Text: text, Reason: element}},
			}},
			Frameworks: []egovbench.Framework{{ID: "spbe", Name: name, Levels: []egovbench.FrameworkLevel{{ID: text, Name: text}}}},
		}
		r := build(&in)
		for _, pg := range r.pages() {
			var buf bytes.Buffer
			if err := tmpl.ExecuteTemplate(&buf, pg.tmpl, pg.data); err != nil {
				t.Fatalf("%s: %v", pg.file, err)
			}
			checkMarkup(t, pg.file, buf.Bytes())
		}
	})
}

// FuzzNumbers feeds odd numbers (NaN, infinities, negative durations and
// counts) through the chart data and drawing: no panic, no error.
func FuzzNumbers(f *testing.F) {
	f.Add(50.0, 0.5, 10, 9, 1, int64(time.Hour), int64(time.Second), int64(time.Second))
	f.Add(math.NaN(), math.Inf(1), -5, 20, -3, int64(-1), int64(math.MaxInt64), int64(math.MinInt64))
	f.Add(1e308, -1e308, 0, 0, 0, int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, score, conf float64, checks, ok, blocked int, up, lat, p95 int64) {
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		in := Input{
			GeneratedAt: day.Add(72 * time.Hour),
			Targets:     []egovbench.Target{{ID: "a", Region: "R"}, {ID: "b"}},
			Latest:      map[string]egovbench.Assessment{"a": {Stage: egovbench.Stage(int(score) % 7), Score: score, Confidence: conf, Reachable: true, CriterionScores: map[string]float64{"technology": score}}},
			Previous:    map[string]egovbench.Assessment{"a": {Stage: egovbench.Stage(checks % 9), Score: conf}},
			History: []egovbench.StagePoint{
				{TargetID: "a", RunID: 1, At: day, Stage: egovbench.StagePresence, Score: score},
				{TargetID: "a", RunID: 2, At: day.Add(time.Hour), Stage: egovbench.Stage(ok % 9), Score: conf},
			},
			Daily: []egovbench.Rollup{
				{TargetID: "a", Start: day, Checks: checks, Successes: ok, Blocked: blocked, UpTime: time.Duration(up), DownTime: time.Duration(-up), LatencySum: time.Duration(lat), LatencyP50: time.Duration(up), LatencyP95: time.Duration(p95)},
				{TargetID: "b", Start: day.Add(48 * time.Hour), Checks: ok, Successes: checks, Blocked: -blocked, UpTime: time.Duration(lat), LatencySum: time.Duration(p95), LatencyP50: time.Duration(-lat), LatencyP95: time.Duration(lat)},
			},
			Hourly: []egovbench.Rollup{{TargetID: "a", Start: day, Checks: checks, Successes: ok, LatencySum: time.Duration(lat)}},
		}
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := build(&in)
		for _, j := range r.chartJobs() {
			if err := runJob(dir, j); err != nil {
				t.Fatalf("%s: %v", j.name, err)
			}
		}
		tmpl, err := parseTemplates()
		if err != nil {
			t.Fatal(err)
		}
		for _, pg := range r.pages() {
			if err := tmpl.ExecuteTemplate(&bytes.Buffer{}, pg.tmpl, pg.data); err != nil {
				t.Fatalf("%s: %v", pg.file, err)
			}
		}
	})
}
