package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// report holds the computed data and the page views of one Write. Per-site
// data passes through addSite; what stays is a summary per site.
type report struct {
	in             *Input // the caller's settings; its per-site slices are read only by sliceSource
	m              *model
	l              *labels
	inc            *incremental // nil: nothing kept from an earlier report
	slug           map[string]string
	seen           []bool // sites whose record has been added
	regionIdx      map[string]int
	points         []egovbench.StagePoint // every site's stage history
	overall        dayAccum               // all sites, by day, with quantiles
	regionDays     []dayAccum             // per region, by day
	all30          dayAgg                 // all sites, the last 30 days
	region30       []dayAgg               // per region, the last 30 days
	hourAggs       [7][24]dayAgg
	sums           []siteSum
	stages         [][]stageAt // per site, from the stage history (finish)
	dist           stageDistData
	hist           history
	trend          trendData
	rank           []rankRow
	coverage       coverageData
	uptime         uptimeSeries
	uptimeRegions  []timeSeries // check-count
	uptimeRegionsT []timeSeries // time-weighted
	hours          hourProfileData
	transitions    transitionsData
	asOf, settings string
	// baseline names the baseline of the changes the reader chose, "" for
	// the run before the latest; changesTitle heads every list of changes.
	baseline, changesTitle string
	rankedRows             int
	// Kept by build (tests, benchmarks): every site's page, by site index.
	siteViews  []*siteBody
	siteUptime []uptimeSeries
	sitePages  []*sitePage
}

// uptimeWindow is availability over the 30 days before GeneratedAt.
type uptimeWindow struct {
	Check, Time float64 // 0-1, NaN without data
}

// newReport prepares a report over in's targets; sites are added with
// addSite and the totals computed by finish.
func newReport(in *Input) *report {
	// The model reads Latest, Previous and History from its own input,
	// which addSite and finish fill with trimmed copies.
	min := *in
	min.Latest, min.Previous, min.History, min.Daily, min.Hourly, min.Outages = nil, nil, nil, nil, nil, nil
	m := newModel(&min)
	r := &report{in: in, m: m, l: m.l, seen: make([]bool, len(m.sites)), sums: make([]siteSum, len(m.sites))}
	ids := make([]string, len(m.sites))
	for i := range m.sites {
		ids[i] = m.sites[i].t.ID
	}
	r.slug = slugs(ids)
	r.regionIdx = make(map[string]int, len(m.regions))
	for i, reg := range m.regions {
		r.regionIdx[reg] = i
	}
	r.overall.perDay = len(m.sites)
	r.regionDays = make([]dayAccum, len(m.regions))
	r.region30 = make([]dayAgg, len(m.regions))
	for i := range r.sums {
		r.sums[i].up30 = uptimeWindow{math.NaN(), math.NaN()}
		r.sums[i].lastChange = r.l.T("no_change")
	}
	// Site pages list indicators by criterion in the coverage chart's order.
	r.coverage = m.coverage()
	// Every page's frame names the data's date, the crawl settings and the
	// baseline of changes; they depend on no site's record but the latest
	// assessments, which the store reads first (LatestRun, the targets).
	r.asOf, r.settings = r.asOfText(), r.settingsText()
	r.baseline = r.baselineText()
	r.changesTitle = r.l.T("title_changes")
	if r.baseline != "" {
		r.changesTitle = fmt.Sprintf(r.l.T("title_changes_since"), r.baseline)
	}
	return r
}

// finish computes the totals once every site has been added.
func (r *report) finish() {
	m := r.m
	m.in.History = r.points
	r.stages = make([][]stageAt, len(m.sites))
	for _, p := range r.points {
		if si, ok := m.byID[p.TargetID]; ok {
			r.stages[si] = append(r.stages[si], stageAt{p.At, p.Stage, p.Score})
		}
	}
	r.dist = m.stageDistribution()
	r.hist = m.history()
	r.trend = m.trend(r.hist)
	r.rank = m.ranking()
	r.coverage = m.coverage()
	r.uptime = m.uptimeOverallFrom(&r.overall)
	r.uptimeRegions, r.uptimeRegionsT = m.uptimeRegionsFrom(r.regionDays)
	r.hours = m.hourProfileFrom(&r.hourAggs)
	r.transitions = m.transitions()
}

