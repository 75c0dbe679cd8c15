package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/reports"
	"github.com/egovbench/egovbench/store"
)

// ReportCommand writes the HTML report with PNG charts from the stored history.
type ReportCommand struct{ *Env }

// reportFlags are shared by report, demo and schedule.
type reportFlags struct {
	lang string
	tz   string
	// since and compare choose the baseline of the changes (report only):
	// a date (YYYY-MM-DD in tz, or RFC 3339) or a run id; empty and 0 mean
	// the run before the latest.
	since   string
	compare int64
	// until makes the whole report as of a past moment (report only): a
	// day in tz (the state at its end) or an RFC 3339 time; empty: now.
	until string
}

func (f *reportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.lang, "lang", "", "report language: id (Bahasa Indonesia) or en (default: id when most targets are Indonesian, else en)")
	fs.StringVar(&f.tz, "tz", "Asia/Makassar", "IANA time zone for dates and hour-of-day profiles")
}

// Run implements command.
func (c *ReportCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "report", "--db FILE --out DIR [--lang id|en] [--tz ZONE]")
	dbPath := fs.String("db", "", "SQLite database")
	out := fs.String("out", "", "folder to write the report into (created if missing)")
	catPath := fs.String("catalogue", "", "indicator catalogue file (for the methodology page)")
	var rf reportFlags
	rf.register(fs)
	fs.StringVar(&rf.since, "since", "", "compare the latest state with the state before this date (YYYY-MM-DD in --tz, or RFC 3339) instead of the previous run")
	fs.Int64Var(&rf.compare, "compare", 0, "compare the latest state with the state as of this run id instead of the previous run")
	fs.StringVar(&rf.until, "until", "", "report the state as it stood at the end of this date (YYYY-MM-DD in --tz) or at this RFC 3339 time instead of now; with --since or --compare, compares two chosen dates")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *dbPath == "" || *out == "" {
		return usagef("report needs --db and --out")
	}
	if rf.since != "" && rf.compare != 0 {
		return usagef("report: give --since or --compare, not both")
	}
	if rf.compare < 0 {
		return usagef("report: --compare %d: a run id is positive", rf.compare)
	}
	cat, err := loadCatalogue(*catPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath, store.ReadOnly())
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	in, err := reportInput(ctx, db, cat, rf, now)
	if err != nil {
		return err
	}
	if err := publishReport(ctx, db, *out, in, now); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintf(c.Stdout, "report: %s\n", indexPath(*out))
	return nil
}

// reportAgreement turns a measured agreement into what the report shows.
func reportAgreement(cal analyzer.Calibration) *reports.Agreement {
	ag := &reports.Agreement{Source: cal.Source, SourceID: cal.SourceID, Labelled: cal.Pages, Exact: cal.Exact,
		Adjacent: cal.Adjacent, Kappa: cal.Kappa, Matrix: cal.Matrix}
	for _, f := range cal.Features {
		ag.Features = append(ag.Features, reports.FeatureAgreement{Feature: f.Feature, Precision: f.Precision,
			Recall: f.Recall, F1: f.F1, Support: f.Support})
	}
	return ag
}

// publishReport writes in as the report shown at out, replacing the one
// there all at once (see reports.Publish): the daemon serves out while it
// regenerates it, and anyone may be reading it. The data tables are the
// exports as of now (also with --until, which moves only the pages back).
func publishReport(ctx context.Context, db *store.DB, out string, in reports.Input, now time.Time) error {
	// The report shown now is the previous one: what did not change since
	// is linked from it rather than drawn again.
	return reports.Publish(ctx, out, func(ctx context.Context, into, prev string) error {
		return writeReport(ctx, db, into, prev, in, now)
	})
}

