package reports

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/egovbench/egovbench"
)

// asOfText says how fresh the report's data is: the crawl time of the
// newest assessment and the run that made it.
func (r *report) asOfText() string {
	at, run := r.in.NewestAt, r.in.NewestRun
	if at.IsZero() {
		// Without a Source, the newest of the latest assessments (the first
		// target's on a tie).
		for _, t := range r.in.Targets {
			if a, ok := r.in.Latest[t.ID]; ok && (at.IsZero() || a.AssessedAt.After(at)) {
				at, run = a.AssessedAt, a.RunID
			}
		}
	}
	if at.IsZero() {
		return r.l.T("as_of_none")
	}
	return fmt.Sprintf(r.l.T("as_of_run"), r.l.DateTime(at.In(r.m.loc)), run)
}

// settingKeys are the crawl settings shown on every page, in order, from
// the configuration a crawl run records (cmd/egovbench runConfigJSON).
var settingKeys = []string{"max_pages", "max_depth", "delay", "per_host", "request_timeout", "site_timeout", "user_agent"}

// settingsText puts the newest crawl's recorded configuration into words.
// A configuration that is not a JSON object is shown as "not recorded"
// rather than guessed at.
func (r *report) settingsText() string {
	l := r.l
	run := r.in.LastCrawl
	if run == nil || strings.TrimSpace(run.Config) == "" {
		return l.T("settings_none")
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(run.Config), &cfg); err != nil {
		return l.T("settings_none")
	}
	var parts []string
	for _, k := range settingKeys {
		v, ok := cfg[k]
		if !ok || v == nil {
			continue
		}
		var s string
		switch x := v.(type) {
		case float64:
			s = l.Num(x, 0)
		case string:
			s = clip(x, 80)
		case bool:
			s = l.T("no")
			if x {
				s = l.T("yes")
			}
		default:
			continue
		}
		if s == "" {
			continue
		}
		parts = append(parts, l.T("set_"+k)+" "+s)
	}
	if len(parts) == 0 {
		return l.T("settings_none")
	}
	return fmt.Sprintf(l.T("settings_run"), run.ID) + ": " + strings.Join(parts, ", ")
}

// baselineText names the baseline the reader chose for the changes: "run
// 12 (3 Nov 2026)" or "3 Nov 2026"; "" for the default, the run before the
// latest.
func (r *report) baselineText() string {
	l := r.l
	switch {
	case r.in.SinceRun != 0:
		oldest := r.in.SinceRunAt
		for _, p := range r.in.Previous {
			if oldest.IsZero() || p.AssessedAt.Before(oldest) {
				oldest = p.AssessedAt
			}
		}
		s := fmt.Sprintf(l.T("baseline_run"), r.in.SinceRun)
		if !oldest.IsZero() {
			s += " (" + l.Date(oldest.In(r.m.loc)) + ")"
		}
		return s
	case !r.in.Since.IsZero():
		return l.Date(r.in.Since.In(r.m.loc))
	}
	return ""
}

// comparedSettings are the crawl settings that change what a crawl can
// find on a site: fewer pages or a shallower crawl finds fewer indicators.
var comparedSettings = []string{"max_pages", "max_depth", "max_page_bytes", "render", "delay", "per_host", "request_timeout", "site_timeout"}

// crawlConfigOf returns the recorded configuration of the crawl that
// fetched the pages of a (for a re-analysis, the crawl it re-scored); nil
// when it is not recorded.
func (m *model) crawlConfigOf(a *egovbench.Assessment) map[string]any {
	run, ok := m.in.Runs[a.RunID]
	if !ok {
		return nil
	}
	if run.Kind == egovbench.RunAnalyze && run.SourceRun != 0 {
		if run, ok = m.in.Runs[run.SourceRun]; !ok {
			return nil
		}
	}
	var cfg map[string]any
	if json.Unmarshal([]byte(run.Config), &cfg) != nil {
		return nil
	}
	return cfg
}

// settingsDiff lists, in words, what differed between the crawls (and the
// indicator catalogues) behind two assessments of a site: "pages per site
// at most 40 → 12". When it is not empty, a difference between the two
// verdicts may be ours, and is not reported as the site's. Settings not
// recorded for either run are not compared (nothing is claimed).
func (m *model) settingsDiff(p, a *egovbench.Assessment) []string {
	l := m.l
	var out []string
	if p.CatalogueVersion != "" && a.CatalogueVersion != "" && p.CatalogueVersion != a.CatalogueVersion {
		out = append(out, l.T("set_catalogue")+" "+clip(p.CatalogueVersion, 40)+" → "+clip(a.CatalogueVersion, 40))
	}
	pc, ac := m.crawlConfigOf(p), m.crawlConfigOf(a)
	if pc == nil || ac == nil {
		return out
	}
	show := func(v any) string {
		switch x := v.(type) {
		case float64:
			return l.Num(x, 0)
		case string:
			return clip(x, 40)
		case bool:
			if x {
				return l.T("yes")
			}
			return l.T("no")
		case nil:
			return "–"
		}
		return clip(fmt.Sprint(v), 40)
	}
	for _, k := range comparedSettings {
		pv, pok := pc[k]
		av, aok := ac[k]
		if !pok && !aok {
			continue
		}
		if fmt.Sprint(pv) != fmt.Sprint(av) {
			out = append(out, l.T("set_"+k)+" "+show(pv)+" → "+show(av))
		}
	}
	return out
}
