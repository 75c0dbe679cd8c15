package reports

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/egovbench/egovbench"
)

// The chart data below is computed by pure functions of the Input, kept
// apart from drawing so it can be golden-tested as JSON and reused by the
// HTML tables.

// allStages lists every stage including "not assessed", lowest first: the
// stacking order of the distribution chart.
var allStages = []egovbench.Stage{
	egovbench.StageNone, egovbench.StagePresence, egovbench.StageInteraction,
	egovbench.StageIntegration, egovbench.StageTransaction,
}

// timeValue is one point of a time series.
type timeValue struct {
	At time.Time `json:"at"`
	V  float64   `json:"v"`
}

// timeSeries is a named time series split into segments: a gap between
// segments is a period without data, which charts must not bridge.
type timeSeries struct {
	Key      string        `json:"key"`
	Label    string        `json:"label"`
	Segments [][]timeValue `json:"segments"`
}

// empty reports whether the series has no point at all.
func (s timeSeries) empty() bool {
	for _, seg := range s.Segments {
		if len(seg) > 0 {
			return false
		}
	}
	return true
}

// stageGroup counts sites per stage within one group (all sites or a region).
type stageGroup struct {
	Label  string `json:"label"`
	Counts []int  `json:"counts"` // parallel to stageDistData.Stages
	Total  int    `json:"total"`
	// NotMeasured counts the sites left out of Counts because their latest
	// run did not observe them (unreachable or blocked): counted beside
	// the distribution, never as stage none.
	NotMeasured int `json:"not_measured,omitempty"`
}

// stageDistData is the data of the stacked stage distribution chart.
type stageDistData struct {
	Stages []egovbench.Stage `json:"stages"`
	Groups []stageGroup      `json:"groups"` // all sites first, then regions by name
}

// site bundles what several computations need about one target.
type site struct {
	t      egovbench.Target
	latest *egovbench.Assessment
	prev   *egovbench.Assessment
}

// model is the Input indexed once; every chart and page reads from it.
type model struct {
	in      *Input
	l       *labels
	loc     *time.Location
	sites   []site         // in Targets order
	byID    map[string]int // index into sites
	regions []string       // distinct regions, sorted (empty region last)
	indByID map[string]egovbench.Indicator
}

func newModel(in *Input) *model {
	m := &model{in: in, l: newLabels(in.Lang), loc: in.location(), byID: make(map[string]int, len(in.Targets))}
	seen := map[string]bool{}
	for _, t := range in.Targets {
		if _, dup := m.byID[t.ID]; dup {
			continue // a duplicated id would give two pages one file; the first wins
		}
		s := site{t: t}
		if a, ok := in.Latest[t.ID]; ok {
			s.latest = &a
		}
		if a, ok := in.Previous[t.ID]; ok {
			s.prev = &a
		}
		m.byID[t.ID] = len(m.sites)
		m.sites = append(m.sites, s)
		if !seen[t.Region] {
			seen[t.Region] = true
			m.regions = append(m.regions, t.Region)
		}
	}
	slices.SortFunc(m.regions, func(a, b string) int {
		// Sites without a region go last so named regions lead.
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a, b)
	})
	m.indByID = make(map[string]egovbench.Indicator, len(in.Indicators))
	for _, ind := range in.Indicators {
		m.indByID[ind.ID] = ind
	}
	return m
}

// siteLabel is the name shown for a site: its name, else its id.
func siteLabel(t egovbench.Target) string {
	if t.Name != "" {
		return t.Name
	}
	return t.ID
}

// measured reports whether the site's latest run observed it: an
// unreachable or blocked site has no stage, score or rank for that run.
func (s *site) measured() bool { return s.latest != nil && s.latest.Status.Measured() }

// unmeasured reports whether the site was assessed but its latest run
// could not observe it.
func (s *site) unmeasured() bool { return s.latest != nil && !s.latest.Status.Measured() }

// latestStage is the stage shown for a site; never assessed counts as none.
func (s *site) latestStage() egovbench.Stage {
	if s.latest == nil {
		return egovbench.StageNone
	}
	return s.latest.Stage
}