// reportInput reads from the store everything the report shows.
func reportInput(ctx context.Context, db *store.DB, cat *analyzer.Catalogue, rf reportFlags, now time.Time) (reports.Input, error) {
	loc, err := time.LoadLocation(rf.tz)
	if err != nil {
		return reports.Input{}, fmt.Errorf("--tz: %w", err)
	}
	in := reports.Input{
		GeneratedAt:      now.UTC(),
		Lang:             rf.lang,
		Location:         loc,
		Indicators:       cat.Indicators(),
		Frameworks:       cat.Frameworks(),
		CatalogueVersion: cat.Version(),
	}
	if val, ok := analyzer.MeasuredValidation(cat); ok {
		in.Validation = reportAgreement(val)
	}
	if cal, ok := analyzer.MeasuredCalibration(cat); ok {
		in.Agreement = reportAgreement(cal)
	}
	if in.Targets, err = db.Targets(ctx); err != nil {
		return in, err
	}
	if in.Lang == "" {
		in.Lang = reports.DefaultLang(in.Targets)
	}
	src := storeSource{db: db, q: store.SiteQuery{DailyTo: now, OutagesFrom: now.AddDate(-1, 0, 0), OutagesTo: now}, now: now}
	if rf.until != "" {
		// The report's "now" moves back: the latest state, its history,
		// the uptime windows and the outages all end there, so the report
		// reads as it would have been written then.
		at, err := parseUntil(rf.until, loc)
		if err != nil {
			return in, err
		}
		if at.After(now) {
			return in, usagef("report: --until %s is in the future", rf.until)
		}
		now = at
		in.GeneratedAt = now.UTC()
		src = storeSource{db: db, q: store.SiteQuery{Until: now, DailyTo: now, OutagesFrom: now.AddDate(-1, 0, 0), OutagesTo: now}, now: now}
	}
	switch {
	case rf.since != "":
		at, err := parseSince(rf.since, loc)
		if err != nil {
			return in, err
		}
		if !at.Before(now) {
			return in, usagef("report: --since %s is not before the moment the report is as of (%s)", rf.since, now.In(loc).Format(time.RFC3339))
		}
		in.Since, src.q.PreviousAsOf = at, at
	case rf.compare != 0:
		if _, err := db.Run(ctx, rf.compare); errors.Is(err, egovbench.ErrNotFound) {
			return in, fmt.Errorf("--compare: no run %d in the database", rf.compare)
		} else if err != nil {
			return in, err
		}
		at, err := db.RunAssessedAt(ctx, rf.compare)
		if err != nil {
			return in, err
		}
		if !at.Before(now) {
			return in, usagef("report: --compare %d: run crawled at %s, not before the moment the report is as of (%s)", rf.compare, at.In(loc).Format(time.RFC3339), now.In(loc).Format(time.RFC3339))
		}
		in.SinceRun, in.SinceRunAt, src.q.PreviousRun = rf.compare, at, rf.compare
	}
	runs, err := db.Runs(ctx)
	if err != nil {
		return in, err
	}
	in.Runs = make(map[int64]egovbench.Run, len(runs))
	for _, run := range runs {
		in.Runs[run.ID] = run
	}
	if in.NewestAt, in.NewestRun, err = db.NewestAssessmentBefore(ctx, src.q.Until); err != nil {
		return in, err
	}
	if in.LastCrawl, err = dataCrawl(ctx, db, in.NewestRun); err != nil {
		return in, err
	}
	if in.DegradedRounds, err = db.DegradedRounds(ctx, now.AddDate(0, 0, -30), now.Add(time.Second)); err != nil {
		return in, err
	}
	in.Source = src
	return in, nil
}

// writeReport writes the report folder: beside the pages and charts,
// data/<table>.csv holds each table of `export --table`, made by the same
// code, and every chart links to the tables it is drawn from. The tables
// are under the report's manifest: one whose data did not change since the
// previous report (by the store's stamps) is linked from it.
func writeReport(ctx context.Context, db *store.DB, dir, prev string, in reports.Input, now time.Time) error {
	st, err := db.DataStamps(ctx)
	if err != nil {
		return err
	}
	var files []reports.File
	for _, name := range exportTableNames() {
		if name == "uptime" {
			months, err := uptimeMonthFiles(ctx, db, st, now)
			if err != nil {
				return err
			}
			files = append(files, months...)
			continue
		}
		files = append(files, reports.File{
			Name: reportDataDir + "/" + name + ".csv",
			Key:  tableKey(name, st, now),
			Write: func(path string) error {
				if err := writeTableFile(ctx, db, name, path, now); err != nil {
					return fmt.Errorf("report data %s: %w", name, err)
				}
				return nil
			},
		})
	}
	in.DataDir = reportDataDir
	in.DataFiles = map[string]string{"uptime": uptimeDir + "/"}
	return reports.WriteWith(ctx, dir, in, reports.WriteOptions{Previous: prev, Files: files})
}

// tableKey stands for what an export table cut off at now is made from:
// the stamps of the data it reads and, for the tables read up to now, the
// part of now that chooses their rows. The hourly table's 30 days move
// with every hour; beyond that, a moment after the newest probe chooses
// the same rows as any other.
func tableKey(name string, st store.DataStamps, now time.Time) string {
	end := "after-newest-probe"
	if !now.After(st.NewestProbe) {
		end = strconv.FormatInt(now.UnixMilli(), 10)
	}
	switch name {
	case "latest", "history", "indicators":
		return st.Assessments
	case "uptime", "outages":
		return st.Probes + " " + end
	case "hourly":
		// As EachRollup reads the hourly window: from the hour holding
		// now-30 days.
		return st.Probes + " " + end + " " + now.AddDate(0, 0, -30).UTC().Truncate(time.Hour).Format(time.RFC3339)
	}
	return "" // a table without a known key is always written
}

// reportDataDir is the report's folder of CSV tables.
const reportDataDir = "data"

// uptimeDir is the folder, in reportDataDir, of the uptime table's months.
const uptimeDir = "uptime"

