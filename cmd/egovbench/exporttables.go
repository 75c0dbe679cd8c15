package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// The tables behind the report's charts, for people who prefer their own
// tools. Like the latest table, their columns only ever grow at the end.
// The latest table (exportRow, the main contract) is written apart.
var exportTables = map[string]func(context.Context, *store.DB) (table, error){
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

// table is a header and rows of cells; JSON gets one object per row with
// the header as keys, in the header's order (as CSV columns and the latest
// table's keys are), and numbers kept as numbers.
type table struct {
	header []string
	rows   [][]any
}

func (t table) records() []record {
	out := make([]record, len(t.rows))
	for i, r := range t.rows {
		out[i] = record{keys: t.header, vals: r}
	}
	return out
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

func (t table) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.header); err != nil {
		return err
	}
	rec := make([]string, len(t.header))
	for _, r := range t.rows {
		for j, v := range r {
			rec[j] = cell(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

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

func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// historyTable is every assessment's stage and score: the maturity trend.
func historyTable(ctx context.Context, db *store.DB) (table, error) {
	pts, err := db.StageHistory(ctx)
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"target_id", "run_id", "crawled_at", "stage", "score"}}
	for _, p := range pts {
		t.rows = append(t.rows, []any{p.TargetID, p.RunID, rfc3339(p.At), p.Stage.String(), round1(p.Score)})
	}
	return t, nil
}

// uptimeTable is the daily uptime of every site, both ways, with latency.
func uptimeTable(ctx context.Context, db *store.DB) (table, error) {
	rs, err := db.Rollups(ctx, store.Daily, time.Time{}, time.Now())
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"target_id", "day", "checks", "successes", "blocked",
		"uptime_checks", "uptime_time", "latency_mean_ms", "latency_p95_ms", "latency_p50_ms"}}
	for _, r := range rs {
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
		t.rows = append(t.rows, []any{r.TargetID, r.Start.UTC().Format(time.DateOnly), r.Checks, r.Successes,
			r.Blocked, byChecks, byTime, mean, p95, p50})
	}
	return t, nil
}

// indicatorsTable is the share of sites meeting each indicator in their
// latest assessment: the indicator coverage chart as numbers.
func indicatorsTable(ctx context.Context, db *store.DB) (table, error) {
	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		return table{}, err
	}
	met := map[string]int{}
	assessed := 0
	for _, a := range latest {
		if !a.Reachable {
			continue
		}
		assessed++
		for _, id := range a.Met() {
			met[id]++
		}
	}
	t := table{header: []string{"indicator_id", "name_en", "name_id", "criterion", "stage", "sites_met", "sites_assessed", "share"}}
	for _, ind := range analyzer.DefaultCatalogue().Indicators() {
		var share any
		if assessed > 0 {
			share = round4(float64(met[ind.ID]) / float64(assessed))
		}
		t.rows = append(t.rows, []any{ind.ID, ind.NameEN, ind.NameID, string(ind.Criterion), ind.Stage.String(),
			met[ind.ID], assessed, share})
	}
	return t, nil
}

// hourlyTable is every site's hourly availability over the last 30 days:
// what the report's hour-of-day heat maps are drawn from.
func hourlyTable(ctx context.Context, db *store.DB) (table, error) {
	now := time.Now()
	rs, err := db.Rollups(ctx, store.Hourly, now.AddDate(0, 0, -30), now)
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"target_id", "hour", "checks", "successes", "blocked", "uptime_checks", "latency_mean_ms"}}
	for _, r := range rs {
		var byChecks, mean any
		if v, ok := r.CheckUptime(); ok {
			byChecks = round4(v)
		}
		if r.Successes > 0 {
			mean = round1(float64(r.LatencySum.Microseconds()) / float64(r.Successes) / 1000)
		}
		t.rows = append(t.rows, []any{r.TargetID, r.Start.UTC().Format(time.RFC3339), r.Checks, r.Successes, r.Blocked, byChecks, mean})
	}
	return t, nil
}

// outagesTable lists every recorded outage with its duration.
func outagesTable(ctx context.Context, db *store.DB) (table, error) {
	os, err := db.Outages(ctx, time.Time{}, time.Now())
	if err != nil {
		return table{}, err
	}
	t := table{header: []string{"target_id", "start", "end", "duration_s", "cause"}}
	for _, o := range os {
		var dur any
		if !o.End.IsZero() {
			dur = int64(o.End.Sub(o.Start).Seconds())
		}
		t.rows = append(t.rows, []any{o.TargetID, rfc3339(o.Start), rfc3339(o.End), dur, string(o.Cause)})
	}
	return t, nil
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }
