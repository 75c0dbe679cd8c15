package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// Input is everything a report shows. cmd/egovbench fills it from the store;
// tests build it by hand.
type Input struct {
	// GeneratedAt is the report's "now": the 30-day uptime window ends here.
	GeneratedAt time.Time
	// Lang selects the labels: "id" (Indonesian) or "en" (English); empty means "en".
	Lang string
	// Location is the zone dates and hour-of-day profiles are shown in (e.g.
	// Asia/Makassar); nil means UTC.
	Location *time.Location
	Targets  []egovbench.Target
	// Latest and Previous hold, by target id, the last and the one-before-last
	// assessment, or in Previous the state at the baseline the reader chose
	// (Since, SinceRun). Previous may lack entries.
	Latest, Previous map[string]egovbench.Assessment
	// Since and SinceRun name the baseline Previous holds when the reader
	// chose one (report --since DATE, --compare RUN); both zero means the
	// run before the latest.
	Since    time.Time
	SinceRun int64
	// DataDir is the folder, relative to the report, in which the caller
	// wrote the tables of `egovbench export --table` as <table>.csv
	// (latest, history, uptime, hourly, indicators, outages); each chart
	// links to the tables it is drawn from. Empty: no links.
	DataDir string
	// DataFiles names, relative to DataDir, where a table is when it is
	// not <table>.csv (the uptime table is a folder of monthly files).
	DataFiles map[string]string
	// SinceRunAt is when the SinceRun baseline's pages were crawled (its
	// oldest assessment); without a Source it is read from Previous.
	SinceRunAt time.Time
	// NewestAt and NewestRun are the newest assessment's crawl time and run,
	// the "data as of" of every page; without a Source they are read from
	// Latest. A Source must set them: site pages are written before the
	// last site is read.
	NewestAt  time.Time
	NewestRun int64
	// LastCrawl is the newest crawl run; its recorded configuration is shown
	// on every page. Nil when there has been none.
	LastCrawl *egovbench.Run
	// Runs holds every run by id, so that the changes page can tell when two
	// assessments were made with different crawl settings (then the
	// difference is ours, not the site's). Nil: settings are not compared.
	Runs map[int64]egovbench.Run
	// History holds every assessment reduced to a StagePoint, in any order.
	History []egovbench.StagePoint
	// Daily holds daily uptime rollups (UTC days) of every target.
	Daily []egovbench.Rollup
	// Hourly holds hourly rollups for the hour-of-day x weekday profile.
	Hourly  []egovbench.Rollup
	Outages []egovbench.Outage
	// DegradedRounds are the probe rounds of the last 30 days not recorded
	// because the prober's own network failed.
	DegradedRounds []egovbench.DegradedRound
	Indicators     []egovbench.Indicator
	Frameworks     []egovbench.Framework
	// CatalogueVersion names the indicator catalogue in force.
	CatalogueVersion string
	// Agreement is the measured agreement with reference labels on the
	// calibration set (pages the rules were tuned on), nil if not measured.
	Agreement *Agreement
	// Validation is the measured agreement on the validation set (whole
	// sites no rule was written for): the accuracy to publish. Nil if not
	// measured.
	Validation *Agreement
	// Source, when set, streams the per-site data (and the hourly rollups)
	// instead of Latest, Previous, History, Daily, Outages and Hourly, which
	// are then ignored: a report over 20,000 sites cannot hold them at once.
	Source Source
}

// FeatureAgreement is the agreement on one rubric feature.
type FeatureAgreement struct {
	Feature               string
	Precision, Recall, F1 float64
	Support               int
}

// Agreement is how far the assessed stages agree with stages a person
// assigned to the same sites (reference labels).
type Agreement struct {
	// Source says where the reference labels come from, in plain words, in
	// English; SourceID in Indonesian (Source is shown when it is empty).
	Source, SourceID string
	// Labelled counts the sites with a reference label that were assessed.
	Labelled int
	// Exact counts sites whose assessed stage equals the reference stage;
	// Adjacent counts those within one stage (Exact included).
	Exact, Adjacent int
	// Kappa is Cohen's kappa over the stages; NaN when it was not computed.
	Kappa float64
	// Matrix counts sites by reference stage (row) and assessed stage
	// (column), indexed by egovbench.Stage.
	Matrix [5][5]int
	// Features are per-feature precision and recall, when measured.
	Features []FeatureAgreement
}

// DefaultLang is the report language for a fleet when none is asked for:
// Indonesian ("id") when at least half of the targets are Indonesian (country
// ID or language id) or there are none, English ("en") otherwise. The people
// who read a report on Indonesian regions read Indonesian.
func DefaultLang(targets []egovbench.Target) string {
	n := 0
	for _, t := range targets {
		if strings.EqualFold(strings.TrimSpace(t.Country), "id") || strings.EqualFold(strings.TrimSpace(t.Lang), "id") ||
			strings.HasPrefix(strings.ToLower(strings.TrimSpace(t.Lang)), "id-") {
			n++
		}
	}
	if 2*n >= len(targets) {
		return "id"
	}
	return "en"
}

// location returns the zone to show times in.
func (in *Input) location() *time.Location {
	if in.Location == nil {
		return time.UTC
	}
	return in.Location
}

// validate rejects input that cannot be rendered meaningfully.
func (in *Input) validate() error {
	switch in.Lang {
	case "", "en", "id":
	default:
		return fmt.Errorf("lang %q (want id or en): %w", in.Lang, egovbench.ErrInvalid)
	}
	if in.GeneratedAt.IsZero() {
		return fmt.Errorf("generated_at is zero: %w", egovbench.ErrInvalid)
	}
	return nil
}
