package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// reversedSource serves an Input's records last site first, as a Source
// other than the Input's own slices would.
type reversedSource struct{ in *Input }

func (s reversedSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	var recs []egovbench.SiteRecord
	if err := sliceSource(s).EachSite(ctx, func(r egovbench.SiteRecord) error { recs = append(recs, r); return nil }); err != nil {
		return err
	}
	for _, r := range slices.Backward(recs) {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s reversedSource) EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error {
	return sliceSource(s).EachHourly(ctx, fn)
}

// readTree maps every file under dir to its content.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSourceWritesSameReport: a report streamed from a Source, in another
// order than the targets, is byte for byte the report of the same slices.
func TestSourceWritesSameReport(t *testing.T) {
	in := synthInput(14, 12, 7*24*time.Hour, 2, true)
	a, b := t.TempDir(), t.TempDir()
	if err := Write(context.Background(), a, in); err != nil {
		t.Fatal(err)
	}
	src := reversedSource{&in}
	streamed := in
	streamed.Source = src
	// As a store would say: the newest assessment.
	for _, a := range in.Latest {
		if a.AssessedAt.After(streamed.NewestAt) {
			streamed.NewestAt, streamed.NewestRun = a.AssessedAt, a.RunID
		}
	}
	streamed.Latest, streamed.Previous, streamed.History, streamed.Daily, streamed.Outages, streamed.Hourly = nil, nil, nil, nil, nil, nil
	if err := Write(context.Background(), b, streamed); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) != len(tb) || len(ta) < 14+11+5 {
		t.Fatalf("%d files from slices, %d streamed", len(ta), len(tb))
	}
	for name, want := range ta {
		if !bytes.Equal(tb[name], want) {
			t.Errorf("%s differs", name)
		}
	}
}

func setOld(t *testing.T, dir string) time.Time {
	t.Helper()
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(path, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
	return old
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.ModTime()
}

func readManifest(t *testing.T, dir string) manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestIncrementalReport: a second report an hour later, after one new
// outage, redraws that site's page and the pages about all sites, and keeps
// every other site page and figure, which match what a full report draws
// but for their time stamp. Kept files are hard-linked (or copied) from a
// previous folder; another language, or an interrupted report, keeps nothing.
func TestIncrementalReport(t *testing.T) {
	ctx := context.Background()
	in := synthInput(12, 10, 7*24*time.Hour, 2, false)
	dir := t.TempDir()
	opt := WriteOptions{Previous: dir}
	if err := WriteWith(ctx, dir, in, opt); err != nil {
		t.Fatal(err)
	}
	m1 := readManifest(t, dir)
	if len(m1.Files) != 2*len(in.Targets) {
		t.Fatalf("manifest has %d files, want a page and a figure for each of %d sites", len(m1.Files), len(in.Targets))
	}
	old := setOld(t, dir)

	next := in
	next.GeneratedAt = in.GeneratedAt.Add(time.Hour)
	next.Outages = append(slices.Clone(in.Outages), egovbench.Outage{TargetID: "site-004", Start: in.GeneratedAt.Add(-20 * time.Minute), Cause: egovbench.OutcomeTimeout})
	if err := WriteWith(ctx, dir, next, opt); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file    string
		redrawn bool
	}{
		{"sites/site-004.html", true},
		{"index.html", true},
		{"changes.html", true},
		{"charts/stage-distribution.png", true},
		{"sites/site-005.html", false},
		{"sites/site-004.html", true},
		{"charts/site-site-004.png", false}, // an outage is not on the figure
		{"charts/site-site-005.png", false},
	} {
		if got := !modTime(t, filepath.Join(dir, c.file)).Equal(old); got != c.redrawn {
			t.Errorf("%s: redrawn %v, want %v", c.file, got, c.redrawn)
		}
	}
	if m2 := readManifest(t, dir); len(m2.Files) != len(m1.Files) || m2.Files["sites/site-004.html"] == m1.Files["sites/site-004.html"] ||
		m2.Files["sites/site-005.html"] != m1.Files["sites/site-005.html"] {
		t.Errorf("manifest after the second report: %d files, site-004 key changed %v, site-005 key kept %v", len(m2.Files),
			m2.Files["sites/site-004.html"] != m1.Files["sites/site-004.html"], m2.Files["sites/site-005.html"] == m1.Files["sites/site-005.html"])
	}

	// A kept page is what a full report would draw, but for its stamp.
	full := t.TempDir()
	if err := Write(ctx, full, next); err != nil {
		t.Fatal(err)
	}
	l := newLabels(in.Lang)
	stamp1, stamp2 := "Generated: "+l.DateTime(in.GeneratedAt.In(in.Location)), "Generated: "+l.DateTime(next.GeneratedAt.In(in.Location))
	kept, _ := os.ReadFile(filepath.Join(dir, "sites/site-005.html"))
	fresh, _ := os.ReadFile(filepath.Join(full, "sites/site-005.html"))
	if stamp1 == stamp2 || !bytes.Contains(kept, []byte(stamp1)) || string(bytes.ReplaceAll(kept, []byte(stamp1), []byte(stamp2))) != string(fresh) {
		t.Errorf("kept site page differs from a fresh one beyond its stamp (%q, %q, %v, %v)", stamp1, stamp2, bytes.Contains(kept, []byte(stamp1)), len(fresh))
	}
	for _, f := range []string{"sites/site-004.html", "charts/site-site-005.png"} {
		a, _ := os.ReadFile(filepath.Join(dir, f))
		b, _ := os.ReadFile(filepath.Join(full, f))
		if f != "sites/site-004.html" && !bytes.Equal(a, b) {
			t.Errorf("%s: kept file differs from a fresh one", f)
		}
	}

	// Into a new folder, with the old one as previous: kept files are links.
	newDir := filepath.Join(t.TempDir(), "new")
	if err := WriteWith(ctx, newDir, next, opt); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sites/site-005.html", "charts/site-site-003.png"} {
		a, errA := os.Stat(filepath.Join(dir, f))
		b, errB := os.Stat(filepath.Join(newDir, f))
		if errA != nil || errB != nil || !os.SameFile(a, b) {
			t.Errorf("%s: not linked from the previous folder (%v, %v)", f, errA, errB)
		}
	}
	if ta, tb := readTree(t, full), readTree(t, newDir); len(ta) != len(tb) {
		t.Errorf("incremental folder has %d files, a full report %d", len(tb), len(ta))
	}

	// Another language shares nothing with the previous report.
	setOld(t, dir)
	id := next
	id.Lang = "id"
	if err := WriteWith(ctx, dir, id, opt); err != nil {
		t.Fatal(err)
	}
	if modTime(t, filepath.Join(dir, "sites/site-005.html")).Equal(old) || modTime(t, filepath.Join(dir, "charts/site-site-005.png")).Equal(old) {
		t.Error("a report in another language kept pages of the previous one")
	}

	// An interrupted report leaves no manifest to vouch for its files.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := WriteWith(cctx, dir, next, opt); err == nil {
		t.Error("a cancelled report succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		t.Error("an interrupted report left a manifest")
	}
}

// TestRankingPaginated: a ranking longer than a page is split across the
// index and ranking-N.html, each site listed exactly once, with a pager.
func TestRankingPaginated(t *testing.T) {
	n := 2*rankPageSize + 3
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	in := Input{GeneratedAt: at, Lang: "en", Latest: map[string]egovbench.Assessment{}, Indicators: testCatalogue}
	for i := range n {
		tg := egovbench.Target{ID: fmt.Sprintf("s%04d", i), Name: fmt.Sprintf("Site %04d", i), Region: testRegions[i%len(testRegions)]}
		in.Targets = append(in.Targets, tg)
		if i%10 != 0 {
			in.Latest[tg.ID] = egovbench.Assessment{TargetID: tg.ID, RunID: 1, AssessedAt: at, Reachable: true, Stage: egovbench.StagePresence, Score: float64(i % 97)}
		}
	}
	dir := t.TempDir()
	if err := Write(context.Background(), dir, in); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for k, f := range []string{"index.html", "ranking-2.html", "ranking-3.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		for _, p := range []string{`href="index.html#h-ranking"`, `href="ranking-2.html"`, `href="ranking-3.html"`} {
			if k == 0 && p == `href="index.html#h-ranking"` {
				continue // the current page is not a link
			}
			if strings.Contains(page, fmt.Sprintf(`aria-current="page">%d–`, k*rankPageSize+1)) && !strings.Contains(page, p) && !strings.Contains(p, rankingFile(k)) {
				t.Errorf("%s: pager lacks %s", f, p)
			}
		}
		table := page[strings.Index(page, `<table class="ranking">`):]
		table = table[:strings.Index(table, `</table>`)]
		rows := strings.Split(table, `<tr><td class="num">`)[1:]
		if want := min(rankPageSize, n-k*rankPageSize); len(rows) != want {
			t.Errorf("%s: %d ranking rows, want %d", f, len(rows), want)
		}
		for _, r := range rows {
			i := strings.Index(r, `href="sites/`)
			seen[r[i:i+strings.Index(r[i:], `.html`)]]++
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ranking-4.html")); err == nil {
		t.Error("an empty fourth ranking page")
	}
	if len(seen) != n {
		t.Errorf("%d sites listed across the ranking pages, want %d", len(seen), n)
	}
	for s, c := range seen {
		if c != 1 {
			t.Errorf("%s listed %d times", s, c)
		}
	}
}

// TestSteadySiteHasNoFigure: a site whose score never moved and that was
// available at every check gets a sentence, not a figure of flat lines; a
// site with an unavailable week gets its figure.
func TestSteadySiteHasNoFigure(t *testing.T) {
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) // a Friday
	in := Input{GeneratedAt: now, Lang: "en", Targets: []egovbench.Target{{ID: "calm", Name: "Calm"}, {ID: "flaky", Name: "Flaky"}},
		Latest: map[string]egovbench.Assessment{}, Indicators: testCatalogue}
	for _, id := range []string{"calm", "flaky"} {
		for r := range 3 {
			at := now.AddDate(0, 0, -7*(3-r))
			in.History = append(in.History, egovbench.StagePoint{TargetID: id, RunID: int64(r + 1), At: at, Stage: egovbench.StagePresence, Score: 40})
		}
		in.Latest[id] = egovbench.Assessment{TargetID: id, RunID: 3, AssessedAt: now, Reachable: true, Stage: egovbench.StagePresence, Score: 40}
		for d := range 28 {
			ro := egovbench.Rollup{TargetID: id, Start: now.Truncate(24*time.Hour).AddDate(0, 0, -d), Checks: 96, Successes: 96,
				UpTime: 24 * time.Hour, LatencySum: 96 * 200 * time.Millisecond, LatencyP50: 180 * time.Millisecond, LatencyP95: 400 * time.Millisecond}
			if id == "flaky" && d == 10 {
				ro.Successes, ro.UpTime, ro.DownTime = 90, 22*time.Hour, 2*time.Hour
			}
			in.Daily = append(in.Daily, ro)
		}
	}
	dir := t.TempDir()
	if err := Write(context.Background(), dir, in); err != nil {
		t.Fatal(err)
	}
	calm, _ := os.ReadFile(filepath.Join(dir, "sites/calm.html"))
	if !strings.Contains(string(calm), "Score steady at 40.0 across 3 assessments") || !strings.Contains(string(calm), "available at every check in each of 4 complete weeks") ||
		strings.Contains(string(calm), "site-calm.png") {
		t.Errorf("steady site page:\n%s", calm)
	}
	if _, err := os.Stat(filepath.Join(dir, "charts/site-calm.png")); err == nil {
		t.Error("a figure was drawn for the steady site")
	}
	if _, err := os.Stat(filepath.Join(dir, "charts/site-flaky.png")); err != nil {
		t.Errorf("no figure for the site with an unavailable week: %v", err)
	}
}

// failingSource yields some sites, then fails, as a store read can.
type failingSource struct {
	in    *Input
	after int // sites it gives before failing; -1: the hourly rollups fail
}

