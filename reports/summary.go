package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// degradedBelow is the 30-day check-count availability under which a site
// that is up counts as degraded in the summary: 95 % is about a day and a
// half of failed checks a month, more than maintenance explains.
const degradedBelow = 0.95

// summaryMissing is how many missing services the summary names.
const summaryMissing = 3

// summaryNames is how many sites a summary sentence names before "and N more".
const summaryNames = 5

// summaryData is the executive summary's figures, computed from the same
// values as the charts (JSON for the golden test).
type summaryData struct {
	Sites      int   `json:"sites"`
	StageCount []int `json:"stage_count"` // by stageIndex
	// Previous compares the latest assessment with Previous.
	Previous movesData `json:"previous"`
	// YearAgo compares the latest assessment with the newest history point a
	// year or more before GeneratedAt (or, with less history, the first one).
	YearAgo movesData     `json:"year_ago"`
	Missing []missingItem `json:"missing"`
	Down    []string      `json:"down"`     // target ids
	Degrade []string      `json:"degraded"` // target ids, 30-day uptime below degradedBelow
}

// movesData counts stage moves and indicator changes against a baseline.
type movesData struct {
	Compared   int       `json:"compared"`
	Since      time.Time `json:"since"` // oldest baseline time among the compared sites
	FullYear   bool      `json:"full_year"`
	Up         int       `json:"up"`
	Down       int       `json:"down"`
	Gained     int       `json:"gained"` // sites that gained at least one indicator
	Lost       int       `json:"lost"`   // sites that lost at least one
	MedianFrom float64   `json:"median_from"`
	MedianTo   float64   `json:"median_to"`
}

// missingItem is a service indicator and how many assessed sites lack it.
type missingItem struct {
	ID       string `json:"id"`
	Missing  int    `json:"missing"`
	Assessed int    `json:"assessed"`
}

func (r *report) summary() summaryData {
	m := r.m
	d := summaryData{Sites: len(m.sites), StageCount: make([]int, len(allStages))}
	for i := range m.sites {
		d.StageCount[stageIndex(m.sites[i].latestStage())]++
	}
	// Against Previous: the run before the latest, or the baseline the
	// reader chose.
	var fromSc, toSc []float64
	for i := range m.sites {
		s := &m.sites[i]
		if s.latest == nil || s.prev == nil {
			continue
		}
		d.Previous.Compared++
		if d.Previous.Since.IsZero() || s.prev.AssessedAt.Before(d.Previous.Since) {
			d.Previous.Since = s.prev.AssessedAt
		}
		switch from, to := stageIndex(s.prev.Stage), stageIndex(s.latest.Stage); {
		case to > from:
			d.Previous.Up++
		case to < from:
			d.Previous.Down++
		}
		c := r.sums[i].change
		if len(c.Gained) > 0 {
			d.Previous.Gained++
		}
		if len(c.Lost) > 0 {
			d.Previous.Lost++
		}
		if s.prev.Stage != egovbench.StageNone && s.latest.Stage != egovbench.StageNone {
			fromSc = append(fromSc, clamp(s.prev.Score, 0, 100))
			toSc = append(toSc, clamp(s.latest.Score, 0, 100))
		}
	}
	d.Previous.MedianFrom, d.Previous.MedianTo = median(fromSc), median(toSc)
	d.YearAgo = r.yearAgo()
	d.Missing = r.missingServices()
	for i := range m.sites {
		s := &m.sites[i]
		switch {
		case r.isDown(i):
			d.Down = append(d.Down, s.t.ID)
		case s.latest != nil && r.up30Safe(i).Check < degradedBelow:
			d.Degrade = append(d.Degrade, s.t.ID)
		}
	}
	return d
}

// isDown reports a site whose latest assessment found it unreachable or
// that has an outage without an end.
func (r *report) isDown(i int) bool {
	s := &r.m.sites[i]
	if s.latest != nil && !s.latest.Reachable {
		return true
	}
	return r.sums[i].ongoing
}

// yearAgo compares each site's latest stage with its stage a year before
// GeneratedAt, from the stage history. Sites with a shorter history are
// compared with their first point, and FullYear says whether any site had a
// point a year back.
func (r *report) yearAgo() movesData {
	var d movesData
	cut := r.in.GeneratedAt.AddDate(-1, 0, 0)
	var fromSc, toSc []float64
	for i := range r.m.sites {
		s := &r.m.sites[i]
		pts := r.stages[i]
		if s.latest == nil || len(pts) == 0 {
			continue
		}
		slices.SortFunc(pts, func(a, b stageAt) int { return a.at.Compare(b.at) })
		base := -1
		for k, p := range pts {
			if p.at.After(cut) {
				break
			}
			base = k
		}
		if base >= 0 {
			d.FullYear = true
		} else {
			base = 0
		}
		b := pts[base]
		if !b.at.Before(s.latest.AssessedAt) {
			continue // the only point is the latest one: nothing to compare
		}
		d.Compared++
		if d.Since.IsZero() || b.at.Before(d.Since) {
			d.Since = b.at
		}
		switch from, to := stageIndex(b.st), stageIndex(s.latest.Stage); {
		case to > from:
			d.Up++
		case to < from:
			d.Down++
		}
		if b.st != egovbench.StageNone && s.latest.Stage != egovbench.StageNone && finite(b.score) {
			fromSc = append(fromSc, clamp(b.score, 0, 100))
			toSc = append(toSc, clamp(s.latest.Score, 0, 100))
		}
	}
	d.MedianFrom, d.MedianTo = median(fromSc), median(toSc)
	return d
}