// build runs the whole pass over in's slices and keeps every site's page:
// what tests and benchmarks inspect.
func build(in *Input) *report {
	r := newReport(in)
	r.siteViews = make([]*siteBody, len(r.m.sites))
	r.siteUptime = make([]uptimeSeries, len(r.m.sites))
	keep := func(pg *sitePage) {
		i := r.m.byID[pg.view.ID]
		r.siteViews[i], r.siteUptime[i] = pg.view, pg.uptime
		r.sitePages = append(r.sitePages, pg)
	}
	// The slices' records are never brief, and addSite fails only on a
	// brief record whose page was not kept.
	_ = sliceSource{in}.EachSite(context.Background(), func(rec egovbench.SiteRecord) error {
		pg, err := r.addSite(rec)
		if pg != nil {
			keep(pg)
		}
		return err
	})
	_ = sliceSource{in}.EachHourly(context.Background(), func(ro egovbench.Rollup) error {
		r.m.addHourly(&r.hourAggs, ro)
		return nil
	})
	unseen, _ := r.addUnseen()
	for _, pg := range unseen {
		keep(pg)
	}
	r.finish()
	return r
}

// uptime30 sums each site's daily rollups of the 30 days before GeneratedAt.
func (m *model) uptime30() []uptimeWindow {
	from := m.in.GeneratedAt.Add(-30 * 24 * time.Hour)
	aggs := make([]dayAgg, len(m.sites))
	for _, ro := range m.in.Daily {
		si, ok := m.byID[ro.TargetID]
		if !ok || ro.Start.Before(from.Truncate(24*time.Hour)) || ro.Start.After(m.in.GeneratedAt) {
			continue
		}
		aggs[si].add(ro, false)
	}
	out := make([]uptimeWindow, len(m.sites))
	for i := range aggs {
		out[i] = uptimeWindow{Check: aggs[i].checkUptime() / 100, Time: aggs[i].timeUptime() / 100}
	}
	return out
}

// pageFile is one HTML file to render.
type pageFile struct {
	file string
	tmpl string
	data *pageData
}

// pageData is what every template receives: the frame (language, labels,
// navigation, paths) and the page's own view in Body.
type pageData struct {
	Lang      string
	L         *labels
	Title     string
	Root      string // "" for top-level pages, "../" for site pages
	Nav       string
	Generated string
	Zone      string
	Catalogue string
	// AsOf is when the newest assessment's pages were crawled, with its run;
	// Settings is the newest crawl's configuration, in words.
	AsOf     string
	Settings string
	// Changes heads the lists of changes (since the previous run, or since
	// the baseline the reader chose).
	Changes string
	Body    any
}

// pageFrame is the part of a page's frame that does not name the page: the
// same on every page with the same root and navigation, so the templates
// insert it as a fragment (see fragments). It must stay comparable.
type pageFrame struct {
	L                                                 *labels
	Lang, Root, Nav, Generated, Zone, Catalogue, AsOf string
	Settings                                          string
}

// Frame is the page's frame but its title.
func (p *pageData) Frame() pageFrame {
	return pageFrame{L: p.L, Lang: p.Lang, Root: p.Root, Nav: p.Nav, Generated: p.Generated, Zone: p.Zone,
		Catalogue: p.Catalogue, AsOf: p.AsOf, Settings: p.Settings}
}

func (r *report) frame(title, root, nav string, body any) *pageData {
	return &pageData{
		Lang: r.l.lang, L: r.l, Title: title, Root: root, Nav: nav,
		Generated: r.l.DateTime(r.in.GeneratedAt.In(r.m.loc)), Zone: r.m.loc.String(),
		Catalogue: r.in.CatalogueVersion, AsOf: r.asOf, Settings: r.settings, Changes: r.changesTitle, Body: body,
	}
}

// pages lists the pages about all sites (and, after build, the site pages).
func (r *report) pages() []pageFile {
	idx := r.indexView()
	out := []pageFile{
		{"index.html", "index", r.frame(r.l.T("title"), "", "index", idx)},
		{"changes.html", "changes", r.frame(r.changesTitle, "", "changes", r.changesView())},
		{"methodology.html", "methodology", r.frame(r.l.T("title_methodology"), "", "methodology", r.methodologyView())},
	}
	for k, rows := range r.rankingPages(idx.allRanks) {
		if k == 0 {
			continue // the first page is on the index
		}
		body := rankingBody{Page: k + 1, Pages: len(idx.Ranking.Pages), Table: r.rankingTable(rows, k, len(idx.Ranking.Pages))}
		out = append(out, pageFile{rankingFile(k), "ranking", r.frame(r.l.T("ranking")+" "+itoa(k+1), "", "", body)})
	}
	for _, pg := range r.sitePages {
		out = append(out, r.sitePageFile(pg.view))
	}
	return out
}

func (r *report) sitePageFile(sv *siteBody) pageFile {
	return pageFile{sitePageName(sv.Slug), "site", r.frame(clip(sv.Name, 120), "../", "", sv)}
}

// sitePageName is the file of the site page with that slug.
func sitePageName(slug string) string { return "sites/" + slug + ".html" }

// siteChartName is the file name, under charts/, of a site's figure.
func siteChartName(slug string) string { return "site-" + slug + ".png" }

// rankPageSize is how many rows one ranking page lists: a 20,000-row table
// is a 10 MB page that a phone cannot open.
const rankPageSize = 500

