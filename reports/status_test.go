package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestUnmeasuredSiteIsNotEmpty: a site whose latest run could not read it
// gets no score, rank, stage-distribution slot or "missing" list; it is
// counted beside them, and its page says why in the report's language.
func TestUnmeasuredSiteIsNotEmpty(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	in := Input{GeneratedAt: at.Add(time.Hour), Indicators: testCatalogue, Latest: map[string]egovbench.Assessment{},
		Previous: map[string]egovbench.Assessment{}}
	var met []egovbench.IndicatorResult
	for _, ind := range testCatalogue {
		met = append(met, egovbench.IndicatorResult{ID: ind.ID, Met: ind.Stage == egovbench.StagePresence})
	}
	var none []egovbench.IndicatorResult
	for _, ind := range testCatalogue {
		none = append(none, egovbench.IndicatorResult{ID: ind.ID})
	}
	for _, id := range []string{"baik", "mati", "tolak"} {
		in.Targets = append(in.Targets, egovbench.Target{ID: id, Name: "Kota " + id, Region: "Sulsel"})
		in.Previous[id] = egovbench.Assessment{TargetID: id, RunID: 1, AssessedAt: at.Add(-24 * time.Hour), Reachable: true,
			Status: egovbench.StatusAssessed, Stage: egovbench.StagePresence, Score: 40, Indicators: met}
	}
	in.Latest["baik"] = egovbench.Assessment{TargetID: "baik", RunID: 2, AssessedAt: at, Reachable: true,
		Status: egovbench.StatusAssessed, Stage: egovbench.StagePresence, Score: 40, Indicators: met}
	in.Latest["mati"] = egovbench.Assessment{TargetID: "mati", RunID: 2, AssessedAt: at, Status: egovbench.StatusUnreachable,
		StatusCause: "timeout", Indicators: none}
	in.Latest["tolak"] = egovbench.Assessment{TargetID: "tolak", RunID: 2, AssessedAt: at, Status: egovbench.StatusBlocked,
		StatusCause: "blocked", Indicators: none}

	m := newModel(&in)
	if rows := m.ranking(); len(rows) != 1 || rows[0].TargetID != "baik" {
		t.Errorf("ranking %+v, want only the measured site", rows)
	}
	d := m.stageDistribution()
	if g := d.Groups[0]; g.Total != 1 || g.Counts[0] != 0 || g.NotMeasured != 2 {
		t.Errorf("distribution %+v: unmeasured sites counted as stage none", g)
	}
	if tr := m.transitions(); tr.Compared != 1 || len(tr.Down) != 0 {
		t.Errorf("transitions: %d compared, %d down; an unreachable run is no stage drop", tr.Compared, len(tr.Down))
	}
	for lang, want := range map[string][]string{
		"en": {"Not reachable: no answer within the time limit", "Refused our crawler"},
		"id": {"Tidak dapat dijangkau: tidak ada jawaban dalam batas waktu", "Menolak perayap kami"},
	} {
		in.Lang = lang
		dir := t.TempDir()
		if err := Write(context.Background(), dir, in); err != nil {
			t.Fatal(err)
		}
		page := func(name string) string {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		r := build(&in)
		mati := page(filepath.Join("sites", r.slug["mati"]+".html"))
		if !strings.Contains(mati, want[0]) {
			t.Errorf("%s: the unreachable site's page does not say %q", lang, want[0])
		}
		if strings.Contains(mati, "checklist") {
			t.Errorf("%s: the unreachable site's page lists indicators as not met", lang)
		}
		if tolak := page(filepath.Join("sites", r.slug["tolak"]+".html")); !strings.Contains(tolak, want[1]) {
			t.Errorf("%s: the blocked site's page does not say %q", lang, want[1])
		}
		if ch := page("changes.html"); !strings.Contains(ch, want[0]) {
			t.Errorf("%s: changes page does not say the site could not be read", lang)
		}
	}
}

// TestProberDegradedShown: rounds lost to the prober's own network are
// said on the front page, in both languages.
func TestProberDegradedShown(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	for lang, want := range map[string]string{"en": "2 probe rounds in the last 30 days were not recorded", "id": "2 putaran pemeriksaan"} {
		in := Input{GeneratedAt: at, Lang: lang, Indicators: testCatalogue, Targets: []egovbench.Target{{ID: "a", Name: "A"}},
			DegradedRounds: []egovbench.DegradedRound{{At: at.Add(-48 * time.Hour), Targets: 1, Failed: 1}, {At: at.Add(-time.Hour), Targets: 1, Failed: 1}}}
		dir := t.TempDir()
		if err := Write(context.Background(), dir, in); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: index does not say %q", lang, want)
		}
	}
}