// missingServices lists the services-provision indicators the most
// reachable sites lack, most missing first.
func (r *report) missingServices() []missingItem {
	var out []missingItem
	for _, g := range r.coverage.Groups {
		if g.Criterion != egovbench.CriterionServices {
			continue
		}
		for _, it := range g.Items {
			if n := r.coverage.Assessed - it.Met; n > 0 {
				out = append(out, missingItem{ID: it.ID, Missing: n, Assessed: r.coverage.Assessed})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b missingItem) int { return cmp.Compare(b.Missing, a.Missing) })
	return out[:min(len(out), summaryMissing)]
}

// summaryLine is one sentence of the executive summary; Sites, when set,
// are named after the text as links.
type summaryLine struct {
	Text  string
	Sites []siteLink
	More  string // "and 3 more", when Sites was cut
}

// siteLink is a site named in a sentence.
type siteLink struct {
	Name, Href, Note string
}

// summaryView puts the summary into sentences in the report's language.
func (r *report) summaryView(d summaryData) []summaryLine {
	l := r.l
	var out []summaryLine
	assessed := d.Sites - d.StageCount[0]
	var parts []string
	for k := 1; k < len(allStages); k++ {
		parts = append(parts, fmt.Sprintf(l.T("sum_at_stage"), d.StageCount[k], strings.ToLower(l.Stage(allStages[k]))))
	}
	text := fmt.Sprintf(l.T("sum_stages"), l.Sites(d.Sites), assessed, l.list(parts))
	if d.StageCount[0] > 0 {
		text += " " + fmt.Sprintf(l.T("sum_not_assessed"), d.StageCount[0])
	}
	out = append(out, summaryLine{Text: text})

	if d.Previous.Compared == 0 {
		out = append(out, summaryLine{Text: l.T("sum_no_previous")})
	} else {
		since := r.sinceText(d.Previous.Since)
		out = append(out, summaryLine{Text: since + ": " + r.movesText(d.Previous, true)})
	}
	if d.YearAgo.Compared > 0 {
		key := "sum_year_ago"
		if !d.YearAgo.FullYear {
			key = "sum_first_run"
		}
		out = append(out, summaryLine{Text: fmt.Sprintf(l.T(key), l.Date(d.YearAgo.Since.In(r.m.loc))) + ": " + r.movesText(d.YearAgo, false)})
	}
	if len(d.Missing) > 0 {
		var ms []string
		for _, it := range d.Missing {
			name := it.ID
			if ind, ok := r.m.indByID[it.ID]; ok {
				name = l.Indicator(ind)
			}
			ms = append(ms, fmt.Sprintf(l.T("sum_missing_item"), name, it.Missing, l.Sites(it.Assessed)))
		}
		out = append(out, summaryLine{Text: l.T("sum_missing") + " " + l.list(ms) + "."})
	}
	if len(d.Down) == 0 && len(d.Degrade) == 0 {
		out = append(out, summaryLine{Text: fmt.Sprintf(l.T("sum_all_up"), l.Pct(degradedBelow, 0))})
	}
	if len(d.Down) > 0 {
		out = append(out, r.namedSites(fmt.Sprintf(l.T("sum_down"), len(d.Down)), d.Down, false))
	}
	if len(d.Degrade) > 0 {
		out = append(out, r.namedSites(fmt.Sprintf(l.T("sum_degraded"), len(d.Degrade), l.Pct(degradedBelow, 0)), d.Degrade, true))
	}
	return out
}

// sinceText names the baseline of the comparison with Previous.
func (r *report) sinceText(prev time.Time) string {
	l := r.l
	if r.baseline != "" {
		return fmt.Sprintf(l.T("sum_since_date"), r.baseline)
	}
	return fmt.Sprintf(l.T("sum_since_previous"), l.Date(prev.In(r.m.loc)))
}

func (r *report) movesText(d movesData, indicators bool) string {
	l := r.l
	var parts []string
	if d.Up+d.Down == 0 {
		parts = append(parts, fmt.Sprintf(l.T("sum_no_moves"), d.Compared))
	} else {
		parts = append(parts, fmt.Sprintf(l.T("sum_moves"), l.Sites(d.Up), d.Down, d.Compared))
	}
	if indicators {
		parts = append(parts, fmt.Sprintf(l.T("sum_gained_lost"), d.Gained, d.Lost))
	}
	if !math.IsNaN(d.MedianFrom) && !math.IsNaN(d.MedianTo) {
		parts = append(parts, fmt.Sprintf(l.T("sum_median"), l.Num(d.MedianFrom, 1), l.Num(d.MedianTo, 1)))
	}
	return strings.Join(parts, "; ") + "."
}

// namedSites is a sentence followed by links to the sites it is about.
func (r *report) namedSites(text string, ids []string, uptime bool) summaryLine {
	line := summaryLine{Text: text}
	for k, id := range ids {
		if k == summaryNames {
			line.More = fmt.Sprintf(r.l.T("sum_more"), len(ids)-k)
			break
		}
		i := r.m.byID[id]
		sl := siteLink{Name: siteLabel(r.m.sites[i].t), Href: "sites/" + r.slug[id] + ".html"}
		if uptime {
			sl.Note = r.l.Pct(r.up30Safe(i).Check, 1)
		}
		line.Sites = append(line.Sites, sl)
	}
	return line
}

// list joins items the way the language writes a list: "a, b and c".
func (l *labels) list(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + l.T("and") + " " + items[len(items)-1]
}
