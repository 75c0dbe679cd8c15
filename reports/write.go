package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"embed"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/egovbench/egovbench"
)

//go:embed templates/*.html templates/style.css
var assets embed.FS

// parseTemplates builds the page templates. It is called per Write rather
// than held in a package variable: parsing takes well under a millisecond,
// and the set's fragments then live as long as the Write.
func parseTemplates() (*template.Template, error) {
	var t *template.Template
	frags := &fragments{}
	t, err := template.New("").Funcs(template.FuncMap{
		"href":     safeHref,
		"clip":     func(s string) string { return clip(s, clipText) },
		"clipname": func(s string) string { return clip(s, clipName) },
		"clipurl":  func(s string) string { return clip(s, clipURL) },
		"fragment": func(name string, data any) (template.HTML, error) { return frags.render(t, name, data) },
	}).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return t, nil
}

// fragments holds the output of templates that many pages repeat byte for
// byte (`{{fragment "name" data}}`): each is executed once per distinct
// data, which must be a comparable value that the output depends on alone,
// and then inserted as is. A 20,000-site report repeats each checklist line
// on thousands of pages, and executing a line costs far more than copying
// it. The output is what the template renders where it starts (text between
// tags), so a fragment belongs only there; and as distinct data grows the
// set, it is for values few in a report (an indicator met or not).
type fragments struct{ m sync.Map }

type fragmentKey struct {
	name string
	data any
}