// TestSettingsChangeNotBlamedOnSite: cutting max_pages from 40 to 12 made
// the changes page say a site lost indicators. With the two runs' settings
// recorded, the change is listed as ours, not the site's.
func TestSettingsChangeNotBlamedOnSite(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	all := func(n int) []egovbench.IndicatorResult {
		var rs []egovbench.IndicatorResult
		for i, ind := range testCatalogue {
			rs = append(rs, egovbench.IndicatorResult{ID: ind.ID, Met: i < n})
		}
		return rs
	}
	for _, tc := range []struct {
		name        string
		pages       int
		wantSetting bool
	}{{"same settings: the site lost them", 40, false}, {"max_pages cut: ours", 12, true}} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{GeneratedAt: at.Add(time.Hour), Lang: "en", Indicators: testCatalogue,
				Targets: []egovbench.Target{{ID: "k", Name: "Kota K"}},
				Previous: map[string]egovbench.Assessment{"k": {TargetID: "k", RunID: 1, AssessedAt: at.Add(-24 * time.Hour),
					CatalogueVersion: "v1", Reachable: true, Status: egovbench.StatusAssessed, Stage: egovbench.StagePresence, Score: 50, Indicators: all(8)}},
				Latest: map[string]egovbench.Assessment{"k": {TargetID: "k", RunID: 2, AssessedAt: at,
					CatalogueVersion: "v1", Reachable: true, Status: egovbench.StatusAssessed, Stage: egovbench.StagePresence, Score: 30, Indicators: all(3)}},
				Runs: map[int64]egovbench.Run{
					1: {ID: 1, Kind: egovbench.RunCrawl, Config: `{"max_pages":40,"max_depth":4,"delay":"1s","catalogue_version":"v1"}`},
					2: {ID: 2, Kind: egovbench.RunCrawl, Config: fmt.Sprintf(`{"max_pages":%d,"max_depth":4,"delay":"1s","catalogue_version":"v1"}`, tc.pages)},
				}}
			r := build(&in)
			cv := r.changesView()
			if tc.wantSetting {
				if len(cv.Settings) != 1 || len(cv.Indicators) != 0 {
					t.Fatalf("settings %d, indicators %d: the cut was blamed on the site", len(cv.Settings), len(cv.Indicators))
				}
				if got := strings.Join(cv.Settings[0].Change.SettingsChanged, ";"); got != "pages per site at most 40 → 12" {
					t.Errorf("settings change %q", got)
				}
			} else if len(cv.Settings) != 0 || len(cv.Indicators) != 1 || len(cv.Indicators[0].Change.Lost) != 5 {
				t.Fatalf("settings %d, indicators %d: the site's own loss is not shown", len(cv.Settings), len(cv.Indicators))
			}
			dir := t.TempDir()
			if err := Write(context.Background(), dir, in); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "changes.html"))
			if has := strings.Contains(string(b), "Changes under different crawl settings"); has != tc.wantSetting {
				t.Errorf("changes page shows the settings section: %v, want %v", has, tc.wantSetting)
			}
		})
	}
}
