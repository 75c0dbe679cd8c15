// Package schedule runs egovbench unattended: it owns the daemon's YAML
// configuration (with defaults and field-naming validation), the cron loop
// that starts deep crawls, uptime probe rounds, report regeneration and
// pruning on their own schedules in the analyst's time zone, the alerter that
// posts webhook events when a site goes down, recovers or drops a stage
// (its state and queue kept in an AlertStore, the daemon's database), the
// Prometheus-format metrics and the optional HTTP listener (/healthz,
// /metrics and the report directory as static files).
//
// The work itself is handed in as functions (Jobs), so this package imports
// only the standard library, the root package egovbench, robfig/cron/v3 (cron
// expression parsing) and gopkg.in/yaml.v3. It never imports crawler,
// analyzer, store, reports or fleet; cmd/egovbench wires them to it.
//
// Like cmd, the scheduler loop and the alerter log through log/slog: they
// run unattended, so there is no caller to return their errors to.
package schedule