func (m *model) stageDistribution() stageDistData {
	d := stageDistData{Stages: allStages}
	idx := map[string]int{}
	d.Groups = append(d.Groups, stageGroup{Label: m.l.T("all_sites"), Counts: make([]int, len(allStages))})
	for _, r := range m.regions {
		idx[r] = len(d.Groups)
		d.Groups = append(d.Groups, stageGroup{Label: m.l.Region(r), Counts: make([]int, len(allStages))})
	}
	for i := range m.sites {
		s := &m.sites[i]
		st := stageIndex(s.latestStage())
		for _, g := range []int{0, idx[s.t.Region]} {
			if s.unmeasured() {
				d.Groups[g].NotMeasured++
				continue
			}
			d.Groups[g].Counts[st]++
			d.Groups[g].Total++
		}
	}
	return d
}

// stageIndex maps a stage to its position in allStages, folding invalid
// values into "not assessed" so hostile data cannot index out of range.
func stageIndex(s egovbench.Stage) int {
	if s < egovbench.StageNone || s > egovbench.StageTransaction {
		return 0
	}
	return int(s)
}

// runSlot is one run of the history with the time charts place it at.
type runSlot struct {
	id int64
	at time.Time
}

// trendData is the data of the maturity-over-time chart.
type trendData struct {
	Sites   []timeSeries `json:"sites"`
	Regions []timeSeries `json:"regions"` // median score per region and run
}

// history indexes the StagePoints by run and site: scores[site][run] is NaN
// where the site has no assessed point in that run.
type history struct {
	runs   []runSlot
	scores [][]float64
}

func (m *model) history() history {
	first := map[int64]time.Time{}
	for _, p := range m.in.History {
		if at, ok := first[p.RunID]; !ok || p.At.Before(at) {
			first[p.RunID] = p.At
		}
	}
	h := history{runs: make([]runSlot, 0, len(first))}
	for id, at := range first {
		h.runs = append(h.runs, runSlot{id, at})
	}
	slices.SortFunc(h.runs, func(a, b runSlot) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	runIdx := make(map[int64]int, len(h.runs))
	for i, r := range h.runs {
		runIdx[r.id] = i
	}
	h.scores = make([][]float64, len(m.sites))
	backing := make([]float64, len(m.sites)*len(h.runs))
	for i := range backing {
		backing[i] = math.NaN()
	}
	for i := range h.scores {
		h.scores[i] = backing[i*len(h.runs) : (i+1)*len(h.runs)]
	}
	for _, p := range m.in.History {
		si, ok := m.byID[p.TargetID]
		// StageNone means nothing could be assessed; its score is not a
		// measurement, so it is a gap rather than a drop to zero.
		if !ok || p.Stage == egovbench.StageNone || !finite(p.Score) {
			continue
		}
		h.scores[si][runIdx[p.RunID]] = clamp(p.Score, 0, 100)
	}
	return h
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// segments splits values on NaN into runs of consecutive points.
func segments(at []time.Time, vals []float64) [][]timeValue {
	var out [][]timeValue
	var cur []timeValue
	for i, v := range vals {
		if math.IsNaN(v) {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, timeValue{At: at[i], V: v})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func (m *model) trend(h history) trendData {
	at := make([]time.Time, len(h.runs))
	for i, r := range h.runs {
		at[i] = r.at
	}
	var tr trendData
	tr.Sites = make([]timeSeries, 0, len(m.sites))
	for i := range m.sites {
		tr.Sites = append(tr.Sites, timeSeries{Key: m.sites[i].t.ID, Label: siteLabel(m.sites[i].t), Segments: segments(at, h.scores[i])})
	}
	for _, r := range m.regions {
		med := make([]float64, len(h.runs))
		buf := make([]float64, 0, len(m.sites))
		for j := range h.runs {
			buf = buf[:0]
			for i := range m.sites {
				if m.sites[i].t.Region == r && !math.IsNaN(h.scores[i][j]) {
					buf = append(buf, h.scores[i][j])
				}
			}
			med[j] = median(buf)
		}
		tr.Regions = append(tr.Regions, timeSeries{Key: r, Label: m.l.Region(r), Segments: segments(at, med)})
	}
	return tr
}

// median returns the median of v (reordering it), NaN when v is empty.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// rankRow is one site in the ranking.
type rankRow struct {
	Rank     int             `json:"rank"`
	TargetID string          `json:"target_id"`
	Label    string          `json:"label"`
	Region   string          `json:"region"`
	Stage    egovbench.Stage `json:"stage"`
	Score    float64         `json:"score"`
}

// rankingData is the data of the ranking chart: the rows drawn, and how many
// sites were left out when there were too many to draw legibly.
type rankingData struct {
	Total   int       `json:"total"`
	Omitted int       `json:"omitted"`
	Rows    []rankRow `json:"rows"`
}

// rankingChartMax is how many bars stay legible on a slide; beyond it the
// chart shows the top and bottom halves and says so in its title.
const rankingChartMax = 40

// ranking ranks every assessed site by score, then stage, then name; equal
// scores and stages share a rank (1, 2, 2, 4).
func (m *model) ranking() []rankRow {
	var rows []rankRow
	for i := range m.sites {
		s := &m.sites[i]
		if !s.measured() {
			continue // nothing observed is no score, and no last place
		}
		score := s.latest.Score
		if !finite(score) {
			score = 0
		}
		rows = append(rows, rankRow{TargetID: s.t.ID, Label: siteLabel(s.t), Region: s.t.Region, Stage: s.latest.Stage, Score: clamp(score, 0, 100)})
	}
	slices.SortStableFunc(rows, func(a, b rankRow) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Stage, a.Stage); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return cmp.Compare(a.TargetID, b.TargetID)
	})
	for i := range rows {
		rows[i].Rank = i + 1
		if i > 0 && rows[i].Score == rows[i-1].Score && rows[i].Stage == rows[i-1].Stage {
			rows[i].Rank = rows[i-1].Rank
		}
	}
	return rows
}

func rankingChart(rows []rankRow) rankingData {
	r := rankingData{Total: len(rows)}
	if len(rows) <= rankingChartMax {
		r.Rows = rows
		return r
	}
	half := rankingChartMax / 2
	r.Rows = append(append([]rankRow{}, rows[:half]...), rows[len(rows)-half:]...)
	r.Omitted = len(rows) - rankingChartMax
	return r
}

// coverageItem is the share of assessed sites meeting one indicator.
type coverageItem struct {
	ID    string  `json:"id"`
	Label string  `json:"label"`
	Met   int     `json:"met"`
	Share float64 `json:"share"` // 0-1
}

// coverageGroup is one criterion's indicators.
type coverageGroup struct {
	Criterion egovbench.Criterion `json:"criterion"`
	Label     string              `json:"label"`
	Items     []coverageItem      `json:"items"`
}

// coverageData is the data of the indicator coverage chart, over the sites that
// were reachable at their latest assessment.
type coverageData struct {
	Assessed int             `json:"assessed"`
	Groups   []coverageGroup `json:"groups"`
}

func (m *model) coverage() coverageData {
	var c coverageData
	met := map[string]int{}
	for i := range m.sites {
		a := m.sites[i].latest
		if a == nil || !a.Reachable || !m.sites[i].measured() {
			continue
		}
		c.Assessed++
		seen := map[string]bool{}
		for _, r := range a.Indicators {
			if r.Met && !seen[r.ID] {
				seen[r.ID] = true
				met[r.ID]++
			}
		}
	}
	crits := slices.Clone(egovbench.Criteria)
	for _, ind := range m.in.Indicators {
		if !slices.Contains(crits, ind.Criterion) {
			crits = append(crits, ind.Criterion) // unknown criteria still show, after the known ones
		}
	}
	for _, cr := range crits {
		g := coverageGroup{Criterion: cr, Label: m.l.Criterion(cr)}
		for _, ind := range m.in.Indicators {
			if ind.Criterion != cr {
				continue
			}
			it := coverageItem{ID: ind.ID, Label: m.l.Indicator(ind), Met: met[ind.ID]}
			if c.Assessed > 0 {
				it.Share = float64(it.Met) / float64(c.Assessed)
			}
			g.Items = append(g.Items, it)
		}
		if len(g.Items) > 0 {
			c.Groups = append(c.Groups, g)
		}
	}
	return c
}

// uptimeSeries is the data of an uptime chart: check-count and time-weighted
// daily availability (0-100) and daily latency (ms) of one group of sites.
type uptimeSeries struct {
	Check   []timeSeries `json:"check"`
	Time    []timeSeries `json:"time"`
	Latency []timeSeries `json:"latency"` // p50, then p95
}

// dayAgg accumulates rollups of one day (or hour) across sites.
type dayAgg struct {
	checks, ok, up, down int64 // checks and successes exclude blocked probes
	latSum               time.Duration
	latN                 int64
	// p50s and p95s hold each rollup's own quantile estimates (ms): quantiles
	// do not add, so a group's figure is a statistic over these.
	p50s, p95s []float64
}

func (a *dayAgg) add(r egovbench.Rollup, keepQuantiles bool) {
	n := r.Checks - r.Blocked
	if n > 0 && r.Successes >= 0 && r.Successes <= n {
		a.checks += int64(n)
		a.ok += int64(r.Successes)
	}
	if r.UpTime >= 0 && r.DownTime >= 0 {
		a.up += int64(r.UpTime)
		a.down += int64(r.DownTime)
	}
	if r.Successes > 0 && r.LatencySum > 0 {
		a.latSum += r.LatencySum
		a.latN += int64(r.Successes)
		if keepQuantiles && r.LatencyP50 > 0 {
			a.p50s = append(a.p50s, ms(r.LatencyP50))
		}
		if keepQuantiles && r.LatencyP95 > 0 {
			a.p95s = append(a.p95s, ms(r.LatencyP95))
		}
	}
}

func (a *dayAgg) checkUptime() float64 {
	if a.checks == 0 {
		return math.NaN()
	}
	return 100 * float64(a.ok) / float64(a.checks)
}

func (a *dayAgg) timeUptime() float64 {
	if a.up+a.down == 0 {
		return math.NaN()
	}
	return 100 * float64(a.up) / float64(a.up+a.down)
}

func (a *dayAgg) meanLatency() float64 {
	if a.latN == 0 {
		return math.NaN()
	}
	return ms(a.latSum) / float64(a.latN)
}

func (a *dayAgg) p50Values() []float64 { return a.p50s }
func (a *dayAgg) p95Values() []float64 { return a.p95s }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// dailyGroups aggregates the daily rollups into one dayAccum per group;
// group(targetID) returns the group index or -1 to skip.
func dailyGroups(rs []egovbench.Rollup, ngroups int, group func(string) int, keepQuantiles bool) []dayAccum {
	aggs := make([]dayAccum, ngroups)
	for _, r := range rs {
		if g := group(r.TargetID); g >= 0 {
			aggs[g].add(r, keepQuantiles)
		}
	}
	return aggs
}

func daySeries(key, label string, first time.Time, days []dayAgg, f func(*dayAgg) float64) timeSeries {
	at := make([]time.Time, len(days))
	vals := make([]float64, len(days))
	for i := range days {
		at[i] = first.Add(time.Duration(i) * 24 * time.Hour)
		vals[i] = f(&days[i])
	}
	return timeSeries{Key: key, Label: label, Segments: segments(at, vals)}
}

// uptimeOverall is the all-sites uptime and latency chart data. A day's
// p50 and p95 are the medians over sites of each site's own daily p50 and
// p95: the typical site, which one slow or very busy site cannot drag.
func (m *model) uptimeOverall() uptimeSeries {
	aggs := dailyGroups(m.in.Daily, 1, func(id string) int {
		if _, ok := m.byID[id]; ok {
			return 0
		}
		return -1
	}, true)
	return m.uptimeOverallFrom(&aggs[0])
}

func (m *model) uptimeOverallFrom(a *dayAccum) uptimeSeries {
	return m.uptimeData(a.firstDay(), a.days, m.l.T("s_p50_median"), m.l.T("s_p95_median"),
		func(a *dayAgg) float64 { return median(a.p50s) }, func(a *dayAgg) float64 { return median(a.p95s) })
}

func (m *model) uptimeData(first time.Time, days []dayAgg, p50Label, p95Label string, p50, p95 func(*dayAgg) float64) uptimeSeries {
	return uptimeSeries{
		Check:   []timeSeries{daySeries("check", m.l.T("s_checks"), first, days, (*dayAgg).checkUptime)},
		Time:    []timeSeries{daySeries("time", m.l.T("s_time"), first, days, (*dayAgg).timeUptime)},
		Latency: []timeSeries{daySeries("p50", p50Label, first, days, p50), daySeries("p95", p95Label, first, days, p95)},
	}
}

// uptimeRegionsFrom is daily availability per region, check-count and
// time-weighted, from accumulated days (one accumulator per region).
func (m *model) uptimeRegionsFrom(aggs []dayAccum) (check, timeW []timeSeries) {
	check = make([]timeSeries, len(m.regions))
	timeW = make([]timeSeries, len(m.regions))
	for i, r := range m.regions {
		check[i] = daySeries(r, m.l.Region(r), aggs[i].firstDay(), aggs[i].days, (*dayAgg).checkUptime)
		timeW[i] = daySeries(r, m.l.Region(r), aggs[i].firstDay(), aggs[i].days, (*dayAgg).timeUptime)
	}
	return check, timeW
}

// uptimeSites is per-site figure data (by complete week, see siteWeekly),
// indexed like m.sites.
func (m *model) uptimeSites() []uptimeSeries {
	out := make([]uptimeSeries, len(m.sites))
	for i := range m.sites {
		out[i] = m.siteWeekly(m.in.Daily, m.sites[i].t.ID, m.in.GeneratedAt)
	}
	return out
}

// hourProfileData is availability and mean latency by local weekday (rows,
// Monday first) and hour (columns); nil cells had no counted probe. The heat
// map keeps the mean: a cell pools many hours of many sites, and the mean of
// the pooled probes is exact, where a median of hourly medians would not be
// the median of those probes.
type hourProfileData struct {
	Zone         string          `json:"zone"`
	Weekdays     []string        `json:"weekdays"`
	Availability [7][24]*float64 `json:"availability"` // percent
	LatencyMS    [7][24]*float64 `json:"latency_ms"`
}

// weekdayRow maps Go's Sunday-first weekdays to Monday-first rows.
func weekdayRow(d time.Weekday) int { return (int(d) + 6) % 7 }

func (m *model) hourProfile() hourProfileData {
	var aggs [7][24]dayAgg
	for _, r := range m.in.Hourly {
		m.addHourly(&aggs, r)
	}
	return m.hourProfileFrom(&aggs)
}

// addHourly adds an hourly rollup to its local weekday and hour.
func (m *model) addHourly(aggs *[7][24]dayAgg, r egovbench.Rollup) {
	if _, ok := m.byID[r.TargetID]; !ok {
		return
	}
	t := r.Start.In(m.loc)
	aggs[weekdayRow(t.Weekday())][t.Hour()].add(r, false)
}

func (m *model) hourProfileFrom(aggs *[7][24]dayAgg) hourProfileData {
	hp := hourProfileData{Zone: m.loc.String()}
	for d := 0; d < 7; d++ {
		hp.Weekdays = append(hp.Weekdays, m.l.Weekday(time.Weekday((d+1)%7)))
		for h := 0; h < 24; h++ {
			if v := aggs[d][h].checkUptime(); !math.IsNaN(v) {
				hp.Availability[d][h] = &v
			}
			if v := aggs[d][h].meanLatency(); !math.IsNaN(v) {
				hp.LatencyMS[d][h] = &v
			}
		}
	}
	return hp
}

// stageMove is one site whose stage changed between the last two runs.
type stageMove struct {
	TargetID  string          `json:"target_id"`
	Label     string          `json:"label"`
	From      egovbench.Stage `json:"from"`
	To        egovbench.Stage `json:"to"`
	ScoreFrom float64         `json:"score_from"`
	ScoreTo   float64         `json:"score_to"`
}

// transitionsData is the data of the stage transition chart: Matrix counts
// sites by stage at the previous run (row) and at the last run (column).
type transitionsData struct {
	Stages   []egovbench.Stage `json:"stages"`
	Matrix   [5][5]int         `json:"matrix"`
	Compared int               `json:"compared"`
	Up       []stageMove       `json:"up"`
	Down     []stageMove       `json:"down"`
}

func (m *model) transitions() transitionsData {
	tr := transitionsData{Stages: allStages}
	for i := range m.sites {
		s := &m.sites[i]
		if !s.measured() || s.prev == nil || !s.prev.Status.Measured() {
			continue // a move is judged between two measured runs only
		}
		if len(m.settingsDiff(s.prev, s.latest)) > 0 {
			continue // our settings changed between the two: not the site's move
		}
		from, to := stageIndex(s.prev.Stage), stageIndex(s.latest.Stage)
		tr.Matrix[from][to]++
		tr.Compared++
		mv := stageMove{TargetID: s.t.ID, Label: siteLabel(s.t), From: egovbench.Stage(from), To: egovbench.Stage(to), ScoreFrom: s.prev.Score, ScoreTo: s.latest.Score}
		switch {
		case to > from:
			tr.Up = append(tr.Up, mv)
		case to < from:
			tr.Down = append(tr.Down, mv)
		}
	}
	return tr
}
