package reports

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// asOfText says how fresh the report's data is: the crawl time of the
// newest assessment and the run that made it.
func (r *report) asOfText() string {
	var newest int
	found := false
	for i := range r.m.sites {
		a := r.m.sites[i].latest
		if a == nil {
			continue
		}
		if !found || a.AssessedAt.After(r.m.sites[newest].latest.AssessedAt) {
			newest, found = i, true
		}
	}
	if !found {
		return r.l.T("as_of_none")
	}
	a := r.m.sites[newest].latest
	return fmt.Sprintf(r.l.T("as_of_run"), r.l.DateTime(a.AssessedAt.In(r.m.loc)), a.RunID)
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
		var oldest time.Time
		for i := range r.m.sites {
			if p := r.m.sites[i].prev; p != nil && (oldest.IsZero() || p.AssessedAt.Before(oldest)) {
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