func (f *fragments) render(t *template.Template, name string, data any) (template.HTML, error) {
	k := fragmentKey{name, data}
	if h, ok := f.m.Load(k); ok {
		return h.(template.HTML), nil
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	h, _ := f.m.LoadOrStore(k, template.HTML(b.String()))
	return h.(template.HTML), nil
}

// WriteOptions tune Write.
type WriteOptions struct {
	// Previous is the folder of the last complete report (it may be dir
	// itself). A page or chart whose inputs are the same as when that report
	// drew it (by the manifest there) is taken from it, hard-linked or
	// copied, instead of being drawn again. Empty: draw everything.
	Previous string
	// Files are files the caller adds to the report (the data tables beside
	// the charts), written by the same pool and under the same manifest:
	// one whose Key is unchanged since Previous is taken from there.
	Files []File
}

// File is a file a caller adds to the report.
type File struct {
	// Name is the file's slash-separated path inside the report.
	Name string
	// Key stands for everything the file is made from; "" writes it always.
	Key string
	// Write writes the file at path (its folder exists).
	Write func(path string) error
}

// Write renders the report into dir: index.html, ranking-N.html when the
// ranking is longer than a page, changes.html, methodology.html,
// sites/<slug>.html per target, charts/*.png, style.css, favicon.png and
// manifest.json. Site records come from in.Source (or in's slices) one at
// a time; pages and charts are drawn on GOMAXPROCS workers as they come,
// through a bounded queue, so memory stays bounded. Existing files of an
// earlier report are overwritten.
func Write(ctx context.Context, dir string, in Input) error {
	return WriteWith(ctx, dir, in, WriteOptions{})
}

// WriteWith is Write with options.
func WriteWith(ctx context.Context, dir string, in Input, opt WriteOptions) (err error) {
	if err := in.validate(); err != nil {
		return err
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return err
	}
	for _, sub := range []string{"charts", "sites"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("create report dir: %w", err)
		}
	}
	css, err := fs.ReadFile(assets, "templates/style.css")
	if err != nil {
		return fmt.Errorf("read stylesheet: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "style.css"), css, 0o644); err != nil {
		return fmt.Errorf("write stylesheet: %w", err)
	}
	if err := writeFavicon(filepath.Join(dir, "favicon.png")); err != nil {
		return err
	}
	inc, err := newIncremental(dir, opt.Previous, &in)
	if err != nil {
		return err
	}
	src := in.Source
	if src == nil {
		src = sliceSource{&in}
	}
	r := newReport(&in)
	r.inc = inc
	p := newPool(ctx, dir, inc)
	defer func() {
		if werr := p.wait(); err == nil {
			err = werr
		}
		if err == nil {
			err = inc.save()
		}
	}()
	for _, f := range opt.Files {
		name := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("report file %q is not inside the report", f.Name)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			return fmt.Errorf("create report dir: %w", err)
		}
		key := ""
		if f.Key != "" {
			key = inc.key("file", f.Name, f.Key)
		}
		// Submitted first: the data tables are the longest jobs, and the
		// pages stream in behind them.
		if err := p.submit(job{name: name, key: key, draw: f.Write}); err != nil {
			return err
		}
	}
	site := func(pg *sitePage) error {
		if pg == nil {
			return nil
		}
		if pg.view != nil {
			pf := r.sitePageFile(pg.view)
			// The page's own stamp says when it was drawn; a page kept from an
			// earlier report keeps its stamp, so it is left out of the key. The
			// rest of the frame (data as of, crawl settings, baseline) is in.
			key := inc.key("page", pg.view, r.asOf, r.settings, r.changesTitle)
			if err := p.submit(job{name: pf.file, key: key, draw: func(path string) error { return execPage(tmpl, pf, path) }}); err != nil {
				return err
			}
		}
		if pg.chart != "" {
			j := r.siteChartJob(pg)
			return p.submit(job{name: j.name, key: inc.key("chart", pg.trend, pg.uptime), draw: j.draw})
		}
		return nil
	}
	// The hour-of-day profile is read beside the pass over the sites: it
	// shares nothing with it, and read after it, it was a tenth of an
	// incremental report. The report does not return while it reads.
	hctx, stopHourly := context.WithCancel(ctx)
	hourlyDone := make(chan struct{})
	var hourlyErr error
	go func() {
		defer close(hourlyDone)
		hourlyErr = src.EachHourly(hctx, func(ro egovbench.Rollup) error { r.m.addHourly(&r.hourAggs, ro); return nil })
	}()
	defer func() {
		stopHourly()
		<-hourlyDone
	}()
	each := src.EachSite
	if bs, ok := src.(BriefSource); ok && inc.canKeepUnread() {
		each = func(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
			return bs.EachSiteBrief(ctx, r.keepUnchanged, fn)
		}
	}
	addSite := func(rec egovbench.SiteRecord) error {
		pg, err := r.addSite(rec)
		if err != nil {
			return err
		}
		return site(pg)
	}
	if err := eachSitePipelined(ctx, each, addSite); err != nil {
		return fmt.Errorf("sites: %w", err)
	}
	unseen, err := r.addUnseen()
	if err != nil {
		return err
	}
	for _, pg := range unseen {
		if err := site(pg); err != nil {
			return err
		}
	}
	<-hourlyDone
	if hourlyErr != nil {
		return fmt.Errorf("hourly rollups: %w", hourlyErr)
	}
	r.finish()
	for _, j := range r.globalChartJobs() {
		if err := p.submit(job{name: j.name, draw: j.draw}); err != nil {
			return err
		}
	}
	for _, pg := range r.pages() {
		if err := p.submit(job{name: pg.file, draw: func(path string) error { return execPage(tmpl, pg, path) }}); err != nil {
			return err
		}
	}
	return nil
}

// readAhead is how many site records the reader holds ready at most. A
// record with a year of daily rollups (365 of about 140 bytes) and two full
// assessments is some 75 KB, so they stay near 10 MB.
const readAhead = 128

