package egovbench

import "time"

// RunKind says what a run did.
type RunKind string

// Run kinds.
const (
	RunCrawl   RunKind = "crawl"   // deep crawl of every target (includes a probe per target)
	RunProbe   RunKind = "probe"   // uptime probes only
	RunAnalyze RunKind = "analyze" // re-analysis of stored pages, no network
)

// RunStatus is the life cycle of a run.
type RunStatus string

// Run statuses. A run left "running" by a killed process is resumed or
// marked interrupted by the next start.
const (
	RunRunning     RunStatus = "running"
	RunDone        RunStatus = "done"
	RunInterrupted RunStatus = "interrupted"
)

// Run is one pass over a set of targets. Every crawl is a run; assessments,
// pages and probes made during it point at it.
type Run struct {
	ID         int64     `json:"id"`
	Kind       RunKind   `json:"kind"`
	Status     RunStatus `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// Config is the crawl configuration as JSON, kept so a run can be explained later.
	Config string `json:"config,omitempty"`
	// SourceRun is the crawl whose stored pages an analyze run re-scored.
	SourceRun int64 `json:"source_run,omitempty"`
}

// CrawlStatus is the state of one target within one run; it is what makes a
// run resumable.
type CrawlStatus string

// Crawl statuses.
const (
	CrawlPending CrawlStatus = "pending"
	CrawlDone    CrawlStatus = "done"
)