// rankingFile names the k-th (0-based) ranking page; the first is the index.
func rankingFile(k int) string {
	if k == 0 {
		return "index.html"
	}
	return "ranking-" + itoa(k+1) + ".html"
}

// rankingPages splits the ranking into pages of rankPageSize rows.
func (r *report) rankingPages(rows []rankView) [][]rankView {
	var out [][]rankView
	for lo := 0; lo < len(rows) || lo == 0; lo += rankPageSize {
		out = append(out, rows[lo:min(len(rows), lo+rankPageSize)])
	}
	return out
}

// rankingTable is one page of the ranking with links to the others.
type rankingTable struct {
	L     *labels
	Rows  []rankView
	Pages []pageLink // empty when the ranking fits on one page
}

// pageLink is one entry of a pager.
type pageLink struct {
	Href, Label string
	Current     bool
}

// rankingBody is the body of ranking-N.html.
type rankingBody struct {
	Page, Pages int
	Table       rankingTable
}

func (r *report) rankingTable(rows []rankView, k, pages int) rankingTable {
	t := rankingTable{L: r.l, Rows: rows}
	if pages > 1 {
		for p := range pages {
			href := rankingFile(p)
			if p == 0 {
				href += "#h-ranking"
			}
			t.Pages = append(t.Pages, pageLink{Href: href, Label: itoa(p*rankPageSize+1) + "–" + itoa(min((p+1)*rankPageSize, r.rankedRows)), Current: p == k})
		}
	}
	return t
}

// chartRef is one chart shown on a page; NoData charts are drawn as an
// explicit "no data" image and also say so in text.
type chartRef struct {
	File, Title, Alt string
	Data             []dataLink
}

// dataLink is a CSV table a chart is drawn from.
type dataLink struct {
	Href, Name string
}

// chartTables names, per chart file, the export tables it is drawn from.
var chartTables = map[string][]string{
	"stage-distribution.png":  {"latest"},
	"ranking.png":             {"latest"},
	"maturity-trend.png":      {"history"},
	"transitions.png":         {"history"},
	"indicator-coverage.png":  {"indicators"},
	"uptime-daily.png":        {"uptime"},
	"uptime-regions.png":      {"uptime"},
	"uptime-regions-time.png": {"uptime"},
	"latency-daily.png":       {"uptime"},
	"hour-availability.png":   {"hourly"},
	"hour-latency.png":        {"hourly"},
	"site":                    {"history", "uptime", "outages"},
}

// dataLinks returns the CSV links of a chart; root is "" or "../".
func (r *report) dataLinks(chart, root string) []dataLink {
	if r.in.DataDir == "" {
		return nil
	}
	var out []dataLink
	if strings.HasPrefix(chart, "indicator-coverage") {
		chart = "indicator-coverage.png"
	}
	for _, t := range chartTables[chart] {
		file := t + ".csv"
		if f, ok := r.in.DataFiles[t]; ok {
			file = f
		}
		out = append(out, dataLink{Href: root + strings.TrimSuffix(r.in.DataDir, "/") + "/" + file, Name: file})
	}
	return out
}

// stageBadge is a stage with its display name and CSS class.
type stageBadge struct {
	Name  string
	Class string
}

func (r *report) stageCell(s egovbench.Stage) stageBadge {
	return stageBadge{Name: r.l.Stage(s), Class: "st" + string(rune('0'+stageIndex(s)))}
}

// rankView is a row of the ranking table.
type rankView struct {
	Rank       string
	Name, Href string
	Region     string
	Stage      stageBadge
	Score      string
	Uptime     string
	LastChange string
}

// regionView is a row of the region summary.
type regionView struct {
	Name        string
	Sites       int
	NotMeasured int
	Counts      []int
	MedianScore string
	Uptime      string
}

// indexBody is the body of index.html.
type indexBody struct {
	Sites, Assessed, Reachable int
	NotMeasured                int // latest run did not observe them: out of the figures below
	// ProberDegraded says how many probe rounds of the last 30 days were
	// not recorded because the prober's own network failed; "" when none.
	ProberDegraded string
	MedianScore    string
	Uptime         string
	StageHeads     []stageBadge
	StageCounts    []int
	Summary        []summaryLine
	Charts         []chartRef
	Ranking        rankingTable // the first page
	Regions        []regionView
	allRanks       []rankView
}

