package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// The tables behind the report's charts, for people who prefer their own
// tools. Like the latest table, their columns only ever grow at the end.
// The latest table (exportRow, the main contract) is written apart. Each
// streams its rows into the sink as the store reads them. now bounds the
// tables over time (rollups and outages before it, the hourly table's 30
// days): the export's clock, or the report's.
var exportTables = map[string]func(ctx context.Context, db *store.DB, out rowSink, now time.Time) error{
	"history":    historyTable,
	"uptime":     uptimeTable,
	"indicators": indicatorsTable,
	"outages":    outagesTable,
	"hourly":     hourlyTable,
}

func exportTableNames() []string {
	names := []string{"latest"}
	for n := range exportTables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// rowSink receives a table: its header once, then rows of cells, then close.
type rowSink interface {
	header(cols ...string) error
	row(cells ...any) error
	close() error
}

func newRowSink(w io.Writer, format string) rowSink {
	if format == "json" {
		return &jsonSink{arr: jsonArray{w: w}}
	}
	s := &csvSink{}
	s.quoter = csv.NewWriter(&s.quoted)
	if bw, ok := w.(*bufio.Writer); ok {
		s.w = bw
	} else {
		s.w, s.own = bufio.NewWriter(w), true
	}
	return s
}

// csvSink writes a header line and one line per row, as encoding/csv
// does. A line is built in one buffer, numbers appended in place: the
// uptime table has millions of rows, and a string per cell for csv.Writer
// was most of its cost. A field that plainly needs no quotes is copied as
// is; any other goes through csv.Writer, so quoting is the standard
// library's (FuzzCSVSink compares the two).
type csvSink struct {
	w      *bufio.Writer
	own    bool // w was made here: close flushes it
	line   []byte
	quoted bytes.Buffer
	quoter *csv.Writer // writes one field into quoted
}

func (s *csvSink) header(cols ...string) error {
	s.line = s.line[:0]
	for j, c := range cols {
		if j > 0 {
			s.line = append(s.line, ',')
		}
		s.line = s.appendField(s.line, c)
	}
	return s.writeLine()
}

func (s *csvSink) row(cells ...any) error {
	s.line = s.line[:0]
	for j, v := range cells {
		if j > 0 {
			s.line = append(s.line, ',')
		}
		s.line = s.appendCell(s.line, v)
	}
	return s.writeLine()
}

func (s *csvSink) writeLine() error {
	s.line = append(s.line, '\n')
	_, err := s.w.Write(s.line)
	return err
}

// appendCell appends what cell(v) is, as a CSV field.
func (s *csvSink) appendCell(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return s.appendField(b, csvSafe(x))
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	}
	return s.appendField(b, cell(v))
}

// appendField appends f as csv.Writer writes a field.
func (s *csvSink) appendField(b []byte, f string) []byte {
	if plainCSV(f) {
		return append(b, f...)
	}
	s.quoted.Reset()
	// Writes to a bytes.Buffer do not fail.
	_ = s.quoter.Write([]string{f})
	s.quoter.Flush()
	q := s.quoted.Bytes()
	return append(b, q[:len(q)-1]...) // without the record's newline
}

// plainCSV reports whether csv.Writer writes f as is: printable ASCII with
// neither quote nor comma, and not the one field it quotes anyway (\.).
// (It would write more fields as is; those take the slower path.)
func plainCSV(f string) bool {
	for i := 0; i < len(f); i++ {
		if c := f[i]; c <= ' ' || c > '~' || c == '"' || c == ',' {
			return false
		}
	}
	return f != `\.`
}

func (s *csvSink) close() error {
	if s.own {
		return s.w.Flush()
	}
	return nil
}

// jsonSink writes one object per row with the header as keys, in the
// header's order (as CSV columns and the latest table's keys are), and
// numbers kept as numbers.
type jsonSink struct {
	arr  jsonArray
	cols []string
}

func (s *jsonSink) header(cols ...string) error {
	s.cols = slices.Clone(cols)
	return nil
}

func (s *jsonSink) row(cells ...any) error {
	return s.arr.add(record{keys: s.cols, vals: cells})
}

// record is one row as a JSON object whose keys keep the column order; a
// map would sort them.
type record struct {
	keys []string
	vals []any
}

