// Package egovbench holds the domain of the e-government benchmark: the
// targets that are measured, the runs that measure them, what a crawl brings
// back (probes and snapshots of pages), and what the analysis concludes
// (assessments with evidence, uptime figures).
//
// This package imports only the standard library. The packages below it meet
// these types and never import each other:
//
//	crawler/   colly: Target -> Probe + Snapshot (network)
//	analyzer/  goquery: Snapshot -> Assessment; probes -> uptime (pure)
//	store/     SQLite: persists all of the above (migrations, history)
//	reports/   gonum/plot + html/template: domain values -> files
//	fleet/     a simulated fleet of government sites on loopback
//	cmd/egovbench  wires them together
package egovbench