var errSourceBroke = errors.New("disk I/O error")

func (s failingSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	n := 0
	return sliceSource{s.in}.EachSite(ctx, func(r egovbench.SiteRecord) error {
		if n == s.after {
			return errSourceBroke
		}
		n++
		return fn(r)
	})
}

func (s failingSource) EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error {
	if s.after < 0 {
		return errSourceBroke
	}
	return sliceSource{s.in}.EachHourly(ctx, fn)
}

// TestSourceErrorFailsReport: a source that fails mid-way fails the report,
// which then leaves no manifest.
func TestSourceErrorFailsReport(t *testing.T) {
	in := synthInput(6, 3, 7*24*time.Hour, 1, false)
	for _, after := range []int{0, 3, -1} {
		bad := in
		bad.Source = failingSource{&in, after}
		dir := t.TempDir()
		err := WriteWith(context.Background(), dir, bad, WriteOptions{Previous: dir})
		if !errors.Is(err, errSourceBroke) {
			t.Errorf("after %d sites: err = %v, want the source's", after, err)
		}
		if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
			t.Errorf("after %d sites: a failed report left a manifest", after)
		}
	}
}

// TestCallerFiles: a caller's file is written into its folder, recorded in
// the manifest, linked from the previous report while its key holds,
// written again when the key changes or is empty; a name outside the
// report is refused.
func TestCallerFiles(t *testing.T) {
	ctx := context.Background()
	in := synthInput(3, 10, 7*24*time.Hour, 2, false)
	writes := map[string]int{}
	var mu sync.Mutex
	file := func(name, key, body string) File {
		return File{Name: name, Key: key, Write: func(path string) error {
			mu.Lock()
			writes[name]++
			mu.Unlock()
			return os.WriteFile(path, []byte(body), 0o644)
		}}
	}
	prev := ""
	for k, step := range []struct {
		key     string
		written map[string]int // total writes so far
	}{
		{"v1", map[string]int{"data/a.csv": 1, "data/b.csv": 1}},
		{"v1", map[string]int{"data/a.csv": 1, "data/b.csv": 2}},
		{"v2", map[string]int{"data/a.csv": 2, "data/b.csv": 3}},
	} {
		dir := filepath.Join(t.TempDir(), "r")
		files := []File{file("data/a.csv", step.key, "a "+step.key), file("data/b.csv", "", "b")}
		if err := WriteWith(ctx, dir, in, WriteOptions{Previous: prev, Files: files}); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(writes, step.written) {
			t.Errorf("step %d: writes %v, want %v", k, writes, step.written)
		}
		if got, err := os.ReadFile(filepath.Join(dir, "data", "a.csv")); err != nil || string(got) != "a "+step.key {
			t.Errorf("step %d: data/a.csv = %q, %v", k, got, err)
		}
		if m := readManifest(t, dir); m.Files[filepath.FromSlash("data/a.csv")] == "" {
			t.Errorf("step %d: data/a.csv not in the manifest", k)
		}
		prev = dir
	}
	for _, bad := range []string{"../x.csv", "/tmp/x.csv"} {
		err := WriteWith(ctx, t.TempDir(), in, WriteOptions{Files: []File{file(bad, "", "x")}})
		if err == nil {
			t.Errorf("file %q outside the report was accepted", bad)
		}
	}
}

// stampedSource is a BriefSource over an Input's slices, as the store is:
// a record's stamp names its assessments (here by their content), and a
// brief record's assessments carry only what egovbench.SiteRecord.Brief
// says. A lying one sends every record brief without asking.
type stampedSource struct {
	in    *Input
	lie   bool
	asked int
	full  []string
}

func (s *stampedSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	return sliceSource{s.in}.EachSite(ctx, func(r egovbench.SiteRecord) error {
		r.Stamp = stampOf(r)
		s.full = append(s.full, r.Target.ID)
		return fn(r)
	})
}