// MarshalJSON implements json.Marshaler.
func (r record) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range r.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(r.vals[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", k, err)
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (s *jsonSink) close() error { return s.arr.close() }

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvSafe(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// dateOnly is t.UTC().Format(time.DateOnly) without going through the
// layout, for the uptime table's millions of days.
func dateOnly(t time.Time) string {
	y, m, d := t.UTC().Date()
	if y < 0 || y > 9999 {
		return t.UTC().Format(time.DateOnly)
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// historyTable is every assessment's stage and score: the maturity trend.
func historyTable(ctx context.Context, db *store.DB, out rowSink, _ time.Time) error {
	if err := out.header("target_id", "run_id", "crawled_at", "stage", "score"); err != nil {
		return err
	}
	err := db.EachStagePoint(ctx, func(p egovbench.StagePoint) error {
		return out.row(p.TargetID, p.RunID, rfc3339(p.At), p.Stage.String(), round1(p.Score))
	})
	if err != nil {
		return err
	}
	return out.close()
}

// uptimeTable is the daily uptime of every site, both ways, with latency.
func uptimeTable(ctx context.Context, db *store.DB, out rowSink, now time.Time) error {
	return uptimeRows(ctx, db, out, time.Time{}, now)
}

// uptimeRows is the uptime table of the days that start in [from rounded
// down to its day, to): the report writes it a month at a time.
func uptimeRows(ctx context.Context, db *store.DB, out rowSink, from, to time.Time) error {
	if err := out.header("target_id", "day", "checks", "successes", "blocked",
		"uptime_checks", "uptime_time", "latency_mean_ms", "latency_p95_ms", "latency_p50_ms"); err != nil {
		return err
	}
	err := db.EachRollup(ctx, store.Daily, from, to, func(r egovbench.Rollup) error {
		var byChecks, byTime, mean, p95, p50 any
		if v, ok := r.CheckUptime(); ok {
			byChecks = round4(v)
		}
		if v, ok := r.TimeUptime(); ok {
			byTime = round4(v)
		}
		if r.Successes > 0 {
			mean = round1(float64(r.LatencySum.Microseconds()) / float64(r.Successes) / 1000)
			p95 = round1(float64(r.LatencyP95.Microseconds()) / 1000)
			p50 = round1(float64(r.LatencyP50.Microseconds()) / 1000)
		}
		return out.row(r.TargetID, dateOnly(r.Start), r.Checks, r.Successes,
			r.Blocked, byChecks, byTime, mean, p95, p50)
	})
	if err != nil {
		return err
	}
	return out.close()
}

// indicatorsTable is the share of sites meeting each indicator in their
// latest assessment: the indicator coverage chart as numbers.
func indicatorsTable(ctx context.Context, db *store.DB, out rowSink, _ time.Time) error {
	met := map[string]int{}
	assessed := 0
	err := db.EachLatest(ctx, true, func(_ egovbench.Target, a *egovbench.Assessment) error {
		if a == nil || !a.Reachable {
			return nil
		}
		assessed++
		for _, id := range a.Met() {
			met[id]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := out.header("indicator_id", "name_en", "name_id", "criterion", "stage", "sites_met", "sites_assessed", "share"); err != nil {
		return err
	}
	for _, ind := range analyzer.DefaultCatalogue().Indicators() {
		var share any
		if assessed > 0 {
			share = round4(float64(met[ind.ID]) / float64(assessed))
		}
		if err := out.row(ind.ID, ind.NameEN, ind.NameID, string(ind.Criterion), ind.Stage.String(),
			met[ind.ID], assessed, share); err != nil {
			return err
		}
	}
	return out.close()
}

// hourlyTable is every site's hourly availability over the last 30 days:
// what the report's hour-of-day heat maps are drawn from.
func hourlyTable(ctx context.Context, db *store.DB, out rowSink, now time.Time) error {
	if err := out.header("target_id", "hour", "checks", "successes", "blocked", "uptime_checks", "latency_mean_ms"); err != nil {
		return err
	}
	err := db.EachRollup(ctx, store.Hourly, now.AddDate(0, 0, -30), now, func(r egovbench.Rollup) error {
		var byChecks, mean any
		if v, ok := r.CheckUptime(); ok {
			byChecks = round4(v)
		}
		if r.Successes > 0 {
			mean = round1(float64(r.LatencySum.Microseconds()) / float64(r.Successes) / 1000)
		}
		return out.row(r.TargetID, r.Start.UTC().Format(time.RFC3339), r.Checks, r.Successes, r.Blocked, byChecks, mean)
	})
	if err != nil {
		return err
	}
	return out.close()
}

// outagesTable lists every recorded outage with its duration.
func outagesTable(ctx context.Context, db *store.DB, out rowSink, now time.Time) error {
	if err := out.header("target_id", "start", "end", "duration_s", "cause"); err != nil {
		return err
	}
	err := db.EachOutage(ctx, time.Time{}, now, func(o egovbench.Outage) error {
		var dur any
		if !o.End.IsZero() {
			dur = int64(o.End.Sub(o.Start).Seconds())
		}
		return out.row(o.TargetID, rfc3339(o.Start), rfc3339(o.End), dur, string(o.Cause))
	})
	if err != nil {
		return err
	}
	return out.close()
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }
