// Package reports turns domain values into a self-contained report folder:
// HTML pages from embedded html/template files and PNG charts drawn with
// gonum/plot. It owns the chart data computations (pure functions, golden
// tested as JSON), the drawing, the page templates, the stylesheet and the
// Indonesian and English labels.
//
// It may import the standard library, the root package egovbench and
// gonum.org/v1/plot. It never runs SQL and never imports store/, crawler/,
// analyzer/, fleet/ or schedule/: cmd/egovbench reads history through the
// store and hands it over as an Input.
//
// Everything that came from a website (titles, link texts, evidence, URLs) is
// treated as hostile: it is escaped by html/template, shown inside <bdi> so
// bidirectional controls cannot reorder the page, truncated, and turned into
// a link only when its scheme is http or https. Every page also carries a
// Content-Security-Policy that forbids scripts, so an escaping bug still
// cannot run code.
package reports