func (r *report) indexView() indexBody {
	l, m := r.l, r.m
	v := indexBody{Sites: len(m.sites), Summary: r.summaryView(r.summary())}
	var scores []float64
	v.Uptime = l.Pct(r.all30.checkUptime()/100, 1)
	if n := len(r.in.DegradedRounds); n > 0 {
		last := r.in.DegradedRounds[n-1].At
		v.ProberDegraded = fmt.Sprintf(l.T("prober_degraded_text"), n, l.DateTime(last.In(m.loc)))
	}
	for i := range m.sites {
		if a := m.sites[i].latest; a != nil {
			if a.Reachable {
				v.Reachable++
			}
			if !m.sites[i].measured() {
				v.NotMeasured++
			} else if a.Stage != egovbench.StageNone {
				v.Assessed++
				scores = append(scores, clamp(a.Score, 0, 100))
			}
		}
	}
	v.MedianScore = l.Num(median(scores), 1)
	for _, st := range allStages {
		v.StageHeads = append(v.StageHeads, r.stageCell(st))
	}
	v.StageCounts = r.dist.Groups[0].Counts
	for _, c := range [][3]string{
		{"stage-distribution.png", "ch_stage_dist", "ch_stage_dist_alt"},
		{"ranking.png", "ch_ranking", "ch_ranking_alt"},
		{"maturity-trend.png", "ch_trend", "ch_trend_alt"},
		{"transitions.png", "ch_transitions", "ch_transitions_alt"},
		{"indicator-coverage.png", "ch_coverage", "ch_coverage_alt"},
		{"uptime-daily.png", "ch_uptime", "ch_uptime_alt"},
		{"uptime-regions.png", "ch_uptime_regions", "ch_uptime_regions_alt"},
		{"uptime-regions-time.png", "ch_uptime_regions_t", "ch_uptime_regions_t_alt"},
		{"latency-daily.png", "ch_latency", "ch_latency_alt"},
		{"hour-availability.png", "ch_hour_avail", "ch_hour_avail_alt"},
		{"hour-latency.png", "ch_hour_latency", "ch_hour_latency_alt"},
	} {
		title := l.T(c[1])
		if c[0] == "transitions.png" && r.baseline != "" {
			title = fmt.Sprintf(l.T("ch_transitions_since"), r.baseline)
		}
		if c[0] == "indicator-coverage.png" {
			// Small multiples: one chart per criterion, so that seventy
			// indicators stay legible on a phone.
			for _, cc := range r.coverageCharts() {
				v.Charts = append(v.Charts, chartRef{File: "charts/" + cc.file, Title: cc.title, Alt: l.T(c[2]), Data: r.dataLinks(c[0], "")})
			}
			continue
		}
		v.Charts = append(v.Charts, chartRef{File: "charts/" + c[0], Title: title, Alt: l.T(c[2]), Data: r.dataLinks(c[0], "")})
	}
	ranked := make([]bool, len(m.sites))
	for _, row := range r.rank {
		si := m.byID[row.TargetID]
		ranked[si] = true
		v.allRanks = append(v.allRanks, rankView{
			Rank: itoa(row.Rank), Name: row.Label, Href: "sites/" + r.slug[row.TargetID] + ".html",
			Region: l.Region(row.Region), Stage: r.stageCell(row.Stage), Score: l.Num(row.Score, 1),
			Uptime: l.Pct(r.sums[si].up30.Check, 1), LastChange: r.sums[si].lastChange,
		})
	}
	for i := range m.sites {
		t := m.sites[i].t
		if ranked[i] {
			continue
		}
		stage := r.stageCell(egovbench.StageNone)
		if m.sites[i].unmeasured() {
			stage = stageBadge{Name: r.statusText(m.sites[i].latest), Class: "st0"}
		}
		v.allRanks = append(v.allRanks, rankView{
			Rank: "–", Name: siteLabel(t), Href: "sites/" + r.slug[t.ID] + ".html", Region: l.Region(t.Region),
			Stage: stage, Score: "–", Uptime: l.Pct(r.sums[i].up30.Check, 1), LastChange: r.sums[i].lastChange,
		})
	}
	r.rankedRows = len(v.allRanks)
	pages := r.rankingPages(v.allRanks)
	v.Ranking = r.rankingTable(pages[0], 0, len(pages))
	regionScores := make([][]float64, len(m.regions))
	for i := range m.sites {
		if a := m.sites[i].latest; a != nil && m.sites[i].measured() && a.Stage != egovbench.StageNone {
			ri := r.regionIdx[m.sites[i].t.Region]
			regionScores[ri] = append(regionScores[ri], clamp(a.Score, 0, 100))
		}
	}
	for gi := range m.regions {
		g := r.dist.Groups[gi+1]
		v.Regions = append(v.Regions, regionView{Name: g.Label, Sites: g.Total, Counts: g.Counts, NotMeasured: g.NotMeasured,
			MedianScore: l.Num(median(regionScores[gi]), 1), Uptime: l.Pct(r.region30[gi].checkUptime()/100, 1)})
	}
	return v
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	p := len(b)
	for ; i > 0; i /= 10 {
		p--
		b[p] = byte('0' + i%10)
	}
	if neg {
		p--
		b[p] = '-'
	}
	return string(b[p:])
}