// eachSitePipelined reads the source on its own goroutine, up to readAhead
// records ahead of fn: reading the store and building a site's page then
// overlap, which is most of the time of a report that keeps most of its
// files, and the reader keeps going while fn waits for the pool's queue
// (see pool), so that both have records to hand when the workers speed up.
func eachSitePipelined(ctx context.Context, each func(context.Context, func(egovbench.SiteRecord) error) error, fn func(egovbench.SiteRecord) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	recs := make(chan egovbench.SiteRecord, readAhead)
	read := make(chan error, 1)
	go func() {
		defer close(recs)
		read <- each(ctx, func(r egovbench.SiteRecord) error {
			select {
			case recs <- r:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	for r := range recs {
		if err := fn(r); err != nil {
			cancel()
			for range recs { // let the reader see the cancellation and finish
			}
			<-read
			return err
		}
	}
	return <-read
}

// writeFavicon draws the report's icon: four rising bars in the stage
// colours. Without one, browsers ask for /favicon.ico and log a 404.
func writeFavicon(path string) error {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			c := color.RGBA{0xff, 0xff, 0xff, 0xff}
			if bar := x / 8; x%8 < 7 && y >= 32-8*(bar+1) {
				c = stageColors[bar+1]
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := encodePNG(&buf, img, nil); err != nil {
		return fmt.Errorf("encode favicon: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write favicon: %w", err)
	}
	return nil
}

// execPage writes one HTML page.
func execPage(t *template.Template, pg pageFile, path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create page: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close page: %w", cerr)
		}
	}()
	bw := pageWriters.Get().(*bufio.Writer)
	bw.Reset(f)
	defer func() {
		bw.Reset(nil) // drops what a failed page left unwritten; the pool keeps no file
		pageWriters.Put(bw)
	}()
	if err := renderPage(bw, t, pg); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	return nil
}

// pageWriters buffer pages on their way to their files. A site page is some
// 30-60 KB: with bufio's default 4 KB it took a write system call per 4 KB
// (15,171 writes for 2,000 pages of BenchmarkPages/site-files, by strace),
// with 64 KB one for most pages (2,014); pooled, so that 20,000 pages do
// not allocate 20,000 buffers.
var pageWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// renderPage executes a page's template into w.
func renderPage(w io.Writer, t *template.Template, pg pageFile) error {
	if err := t.ExecuteTemplate(w, pg.tmpl, pg.data); err != nil {
		return fmt.Errorf("render page %s: %w", pg.file, err)
	}
	return nil
}

// chartJobs lists every PNG of the report with the function that draws it
// (site figures only of the sites build kept).
func (r *report) chartJobs() []chartJob {
	jobs := r.globalChartJobs()
	for _, pg := range r.sitePages {
		if pg.view.HistoryChart != "" {
			jobs = append(jobs, r.siteChartJob(pg))
		}
	}
	return jobs
}

// siteChartJob draws a site's figure.
func (r *report) siteChartJob(pg *sitePage) chartJob {
	return chartJob{"charts/" + pg.chart, func(p string) error { return drawSiteHistory(r.l, r.m, pg.trend, pg.uptime, p) }}
}

// globalChartJobs lists the charts about all sites.
func (r *report) globalChartJobs() []chartJob {
	l, m := r.l, r.m
	jobs := []chartJob{
		{"charts/stage-distribution.png", func(p string) error { return drawStageDistribution(l, r.dist, p) }},
		{"charts/maturity-trend.png", func(p string) error {
			tr, title := r.trend, l.T("ch_trend")
			tr.Regions, title = largestRegions(l, r, tr.Regions, title)
			return drawTrend(l, m, tr, p, title, true)
		}},
		{"charts/ranking.png", func(p string) error { return drawRanking(l, rankingChart(r.rank), p) }},
		{"charts/uptime-daily.png", func(p string) error {
			u := r.uptime
			return drawUptime(l, m, l.T("ch_uptime"), []timeSeries{u.Check[0], u.Time[0]}, twoStyles(), p, chartW, chartH)
		}},
		{"charts/uptime-regions.png", func(p string) error {
			series, title := leastAvailable(l, r.uptimeRegions, l.T("ch_uptime_regions"))
			styles := make([]draw.LineStyle, len(series))
			for i := range styles {
				styles[i] = lineStyle(i, vg.Points(1.4))
			}
			return drawUptime(l, m, title, series, styles, p, chartW, chartH)
		}},
		{"charts/uptime-regions-time.png", func(p string) error {
			series, title := leastAvailable(l, r.uptimeRegionsT, l.T("ch_uptime_regions_t"))
			styles := make([]draw.LineStyle, len(series))
			for i := range styles {
				styles[i] = lineStyle(i, vg.Points(1.4))
			}
			return drawUptime(l, m, title, series, styles, p, chartW, chartH)
		}},
		{"charts/latency-daily.png", func(p string) error {
			return drawLatency(l, m, l.T("ch_latency"), r.uptime.Latency, p, chartW, chartH)
		}},
		{"charts/hour-availability.png", func(p string) error {
			return drawHeat(l, r.hours, &r.hours.Availability, l.T("ch_hour_avail"), false, func(v float64) string { return l.Num(v, 0) }, "%", p)
		}},
		{"charts/hour-latency.png", func(p string) error {
			return drawHeat(l, r.hours, &r.hours.LatencyMS, l.T("ch_hour_latency"), true, func(v float64) string { return l.Num(v, 0) }, l.T("unit_ms"), p)
		}},
		{"charts/transitions.png", func(p string) error { return drawTransitions(l, r.transitions, r.baseline, p) }},
	}
	for _, cc := range r.coverageCharts() {
		jobs = append(jobs, chartJob{"charts/" + cc.file, func(p string) error { return drawCoverage(l, r.coverage, cc.group, cc.title, p) }})
	}
	return jobs
}

// maxRegionLines is how many region lines a chart draws before it becomes a
// tangle; beyond it a chart shows that many and says where the rest are.
const maxRegionLines = 8

// leastAvailable keeps the maxRegionLines regions with the lowest mean
// daily availability (the ones a reader should look at), in their order,
// and says so in the title; every region stays in the region summary table.
func leastAvailable(l *labels, series []timeSeries, title string) ([]timeSeries, string) {
	if len(series) <= maxRegionLines {
		return series, title
	}
	type ranked struct {
		i    int
		mean float64
	}
	rs := make([]ranked, len(series))
	for i, s := range series {
		sum, n := 0.0, 0
		for _, seg := range s.Segments {
			for _, p := range seg {
				sum += p.V
				n++
			}
		}
		rs[i] = ranked{i, math.Inf(1)}
		if n > 0 {
			rs[i].mean = sum / float64(n)
		}
	}
	slices.SortStableFunc(rs, func(a, b ranked) int { return cmp.Compare(a.mean, b.mean) })
	keep := make([]bool, len(series))
	for _, x := range rs[:maxRegionLines] {
		keep[x.i] = true
	}
	var out []timeSeries
	for i, s := range series {
		if keep[i] {
			out = append(out, s)
		}
	}
	return out, title + " — " + fmt.Sprintf(l.T("ch_top_regions"), maxRegionLines, len(series))
}

// largestRegions keeps the median lines of the maxRegionLines regions with
// the most sites (series are indexed like m.regions) and says so in the
// title; every region stays in the region summary table.
func largestRegions(l *labels, r *report, series []timeSeries, title string) ([]timeSeries, string) {
	if len(series) <= maxRegionLines || len(r.dist.Groups) != len(series)+1 {
		return series, title
	}
	idx := make([]int, len(series))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(r.dist.Groups[b+1].Total, r.dist.Groups[a+1].Total) })
	keep := idx[:maxRegionLines]
	slices.Sort(keep)
	out := make([]timeSeries, 0, maxRegionLines)
	for _, i := range keep {
		out = append(out, series[i])
	}
	return out, title + " — " + fmt.Sprintf(l.T("ch_top_regions_sites"), maxRegionLines, len(series))
}

// coverageChart is one of the small multiples of the indicator coverage:
// the indicators of one criterion (group indexes r.coverage.Groups, -1 for
// the single "no data" chart of a report without coverage).
type coverageChart struct {
	file, title string
	group       int
}

func (r *report) coverageCharts() []coverageChart {
	l := r.l
	if r.coverage.Assessed == 0 || len(r.coverage.Groups) == 0 {
		return []coverageChart{{"indicator-coverage.png", l.T("ch_coverage"), -1}}
	}
	out := make([]coverageChart, len(r.coverage.Groups))
	for i, g := range r.coverage.Groups {
		out[i] = coverageChart{fmt.Sprintf("indicator-coverage-%d.png", i+1), l.T("ch_coverage") + ": " + g.Label, i}
	}
	return out
}

// twoStyles tells check-count (solid) from time-weighted (dashed) uptime by
// dash as well as colour, for greyscale print.
func twoStyles() []draw.LineStyle {
	a := lineStyle(0, vg.Points(1.8))
	b := lineStyle(1, vg.Points(1.8))
	b.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	return []draw.LineStyle{a, b}
}