// uptimeMonthFiles are the uptime table of the report (the export's as of
// now) split by the UTC month of its day: uptime/YYYY-MM.csv for each month
// with rows, each with the header and its rows in the export's order
// (target, then day). One table of every day was rewritten whole by each
// day of probes; now a day of probes rewrites its month (and the month
// before when a probe after midnight on the 1st counts time in the last
// day of that month), and the other months are kept from the previous
// report. A month's key is the targets' stamp and the write count of each
// of its days up to the table's last (store.DataStamps.Days), which moves
// whenever a day's rows change: the file holds exactly those days' rows.
func uptimeMonthFiles(ctx context.Context, db *store.DB, st store.DataStamps, now time.Time) ([]reports.File, error) {
	// The last day the table holds: EachRollup reads the days that start
	// before now.
	last := now.Add(-time.Millisecond).UTC().Format(time.DateOnly)
	type month struct {
		start time.Time
		key   strings.Builder
	}
	var months []*month
	for _, d := range st.Days {
		day, err := time.Parse(time.DateOnly, d.Day)
		if err != nil {
			return nil, fmt.Errorf("report data uptime: stored day %q: %w", d.Day, err)
		}
		start := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		if len(months) == 0 || !months[len(months)-1].start.Equal(start) {
			m := &month{start: start}
			m.key.WriteString("uptime month v1 " + st.Targets)
			months = append(months, m)
		}
		// The month's rows are those of the days listed up to last: a
		// later day (a clock behind the probes) is not in the table, and
		// its key says nothing of the days it does not hold.
		if d.Day <= last {
			fmt.Fprintf(&months[len(months)-1].key, " %s:%d", d.Day, d.Writes)
		}
	}
	var files []reports.File
	for _, m := range months {
		if m.start.Format(time.DateOnly) > last {
			continue // every day of it is after the table's end
		}
		from, to := m.start, m.start.AddDate(0, 1, 0)
		if to.After(now) {
			to = now
		}
		name := reportDataDir + "/" + uptimeDir + "/" + m.start.Format("2006-01") + ".csv"
		files = append(files, reports.File{
			Name: name,
			Key:  m.key.String(),
			Write: func(path string) error {
				if err := writeCSVFile(path, func(w io.Writer) error {
					return uptimeRows(ctx, db, newRowSink(w, "csv"), from, to)
				}); err != nil {
					return fmt.Errorf("report %s: %w", name, err)
				}
				return nil
			},
		})
	}
	return files, nil
}

// writeTableFile writes one export table as CSV into path.
func writeTableFile(ctx context.Context, db *store.DB, name, path string, now time.Time) error {
	return writeCSVFile(path, func(w io.Writer) error {
		if name == "latest" {
			return exportLatest(ctx, db, w, "csv")
		}
		return exportTables[name](ctx, db, newRowSink(w, "csv"), now)
	})
}

// writeCSVFile creates path and writes it with write, buffered.
func writeCSVFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	if err := write(w); err != nil {
		return err
	}
	return w.Flush()
}

// dataCrawl is the crawl whose settings the report shows: the one that
// made the newest assessment (for a re-analysis, the crawl it re-read), else
// the newest crawl run; nil when there has been none.
func dataCrawl(ctx context.Context, db *store.DB, newestRun int64) (*egovbench.Run, error) {
	if newestRun != 0 {
		run, err := db.Run(ctx, newestRun)
		if err == nil && run.Kind == egovbench.RunAnalyze && run.SourceRun != 0 {
			run, err = db.Run(ctx, run.SourceRun)
		}
		if err == nil && run.Kind == egovbench.RunCrawl {
			return &run, nil
		}
		if err != nil && !errors.Is(err, egovbench.ErrNotFound) {
			return nil, err
		}
	}
	run, err := db.LatestRun(ctx, egovbench.RunCrawl)
	if errors.Is(err, egovbench.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &run, nil
}

// storeSource streams a report's per-site data from the store, a page of
// targets at a time: daily rollups over all history (a policymaker compares
// years), outages of the last year, and as the previous state the baseline
// the reader chose (q).
type storeSource struct {
	db  *store.DB
	q   store.SiteQuery
	now time.Time
}

func (s storeSource) EachSite(ctx context.Context, fn func(egovbench.SiteRecord) error) error {
	return s.db.EachSite(ctx, s.q, fn)
}

func (s storeSource) EachSiteBrief(ctx context.Context, detail func(egovbench.SiteRecord) bool, fn func(egovbench.SiteRecord) error) error {
	q := s.q
	q.Detail = detail
	return s.db.EachSite(ctx, q, fn)
}

// EachHourly serves the hour-of-day profile, which looks at the last 30
// days: older habits of a server say little about today's.
func (s storeSource) EachHourly(ctx context.Context, fn func(egovbench.Rollup) error) error {
	return s.db.EachRollup(ctx, store.Hourly, s.now.AddDate(0, 0, -30), s.now, fn)
}

// parseSince reads --since: a day in the report's zone (the state before
// that day began) or an RFC 3339 instant.
func parseSince(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a date YYYY-MM-DD or an RFC 3339 time", s)
}

// parseUntil reads --until: a day in the report's zone (the state at its
// end, that is before the next day began) or an RFC 3339 instant.
func parseUntil(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--until %q: want a date YYYY-MM-DD or an RFC 3339 time", s)
}

func indexPath(dir string) string { return filepath.Join(dir, "index.html") }