// linkView is a URL from a website: Href is empty unless it is safe to link.
type linkView struct {
	Href, Text string
}

func link(u string) linkView { return linkView{Href: safeHref(u), Text: u} }

// evidenceView is one piece of evidence.
type evidenceView struct {
	Page    linkView
	Element string
	Text    string
	// Rendered: seen only once the page ran its scripts.
	Rendered bool
}

// indicatorView is one line of the checklist.
type indicatorView struct {
	Line     checkLine
	Evidence []evidenceView
}

// checkLine is what a checklist line says besides its evidence. It is the
// same on every site page with that indicator met (or not), so pages insert
// it as a fragment rendered once per report (see fragments): it must stay
// comparable.
type checkLine struct {
	L        *labels `json:"-"`
	ID, Name string
	Stage    string
	Met      bool
}

// criterionGroup is the checklist of one criterion.
type criterionGroup struct {
	Label string
	Items []indicatorView
}

// keyValue is a labelled value.
type keyValue struct {
	Key, Value, Previous string
}

// deadView is a dead service link.
type deadView struct {
	Page, Target linkView
	Text, Reason string
}

// changeBody lists what changed for a site since its previous assessment.
type changeBody struct {
	HasPrevious    bool
	From, To       stageBadge
	Moved          int // -1 down, 0 same, +1 up
	ScoreFrom      string
	ScoreTo        string
	Gained, Lost   []string
	WentDown       bool
	PreviousAssess string
	// NotMeasured says, in plain words, why the latest run observed nothing.
	NotMeasured string
	// SettingsChanged lists what differed between our two crawls (pages,
	// depth, rendering, catalogue…); when set, the difference between the
	// two verdicts is not attributed to the site.
	SettingsChanged []string
}

// statusText says in plain words why an assessment observed nothing, in
// the report's language: "Not reachable: no answer within the time limit".
func (r *report) statusText(a *egovbench.Assessment) string {
	l := r.l
	head := l.T("status_" + string(a.Status))
	if a.Status == egovbench.StatusNotOfficial {
		if a.StatusCause == "" {
			return head
		}
		return head + ": " + a.StatusCause
	}
	if a.StatusCause == "" {
		return head
	}
	if _, ok := l.d["cause_"+a.StatusCause]; !ok {
		return head + ": " + a.StatusCause
	}
	return head + ": " + l.T("cause_"+a.StatusCause)
}

// outageBody is one outage.
type outageBody struct {
	Site, Href   string
	Start, End   string
	Cause        string
	StartedAfter bool
}

// siteBody is the body of a site page.
type siteBody struct {
	ID, Slug, Name string
	URL            linkView
	Region, Level  string
	Assessed       bool
	// NotMeasured is the plain-words reason the latest run observed
	// nothing (unreachable, blocked); "" when it did. The page then shows
	// no score, checklist or missing list: nothing was seen, nothing missed.
	NotMeasured string
	Reachable   bool
	AssessedAt  string
	Stage       stageBadge
	Score       string
	Confidence  string
	Pages       int
	Frameworks  []keyValue
	Criteria    []keyValue
	Checklist   []criterionGroup
	Dead        []deadView
	Unverified  []deadView // service links the crawl could not check
	// Language is the site's language when the catalogue has no terms in
	// it: evidence was read by structure and addresses only.
	UncoveredLanguage string
	NextStage         string
	NextSteps         []string
	HistoryChart      string // score, availability and latency over time
	HistoryData       []dataLink
	Steady            string // said instead of a figure that would show flat lines
	UptimeWeeks       string // the complete weeks the uptime figures cover
	UptimeCheck       string
	UptimeTime        string
	Outages           []outageBody
	Change            changeBody
	LastChange        string
}

