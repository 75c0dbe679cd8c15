package egovbench

// SiteRecord is everything stored about one target that a report shows,
// read one target at a time so that a report's memory does not grow with
// the number of targets.
type SiteRecord struct {
	Target Target
	// Latest and Previous are the last and the one-before-last assessment
	// (by crawl time); nil when there is none.
	Latest, Previous *Assessment
	// History is every assessment reduced to a StagePoint, in time order.
	History []StagePoint
	// Daily holds the target's daily uptime rollups, in day order.
	Daily []Rollup
	// Outages holds the target's outages in the period asked for, by start.
	Outages []Outage
	// Stamp names the stored assessments Latest and Previous were read from
	// ("" when the source cannot name them). Stored assessments are never
	// rewritten, so an equal stamp means equal assessments, evidence and
	// all: a report can tell a site page unchanged without reading them.
	Stamp string
	// Brief is set when the source was asked to leave out of Latest and
	// Previous what only the site's own page shows: they then carry their
	// status, stage, scores, times and met indicators (without evidence),
	// but no framework levels, criterion scores, next steps or service lists.
	Brief bool
}
