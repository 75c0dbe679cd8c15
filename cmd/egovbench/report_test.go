package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/store"
)

// historyDB stores three monthly crawls of two sites: "naik" climbs
// presence → interaction → transaction, "turun" drops integration →
// integration → presence. It returns the database path and the run ids.
func historyDB(t *testing.T) (string, []int64) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := []string{"naik", "turun"}
	var ts []egovbench.Target
	for _, id := range ids {
		ts = append(ts, egovbench.Target{ID: id, Name: "Kabupaten " + id, URL: "https://" + id + ".example.go.id/", Region: "R", Country: "ID"})
	}
	if err := db.UpsertTargets(ctx, ts); err != nil {
		t.Fatal(err)
	}
	stages := map[string][]egovbench.Stage{
		"naik":  {egovbench.StagePresence, egovbench.StageInteraction, egovbench.StageTransaction},
		"turun": {egovbench.StageIntegration, egovbench.StageIntegration, egovbench.StagePresence},
	}
	met := map[egovbench.Stage][]string{
		egovbench.StagePresence: {"contact"}, egovbench.StageInteraction: {"contact", "complaint"},
		egovbench.StageIntegration: {"contact", "complaint", "lapor"}, egovbench.StageTransaction: {"contact", "complaint", "payment"},
	}
	var runs []int64
	for k := range 3 {
		run, err := db.CreateRun(ctx, egovbench.RunCrawl, `{"max_pages":7,"delay":"1s"}`, ids, 0)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run.ID)
		at := time.Date(2026, time.Month(1+k), 1, 2, 0, 0, 0, time.UTC)
		for _, id := range ids {
			st := stages[id][k]
			snap := egovbench.Snapshot{TargetID: id, RunID: run.ID, StartedAt: at, FinishedAt: at.Add(time.Minute),
				Probe: egovbench.Probe{At: at, URL: ts[0].URL, Outcome: egovbench.OutcomeOK, HTTPStatus: 200, Total: 100 * time.Millisecond},
				Pages: []egovbench.Page{{URL: "https://" + id + ".example.go.id/", Status: 200, ContentType: "text/html", FetchedAt: at,
					Outcome: egovbench.OutcomeOK, Body: []byte("<html><title>" + id + "</title></html>")}}}
			a := egovbench.Assessment{TargetID: id, RunID: run.ID, AssessedAt: at, CatalogueVersion: "t", Reachable: true,
				Stage: st, Score: float64(st) * 20}
			for _, ind := range met[st] {
				a.Indicators = append(a.Indicators, egovbench.IndicatorResult{ID: ind, Met: true})
			}
			if err := db.SaveCrawl(ctx, snap, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path, runs
}

// TestReportCompare: report --since and --compare choose the baseline of the
// changes; the default is the run before the latest.
func TestReportCompare(t *testing.T) {
	// Generous: under the race detector on a busy machine one report takes
	// tens of seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dbPath, runs := historyDB(t)
	read := func(dir, file string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct {
		name  string
		args  []string
		want  []string // in changes.html
		not   []string
		asOf  int    // index in runs of the run the report is as of
		asOfT string // and its date as the report shows it
	}{
		{"previous run", nil,
			[]string{"Changes since the previous run", "Kabupaten naik", "Kabupaten turun", "Online payment"}, []string{"Changes since 1 Feb"}, 2, "1 Mar"},
		{"since a date", []string{"--since", "2026-02-01"},
			// The state before 1 Feb is January's: naik presence → transaction.
			[]string{"Changes since 1 Feb 2026", "Presence", "Transaction", "Kabupaten turun"}, []string{"the previous run"}, 2, "1 Mar"},
		{"compare a run", []string{"--compare", itoa64(runs[1])},
			[]string{"Changes since run " + itoa64(runs[1]) + " (1 Feb 2026)", "Interaction"}, nil, 2, "1 Mar"},
		{"compare the latest run", []string{"--compare", itoa64(runs[2])},
			[]string{"No site changed stage."}, []string{"moved up"}, 2, "1 Mar"},
		// --until moves the whole report back: as of mid-February the
		// latest crawl is February's, where naik had reached interaction
		// and turun had not dropped yet.
		{"until a date", []string{"--until", "2026-02-15"},
			[]string{"Changes since the previous run", "Kabupaten naik", "Interaction"}, []string{"Kabupaten turun", "Transaction", "Online payment"}, 1, "1 Feb"},
		{"two chosen dates", []string{"--since", "2026-02-01", "--until", "2026-02-15"},
			[]string{"Changes since 1 Feb 2026", "Kabupaten naik", "Presence", "Interaction"}, []string{"Kabupaten turun", "Transaction"}, 1, "1 Feb"},
		{"until a run's day, compared with an earlier run", []string{"--compare", itoa64(runs[0]), "--until", "2026-02-01"},
			[]string{"Changes since run " + itoa64(runs[0]) + " (1 Jan 2026)", "Kabupaten naik"}, []string{"Kabupaten turun", "Transaction"}, 1, "1 Feb"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r")
			mustRun(t, ctx, append([]string{"report", "--db", dbPath, "--out", out, "--lang", "en", "--tz", "UTC"}, c.args...)...)
			page := read(out, "changes.html")
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("changes.html lacks %q", w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(page, w) {
					t.Errorf("changes.html has %q", w)
				}
			}
			idx := read(out, "index.html")
			run := itoa64(runs[c.asOf])
			if !strings.Contains(idx, "Crawl settings of run "+run+": pages per site at most 7") {
				t.Errorf("index.html lacks the settings of run %s", run)
			}
			if want := "Data as of " + c.asOfT + " 2026 02:00 UTC (run " + run + ")"; !strings.Contains(idx, want) {
				t.Errorf("index.html lacks %q", want)
			}
			// The CSV beside the charts is what export --table prints; the
			// uptime table is a folder of months, which hold its rows.
			for _, tb := range exportTableNames() {
				file := tb + ".csv"
				if tb == "uptime" {
					file = "uptime/"
				}
				if !strings.Contains(idx, `href="data/`+file+`"`) && !strings.Contains(read(out, "sites/naik.html"), `href="../data/`+file+`"`) {
					t.Errorf("neither index.html nor a site page links %s", file)
				}
				want := mustRun(t, ctx, "export", "--db", dbPath, "--table", tb)
				if tb == "uptime" {
					if got := uptimeMonthRows(t, filepath.Join(out, "data", "uptime")); got != want {
						t.Errorf("data/uptime/ differs from export --table uptime:\n%s\nwant\n%s", got, want)
					}
					continue
				}
				if got := read(out, "data/"+file); got != want {
					t.Errorf("data/%s differs from export --table %s:\n%s\nwant\n%s", file, tb, got, want)
				}
			}
		})
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"both", []string{"--since", "2026-02-01", "--compare", "1"}, "not both"},
		{"bad date", []string{"--since", "1 Feb"}, "--since"},
		{"unknown run", []string{"--compare", "999"}, "no run 999"},
		{"negative run", []string{"--compare", "-1"}, "positive"},
		{"bad until", []string{"--until", "soon"}, "--until"},
		{"until in the future", []string{"--until", "2999-01-01"}, "future"},
		{"since after until", []string{"--since", "2026-02-01", "--until", "2026-01-15"}, "not before"},
		{"run after until", []string{"--compare", itoa64(runs[2]), "--until", "2026-02-15"}, "not before"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, ctx, append([]string{"report", "--db", dbPath, "--out", t.TempDir()}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// uptimeMonthRows joins a report's monthly uptime files into one table in
// the export's order (target, then day), failing unless each has the
// export's header and its rows in that order and of its month.
func uptimeMonthRows(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no monthly uptime files in %s (%v)", dir, err)
	}
	header := ""
	var rows [][]string // target, day, line
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		if header == "" {
			header = lines[0]
		} else if lines[0] != header {
			t.Errorf("%s: header %q, want %q", f, lines[0], header)
		}
		month := strings.TrimSuffix(filepath.Base(f), ".csv")
		var prev []string
		for _, l := range lines[1:] {
			if l == "" {
				continue
			}
			c := strings.SplitN(l, ",", 3)
			if !strings.HasPrefix(c[1], month+"-") {
				t.Errorf("%s: row of day %s", f, c[1])
			}
			if prev != nil && (c[0] < prev[0] || c[0] == prev[0] && c[1] <= prev[1]) {
				t.Errorf("%s: row %s,%s after %s,%s", f, c[0], c[1], prev[0], prev[1])
			}
			prev = c
			rows = append(rows, []string{c[0], c[1], l})
		}
	}
	slices.SortStableFunc(rows, func(a, b []string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	var out strings.Builder
	out.WriteString(header)
	for _, r := range rows {
		out.WriteString(r[2])
	}
	return out.String()
}
