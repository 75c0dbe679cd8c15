package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/store"
)

// exportColumns is the machine-readable contract researchers and scripts
// rely on (docs/export.md). Append new columns at the end; never reorder.
var exportColumns = []string{
	"target_id", "name", "url", "region", "level", "crawled_at", "reachable",
	"stage", "score", "indicators_met", "run_id", "catalogue_version", "status", "status_cause",
}

// exportRow is one target's latest assessment in the export contract.
type exportRow struct {
	TargetID  string `json:"target_id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	Region    string `json:"region"`
	Level     string `json:"level"`
	CrawledAt string `json:"crawled_at"` // RFC 3339 UTC; empty when never assessed
	Reachable bool   `json:"reachable"`
	Stage     string `json:"stage"`
	// Score is nil (CSV: empty, JSON: null) when nothing was measured: a
	// site that did not answer has no score, not a score of 0.
	Score            *float64 `json:"score"`
	IndicatorsMet    []string `json:"indicators_met"`
	RunID            int64    `json:"run_id"`
	CatalogueVersion string   `json:"catalogue_version"`
	// Status is the assessment's status (assessed, unreachable, blocked,
	// not_official); empty when never assessed. StatusCause says why not.
	Status      string `json:"status"`
	StatusCause string `json:"status_cause"`
}

// ExportCommand prints every target's latest assessment as CSV or JSON.
type ExportCommand struct{ *Env }

// Run implements command.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "export", "--db FILE [--format csv|json] [--table "+strings.Join(exportTableNames(), "|")+"]")
	dbPath := fs.String("db", "", "SQLite database")
	format := fs.String("format", "csv", "output format: csv or json")
	table := fs.String("table", "latest", "what to export: "+strings.Join(exportTableNames(), ", "))
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *dbPath == "" {
		return usagef("export needs --db")
	}
	if *format != "csv" && *format != "json" {
		return usagef("export: --format %q: want csv or json", *format)
	}
	export, ok := exportTables[*table]
	if !ok && *table != "latest" {
		return usagef("export: --table %q: want one of %s", *table, strings.Join(exportTableNames(), ", "))
	}
	db, err := store.Open(ctx, *dbPath, store.ReadOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	if *table != "latest" {
		t, err := export(ctx, db)
		if err != nil {
			return err
		}
		if *format == "json" {
			return writeExportJSON(c.Stdout, t.records())
		}
		return t.writeCSV(c.Stdout)
	}
	rows, err := exportRows(ctx, db)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeExportJSON(c.Stdout, rows)
	}
	return writeExportCSV(c.Stdout, rows)
}

func exportRows(ctx context.Context, db *store.DB) ([]exportRow, error) {
	targets, err := db.Targets(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].ID < targets[j].ID })
	rows := make([]exportRow, 0, len(targets))
	for _, t := range targets {
		r := exportRow{TargetID: t.ID, Name: t.Name, URL: t.URL, Region: t.Region, Level: t.Level,
			Stage: egovbench.StageNone.String(), IndicatorsMet: []string{}}
		if a, ok := latest[t.ID]; ok {
			r.CrawledAt = a.AssessedAt.UTC().Format(time.RFC3339)
			r.Reachable = a.Reachable
			r.Stage = a.Stage.String()
			if a.Status.Measured() {
				score := round1(a.Score)
				r.Score = &score
				if met := a.Met(); met != nil {
					r.IndicatorsMet = met
				}
			}
			r.RunID = a.RunID
			r.CatalogueVersion = a.CatalogueVersion
			r.Status = string(a.Status)
			if r.Status == "" {
				r.Status = string(egovbench.StatusAssessed)
			}
			r.StatusCause = a.StatusCause
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func round1(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
	return v
}

func writeExportJSON(w io.Writer, rows any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// writeExportCSV writes the rows; indicators_met is one cell of ids joined by ';'.
func writeExportCSV(w io.Writer, rows []exportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	for _, r := range rows {
		score := ""
		if r.Score != nil {
			score = strconv.FormatFloat(*r.Score, 'f', 1, 64)
		}
		rec := []string{
			csvSafe(r.TargetID), csvSafe(r.Name), csvSafe(r.URL), csvSafe(r.Region), csvSafe(r.Level),
			r.CrawledAt, strconv.FormatBool(r.Reachable), r.Stage,
			score, strings.Join(r.IndicatorsMet, ";"),
			strconv.FormatInt(r.RunID, 10), csvSafe(r.CatalogueVersion), r.Status, csvSafe(r.StatusCause),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses cells a spreadsheet would run as a formula: a name that
// starts with = in a targets file must not become code in an analyst's Excel.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
