// Package analyzer turns a crawl Snapshot into an Assessment: it takes each
// page's links, forms, headings, labels, meta tags and text from one
// htmlfacts pass (the crawler's, or its own over the stored body), matches
// them against an indicator catalogue that is data (an
// embedded YAML file a user may replace or extend), and decides the maturity
// stage with evidence, a criterion-weighted score, a confidence and next steps.
//
// It owns the indicator catalogue, the maturity frameworks defined over it,
// the built-in detectors that need code (forms, viewport, dates, probe
// fields) and the stage rule documented in docs/methodology.md.
//
// The package is pure: no network, no database, no clock reads and no
// package-level mutable state, so any stored crawl can be re-analysed when
// the rules improve, and a Catalogue is safe for concurrent use. It may
// import only the standard library, goquery (and cascadia, which goquery
// brings), golang.org/x/..., htmlfacts and the root package egovbench.
package analyzer
