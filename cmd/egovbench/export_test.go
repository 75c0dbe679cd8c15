package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// TestExportStreamsSameBytes checks that the streamed export of every table,
// in CSV and JSON, is byte for byte what loading everything first and
// encoding it at once gives (the implementation before exports streamed,
// kept here as the reference).
func TestExportStreamsSameBytes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	if err := genReportDB(ctx, path, analyzer.DefaultCatalogue(), 300, 3); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// A target never assessed, with cells a spreadsheet or a browser would run.
	if err := db.UpsertTargets(ctx, []egovbench.Target{{ID: "aaa-never", Name: "=HYPERLINK(\"x\")", URL: "https://x.example/<b>&", Region: "+62"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, table := range exportTableNames() {
		for _, format := range []string{"csv", "json"} {
			want[table+"/"+format] = refExport(t, ctx, db, table, format)
		}
	}
	db.Close()
	for _, table := range exportTableNames() {
		for _, format := range []string{"csv", "json"} {
			got := mustRun(t, ctx, "export", "--db", path, "--format", format, "--table", table)
			w := want[table+"/"+format]
			if got != w {
				t.Errorf("export --table %s --format %s differs from the reference (%d vs %d bytes):\n got %.600s\nwant %.600s",
					table, format, len(got), len(w), got, w)
			}
			// The hourly table covers the 30 days before now; the
			// generated history ended before that.
			if strings.Count(got, "\n") < 4 && table != "hourly" {
				t.Errorf("export --table %s --format %s: too few rows to compare:\n%s", table, format, got)
			}
		}
	}
}

// refExport is the export as it was before streaming: every row in memory.
func refExport(t *testing.T, ctx context.Context, db *store.DB, table, format string) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if table == "latest" {
		targets, err := db.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		latest, err := db.LatestAssessments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(targets, func(i, j int) bool { return targets[i].ID < targets[j].ID })
		rows := make([]exportRow, 0, len(targets))
		for _, tg := range targets {
			var a *egovbench.Assessment
			if l, ok := latest[tg.ID]; ok {
				a = &l
			}
			rows = append(rows, exportRowOf(tg, a))
		}
		if format == "json" {
			if err := enc.Encode(rows); err != nil {
				t.Fatal(err)
			}
			return buf.String()
		}
		cw := csv.NewWriter(&buf)
		cw.Write(exportColumns)
		for _, r := range rows {
			cw.Write(r.csv())
		}
		cw.Flush()
		return buf.String()
	}
	var header []string
	var rows [][]any
	now := time.Now()
	switch table {
	case "history":
		header = []string{"target_id", "run_id", "crawled_at", "stage", "score"}
		pts, err := db.StageHistory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pts {
			rows = append(rows, []any{p.TargetID, p.RunID, rfc3339(p.At), p.Stage.String(), round1(p.Score)})
		}
	case "uptime":
		header = []string{"target_id", "day", "checks", "successes", "blocked",
			"uptime_checks", "uptime_time", "latency_mean_ms", "latency_p95_ms", "latency_p50_ms"}
		rs, err := db.Rollups(ctx, store.Daily, time.Time{}, now)
		if err != nil {
			t.Fatal(err)
		}
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
			rows = append(rows, []any{r.TargetID, r.Start.UTC().Format(time.DateOnly), r.Checks, r.Successes,
				r.Blocked, byChecks, byTime, mean, p95, p50})
		}
	case "indicators":
		header = []string{"indicator_id", "name_en", "name_id", "criterion", "stage", "sites_met", "sites_assessed", "share"}
		latest, err := db.LatestAssessments(ctx)
		if err != nil {
			t.Fatal(err)
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
		for _, ind := range analyzer.DefaultCatalogue().Indicators() {
			var share any
			if assessed > 0 {
				share = round4(float64(met[ind.ID]) / float64(assessed))
			}
			rows = append(rows, []any{ind.ID, ind.NameEN, ind.NameID, string(ind.Criterion), ind.Stage.String(), met[ind.ID], assessed, share})
		}
	case "hourly":
		header = []string{"target_id", "hour", "checks", "successes", "blocked", "uptime_checks", "latency_mean_ms"}
		rs, err := db.Rollups(ctx, store.Hourly, now.AddDate(0, 0, -30), now)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			var byChecks, mean any
			if v, ok := r.CheckUptime(); ok {
				byChecks = round4(v)
			}
			if r.Successes > 0 {
				mean = round1(float64(r.LatencySum.Microseconds()) / float64(r.Successes) / 1000)
			}
			rows = append(rows, []any{r.TargetID, r.Start.UTC().Format(time.RFC3339), r.Checks, r.Successes, r.Blocked, byChecks, mean})
		}
	case "outages":
		header = []string{"target_id", "start", "end", "duration_s", "cause"}
		os, err := db.Outages(ctx, time.Time{}, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range os {
			var dur any
			if !o.End.IsZero() {
				dur = int64(o.End.Sub(o.Start).Seconds())
			}
			rows = append(rows, []any{o.TargetID, rfc3339(o.Start), rfc3339(o.End), dur, string(o.Cause)})
		}
	default:
		t.Fatalf("no reference for table %q", table)
	}
	if format == "json" {
		recs := make([]record, len(rows))
		for i, r := range rows {
			recs[i] = record{keys: header, vals: r}
		}
		if err := enc.Encode(recs); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	cw := csv.NewWriter(&buf)
	cw.Write(header)
	for _, r := range rows {
		rec := make([]string, len(r))
		for j, v := range r {
			rec[j] = cell(v)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return buf.String()
}

// FuzzCSVSink: the CSV tables' writer gives, for any header and cells,
// the bytes encoding/csv gives for the cells as strings (cell).
func FuzzCSVSink(f *testing.F) {
	for _, s := range []string{"", "desa-00001", `\.`, " lead", "a,b", `say "hi"`, "two\nlines", "cr\r", "=1+1",
		"\u00a0nbsp", "é", "\t", "x y", "'", "-5"} {
		f.Add(s, s+"!", int64(len(s)), float64(len(s))/7, len(s)%2 == 0)
	}
	f.Fuzz(func(t *testing.T, a, b string, n int64, x float64, ok bool) {
		cells := []any{a, nil, b, n, int(n), x, ok, round4(x)}
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		rec := make([]string, len(cells))
		for i, c := range cells {
			rec[i] = cell(c)
		}
		if err := cw.Write([]string{a, b}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := cw.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		cw.Flush()
		var got bytes.Buffer
		s := newRowSink(&got, "csv")
		if err := s.header(a, b); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.row(cells...); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("got\n%q\nwant\n%q", got.String(), want.String())
		}
	})
}

// TestRound1: round1 is the text round trip, bit for bit, on ties and
// near-ties, on the latencies the uptime table rounds (microseconds over
// a thousand, sums over counts) and on values of every magnitude.
func TestRound1(t *testing.T) {
	check := func(f float64) {
		t.Helper()
		if got, want := round1(f), round1Text(f); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("round1(%v) = %v, want %v", f, got, want)
		}
	}
	for _, f := range []float64{0, math.Copysign(0, -1), -0.04, 0.05, 0.15, 0.25, -0.25, 2.5, 1.05, 1e15, -1e300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 1 << 29, 1<<29 - 0.05} {
		check(f)
	}
	for k := -20000; k <= 20000; k++ {
		check(float64(k) / 20) // every tie of [-1000, 1000]
		check(math.Nextafter(float64(k)/20, math.Inf(1)))
		check(math.Nextafter(float64(k)/20, math.Inf(-1)))
	}
	for us := range int64(2_000_000) {
		check(float64(us) / 1000)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1_000_000 {
		check(float64(rng.Int64N(1e12)) / float64(1+rng.IntN(300)) / 1000)
		check((rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(24)-8)))
	}
}

// TestDateOnly: dateOnly is Format(time.DateOnly) in and out of its range.
func TestDateOnly(t *testing.T) {
	for _, at := range []time.Time{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 2, 29, 1, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 7, 0, 0, 0, time.FixedZone("WITA", 8*3600))} {
		if got, want := dateOnly(at), at.UTC().Format(time.DateOnly); got != want {
			t.Errorf("dateOnly(%v) = %q, want %q", at, got, want)
		}
	}
	for d := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2040; d = d.Add(13 * time.Hour) {
		if got, want := dateOnly(d), d.Format(time.DateOnly); got != want {
			t.Fatalf("dateOnly(%v) = %q, want %q", d, got, want)
		}
	}
}
