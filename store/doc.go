// Package store persists egovbench's domain values in one SQLite file
// (mattn/go-sqlite3): targets, runs and their per-target crawl state (what
// makes a killed run resumable), content-addressed zstd-compressed page
// bodies, external links, uptime probes with hourly and daily rollups and
// outages, analyst maintenance windows, assessments with indicators,
// evidence and dead services, and the daemon lock.
//
// The schema is a public interface for researchers who query the file
// directly; it is documented in docs/schema.md and a test keeps the two in
// step. Migrations are numbered, embedded and append-only.
//
// Conventions: every timestamp column is INTEGER Unix milliseconds UTC,
// except UTC days kept as TEXT 'YYYY-MM-DD' where the day is the key; every
// duration column is INTEGER microseconds and ends in _us.
//
// store imports the root package egovbench, the standard library,
// mattn/go-sqlite3 and klauspost/compress/zstd. It never imports crawler,
// analyzer, reports, fleet or schedule, and it does not log: it returns
// errors and data.
package store
