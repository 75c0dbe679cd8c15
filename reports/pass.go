package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/egovbench/egovbench"
)

// A report is written in one pass over the sites: each site's record comes
// from a Source, its page and figure are handed to the writers at once, and
// only a small summary of it stays for the pages about all sites (index,
// rankings, changes) and the charts of totals. So memory does not grow with
// a site's history, and a 20,000-site report does not hold 20,000 years of
// daily rollups at once.

// Source streams a report's per-site data. cmd/egovbench reads it from the
// store one page of targets at a time; an Input without a Source is served
// from its own slices.
type Source interface {
	// EachSite calls fn once per target. Records of targets absent from
	// Input.Targets, and second records of a target, are ignored.
	EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error
	// EachHourly calls fn with every hourly rollup of the hour-of-day profile.
	EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error
}

// A BriefSource is a Source that can read a record brief (see
// egovbench.SiteRecord.Brief) and stamp its assessments (Stamp). An
// incremental report reads through EachSiteBrief, which asks detail of each
// record, complete but for the assessments' details, whether the site's
// page must be drawn; only records it says so of come in full. Keeping the
// others' pages unread spares the report reading every site's evidence.
type BriefSource interface {
	Source
	EachSiteBrief(ctx context.Context, detail func(egovbench.SiteRecord) bool, fn func(egovbench.SiteRecord) error) error
}

// sliceSource serves an Input's slices (Latest, Previous, History, Daily,
// Outages, Hourly) as a Source, in Targets order.
type sliceSource struct{ in *Input }

func (s sliceSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	in := s.in
	idx := make(map[string]int, len(in.Targets))
	recs := make([]egovbench.SiteRecord, 0, len(in.Targets))
	for _, t := range in.Targets {
		if _, dup := idx[t.ID]; dup {
			continue
		}
		idx[t.ID] = len(recs)
		r := egovbench.SiteRecord{Target: t}
		if a, ok := in.Latest[t.ID]; ok {
			r.Latest = &a
		}
		if a, ok := in.Previous[t.ID]; ok {
			r.Previous = &a
		}
		recs = append(recs, r)
	}
	for _, p := range in.History {
		if i, ok := idx[p.TargetID]; ok {
			recs[i].History = append(recs[i].History, p)
		}
	}
	for _, ro := range in.Daily {
		if i, ok := idx[ro.TargetID]; ok {
			recs[i].Daily = append(recs[i].Daily, ro)
		}
	}
	for _, o := range in.Outages {
		if i, ok := idx[o.TargetID]; ok {
			recs[i].Outages = append(recs[i].Outages, o)
		}
	}
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s sliceSource) EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error {
	for _, r := range s.in.Hourly {
		if err := fn(r); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// dayAccum accumulates rollups by UTC day, growing as days arrive.
type dayAccum struct {
	first int64 // Unix day of days[0]
	days  []dayAgg
	// perDay, when set, is the most rollups a day can get (one per site):
	// a day's quantile lists are made that long at once rather than grown
	// by doubling, which over 20,000 sites copied each day's lists a dozen
	// times and left twice their size in garbage.
	perDay int
}

func unixDay(t time.Time) int64 { return int64(math.Floor(float64(t.Unix()) / 86400)) }

func (a *dayAccum) add(r egovbench.Rollup, keepQuantiles bool) {
	d := unixDay(r.Start)
	switch {
	case len(a.days) == 0:
		a.first = d
		a.days = make([]dayAgg, 1, 400)
	case d < a.first:
		a.days = append(make([]dayAgg, a.first-d, int64(len(a.days))+a.first-d), a.days...)
		a.first = d
	case d >= a.first+int64(len(a.days)):
		a.days = append(a.days, make([]dayAgg, d-a.first-int64(len(a.days))+1)...)
	}
	day := &a.days[d-a.first]
	if keepQuantiles && a.perDay > 0 && day.p50s == nil {
		day.p50s, day.p95s = make([]float64, 0, a.perDay), make([]float64, 0, a.perDay)
	}
	day.add(r, keepQuantiles)
}

func (a *dayAccum) firstDay() time.Time { return time.Unix(a.first*86400, 0).UTC() }

// siteSum is what the pages about all sites need of one site, kept after
// its own page is written.
type siteSum struct {
	lastChange string
	change     changeBody
	newOutages []outageBody // outages that started after the previous assessment
	up30       uptimeWindow
	ongoing    bool // an outage that had begun by GeneratedAt has not ended
}

// sitePage is one site's page and figure, ready to write. A page kept
// from the previous report has no view.
type sitePage struct {
	view   *siteBody
	chart  string // the figure's file name under charts/; "" for none
	trend  timeSeries
	uptime uptimeSeries
}

// trimmed keeps of an assessment what the pages about all sites read:
// stage, score, reachability, time, and which indicators were met.
func trimmed(a *egovbench.Assessment, keepMet bool) *egovbench.Assessment {
	if a == nil {
		return nil
	}
	t := *a
	t.Frameworks, t.CriterionScores, t.NextSteps, t.DeadServices, t.Indicators = nil, nil, nil, nil, nil
	if keepMet {
		for _, r := range a.Indicators {
			if r.Met {
				t.Indicators = append(t.Indicators, egovbench.IndicatorResult{ID: r.ID, Met: true})
			}
		}
	}
	return &t
}

// pageIn is what a site's page and figure are drawn from besides its
// assessments: its own stage history and outages, and series and windows
// computed from its history and daily rollups.
type pageIn struct {
	target             egovbench.Target // as the report's targets give it
	history            []egovbench.StagePoint
	outages            []egovbench.Outage
	trend              timeSeries
	uptime             uptimeSeries
	weekly             uptimeWindow // the four complete weeks before weeksTo
	weeksFrom, weeksTo time.Time
}

// pageInputs is called only for records of the report's targets.
func (r *report) pageInputs(rec egovbench.SiteRecord) pageIn {
	id := rec.Target.ID
	in := pageIn{target: r.m.sites[r.m.byID[id]].t, weeksTo: weekStart(r.in.GeneratedAt)}
	in.weeksFrom = in.weeksTo.AddDate(0, 0, -28)
	for _, p := range rec.History {
		if p.TargetID == id {
			in.history = append(in.history, p)
		}
	}
	for _, o := range rec.Outages {
		if o.TargetID == id {
			in.outages = append(in.outages, o)
		}
	}
	var weeks dayAgg
	for _, ro := range rec.Daily {
		if ro.TargetID == id && !ro.Start.Before(in.weeksFrom) && ro.Start.Before(in.weeksTo) {
			weeks.add(ro, false)
		}
	}
	in.weekly = uptimeWindow{Check: weeks.checkUptime() / 100, Time: weeks.timeUptime() / 100}
	in.trend = siteTrend(site{t: in.target}, in.history)
	in.uptime = r.m.siteWeekly(rec.Daily, id, r.in.GeneratedAt)
	return in
}

// siteStamp keys a site's page by what it is drawn from, without the parts
// of its assessments a brief record leaves out: the record's Stamp stands
// for those. "" when the record has no stamp (or the report keeps nothing).
// Everything the page and its figure show must be in it: their keys are
// taken from the previous report whenever this is unchanged. The weekly
// series and windows are functions of the daily rollups before the week
// the report falls in, so those rollups go in rather than the series.
func (r *report) siteStamp(rec egovbench.SiteRecord) string {
	if rec.Stamp == "" || r.inc == nil {
		return ""
	}
	id := rec.Target.ID
	var settings []string
	if rec.Latest != nil && rec.Previous != nil {
		settings = r.m.settingsDiff(rec.Previous, rec.Latest)
	}
	weeksTo := weekStart(r.in.GeneratedAt)
	return r.inc.keyWith("site", []any{r.slug[id], r.m.sites[r.m.byID[id]].t, rec.Stamp, trimmed(rec.Latest, true),
		trimmed(rec.Previous, true), settings, weeksTo, r.asOf, r.settings, r.changesTitle, r.in.DataDir, r.in.DataFiles},
		func(w *stampWriter) {
			for _, p := range rec.History {
				if p.TargetID == id {
					w.stagePoint(p)
				}
			}
			w.mark()
			for _, o := range rec.Outages {
				if o.TargetID == id {
					w.outage(o)
				}
			}
			w.mark()
			for _, ro := range rec.Daily {
				if ro.TargetID == id && ro.Start.Before(weeksTo) {
					w.rollup(ro)
				}
			}
		})
}

// keepUnchanged is a brief pass's Detail (see BriefSource): it takes a
// site's page and figure from the previous report when the site's stamp is
// what it was there, and says whether the page must be drawn, which needs
// the record in full. It runs on the source's goroutine, beside addSite.
func (r *report) keepUnchanged(rec egovbench.SiteRecord) bool {
	inc := r.inc
	if _, ok := r.m.byID[rec.Target.ID]; !ok || !inc.claim(rec.Target.ID) {
		return true
	}
	slug := r.slug[rec.Target.ID]
	prev, ok := inc.prevSites[slug]
	if !ok || prev.Stamp != r.siteStamp(rec) {
		return true
	}
	files := []string{sitePageName(slug)}
	if prev.Figure {
		files = append(files, "charts/"+siteChartName(slug))
	}
	for _, name := range files {
		key := inc.prev[name]
		if !inc.keep(name, key) {
			return true
		}
		inc.record(name, key, true)
	}
	inc.keptBrief(rec.Target.ID, prev)
	return false
}

// addSite takes one site's record: it updates the totals and returns the
// site's page, or nil when the record is not about a target of the report.
// The page and figure of a brief record were kept by keepUnchanged (its
// page is nil), and what the pages about all sites need of its view is
// taken from the previous report's manifest.
func (r *report) addSite(rec egovbench.SiteRecord) (*sitePage, error) {
	m := r.m
	i, ok := m.byID[rec.Target.ID]
	if !ok || r.seen[i] {
		return nil, nil
	}
	r.seen[i] = true
	// The page is built from the full record; the model keeps trimmed copies.
	full := site{t: m.sites[i].t, latest: rec.Latest, prev: rec.Previous}
	m.sites[i].latest, m.sites[i].prev = trimmed(rec.Latest, true), trimmed(rec.Previous, false)
	for _, p := range rec.History {
		if p.TargetID == full.t.ID {
			r.points = append(r.points, p)
		}
	}

	ri := r.regionIdx[full.t.Region]
	from30 := r.in.GeneratedAt.Add(-30 * 24 * time.Hour).Truncate(24 * time.Hour)
	var site30 dayAgg
	for _, ro := range rec.Daily {
		if ro.TargetID != full.t.ID {
			continue
		}
		r.overall.add(ro, true)
		r.regionDays[ri].add(ro, false)
		if !ro.Start.Before(from30) && !ro.Start.After(r.in.GeneratedAt) {
			site30.add(ro, false)
			r.all30.add(ro, false)
			r.region30[ri].add(ro, false)
		}
	}
	sum := &r.sums[i]
	sum.up30 = uptimeWindow{Check: site30.checkUptime() / 100, Time: site30.timeUptime() / 100}

	for _, o := range rec.Outages {
		if o.TargetID == full.t.ID && o.End.IsZero() && !o.Start.After(r.in.GeneratedAt) {
			sum.ongoing = true
		}
	}
	slug := r.slug[full.t.ID]
	if rec.Brief {
		prev, ok := r.inc.briefEntry(full.t.ID)
		if !ok {
			return nil, fmt.Errorf("site %s: the source left its assessments out, but its page was not kept", full.t.ID)
		}
		sum.lastChange, sum.change, sum.newOutages = prev.LastChange, prev.Change, prev.NewOutages
		r.inc.recordSite(slug, prev)
		return nil, nil
	}
	stamp := r.siteStamp(rec)
	pin := r.pageInputs(rec)
	pg := &sitePage{trend: pin.trend, uptime: pin.uptime}
	if siteHistoryHasData(pin.trend, pin.uptime) && siteChartSays(pin.trend, pin.uptime) {
		pg.chart = siteChartName(slug)
	}
	stages := make([]stageAt, 0, len(pin.history))
	for _, p := range pin.history {
		stages = append(stages, stageAt{p.At, p.Stage, p.Score})
	}
	pg.view = r.siteView(&full, stages, pin.outages, pin.trend, pin.uptime, pin.weekly, pin.weeksFrom, pin.weeksTo)
	sum.lastChange = pg.view.LastChange
	sum.change = pg.view.Change
	for _, o := range pg.view.Outages {
		if o.StartedAfter {
			sum.newOutages = append(sum.newOutages, o)
		}
	}
	if stamp != "" {
		r.inc.recordSite(slug, siteEntry{Stamp: stamp, LastChange: sum.lastChange, Change: sum.change, NewOutages: sum.newOutages,
			Figure: pg.chart != ""})
	}
	return pg, nil
}

// siteTrend is a site's score at each of its assessments, in time order;
// "not assessed" and unusable scores are gaps.
func siteTrend(s site, pts []egovbench.StagePoint) timeSeries {
	own := make([]egovbench.StagePoint, 0, len(pts))
	for _, p := range pts {
		if p.TargetID == s.t.ID {
			own = append(own, p)
		}
	}
	slices.SortStableFunc(own, func(a, b egovbench.StagePoint) int { return a.At.Compare(b.At) })
	at := make([]time.Time, len(own))
	vals := make([]float64, len(own))
	for k, p := range own {
		at[k], vals[k] = p.At, math.NaN()
		if p.Stage != egovbench.StageNone && finite(p.Score) {
			vals[k] = clamp(p.Score, 0, 100)
		}
	}
	return timeSeries{Key: s.t.ID, Label: siteLabel(s.t), Segments: segments(at, vals)}
}

// weekStart is the Monday 00:00 UTC that starts t's week.
func weekStart(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// siteWeekly is a site's availability and response time by complete UTC
// week (Monday to Sunday) before end. A site's page shows weeks rather than
// days: a year of weeks reads better than 365 noisy points, and a page then
// changes when a week ends or something happens (an outage, a crawl) rather
// than with every probe, so an incremental report can keep it. A week's p50
// and p95 are the medians of its days' own estimates (the typical day).
func (m *model) siteWeekly(daily []egovbench.Rollup, id string, end time.Time) uptimeSeries {
	last := weekStart(end) // the current, incomplete week starts here
	var weeks []time.Time
	var aggs []dayAgg
	idx := map[int64]int{}
	for _, ro := range daily {
		if ro.TargetID != id {
			continue
		}
		w := weekStart(ro.Start)
		if !w.Before(last) {
			continue
		}
		k, ok := idx[w.Unix()]
		if !ok {
			k = len(weeks)
			idx[w.Unix()] = k
			weeks = append(weeks, w)
			aggs = append(aggs, dayAgg{})
		}
		aggs[k].add(ro, true)
	}
	order := make([]int, len(weeks))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return weeks[a].Compare(weeks[b]) })
	series := func(key, label string, f func(*dayAgg) float64) timeSeries {
		var at []time.Time
		var vals []float64
		for n, k := range order {
			// A week without any rollup between two weeks with some is a gap.
			if n > 0 && weeks[k].Sub(weeks[order[n-1]]) > 7*24*time.Hour {
				at, vals = append(at, weeks[order[n-1]].AddDate(0, 0, 7)), append(vals, math.NaN())
			}
			at, vals = append(at, weeks[k]), append(vals, f(&aggs[k]))
		}
		return timeSeries{Key: key, Label: label, Segments: segments(at, vals)}
	}
	med := func(v func(*dayAgg) []float64) func(*dayAgg) float64 {
		return func(a *dayAgg) float64 { return median(slices.Clone(v(a))) }
	}
	return uptimeSeries{
		Check:   []timeSeries{series("check", m.l.T("s_checks"), (*dayAgg).checkUptime)},
		Time:    []timeSeries{series("time", m.l.T("s_time"), (*dayAgg).timeUptime)},
		Latency: []timeSeries{series("p50", m.l.T("s_p50"), med((*dayAgg).p50Values)), series("p95", m.l.T("s_p95"), med((*dayAgg).p95Values))},
	}
}

// siteChartSays reports whether a site's figure shows something its text
// does not: a score that moved (or was interrupted), or a week that was not
// fully available. A steady, always-available site gets a sentence instead
// of a figure; drawing 20,000 flat lines would cost minutes and say nothing.
func siteChartSays(trend timeSeries, u uptimeSeries) bool {
	if len(trend.Segments) > 1 {
		return true
	}
	for _, seg := range trend.Segments {
		for _, p := range seg {
			if p.V != seg[0].V {
				return true
			}
		}
	}
	for _, s := range []timeSeries{u.Check[0], u.Time[0]} {
		if len(s.Segments) > 1 {
			return true
		}
		for _, seg := range s.Segments {
			for _, p := range seg {
				if p.V < 100 {
					return true
				}
			}
		}
	}
	return false
}

// addUnseen adds an empty record for every target the source said nothing
// about, so that every site the index links to has a page.
func (r *report) addUnseen() ([]*sitePage, error) {
	var out []*sitePage
	for i := range r.m.sites {
		if !r.seen[i] {
			pg, err := r.addSite(egovbench.SiteRecord{Target: r.m.sites[i].t})
			if err != nil {
				return nil, err
			}
			out = append(out, pg)
		}
	}
	return out, nil
}
