package reports

import (
	"context"
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
