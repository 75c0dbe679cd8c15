package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
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
	// Rows go out as they are read: memory stays flat however many targets,
	// days or outages there are.
	bw := bufio.NewWriterSize(c.Stdout, 64<<10)
	if *table != "latest" {
		if err := export(ctx, db, newRowSink(bw, *format), time.Now()); err != nil {
			return err
		}
	} else if err := exportLatest(ctx, db, bw, *format); err != nil {
		return err
	}
	return bw.Flush()
}

// exportLatest writes the contract table, one target at a time.
func exportLatest(ctx context.Context, db *store.DB, w io.Writer, format string) error {
	var (
		ja jsonArray
		cw *csv.Writer
	)
	if format == "json" {
		ja.w = w
	} else {
		cw = csv.NewWriter(w)
		if err := cw.Write(exportColumns); err != nil {
			return err
		}
	}
	err := db.EachLatest(ctx, true, func(t egovbench.Target, a *egovbench.Assessment) error {
		r := exportRowOf(t, a)
		if cw == nil {
			return ja.add(r)
		}
		return cw.Write(r.csv())
	})
	if err != nil {
		return err
	}
	if cw == nil {
		return ja.close()
	}
	cw.Flush()
	return cw.Error()
}

// exportRowOf is a target's row; a is its latest assessment, nil if none.
func exportRowOf(t egovbench.Target, a *egovbench.Assessment) exportRow {
	r := exportRow{TargetID: t.ID, Name: t.Name, URL: t.URL, Region: t.Region, Level: t.Level,
		Stage: egovbench.StageNone.String(), IndicatorsMet: []string{}}
	if a != nil {
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
	return r
}

// round1 is f rounded to one decimal as FormatFloat(f, 'f', 1, 64) writes
// it (the decimal nearest f's exact value, a tie to even), read back.
// Away from a tie that decimal is the integer nearest 10f over ten, and
// Round(10f)/10 is the float nearest it, as ParseFloat's is (IEEE division
// rounds correctly): computed so, without the text, for the millions of
// latencies of the uptime table. Below 2^29, 10f is off by less than 1e-7,
// far inside the 1e-6 kept from a tie (TestRound1 compares the two).
func round1(f float64) float64 {
	if y := f * 10; math.Abs(y) < 1<<29 {
		if fr := y - math.Floor(y); math.Abs(fr-0.5) > 1e-6 {
			return math.Round(y) / 10
		}
	}
	return round1Text(f)
}

// round1Text is round1 through the text.
func round1Text(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
	return v
}

// writeExportJSON writes rows as one indented JSON array, the layout of
// every --format json output.
func writeExportJSON(w io.Writer, rows any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// jsonArray writes a JSON array one element at a time, in the layout
// json.Encoder with a two-space indent gives the whole slice, so streaming
// changed no byte of the output.
type jsonArray struct {
	w io.Writer
	n int
}

func (j *jsonArray) add(v any) error {
	b, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n  "
	if j.n == 0 {
		sep = "[\n  "
	}
	j.n++
	if _, err := io.WriteString(j.w, sep); err != nil {
		return err
	}
	_, err = j.w.Write(b)
	return err
}

func (j *jsonArray) close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

// csv is the row as CSV cells; indicators_met is one cell of ids joined by ';'.
func (r exportRow) csv() []string {
	score := ""
	if r.Score != nil {
		score = strconv.FormatFloat(*r.Score, 'f', 1, 64)
	}
	return []string{
		csvSafe(r.TargetID), csvSafe(r.Name), csvSafe(r.URL), csvSafe(r.Region), csvSafe(r.Level),
		r.CrawledAt, strconv.FormatBool(r.Reachable), r.Stage,
		score, strings.Join(r.IndicatorsMet, ";"),
		strconv.FormatInt(r.RunID, 10), csvSafe(r.CatalogueVersion), r.Status, csvSafe(r.StatusCause),
	}
}

// csvSafe defuses cells a spreadsheet would run as a formula: a name that
// starts with = in a targets file must not become code in an analyst's Excel.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