// siteView is a site's page. Its uptime figures cover the last four
// complete weeks (like its figure, see siteWeekly), so the page does not
// change with every probe.
func (r *report) siteView(s *site, stages []stageAt, outages []egovbench.Outage, trend timeSeries, u uptimeSeries, weeks uptimeWindow, weeksFrom, weeksTo time.Time) *siteBody {
	l, m := r.l, r.m
	v := &siteBody{
		ID: s.t.ID, Slug: r.slug[s.t.ID], Name: siteLabel(s.t), URL: link(s.t.URL),
		Region: l.Region(s.t.Region), Level: s.t.Level, Stage: r.stageCell(s.latestStage()),
		UptimeWeeks: l.Date(weeksFrom) + " – " + l.Date(weeksTo.AddDate(0, 0, -1)),
		UptimeCheck: l.Pct(weeks.Check, 1), UptimeTime: l.Pct(weeks.Time, 1),
	}
	v.LastChange = r.lastChange(stages)
	switch {
	case !siteHistoryHasData(trend, u):
	case siteChartSays(trend, u):
		v.HistoryChart = siteChartName(v.Slug)
		v.HistoryData = r.dataLinks("site", "../")
	default:
		v.Steady = r.steady(trend, u)
	}
	// Newest first; a page lists the last 20, the changes page needs only recent ones.
	slices.SortFunc(outages, func(a, b egovbench.Outage) int { return b.Start.Compare(a.Start) })
	for k, o := range outages {
		if k == 20 {
			break
		}
		v.Outages = append(v.Outages, r.outageView(o, s))
	}
	a := s.latest
	if a == nil {
		return v
	}
	if s.unmeasured() {
		v.NotMeasured = r.statusText(a)
		v.AssessedAt = l.DateTime(a.AssessedAt.In(m.loc))
		v.Stage = stageBadge{Name: l.T("not_measured"), Class: "st0"}
		v.Change = r.changeView(s)
		return v
	}
	v.Assessed = true
	v.Reachable = a.Reachable
	v.AssessedAt = l.DateTime(a.AssessedAt.In(m.loc))
	v.Score = l.Num(clamp(a.Score, 0, 100), 1)
	v.Confidence = l.Pct(clamp(a.Confidence, 0, 1), 0)
	v.Pages = a.PagesAnalyzed
	for _, fw := range r.in.Frameworks {
		lvl, ok := a.Frameworks[fw.ID]
		if !ok {
			continue
		}
		name := lvl
		for _, fl := range fw.Levels {
			if fl.ID == lvl {
				name = l.Level(fl)
			}
		}
		v.Frameworks = append(v.Frameworks, keyValue{Key: l.Framework(fw), Value: name})
	}
	for _, c := range egovbench.Criteria {
		sc, ok := a.CriterionScores[string(c)]
		if !ok {
			continue
		}
		kv := keyValue{Key: l.Criterion(c), Value: l.Num(clamp(sc, 0, 100), 1), Previous: "–"}
		if s.prev != nil {
			if ps, ok := s.prev.CriterionScores[string(c)]; ok {
				kv.Previous = l.Num(clamp(ps, 0, 100), 1)
			}
		}
		v.Criteria = append(v.Criteria, kv)
	}
	res := map[string]egovbench.IndicatorResult{}
	for _, ir := range a.Indicators {
		res[ir.ID] = ir
	}
	for _, c := range r.coverage.Groups {
		g := criterionGroup{Label: c.Label}
		for _, it := range c.Items {
			ind := m.indByID[it.ID]
			ir := res[it.ID]
			iv := indicatorView{Line: checkLine{L: l, ID: ind.ID, Name: l.Indicator(ind), Met: ir.Met, Stage: "–"}}
			if ind.Stage != egovbench.StageNone {
				iv.Line.Stage = l.Stage(ind.Stage)
			}
			for k, e := range ir.Evidence {
				if k == 10 { // a checklist line is not a crawl log
					break
				}
				iv.Evidence = append(iv.Evidence, evidenceView{Page: link(e.PageURL), Element: e.Element, Text: e.Text, Rendered: e.Rendered})
			}
			g.Items = append(g.Items, iv)
		}
		v.Checklist = append(v.Checklist, g)
	}
	for k, d := range a.DeadServices {
		if k == 100 {
			break
		}
		v.Dead = append(v.Dead, deadView{Page: link(d.PageURL), Target: link(d.URL), Text: d.Text, Reason: l.DeadReason(d.Reason)})
	}
	for k, d := range a.UnverifiedServices {
		if k == 100 {
			break
		}
		v.Unverified = append(v.Unverified, deadView{Page: link(d.PageURL), Target: link(d.URL), Text: d.Text, Reason: l.DeadReason(d.Reason)})
	}
	if a.Language != "" && !a.LanguageCovered {
		v.UncoveredLanguage = a.Language
	}
	if a.Stage >= egovbench.StageNone && a.Stage < egovbench.StageTransaction {
		v.NextStage = l.Stage(a.Stage + 1)
	}
	for _, id := range a.NextSteps {
		if ind, ok := m.indByID[id]; ok {
			v.NextSteps = append(v.NextSteps, l.Indicator(ind))
		} else {
			v.NextSteps = append(v.NextSteps, id)
		}
	}
	v.Change = r.changeView(s)
	return v
}

func (r *report) up30Safe(i int) uptimeWindow {
	if i < len(r.sums) {
		return r.sums[i].up30
	}
	return uptimeWindow{math.NaN(), math.NaN()}
}

