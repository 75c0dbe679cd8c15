package reports

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/egovbench/egovbench"
)

func TestLabelsComplete(t *testing.T) {
	for k, v := range dictEN {
		if strings.TrimSpace(v) == "" {
			t.Errorf("en label %q is empty", k)
		}
		if s, ok := dictID[k]; !ok || strings.TrimSpace(s) == "" {
			t.Errorf("id label %q missing or empty", k)
		}
	}
	for k := range dictID {
		if _, ok := dictEN[k]; !ok {
			t.Errorf("id label %q has no en counterpart", k)
		}
	}
	for _, lang := range []string{"en", "id"} {
		l := newLabels(lang)
		for _, st := range allStages {
			if strings.HasPrefix(l.Stage(st), "[") {
				t.Errorf("%s: no label for stage %v", lang, st)
			}
		}
		for _, c := range egovbench.Criteria {
			if l.Criterion(c) == string(c) {
				t.Errorf("%s: no label for criterion %s", lang, c)
			}
		}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.HasPrefix(l.Weekday(d), "[") {
				t.Errorf("%s: no label for %v", lang, d)
			}
		}
	}
}

func TestLocalForms(t *testing.T) {
	d := time.Date(2026, 8, 17, 9, 5, 0, 0, time.FixedZone("WITA", 8*3600))
	for _, c := range []struct {
		lang, date, num, pct string
	}{
		{"en", "17 Aug 2026", "72.5", "98.3 %"},
		{"id", "17 Agu 2026", "72,5", "98,3 %"},
	} {
		l := newLabels(c.lang)
		if got := l.Date(d); got != c.date {
			t.Errorf("%s Date = %q, want %q", c.lang, got, c.date)
		}
		if got := l.Num(72.5, 1); got != c.num {
			t.Errorf("%s Num = %q, want %q", c.lang, got, c.num)
		}
		if got := l.Pct(0.983, 1); got != c.pct {
			t.Errorf("%s Pct = %q, want %q", c.lang, got, c.pct)
		}
		if got := l.Num(math.NaN(), 1); got != "–" {
			t.Errorf("%s Num(NaN) = %q", c.lang, got)
		}
	}
}

func TestSafeHref(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://makassarkota.go.id/layanan", "https://makassarkota.go.id/layanan"},
		{"http://127.0.0.1:8080/a?b=c", "http://127.0.0.1:8080/a?b=c"},
		{"HTTPS://Example.org/", "https://Example.org/"},
		{"javascript:alert(1)", ""},
		{" JaVaScRiPt:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"vbscript:msgbox", ""},
		{"//evil.example/x", ""},
		{"/relative/path", ""},
		{"../../index.html", ""},
		{"http://", ""},
		{"http://a.example/\u202e", "http://a.example/%E2%80%AE"}, // encoded: inert,
		{"", ""},
	} {
		if got := safeHref(c.in); got != c.want {
			t.Errorf("safeHref(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSlugs(t *testing.T) {
	ids := []string{"site-001", "Site-001", "../../etc/passwd", "", "..", "a/b", "a-b", "kota makassar", "CON", "con", "nul", strings.Repeat("x", 500), "dup", "dup"}
	got := slugs(ids)
	if got["site-001"] != "site-001" || got["a-b"] != "a-b" {
		t.Errorf("clean ids must keep their name: %v", got)
	}
	seen := map[string]string{}
	for _, id := range ids {
		s := got[id]
		if s == "" || len(s) > 70 {
			t.Errorf("slug of %q = %q: empty or too long", id, s)
		}
		if strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.HasPrefix(s, "-") {
			t.Errorf("slug of %q = %q has unsafe characters", id, s)
		}
		if other, dup := seen[s]; dup && other != id {
			t.Errorf("ids %q and %q share slug %q", other, id, s)
		}
		seen[s] = id
	}
	for _, id := range []string{"con", "nul"} {
		if got[id] == id {
			t.Errorf("reserved device name %q kept as a file name", id)
		}
	}
}

func TestChartText(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Kota Makassar", 48, "Kota Makassar"},
		{"a\u202eb\u200bc\x00d\n e", 48, "abcd e"},
		{strings.Repeat("é", 60), 5, "ééééé…"},
		{"\xff\xfeok", 48, "ok"},
	} {
		if got := chartText(c.in, c.max); got != c.want {
			t.Errorf("chartText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSegmentsBreakOnGaps(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := []time.Time{t0, t0.Add(time.Hour), t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), t0.Add(4 * time.Hour)}
	segs := segments(at, []float64{1, 2, math.NaN(), 4, math.NaN()})
	if len(segs) != 2 || len(segs[0]) != 2 || len(segs[1]) != 1 || segs[1][0].V != 4 {
		t.Fatalf("segments = %+v", segs)
	}
}

// TestTrendGaps checks that a run a site missed, and a run where it could
// not be assessed, are gaps in its line, and that region medians skip them.
func TestTrendGaps(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := Input{
		GeneratedAt: t0.Add(100 * time.Hour),
		Targets:     []egovbench.Target{{ID: "a", Region: "R"}, {ID: "b", Region: "R"}},
	}
	pt := func(id string, run int64, st egovbench.Stage, score float64) egovbench.StagePoint {
		return egovbench.StagePoint{TargetID: id, RunID: run, At: t0.Add(time.Duration(run) * time.Hour), Stage: st, Score: score}
	}
	in.History = []egovbench.StagePoint{
		pt("a", 1, egovbench.StagePresence, 10), pt("b", 1, egovbench.StagePresence, 30),
		pt("b", 2, egovbench.StagePresence, 40),                                // a missed run 2
		pt("a", 3, egovbench.StageNone, 0), pt("b", 3, egovbench.StageNone, 0), // nobody assessable
		pt("a", 4, egovbench.StageInteraction, 50), pt("b", 4, egovbench.StageInteraction, 70),
		pt("zzz", 4, egovbench.StageInteraction, 99), // unknown target: ignored
	}
	m := newModel(&in)
	tr := m.trend(m.history())
	if n := len(tr.Sites[0].Segments); n != 2 {
		t.Errorf("site a: %d segments, want 2: %+v", n, tr.Sites[0].Segments)
	}
	if n := len(tr.Sites[1].Segments); n != 2 {
		t.Errorf("site b: %d segments, want 2 (run 3 is a gap): %+v", n, tr.Sites[1].Segments)
	}
	reg := tr.Regions[0].Segments
	if len(reg) != 2 || len(reg[0]) != 2 || reg[0][0].V != 20 || reg[0][1].V != 40 || reg[1][0].V != 60 {
		t.Errorf("region medians = %+v, want [[20 40] [60]]", reg)
	}
}

func TestRankingTies(t *testing.T) {
	in := Input{GeneratedAt: time.Now(), Latest: map[string]egovbench.Assessment{}}
	for i, sc := range []float64{50, 80, 80, 20, math.NaN()} {
		id := string(rune('a' + i))
		in.Targets = append(in.Targets, egovbench.Target{ID: id, Name: id})
		in.Latest[id] = egovbench.Assessment{Stage: egovbench.StagePresence, Score: sc}
	}
	in.Targets = append(in.Targets, egovbench.Target{ID: "never"})
	rows := newModel(&in).ranking()
	var got []string
	for _, r := range rows {
		got = append(got, r.TargetID+":"+itoa(r.Rank))
	}
	want := []string{"b:1", "c:1", "a:3", "d:4", "e:5"}
	if !slices.Equal(got, want) {
		t.Errorf("ranking = %v, want %v", got, want)
	}
	many := make([]rankRow, 100)
	rc := rankingChart(many)
	if len(rc.Rows) != rankingChartMax || rc.Omitted != 60 || rc.Total != 100 {
		t.Errorf("rankingChart of 100: %d rows, %d omitted", len(rc.Rows), rc.Omitted)
	}
}

func TestUptimeAggregation(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	in := Input{
		GeneratedAt: day.Add(48 * time.Hour),
		Targets:     []egovbench.Target{{ID: "a"}, {ID: "b"}},
		Daily: []egovbench.Rollup{
			{TargetID: "a", Start: day, Checks: 10, Successes: 9, Blocked: 0, UpTime: 9 * time.Hour, DownTime: 3 * time.Hour, LatencySum: 900 * time.Millisecond, LatencyP50: 90 * time.Millisecond, LatencyP95: 200 * time.Millisecond},
			{TargetID: "b", Start: day, Checks: 12, Successes: 5, Blocked: 2, UpTime: 1 * time.Hour, DownTime: 3 * time.Hour, LatencySum: 1000 * time.Millisecond, LatencyP50: 250 * time.Millisecond, LatencyP95: 400 * time.Millisecond},
			{TargetID: "a", Start: day.Add(48 * time.Hour), Checks: 4, Blocked: 4}, // only blocked: no availability that day
			{TargetID: "x", Start: day, Checks: 10},                                // unknown target
		},
	}
	m := newModel(&in)
	u := m.uptimeOverall()
	first := u.Check[0].Segments[0][0]
	if math.Abs(first.V-100*14.0/20.0) > 1e-9 {
		t.Errorf("check uptime = %v, want 70 (blocked probes excluded)", first.V)
	}
	if tw := u.Time[0].Segments[0][0].V; math.Abs(tw-62.5) > 1e-9 {
		t.Errorf("time-weighted uptime = %v, want 62.5", tw)
	}
	if k := u.Latency[0].Key; k != "p50" {
		t.Errorf("first latency series = %q, want p50", k)
	}
	if p50 := u.Latency[0].Segments[0][0].V; p50 != 170 {
		t.Errorf("median of p50 = %v, want 170", p50)
	}
	if p95 := u.Latency[1].Segments[0][0].V; p95 != 300 {
		t.Errorf("median of p95 = %v, want 300", p95)
	}
	if n := len(u.Check[0].Segments); n != 1 {
		t.Errorf("days without counted checks must be gaps; got %d segments", n)
	}
	w := m.uptime30()
	if math.Abs(w[0].Check-0.9) > 1e-9 || !math.IsNaN(newModel(&Input{Targets: []egovbench.Target{{ID: "z"}}, GeneratedAt: in.GeneratedAt}).uptime30()[0].Check) {
		t.Errorf("uptime30 = %+v", w)
	}
}

// The daily p50 over all sites is the median of the sites' own p50s (not a
// mean, and not the pooled mean latency); a site's chart shows its own p50.
func TestUptimeLatencyQuantiles(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ms := func(v int) time.Duration { return time.Duration(v) * time.Millisecond }
	in := Input{
		GeneratedAt: day.Add(72 * time.Hour),
		Targets:     []egovbench.Target{{ID: "a"}, {ID: "b"}, {ID: "c"}},
		Daily: []egovbench.Rollup{
			{TargetID: "a", Start: day, Checks: 4, Successes: 4, LatencySum: ms(480), LatencyP50: ms(100), LatencyP95: ms(200)},
			{TargetID: "b", Start: day, Checks: 4, Successes: 4, LatencySum: ms(800), LatencyP50: ms(150), LatencyP95: ms(500)},
			{TargetID: "c", Start: day, Checks: 4, Successes: 4, LatencySum: ms(4000), LatencyP50: ms(900), LatencyP95: ms(1500)},
			// Day 2: only failures, so no latency figures: a gap.
			{TargetID: "a", Start: day.Add(24 * time.Hour), Checks: 4},
			{TargetID: "a", Start: day.Add(48 * time.Hour), Checks: 2, Successes: 2, LatencySum: ms(600), LatencyP50: ms(250), LatencyP95: ms(350)},
		},
	}
	m := newModel(&in)
	u := m.uptimeOverall()
	want := map[string][]float64{"p50": {150, 250}, "p95": {500, 350}}
	for _, s := range u.Latency {
		var got []float64
		for _, seg := range s.Segments {
			for _, p := range seg {
				got = append(got, p.V)
			}
		}
		if !slices.Equal(got, want[s.Key]) || len(s.Segments) != 2 {
			t.Errorf("all sites %s = %v in %d segments, want %v in 2", s.Key, got, len(s.Segments), want[s.Key])
		}
	}
	if len(u.Latency) != 2 || u.Latency[0].Label != m.l.T("s_p50_median") {
		t.Errorf("latency series = %+v", u.Latency)
	}
	sites := m.uptimeSites()
	for i, w := range []float64{100, 150, 900} {
		l := sites[i].Latency
		if l[0].Key != "p50" || l[0].Segments[0][0].V != w || l[0].Label != m.l.T("s_p50") {
			t.Errorf("site %d p50 = %+v, want %v", i, l[0], w)
		}
	}
}

func TestHourProfileUsesLocalTime(t *testing.T) {
	loc := time.FixedZone("WITA", 8*3600)
	// 2026-11-01 is a Sunday; 17:00 UTC is Monday 01:00 in WITA.
	in := Input{
		GeneratedAt: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Location: loc,
		Targets: []egovbench.Target{{ID: "a"}},
		Hourly:  []egovbench.Rollup{{TargetID: "a", Start: time.Date(2026, 11, 1, 17, 0, 0, 0, time.UTC), Checks: 4, Successes: 3, LatencySum: 300 * time.Millisecond}},
	}
	hp := newModel(&in).hourProfile()
	if v := hp.Availability[0][1]; v == nil || *v != 75 {
		t.Fatalf("Monday 01:00 local = %v, want 75", v)
	}
	if v := hp.LatencyMS[0][1]; v == nil || *v != 100 {
		t.Errorf("latency = %v, want 100", v)
	}
	if hp.Availability[6][17] != nil {
		t.Error("the UTC hour must not be used")
	}
}

// TestCanvasReuse draws the same chart on a fresh and on a recycled canvas:
// the files must be identical, or state leaked from one chart to the next.
func TestCanvasReuse(t *testing.T) {
	in := testInput()
	r := build(&in)
	dir := t.TempDir()
	var outs [][]byte
	for i := 0; i < 3; i++ {
		for _, j := range r.chartJobs()[:1] {
			if err := runJob(dir, chartJob{name: j.name[len("charts/"):], draw: j.draw}); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "stage-distribution.png"))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Equal(outs[1], outs[2]) {
		t.Error("a recycled canvas draws a different picture")
	}
}

func TestRenderAllErrors(t *testing.T) {
	dir := t.TempDir()
	jobs := []chartJob{
		{"a", func(string) error { return nil }},
		{"b", func(string) error { panic("gonum on odd data") }},
	}
	if err := renderAll(context.Background(), dir, jobs); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("a panicking chart must become an error, got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := renderAll(ctx, dir, jobs[:1]); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	for _, in := range []Input{{GeneratedAt: time.Now(), Lang: "fr"}, {Lang: "en"}} {
		if err := Write(context.Background(), t.TempDir(), in); !errors.Is(err, egovbench.ErrInvalid) {
			t.Errorf("Write(%+v) = %v, want ErrInvalid", in, err)
		}
	}
}

// chartSizes are the pixel sizes of the fixed-size charts.
var chartSizes = map[string]image.Point{
	"stage-distribution.png": {1200, 675}, "maturity-trend.png": {1200, 675}, "uptime-daily.png": {1200, 675},
	"uptime-regions.png": {1200, 675}, "uptime-regions-time.png": {1200, 675}, "latency-daily.png": {1200, 675}, "transitions.png": {1200, 675},
	"hour-availability.png": {1200, 540}, "hour-latency.png": {1200, 540},
}

// checkPNGs decodes every chart: right size, and not blank (a chart has
// text, so antialiasing alone gives dozens of colours).
func checkPNGs(t *testing.T, dir string, minColours int) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "charts", "*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no charts in %s (%v)", dir, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		size := img.Bounds().Size()
		if want, ok := chartSizes[name]; ok && size != want {
			t.Errorf("%s: size %v, want %v", name, size, want)
		}
		if strings.HasPrefix(name, "site-") && size != (image.Point{768, 624}) {
			t.Errorf("%s: size %v, want 768x624", name, size)
		}
		if size.X < 600 || size.Y < 250 {
			t.Errorf("%s: %v is too small for a slide", name, size)
		}
		colours := map[color.Color]bool{}
		for y := 0; y < size.Y; y += 2 {
			for x := 0; x < size.X; x += 2 {
				colours[img.At(x, y)] = true
			}
		}
		if len(colours) < minColours {
			t.Errorf("%s: only %d colours: blank?", name, len(colours))
		}
	}
	return len(files)
}

// TestReport writes the synthetic report once per language and checks it
// every way: golden markup, inert output, the PNG files, and in a browser.
func TestReport(t *testing.T) {
	in := testInput()
	parent := t.TempDir()
	dirs := map[string]string{"en": filepath.Join(parent, "en"), "id": filepath.Join(parent, "id")}
	for lang, dir := range dirs {
		li := in
		li.Lang = lang
		if err := Write(context.Background(), dir, li); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("golden", func(t *testing.T) { checkHTMLGolden(t, dirs) })
	t.Run("inert", func(t *testing.T) { checkHostileOutput(t, parent, dirs) })
	t.Run("indonesian", func(t *testing.T) { checkNoEnglish(t, dirs["id"], in) })
	t.Run("png", func(t *testing.T) {
		n := checkPNGs(t, dirs["en"], 20)
		// 10 report charts, the coverage charts (one per criterion) and one
		// history figure per site.
		if want := 10 + len(build(&in).coverageCharts()) + len(in.Targets); n != want {
			t.Errorf("%d charts, want %d", n, want)
		}
	})
	t.Run("browser", func(t *testing.T) { checkInBrowser(t, dirs, in) })
}

// TestEmptyInput renders a report with nothing in it: every page and chart
// exists, and charts say "no data" rather than drawing empty axes.
func TestEmptyInput(t *testing.T) {
	t.Parallel() // CPU-light enough to overlap with the browser test
	for _, in := range []Input{
		{GeneratedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{GeneratedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Lang: "id", Targets: []egovbench.Target{{ID: "a", Name: "A"}}, Indicators: testCatalogue},
	} {
		dir := t.TempDir()
		if err := Write(context.Background(), dir, in); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"index.html", "changes.html", "methodology.html", "style.css", "favicon.png"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Error(err)
			}
		}
		checkPNGs(t, dir, 5)
		idx, _ := os.ReadFile(filepath.Join(dir, "index.html"))
		if !bytes.Contains(idx, []byte("charts/ranking.png")) {
			t.Error("index lacks the ranking chart")
		}
	}
}

// checkHostileOutput parses every page of the synthetic report (hostile
// site included) and checks, independently of the templates, that nothing
// executable got through: no script elements, no event handler attributes,
// no inline styles, links only to http(s) or inside the report; that no
// file was written outside the report folders; and that every label key
// used is defined.
func checkHostileOutput(t *testing.T, parent string, dirs map[string]string) {
	entries, _ := os.ReadDir(parent)
	if len(entries) != len(dirs) {
		t.Errorf("files written beside the reports: %v", entries)
	}
	for _, dir := range dirs {
		pages := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ".html" {
				return err
			}
			pages++
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			checkMarkup(t, p, b)
			// The synthetic site data holds no [word] text, so any is a
			// label key used in code but defined in no dictionary.
			if k := missingLabel.Find(b); k != nil {
				t.Errorf("%s: label %s is not defined", p, k)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if pages != 3+12 {
			t.Errorf("%s: %d pages, want 15", dir, pages)
		}
	}
	slug := slugs([]string{hostileID})[hostileID]
	hp, err := os.ReadFile(filepath.Join(dirs["en"], "sites", slug+".html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(hp, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("the hostile name should be shown, escaped")
	}
	if !bytes.Contains(hp, []byte(`href="http://127.0.0.1:1/%22%3E%3Cscript%3Ewindow.__pwned=1%3C/script%3E%27x=%27"`)) {
		t.Error("an http URL carrying a payload should be linked, percent-encoded")
	}
	if len(hp) > 40_000 {
		t.Errorf("hostile page is %d bytes: 10 kB strings were not clipped", len(hp))
	}
}

// missingLabel is what labels.T shows for a key no dictionary defines.
var missingLabel = regexp.MustCompile(`\[[a-z][a-z0-9_]*\]`)

func checkMarkup(t *testing.T, name string, b []byte) {
	t.Helper()
	if bytes.Contains(bytes.ToLower(b), []byte("<script")) {
		t.Errorf("%s: contains <script", name)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "iframe", "object", "embed", "form", "base", "style":
				t.Errorf("%s: <%s> element", name, n.Data)
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				if strings.HasPrefix(k, "on") || k == "style" || k == "srcdoc" || k == "formaction" {
					t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, trunc(a.Val))
				}
				if k == "href" || k == "src" {
					v := strings.ToLower(strings.TrimSpace(a.Val))
					internal := !strings.Contains(v, ":") && !strings.HasPrefix(v, "//")
					if !internal && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
						t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, trunc(a.Val))
					}
					if k == "src" && !internal {
						t.Errorf("%s: remote resource %q", name, a.Val)
					}
				}
			}
			if n.Data == "html" && !slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "lang" && a.Val != "" }) {
				t.Errorf("%s: <html> without lang", name)
			}
			if n.Data == "img" && !slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "alt" && strings.TrimSpace(a.Val) != "" }) {
				t.Errorf("%s: <img> without alt", name)
			}
			if n.Data == "th" && !slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "scope" }) {
				t.Errorf("%s: <th> without scope", name)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !bytes.Contains(b, []byte(`content="default-src 'none'; img-src 'self'; style-src 'self'`)) {
		t.Errorf("%s: no Content-Security-Policy", name)
	}
}