func (s *stampedSource) EachSiteBrief(ctx context.Context, detail func(egovbench.SiteRecord) bool, fn func(egovbench.SiteRecord) error) error {
	return sliceSource{s.in}.EachSite(ctx, func(r egovbench.SiteRecord) error {
		r.Stamp = stampOf(r)
		b := r
		b.Brief = true
		for _, a := range []**egovbench.Assessment{&b.Latest, &b.Previous} {
			if *a != nil {
				brief := *trimmed(*a, true)
				brief.Indicators = slices.Clone(brief.Indicators)
				*a = &brief
			}
		}
		if !s.lie {
			s.asked++
			if detail(b) {
				s.full = append(s.full, r.Target.ID)
				return fn(r)
			}
		}
		return fn(b)
	})
}

func (s *stampedSource) EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error {
	return sliceSource{s.in}.EachHourly(ctx, fn)
}

func stampOf(r egovbench.SiteRecord) string {
	b, err := json.Marshal([]*egovbench.Assessment{r.Latest, r.Previous})
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x", b)
}

// TestBriefSource: after a report, a BriefSource is asked about every site
// and reads in full only the one whose outages changed; the report is the
// one drawn from the slices but for the moment kept pages were drawn. A
// source that sends a record brief without asking fails the report.
func TestBriefSource(t *testing.T) {
	ctx := context.Background()
	in := synthInput(12, 10, 7*24*time.Hour, 2, false)
	dir := t.TempDir()
	first := in
	src := &stampedSource{in: &in}
	first.Source = src
	if err := WriteWith(ctx, dir, first, WriteOptions{Previous: dir}); err != nil {
		t.Fatal(err)
	}
	if src.asked != 0 || len(src.full) != len(in.Targets) {
		t.Errorf("first report: asked about %d sites, read %d in full; want 0 and all %d", src.asked, len(src.full), len(in.Targets))
	}
	next := in
	next.GeneratedAt = in.GeneratedAt.Add(time.Hour)
	next.Outages = append(slices.Clone(in.Outages), egovbench.Outage{TargetID: "site-004", Start: in.GeneratedAt.Add(-20 * time.Minute), Cause: egovbench.OutcomeTimeout})
	full := t.TempDir()
	if err := Write(ctx, full, next); err != nil {
		t.Fatal(err)
	}
	src = &stampedSource{in: &next}
	inc := next
	inc.Source = src
	incDir := filepath.Join(t.TempDir(), "next")
	if err := WriteWith(ctx, incDir, inc, WriteOptions{Previous: dir}); err != nil {
		t.Fatal(err)
	}
	if src.asked != len(in.Targets) || !slices.Equal(src.full, []string{"site-004"}) {
		t.Errorf("asked about %d sites, read %v in full; want all %d, and site-004", src.asked, src.full, len(in.Targets))
	}
	l := newLabels(in.Lang)
	stamp1, stamp2 := "Generated: "+l.DateTime(in.GeneratedAt.In(in.Location)), "Generated: "+l.DateTime(next.GeneratedAt.In(in.Location))
	want, got := readTree(t, full), readTree(t, incDir)
	delete(want, manifestName)
	delete(got, manifestName)
	if len(got) != len(want) {
		t.Errorf("%d files, a full report has %d", len(got), len(want))
	}
	for name, w := range want {
		if g := bytes.ReplaceAll(got[name], []byte(stamp1), []byte(stamp2)); !bytes.Equal(g, w) {
			t.Errorf("%s differs from a full report's", name)
		}
	}

	liar := inc
	liar.Source = &stampedSource{in: &next, lie: true}
	bad := t.TempDir()
	err := WriteWith(ctx, bad, liar, WriteOptions{Previous: incDir})
	if err == nil || !strings.Contains(err.Error(), "its page was not kept") {
		t.Errorf("a source sending records brief unasked: err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(bad, manifestName)); err == nil {
		t.Error("the failed report left a manifest")
	}
}

// TestStampWritersCover: every field of the types a site stamp writes in
// binary moves the stamp, so a field added to one of them cannot be left
// out of it unnoticed.
func TestStampWritersCover(t *testing.T) {
	written := func(f func(*stampWriter)) string {
		var b bytes.Buffer
		w := stampWriter{h: &b}
		f(&w)
		w.flush()
		return b.String()
	}
	for _, c := range []struct {
		v     any
		write func(*stampWriter, any)
	}{
		{egovbench.Rollup{}, func(w *stampWriter, v any) { w.rollup(v.(egovbench.Rollup)) }},
		{egovbench.StagePoint{}, func(w *stampWriter, v any) { w.stagePoint(v.(egovbench.StagePoint)) }},
		{egovbench.Outage{}, func(w *stampWriter, v any) { w.outage(v.(egovbench.Outage)) }},
	} {
		zero := written(func(w *stampWriter) { c.write(w, c.v) })
		typ := reflect.TypeOf(c.v)
		for i := range typ.NumField() {
			v := reflect.New(typ).Elem()
			f := v.Field(i)
			switch {
			case f.Type() == reflect.TypeOf(time.Time{}):
				f.Set(reflect.ValueOf(time.Unix(5, 7)))
			case f.Kind() == reflect.String:
				f.SetString("x")
			case f.CanInt():
				f.SetInt(3)
			case f.CanFloat():
				f.SetFloat(1.5)
			default:
				t.Fatalf("%s.%s: a field of kind %s; teach this test to set it", typ.Name(), typ.Field(i).Name, f.Kind())
			}
			if written(func(w *stampWriter) { c.write(w, v.Interface()) }) == zero {
				t.Errorf("%s.%s is not in the site stamp", typ.Name(), typ.Field(i).Name)
			}
		}
	}
}

// TestDamagedPreviousReport: a previous report whose manifest is cut short,
// or that lost a kept site's page or figure, costs the next report only
// drawing more: the sites whose files are gone are read in full and drawn,
// and the report is still the full one.
func TestDamagedPreviousReport(t *testing.T) {
	ctx := context.Background()
	in := synthInput(8, 6, 7*24*time.Hour, 2, false)
	next := in
	next.GeneratedAt = in.GeneratedAt.Add(time.Hour)
	full := t.TempDir()
	if err := Write(ctx, full, next); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, full)
	delete(want, manifestName)
	l := newLabels(in.Lang)
	stamp1, stamp2 := "Generated: "+l.DateTime(in.GeneratedAt.In(in.Location)), "Generated: "+l.DateTime(next.GeneratedAt.In(in.Location))
	for _, c := range []struct {
		name   string
		damage func(dir string) error
		read   []string // the sites read in full; nil: all
	}{
		{"manifest cut short", func(dir string) error {
			raw, err := os.ReadFile(filepath.Join(dir, manifestName))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, manifestName), raw[:len(raw)/2], 0o644)
		}, nil},
		{"a page lost", func(dir string) error { return os.Remove(filepath.Join(dir, "sites", "site-003.html")) }, []string{"site-003"}},
		{"a figure lost", func(dir string) error { return os.Remove(filepath.Join(dir, "charts", "site-site-005.png")) }, []string{"site-005"}},
	} {
		prev := t.TempDir()
		first := in
		first.Source = &stampedSource{in: &in}
		if err := Write(ctx, prev, first); err != nil {
			t.Fatal(err)
		}
		if err := c.damage(prev); err != nil {
			t.Fatal(err)
		}
		src := &stampedSource{in: &next}
		again := next
		again.Source = src
		dir := filepath.Join(t.TempDir(), "next")
		if err := WriteWith(ctx, dir, again, WriteOptions{Previous: prev}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		wantRead := c.read
		if wantRead == nil {
			for _, tg := range in.Targets {
				wantRead = append(wantRead, tg.ID)
			}
		}
		if !slices.Equal(src.full, wantRead) {
			t.Errorf("%s: read %v in full, want %v", c.name, src.full, wantRead)
		}
		got := readTree(t, dir)
		delete(got, manifestName)
		if len(got) != len(want) {
			t.Errorf("%s: %d files, a full report has %d", c.name, len(got), len(want))
		}
		for name, w := range want {
			if g := bytes.ReplaceAll(got[name], []byte(stamp1), []byte(stamp2)); !bytes.Equal(g, w) {
				t.Errorf("%s: %s differs from a full report's", c.name, name)
			}
		}
	}
}