// steady says in words what a figure of flat lines would show.
func (r *report) steady(trend timeSeries, u uptimeSeries) string {
	l := r.l
	var parts []string
	if len(trend.Segments) == 1 {
		seg := trend.Segments[0]
		parts = append(parts, fmt.Sprintf(l.T("steady_score"), l.Num(seg[0].V, 1), len(seg), l.Date(seg[0].At.In(r.m.loc))))
	}
	weeks := 0
	for _, seg := range u.Check[0].Segments {
		weeks += len(seg)
	}
	if weeks > 0 {
		parts = append(parts, fmt.Sprintf(l.T("steady_uptime"), weeks))
	}
	var p50 []float64
	for _, seg := range u.Latency[0].Segments {
		for _, p := range seg {
			p50 = append(p50, p.V)
		}
	}
	if len(p50) > 0 {
		parts = append(parts, fmt.Sprintf(l.T("steady_latency"), l.Num(median(p50), 0)))
	}
	return strings.Join(parts, "; ") + "."
}

func (r *report) outageView(o egovbench.Outage, s *site) outageBody {
	l := r.l
	ov := outageBody{Site: siteLabel(s.t), Href: "sites/" + r.slug[s.t.ID] + ".html", Start: l.DateTime(o.Start.In(r.m.loc)), End: l.T("ongoing"), Cause: l.Outcome(o.Cause)}
	if !o.End.IsZero() {
		ov.End = l.DateTime(o.End.In(r.m.loc))
	}
	if s.prev != nil {
		ov.StartedAfter = o.Start.After(s.prev.AssessedAt)
	}
	return ov
}

// stageAt is one point of a site's stage history.
type stageAt struct {
	at    time.Time
	st    egovbench.Stage
	score float64
}

// lastChange describes the most recent stage change in a site's history.
func (r *report) lastChange(pts []stageAt) string {
	l := r.l
	slices.SortFunc(pts, func(a, b stageAt) int { return a.at.Compare(b.at) })
	for k := len(pts) - 1; k > 0; k-- {
		if pts[k].st != pts[k-1].st {
			arrow := "↑"
			if pts[k].st < pts[k-1].st {
				arrow = "↓"
			}
			return arrow + " " + l.Stage(pts[k-1].st) + " → " + l.Stage(pts[k].st) + ", " + l.Date(pts[k].at.In(r.m.loc))
		}
	}
	return l.T("no_change")
}

func (r *report) changeView(s *site) changeBody {
	l := r.l
	a, p := s.latest, s.prev
	if a == nil || p == nil {
		return changeBody{}
	}
	if !a.Status.Measured() {
		// Nothing was observed this run: no stage move and no indicator
		// lost, only the fact that the site could not be read.
		return changeBody{HasPrevious: true, WentDown: p.Status.Measured(), NotMeasured: r.statusText(a),
			PreviousAssess: l.DateTime(p.AssessedAt.In(r.m.loc))}
	}
	if !p.Status.Measured() {
		return changeBody{}
	}
	cv := changeBody{
		SettingsChanged: r.m.settingsDiff(p, a),
		HasPrevious:     true, From: r.stageCell(p.Stage), To: r.stageCell(a.Stage),
		ScoreFrom: l.Num(clamp(p.Score, 0, 100), 1), ScoreTo: l.Num(clamp(a.Score, 0, 100), 1),
		WentDown: p.Reachable && !a.Reachable, PreviousAssess: l.DateTime(p.AssessedAt.In(r.m.loc)),
	}
	switch {
	case a.Stage > p.Stage:
		cv.Moved = 1
	case a.Stage < p.Stage:
		cv.Moved = -1
	}
	before := map[string]bool{}
	for _, ir := range p.Indicators {
		if ir.Met {
			before[ir.ID] = true
		}
	}
	now := map[string]bool{}
	for _, ir := range a.Indicators {
		if ir.Met {
			now[ir.ID] = true
		}
	}
	name := func(id string) string {
		if ind, ok := r.m.indByID[id]; ok {
			return l.Indicator(ind)
		}
		return id
	}
	// Catalogue order keeps the lists stable between reports.
	for _, ind := range r.in.Indicators {
		switch {
		case now[ind.ID] && !before[ind.ID]:
			cv.Gained = append(cv.Gained, name(ind.ID))
		case !now[ind.ID] && before[ind.ID]:
			cv.Lost = append(cv.Lost, name(ind.ID))
		}
	}
	return cv
}

// siteChange is a site's line on the changes page.
type siteChange struct {
	Name, Href string
	Change     changeBody
}

// changesBody is the body of changes.html.
type changesBody struct {
	ChartTitle string
	ChartData  []dataLink
	Compared   int
	Up, Down   []siteChange
	Indicators []siteChange
	WentDown   []siteChange
	Outages    []outageBody
	// Settings are the sites whose verdict changed between two crawls made
	// with different settings: not counted as the sites' own changes.
	Settings []siteChange
}

