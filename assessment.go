package egovbench

import "time"

// Evidence is one observation that supports an indicator: where it was seen,
// which element carried it and the text that matched. Every stage decision
// can be traced back through these.
type Evidence struct {
	PageURL string `json:"page_url"`
	// Element describes the element: a tag with its telling attribute, e.g.
	// `a[href=https://www.lapor.go.id/]`, `form[method=post]`, `meta[name=viewport]`.
	Element string `json:"element"`
	// Text is the matched text (anchor text, label, heading), at most 200 runes.
	Text string `json:"text"`
	// Rendered is true when the evidence was seen only once the page was
	// rendered in a browser: the HTML the server sent does not carry it,
	// so a citizen without JavaScript does not see it either.
	Rendered bool `json:"rendered,omitempty"`
}

// IndicatorResult is the verdict on one binary indicator for one site.
type IndicatorResult struct {
	ID       string     `json:"id"`
	Met      bool       `json:"met"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// DeadService is a service link the site advertises that does not answer,
// answers with an error, or leads to a "coming soon"/maintenance page.
type DeadService struct {
	PageURL string `json:"page_url"` // where the link was
	URL     string `json:"url"`      // where it points
	Text    string `json:"text"`     // its anchor text
	Reason  string `json:"reason"`   // e.g. "http 404", "maintenance page", "timeout"
}

// AssessmentStatus says whether an assessment measured the site at all.
// Only a measured assessment has a stage and a score that mean something:
// a site that did not answer is not a site with nothing on it.
type AssessmentStatus string

// Assessment statuses.
const (
	// StatusAssessed: the homepage was fetched and the site was judged.
	StatusAssessed AssessmentStatus = "assessed"
	// StatusUnreachable: the homepage could not be fetched (after the
	// retries); StatusCause holds the outcome class, e.g. "timeout".
	StatusUnreachable AssessmentStatus = "unreachable"
	// StatusBlocked: the site refused us (403, 429, a firewall challenge,
	// or robots.txt disallows the homepage); StatusCause holds "blocked".
	StatusBlocked AssessmentStatus = "blocked"
	// StatusNotOfficial: the homepage answered from outside the target's
	// own site (it redirects to another domain, e.g. a parked or moved
	// domain), so there was no official site to judge; StatusCause holds
	// the host it ended on.
	StatusNotOfficial AssessmentStatus = "not_official"
)

// AssessmentStatuses lists every status, for validation and documentation.
var AssessmentStatuses = []AssessmentStatus{StatusAssessed, StatusUnreachable, StatusBlocked, StatusNotOfficial}

// Measured reports whether the assessment observed the site: unreachable
// and blocked runs are left out of scores, ranks, stage distributions,
// stage history and stage-drop alerts. A not_official site was observed
// (what its address serves is a fact about it) and is kept, at stage none.
// An empty status is read as assessed.
func (s AssessmentStatus) Measured() bool {
	return s == "" || s == StatusAssessed || s == StatusNotOfficial
}

// Assessment is the analyzer's verdict on one target for one run.
type Assessment struct {
	TargetID   string    `json:"target_id"`
	RunID      int64     `json:"run_id"`
	AssessedAt time.Time `json:"assessed_at"` // when the pages were crawled (not when analysed)
	// CatalogueVersion names the indicator catalogue that produced this verdict.
	CatalogueVersion string `json:"catalogue_version"`
	// Status says whether the site was measured; see AssessmentStatus.
	Status AssessmentStatus `json:"status"`
	// StatusCause says why a site was not assessed: the probe outcome class
	// (unreachable, blocked) or the foreign host (not_official); "" when assessed.
	StatusCause string `json:"status_cause,omitempty"`
	// Reachable is false when the homepage could not be fetched; Stage is then StageNone.
	Reachable bool  `json:"reachable"`
	Stage     Stage `json:"stage"`
	// Frameworks maps a framework id (e.g. "unaspa", "spbe") to the level
	// name it assigns from the same evidence.
	Frameworks map[string]string `json:"frameworks,omitempty"`
	// Score is 0-100: the share of indicators met, weighted by criterion.
	Score float64 `json:"score"`
	// CriterionScores maps a criterion id to its 0-100 score.
	CriterionScores map[string]float64 `json:"criterion_scores,omitempty"`
	// Confidence is 0-1: how firmly the evidence supports the stage.
	Confidence float64 `json:"confidence"`
	// Indicators holds every indicator of the catalogue, met or not.
	Indicators []IndicatorResult `json:"indicators"`
	// NextSteps lists indicator ids that, if met, would lift the site to the next stage.
	NextSteps    []string      `json:"next_steps,omitempty"`
	DeadServices []DeadService `json:"dead_services,omitempty"`
	// UnverifiedServices are service links the crawl could not check
	// (DNS failure, refused, timeout, TLS failure, 403/429 or a firewall):
	// they count by their words and address, and are listed as unchecked.
	UnverifiedServices []DeadService `json:"unverified_services,omitempty"`
	// Language is the language most analysed pages are written in ("" when
	// unknown); LanguageCovered says whether the catalogue's terms cover the
	// rubric in it. Evidence in an uncovered language is found by structure
	// and addresses only, so the confidence is lower.
	Language        string `json:"language,omitempty"`
	LanguageCovered bool   `json:"language_covered"`
	// PagesAnalyzed counts the pages that contributed evidence candidates.
	PagesAnalyzed int `json:"pages_analyzed"`
}

// Met returns the ids of the indicators met, in catalogue order.
func (a *Assessment) Met() []string {
	var ids []string
	for _, r := range a.Indicators {
		if r.Met {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// StagePoint is one assessment reduced to what trend charts need; history
// queries return these rather than full assessments so that years of runs
// stay cheap to read.
type StagePoint struct {
	TargetID string    `json:"target_id"`
	RunID    int64     `json:"run_id"`
	At       time.Time `json:"at"`
	Stage    Stage     `json:"stage"`
	Score    float64   `json:"score"`
}
