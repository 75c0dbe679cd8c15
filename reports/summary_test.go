package reports

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// summaryInput is three sites with fourteen months of monthly history:
// "up" climbs from presence to transaction, "down" drops from integration
// to presence and is unreachable now, "flaky" stays at interaction but was
// available 90 % of the last 30 days.
func summaryInput() Input {
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	in := Input{GeneratedAt: now, Lang: "en", Indicators: testCatalogue,
		Latest: map[string]egovbench.Assessment{}, Previous: map[string]egovbench.Assessment{}}
	stages := map[string][]egovbench.Stage{
		"up":    {1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4},
		"down":  {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1},
		"flaky": {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
	}
	for _, id := range []string{"up", "down", "flaky"} {
		in.Targets = append(in.Targets, egovbench.Target{ID: id, Name: "Kab " + id, Region: "R"})
		st := stages[id]
		for k, s := range st {
			at := now.AddDate(0, k-len(st)+1, 0)
			in.History = append(in.History, egovbench.StagePoint{TargetID: id, RunID: int64(k + 1), At: at, Stage: s, Score: float64(s) * 20})
		}
		n := len(st)
		met := []egovbench.IndicatorResult{{ID: "inst_contact", Met: true}}
		if id == "up" {
			met = append(met, egovbench.IndicatorResult{ID: "svc_apply", Met: true})
		}
		in.Latest[id] = egovbench.Assessment{TargetID: id, RunID: int64(n), AssessedAt: now, Reachable: id != "down",
			Stage: st[n-1], Score: float64(st[n-1]) * 20, Indicators: met}
		in.Previous[id] = egovbench.Assessment{TargetID: id, RunID: int64(n - 1), AssessedAt: now.AddDate(0, -1, 0), Reachable: true,
			Stage: st[n-2], Score: float64(st[n-2]) * 20, Indicators: []egovbench.IndicatorResult{{ID: "inst_contact", Met: true}}}
		for d := 0; d < 30; d++ {
			ok := 100
			if id == "flaky" && d%10 == 0 {
				ok = 0 // 3 days of 30 fully down: 90 %
			}
			in.Daily = append(in.Daily, egovbench.Rollup{TargetID: id, Start: now.Truncate(24*time.Hour).AddDate(0, 0, -d), Checks: 100, Successes: ok})
		}
	}
	return in
}

func TestSummary(t *testing.T) {
	in := summaryInput()
	r := build(&in)
	d := r.summary()
	if got, want := d.StageCount, []int{0, 1, 1, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("stage counts %v, want %v", got, want)
	}
	if p := d.Previous; p.Compared != 3 || p.Up != 1 || p.Down != 1 || p.Gained != 1 || p.Lost != 0 {
		t.Errorf("against previous: %+v, want 3 compared, 1 up, 1 down, 1 gained, 0 lost", p)
	}
	// A year before: up was at presence, down at integration.
	if y := d.YearAgo; !y.FullYear || y.Compared != 3 || y.Up != 1 || y.Down != 1 {
		t.Errorf("year ago: %+v, want a full year, 3 compared, 1 up, 1 down", y)
	}
	if want := in.GeneratedAt.AddDate(-1, 0, 0); !d.YearAgo.Since.Equal(want) {
		t.Errorf("year-ago baseline %v, want %v", d.YearAgo.Since, want)
	}
	if !slices.Equal(d.Down, []string{"down"}) || !slices.Equal(d.Degrade, []string{"flaky"}) {
		t.Errorf("down %v degraded %v, want [down] [flaky]", d.Down, d.Degrade)
	}
	// Two reachable sites; svc_apply is met by one, the other services by none.
	if len(d.Missing) != summaryMissing || d.Missing[0].Missing != 2 || d.Missing[0].Assessed != 2 {
		t.Errorf("missing %+v", d.Missing)
	}
	for _, m := range d.Missing {
		if m.ID == "svc_apply" {
			t.Errorf("svc_apply is missing at one site only, yet among the top: %+v", d.Missing)
		}
	}
	for _, lang := range []string{"en", "id"} {
		in.Lang = lang
		r := build(&in)
		var sb strings.Builder
		for _, line := range r.summaryView(r.summary()) {
			sb.WriteString(line.Text + "\n")
			for _, s := range line.Sites {
				sb.WriteString(s.Name + " " + s.Note + "\n")
			}
		}
		txt := sb.String()
		for _, want := range map[string][]string{
			"en": {"Of 3 sites, 3 could be assessed", "Since a year ago (20 Nov 2025): 1 site moved up a stage and 1 moved down", "Kab flaky 90.0 %", "Down at the last check (1)"},
			"id": {"Dari 3 situs, 3 dapat dinilai", "Sejak setahun lalu (20 Nov 2025): 1 situs naik tahap dan 1 turun", "Kab flaky 90,0 %", "Tidak dapat diakses pada pemeriksaan terakhir (1)"},
		}[lang] {
			if !strings.Contains(txt, want) {
				t.Errorf("%s summary lacks %q:\n%s", lang, want, txt)
			}
		}
	}
}

// TestSummaryShortHistory: with less than a year of history the summary
// compares with the first run and says so; with one run it compares nothing.
func TestSummaryShortHistory(t *testing.T) {
	in := summaryInput()
	cut := in.GeneratedAt.AddDate(0, -3, 0)
	var h []egovbench.StagePoint
	for _, p := range in.History {
		if p.At.After(cut) {
			h = append(h, p)
		}
	}
	in.History = h
	r := build(&in)
	if y := r.summary().YearAgo; y.FullYear || y.Compared != 3 || !y.Since.Equal(in.GeneratedAt.AddDate(0, -2, 0)) {
		t.Errorf("short history: %+v, want the first run 2 months back, not a full year", y)
	}
	in.History, in.Previous = nil, nil
	r = build(&in)
	d := r.summary()
	if d.Previous.Compared != 0 || d.YearAgo.Compared != 0 {
		t.Errorf("one run: %+v %+v, want nothing compared", d.Previous, d.YearAgo)
	}
	if lines := r.summaryView(d); !strings.Contains(lines[1].Text, "no earlier run") {
		t.Errorf("one run: second line %q", lines[1].Text)
	}
}

// TestDataLinks: with DataDir set, every chart of the index, the transition
// chart of the changes page and each site's history chart link to the CSV
// tables they are drawn from (where DataFiles says, else <table>.csv);
// without it, no page links to data.
func TestDataLinks(t *testing.T) {
	in := summaryInput()
	for _, c := range []struct {
		dataDir string
		files   map[string]string
	}{{"data", nil}, {"data", map[string]string{"uptime": "uptime/"}}, {"", nil}} {
		dataDir := c.dataDir
		in.DataDir, in.DataFiles = c.dataDir, c.files
		file := func(tb string) string {
			if f, ok := c.files[tb]; ok {
				return f
			}
			return tb + ".csv"
		}
		dir := t.TempDir()
		if err := Write(context.Background(), dir, in); err != nil {
			t.Fatal(err)
		}
		read := func(f string) string {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		idx, changes, site := read("index.html"), read("changes.html"), read("sites/up.html")
		if dataDir == "" {
			for _, p := range []string{idx, changes, site} {
				if strings.Contains(p, ".csv") {
					t.Error("a page links to CSV data without DataDir")
				}
			}
			continue
		}
		figs := strings.Split(idx, "<figure>")[1:]
		if len(figs) < len(chartTables)-1 {
			t.Fatalf("index has %d figures", len(figs))
		}
		for _, fig := range figs {
			fig = fig[:strings.Index(fig, "</figure>")]
			src := fig[strings.Index(fig, `src="charts/`)+len(`src="charts/`):]
			src = src[:strings.Index(src, `"`)]
			key := src
			if strings.HasPrefix(src, "indicator-coverage") {
				key = "indicator-coverage.png"
			}
			tables, ok := chartTables[key]
			if !ok {
				t.Errorf("index: chart %s has no tables listed", src)
			}
			for _, tb := range tables {
				if !strings.Contains(fig, `href="data/`+file(tb)+`"`) {
					t.Errorf("index: %s lacks its link to %s", src, file(tb))
				}
			}
		}
		if !strings.Contains(changes, `href="data/history.csv"`) {
			t.Error("changes: transition chart lacks its data link")
		}
		for _, tb := range []string{"history", "uptime", "outages"} {
			if !strings.Contains(site, `href="../data/`+file(tb)+`"`) {
				t.Errorf("site page lacks its link to %s", file(tb))
			}
		}
	}
}

// TestRegionLinesCapped: with more regions than a chart can tell apart, the
// availability charts keep the least available ones and the trend the
// largest, in their original order, and the title says how many of how many.
func TestRegionLinesCapped(t *testing.T) {
	l := newLabels("en")
	var series []timeSeries
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		v := 100 - float64(i%6) // regions 5 and 11 are the least available
		series = append(series, timeSeries{Key: itoa(i), Segments: [][]timeValue{{{At: at, V: v}, {At: at.Add(24 * time.Hour), V: v}}}})
	}
	got, title := leastAvailable(l, series, "T")
	var keys []string
	for _, s := range got {
		keys = append(keys, s.Key)
	}
	if want := []string{"2", "3", "4", "5", "8", "9", "10", "11"}; !slices.Equal(keys, want) {
		t.Errorf("kept %v, want %v", keys, want)
	}
	if !strings.Contains(title, "8 least available of 12 regions") {
		t.Errorf("title %q", title)
	}
	if got, title := leastAvailable(l, series[:8], "T"); len(got) != 8 || title != "T" {
		t.Errorf("8 regions: kept %d, title %q", len(got), title)
	}
}