func (r *report) changesView() changesBody {
	v := changesBody{ChartTitle: r.l.T("ch_transitions"), ChartData: r.dataLinks("transitions.png", "")}
	if r.baseline != "" {
		v.ChartTitle = fmt.Sprintf(r.l.T("ch_transitions_since"), r.baseline)
	}
	v.Compared = r.transitions.Compared
	for i := range r.m.sites {
		sum := &r.sums[i]
		c := sum.change
		if !c.HasPrevious {
			continue
		}
		t := r.m.sites[i].t
		sc := siteChange{Name: siteLabel(t), Href: "sites/" + r.slug[t.ID] + ".html", Change: c}
		switch {
		case len(c.SettingsChanged) > 0:
			// Our settings changed between the two crawls: whatever moved
			// may be our doing, so it is listed apart, not as the site's.
			if c.Moved != 0 || len(c.Gained)+len(c.Lost) > 0 {
				v.Settings = append(v.Settings, sc)
			}
		default:
			switch c.Moved {
			case 1:
				v.Up = append(v.Up, sc)
			case -1:
				v.Down = append(v.Down, sc)
			}
			if len(c.Gained)+len(c.Lost) > 0 {
				v.Indicators = append(v.Indicators, sc)
			}
		}
		if c.WentDown {
			v.WentDown = append(v.WentDown, sc)
		}
		v.Outages = append(v.Outages, sum.newOutages...)
	}
	return v
}

// catalogueRow is one indicator on the methodology page.
type catalogueRow struct {
	ID, Name, Stage, Description string
}

// methodologyBody is the body of methodology.html.
type methodologyBody struct {
	Groups []struct {
		Label string
		Rows  []catalogueRow
	}
	Frameworks []frameworkView
	Agreement  *agreementBody
	Validation *agreementBody
}

// frameworkView is a maturity framework with its levels, in the report's
// language.
type frameworkView struct {
	Name   string
	Levels []keyValue // Key: level name, Value: its rule
}

// agreementBody is the measured agreement, formatted.
type agreementBody struct {
	L               *labels // the sub-template has no other way to the page's labels
	Source          string
	Labelled        int
	Exact, Adjacent string
	Kappa           string
	Heads           []stageBadge
	Rows            []agreementRow
	Features        []featureRow
}

// featureRow is one rubric feature's precision and recall.
type featureRow struct {
	Feature, Precision, Recall, F1 string
	Support                        int
}

// agreementRow is one reference stage's line of the confusion matrix.
type agreementRow struct {
	Stage  stageBadge
	Counts []int
}

func (r *report) methodologyView() methodologyBody {
	l := r.l
	var v methodologyBody
	crits := slices.Clone(egovbench.Criteria)
	for _, ind := range r.in.Indicators {
		if !slices.Contains(crits, ind.Criterion) {
			crits = append(crits, ind.Criterion)
		}
	}
	for _, c := range crits {
		var rows []catalogueRow
		for _, ind := range r.in.Indicators {
			if ind.Criterion != c {
				continue
			}
			st := "–"
			if ind.Stage != egovbench.StageNone {
				st = l.Stage(ind.Stage)
			}
			rows = append(rows, catalogueRow{ID: ind.ID, Name: l.Indicator(ind), Stage: st, Description: l.IndicatorDescription(ind)})
		}
		if len(rows) > 0 {
			v.Groups = append(v.Groups, struct {
				Label string
				Rows  []catalogueRow
			}{l.Criterion(c), rows})
		}
	}
	for _, fw := range r.in.Frameworks {
		fv := frameworkView{Name: l.Framework(fw)}
		for _, fl := range fw.Levels {
			fv.Levels = append(fv.Levels, keyValue{Key: l.Level(fl), Value: l.LevelDescription(fl)})
		}
		v.Frameworks = append(v.Frameworks, fv)
	}
	v.Agreement = r.agreementView(r.in.Agreement)
	v.Validation = r.agreementView(r.in.Validation)
	return v
}

// agreementView shows a measured agreement with reference labels, or nil.
func (r *report) agreementView(ag *Agreement) *agreementBody {
	if ag == nil {
		return nil
	}
	l := r.l
	av := &agreementBody{L: l, Source: l.pick(ag.Source, ag.SourceID), Labelled: ag.Labelled, Kappa: l.Num(ag.Kappa, 2)}
	share := func(n int) string {
		if ag.Labelled <= 0 {
			return "–"
		}
		return itoa(n) + " (" + l.Pct(float64(n)/float64(ag.Labelled), 0) + ")"
	}
	av.Exact, av.Adjacent = share(ag.Exact), share(ag.Adjacent)
	for _, st := range allStages {
		av.Heads = append(av.Heads, r.stageCell(st))
		av.Rows = append(av.Rows, agreementRow{Stage: r.stageCell(st), Counts: ag.Matrix[st][:]})
	}
	for _, f := range ag.Features {
		av.Features = append(av.Features, featureRow{Feature: f.Feature, Precision: l.Num(f.Precision, 2),
			Recall: l.Num(f.Recall, 2), F1: l.Num(f.F1, 2), Support: f.Support})
	}
	return av
}
