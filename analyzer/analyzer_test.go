package analyzer

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/egovbench/egovbench"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

func TestDefaultCatalogue(t *testing.T) {
	c := DefaultCatalogue()
	if c.Version() == "" {
		t.Fatal("empty version")
	}
	inds := c.Indicators()
	if len(inds) < 60 {
		t.Fatalf("%d indicators, want >= 60", len(inds))
	}
	perStage := map[egovbench.Stage]int{}
	perCrit := map[egovbench.Criterion]int{}
	for _, ind := range inds {
		if ind.NameEN == "" || ind.NameID == "" || ind.Description == "" {
			t.Errorf("%s: missing name or description", ind.ID)
		}
		perStage[ind.Stage]++
		perCrit[ind.Criterion]++
	}
	for _, st := range append([]egovbench.Stage{egovbench.StageNone}, egovbench.Stages...) {
		if perStage[st] < 5 {
			t.Errorf("stage %s has %d indicators, want >= 5", st, perStage[st])
		}
	}
	for _, cr := range egovbench.Criteria {
		if perCrit[cr] == 0 {
			t.Errorf("criterion %s has no indicator", cr)
		}
	}
	var ids []string
	for _, f := range c.Frameworks() {
		ids = append(ids, f.ID)
		for _, l := range f.Levels {
			if l.Description == "" {
				t.Errorf("framework %s level %s: no description", f.ID, l.ID)
			}
		}
	}
	for _, want := range []string{"primary", "unaspa", "spbe"} {
		if !slices.Contains(ids, want) {
			t.Errorf("framework %s missing (have %v)", want, ids)
		}
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "catalogue.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const extraIndicator = `
  - id: kiosk
    name_id: Anjungan mandiri
    name_en: Self-service kiosk
    criterion: services_provision
    stage: transaction
    description: "A self-service kiosk."
    detect:
      link_text:
        en: [self service kiosk]
`

func TestLoadCatalogue(t *testing.T) {
	def := DefaultCatalogue()
	tests := []struct {
		name    string
		body    string
		wantErr string // substring; "" means success
		check   func(t *testing.T, c *Catalogue)
	}{
		{
			name: "extend adds replaces and removes",
			body: `extends: default
version: "local-1"
remove: [gallery]
indicators:
  - id: faq
    name_id: FAQ
    name_en: FAQ (local)
    criterion: content_provision
    stage: presence
    description: "Local FAQ rule."
    detect:
      link_text:
        en: [questions]
` + extraIndicator,
			check: func(t *testing.T, c *Catalogue) {
				if c.Version() != "local-1" {
					t.Errorf("version %q", c.Version())
				}
				if len(c.Indicators()) != len(def.Indicators()) {
					t.Errorf("got %d indicators, want %d (one removed, one added)", len(c.Indicators()), len(def.Indicators()))
				}
				if _, ok := c.byID["gallery"]; ok {
					t.Error("gallery not removed")
				}
				if c.inds[c.byID["faq"]].NameEN != "FAQ (local)" {
					t.Error("faq not replaced")
				}
				if _, ok := c.byID["kiosk"]; !ok {
					t.Error("kiosk not added")
				}
				if len(c.Frameworks()) != len(def.Frameworks()) {
					t.Error("frameworks lost")
				}
			},
		},
		{
			name: "replace entirely",
			body: `version: "mini-1"
indicators:` + extraIndicator,
			check: func(t *testing.T, c *Catalogue) {
				if len(c.Indicators()) != 1 || len(c.Frameworks()) != 0 {
					t.Errorf("got %d indicators, %d frameworks", len(c.Indicators()), len(c.Frameworks()))
				}
			},
		},
		{name: "unknown criterion", wantErr: `indicator "kiosk": unknown criterion`,
			body: "version: x\nindicators:" + strings.Replace(extraIndicator, "services_provision", "services", 1)},
		{name: "unknown stage", wantErr: `indicator "kiosk": unknown stage`,
			body: "version: x\nindicators:" + strings.Replace(extraIndicator, "stage: transaction", "stage: payment", 1)},
		{name: "unknown detector", wantErr: `indicator "kiosk": unknown detector "telepathy"`,
			body: "version: x\nindicators:" + strings.Replace(extraIndicator, "detect:", "detect:\n      detector: telepathy", 1)},
		{name: "duplicate id", wantErr: `indicator "kiosk": duplicate id`,
			body: "version: x\nindicators:" + extraIndicator + extraIndicator},
		{name: "no detection", wantErr: `indicator "kiosk": no detection`,
			body: "version: x\nindicators:" + strings.Replace(extraIndicator, "link_text:\n        en: [self service kiosk]", "min_hits: 1", 1)},
		{name: "unknown field", wantErr: "field colour not found",
			body: "version: x\ncolour: red\nindicators:" + extraIndicator},
		{name: "unknown extends", wantErr: `extends "world"`, body: "extends: world\nversion: x\n"},
		{name: "no version", wantErr: "version is required", body: "indicators:" + extraIndicator},
		{name: "framework names unknown indicator", wantErr: `framework "f": level "a": unknown indicator "nope"`,
			body: "version: x\nframeworks:\n  - id: f\n    levels:\n      - id: a\n        when: {any_of: [nope]}\nindicators:" + extraIndicator},
		{name: "bad weight criterion", wantErr: `weights: unknown criterion "speed"`,
			body: "version: x\nweights: {speed: 1}\nindicators:" + extraIndicator},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadCatalogue(writeFile(t, tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if !errors.Is(err, egovbench.ErrInvalid) {
					t.Errorf("err %v does not wrap ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
	if _, err := LoadCatalogue(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

// fixtureSnapshot wraps a fixture as a one-page crawl of an Indonesian or
// English site, dated so that freshness is meaningful.
func fixtureSnapshot(t testing.TB, name string) egovbench.Snapshot {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	snap := onePage("https://www.contohkab.go.id/", body)
	snap.StartedAt = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	snap.FinishedAt = snap.StartedAt.Add(time.Minute)
	return snap
}

type golden struct {
	Stage        egovbench.Stage         `json:"stage"`
	Frameworks   map[string]string       `json:"frameworks"`
	Score        float64                 `json:"score"`
	Criteria     map[string]float64      `json:"criterion_scores"`
	Confidence   float64                 `json:"confidence"`
	Met          map[string]string       `json:"met"` // id -> first evidence
	NextSteps    []string                `json:"next_steps"`
	DeadServices []egovbench.DeadService `json:"dead_services,omitempty"`
}

func toGolden(a egovbench.Assessment) golden {
	g := golden{Stage: a.Stage, Frameworks: a.Frameworks, Score: a.Score, Criteria: a.CriterionScores,
		Confidence: a.Confidence, Met: map[string]string{}, NextSteps: a.NextSteps, DeadServices: a.DeadServices}
	for _, r := range a.Indicators {
		if r.Met {
			e := r.Evidence[0]
			g.Met[r.ID] = e.Element + " | " + e.Text
		}
	}
	return g
}

func TestFixtures(t *testing.T) {
	c := DefaultCatalogue()
	rows, err := os.ReadFile(filepath.Join("testdata", "fixtures.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(rows), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("fixtures.tsv: bad line %q", line)
		}
		n++
		t.Run(cols[0], func(t *testing.T) {
			a := Analyze(fixtureSnapshot(t, cols[0]), c)
			want, err := egovbench.ParseStage(cols[1])
			if err != nil {
				t.Fatal(err)
			}
			if a.Stage != want {
				t.Errorf("stage %s, want %s (met %v)", a.Stage, want, a.Met())
			}
			met := a.Met()
			for _, id := range strings.Split(cols[2], ",") {
				if id != "-" && !slices.Contains(met, id) {
					t.Errorf("%s not met", id)
				}
			}
			for _, id := range strings.Split(cols[3], ",") {
				if id != "-" && slices.Contains(met, id) {
					t.Errorf("%s met, should not be", id)
				}
			}
			got, err := json.MarshalIndent(toGolden(a), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(cols[0], ".html")+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantJSON, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(wantJSON) != string(got)+"\n" {
				t.Errorf("golden %s differs (run go test -run TestFixtures -update after checking):\n%s", path, got)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d fixtures", n)
	}
}

// site builds a small multi-page snapshot: a homepage whose service links
// lead to a working page, an error page and a maintenance page.
func site(probe egovbench.Probe) egovbench.Snapshot {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	home := `<html lang="id"><head><meta name="viewport" content="width=device-width"></head><body>
<a href="/profil">Profil</a>
<a href="/pengaduan">Pengaduan Masyarakat</a>
<a href="https://bayar.contoh.go.id/">Pembayaran Online e-Retribusi</a>
<a href="/antrean">Antrean Online</a>
<a href="https://izin.contoh.go.id/">Perizinan Online</a>
</body></html>`
	pengaduan := `<html><body><h1>Pengaduan</h1><form method="post"><input name="nama"><textarea name="isi"></textarea></form></body></html>`
	maint := `<html><head><title>Sedang dalam perbaikan</title></head><body><h1>Mohon maaf, layanan sedang dalam perbaikan</h1></body></html>`
	soon := `<html><body><p>Segera hadir.</p></body></html>`
	return egovbench.Snapshot{
		TargetID: "contoh", RunID: 7, StartedAt: at, FinishedAt: at.Add(time.Minute), Probe: probe,
		RobotsStatus: 200, SitemapURLs: 12,
		Pages: []egovbench.Page{
			{URL: "https://www.contoh.go.id/", FinalURL: "https://www.contoh.go.id/", Status: 200, Outcome: egovbench.OutcomeOK, Body: []byte(home)},
			{URL: "https://www.contoh.go.id/pengaduan", Depth: 1, Status: 200, Outcome: egovbench.OutcomeOK, Body: []byte(pengaduan)},
			{URL: "https://www.contoh.go.id/antrean", Depth: 1, Status: 200, Outcome: egovbench.OutcomeOK, Body: []byte(soon)},
			{URL: "https://bayar.contoh.go.id/", Check: true, Status: 404, Outcome: egovbench.OutcomeHTTPError},
			{URL: "https://izin.contoh.go.id/", FinalURL: "https://izin.contoh.go.id/maintenance", Check: true, Status: 200, Outcome: egovbench.OutcomeOK, Body: []byte(maint)},
		},
	}
}

func TestAnalyzeSite(t *testing.T) {
	c := DefaultCatalogue()
	probe := egovbench.Probe{URL: "http://www.contoh.go.id/", FinalURL: "https://www.contoh.go.id/", Outcome: egovbench.OutcomeOK,
		HTTPStatus: 200, TLSValid: true, HSTS: true, HTTPSRedirect: true}
	a := Analyze(site(probe), c)
	if !a.Reachable || a.Stage != egovbench.StageInteraction {
		t.Fatalf("reachable %v stage %s, want interaction (dead payment, booking and permit links must not count); met %v", a.Reachable, a.Stage, a.Met())
	}
	met := a.Met()
	for _, id := range []string{"https", "hsts", "tls_valid", "http_to_https", "robots", "sitemap", "complaint", "feedback_form"} {
		if !slices.Contains(met, id) {
			t.Errorf("%s not met", id)
		}
	}
	for _, id := range []string{"payment", "local_tax", "booking", "e_permit", "apply_online"} {
		if slices.Contains(met, id) {
			t.Errorf("%s met through a dead link", id)
		}
	}
	reasons := map[string]string{}
	for _, d := range a.DeadServices {
		reasons[d.URL] = d.Reason
	}
	want := map[string]string{
		"https://bayar.contoh.go.id/":      "http 404",
		"https://izin.contoh.go.id/":       "maintenance or coming-soon page",
		"https://www.contoh.go.id/antrean": "maintenance or coming-soon page",
	}
	for u, r := range want {
		if reasons[u] != r {
			t.Errorf("dead service %s: reason %q, want %q (all: %v)", u, reasons[u], r, a.DeadServices)
		}
	}
	if a.PagesAnalyzed != 3 || a.CatalogueVersion != c.Version() || a.RunID != 7 || a.TargetID != "contoh" {
		t.Errorf("pages %d version %q run %d target %q", a.PagesAnalyzed, a.CatalogueVersion, a.RunID, a.TargetID)
	}
	if !a.AssessedAt.Equal(site(probe).FinishedAt) {
		t.Errorf("AssessedAt %v", a.AssessedAt)
	}
	if !slices.Contains(a.NextSteps, "national_link") {
		t.Errorf("next steps %v lack an integration indicator", a.NextSteps)
	}
	if a.Frameworks["primary"] != "interaction" || a.Frameworks["spbe"] != "interaksi" {
		t.Errorf("frameworks %v", a.Frameworks)
	}
	if a.Score <= 0 || a.Score > 100 || a.Confidence <= 0 || a.Confidence > 1 {
		t.Errorf("score %v confidence %v", a.Score, a.Confidence)
	}

	// Without a probe (offline re-analysis of saved pages) the technology
	// indicators fall, and the stage must not move.
	off := Analyze(site(egovbench.Probe{}), c)
	if off.Stage != a.Stage {
		t.Errorf("stage without probe %s, with probe %s", off.Stage, a.Stage)
	}
	for _, id := range []string{"https", "hsts", "tls_valid", "http_to_https"} {
		if slices.Contains(off.Met(), id) {
			t.Errorf("%s met without a probe", id)
		}
	}
	if off.Score >= a.Score {
		t.Errorf("score without probe %v >= with probe %v", off.Score, a.Score)
	}
}

func TestAnalyzeUnreachable(t *testing.T) {
	c := DefaultCatalogue()
	snap := egovbench.Snapshot{TargetID: "down", StartedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Probe: egovbench.Probe{Outcome: egovbench.OutcomeTimeout},
		Pages: []egovbench.Page{{URL: "https://down.example.go.id/", Outcome: egovbench.OutcomeTimeout}}}
	a := Analyze(snap, c)
	if a.Reachable || a.Stage != egovbench.StageNone || a.Frameworks["primary"] != "none" {
		t.Errorf("reachable %v stage %s frameworks %v", a.Reachable, a.Stage, a.Frameworks)
	}
	if len(a.Indicators) != len(c.Indicators()) || len(a.Met()) != 0 {
		t.Errorf("%d results, %d met", len(a.Indicators), len(a.Met()))
	}
	if !a.AssessedAt.Equal(snap.StartedAt) {
		t.Errorf("AssessedAt %v, want StartedAt", a.AssessedAt)
	}
}

func TestAnalyzeConcurrent(t *testing.T) {
	c := DefaultCatalogue()
	snap := fixtureSnapshot(t, "id_kabupaten.html")
	want, _ := json.Marshal(Analyze(snap, c))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _ := json.Marshal(Analyze(snap, c))
			if string(got) != string(want) {
				t.Error("concurrent analysis differs")
			}
		}()
	}
	wg.Wait()
}

func TestNewestDate(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		text string
		want string // yyyy-mm-dd, "" for none
	}{
		{"Diposting 12 Januari 2025 oleh admin", "2025-01-12"},
		{"Senin, 3 Agustus 2025 - 1 Nopember 2024", "2025-08-03"},
		{"Posted on March 5, 2026", "2026-03-05"},
		{"Updated 2026-05-30; archived 2019-01-01", "2026-05-30"},
		{"Tanggal 15/04/2026", "2026-04-15"},
		{"04/15/2026 (US order)", "2026-04-15"},
		{"Event on 12 January 2030 (future, ignored) and 1 Feb 2024", "2024-02-01"},
		{"31 Februari 2025 is not a date", ""},
		{"Phone 021-1234-5678, 1,234,567 visitors", ""},
		{"", ""},
	}
	for _, tt := range tests {
		d, _, ok := newestDate(tt.text, at)
		got := ""
		if ok {
			got = d.Format("2006-01-02")
		}
		if got != tt.want {
			t.Errorf("newestDate(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestContactDetection(t *testing.T) {
	tests := []struct {
		html string
		want bool
	}{
		{`<p>Telp. (0286) 321234</p>`, true},
		{`<p>Call 1-844-872-4681 today</p>`, true},
		{`<p>Office: (312) 269-7900</p>`, true},
		{`<p>write to info@example.go.id</p>`, true},
		{`<p>Jl. Sudirman No. 5, Jakarta</p>`, true},
		// Indonesian addresses name the district and regency as often as a number.
		{`<p>Jl. Kayu Manis, Kec. Sukamaju, Kab. Contoh, Jawa Tengah</p>`, true},
		{`<p>Jalan rusak di desa kami segera diperbaiki</p>`, false},
		{`<p>1000 Independence Ave., SW Washington</p>`, true},
		{`<a href="tel:+62211234567">Hubungi</a>`, true},
		{`<p>Published 2025-01-12, 1,234,567 visitors, version 10.2.3</p>`, false},
		{`<p>Kontak kami</p><p>@pemkot on social media</p>`, false},
	}
	c := DefaultCatalogue()
	for _, tt := range tests {
		snap := onePage("https://x.go.id/", []byte("<html><body>"+tt.html+"</body></html>"))
		a := Analyze(snap, c)
		if got := slices.Contains(a.Met(), "contact"); got != tt.want {
			t.Errorf("%s: contact %v, want %v", tt.html, got, tt.want)
		}
	}
}

func TestEvidenceIsBounded(t *testing.T) {
	long := strings.Repeat("Pengaduan ", 500)
	body := `<html><body><a href="/p">` + long + `</a><h2>` + long + `</h2></body></html>`
	a := Analyze(onePage("https://x.go.id/", []byte(body)), DefaultCatalogue())
	for _, r := range a.Indicators {
		if len(r.Evidence) > maxEvidence {
			t.Errorf("%s: %d evidence items", r.ID, len(r.Evidence))
		}
		for _, e := range r.Evidence {
			if utf8.RuneCountInString(e.Text) > maxText {
				t.Errorf("%s: evidence text of %d runes", r.ID, utf8.RuneCountInString(e.Text))
			}
		}
	}
}

// FuzzParseCatalogue feeds arbitrary bytes as a user catalogue: it must be
// accepted or refused with an error, never panic, and an accepted one must
// be usable.
func FuzzParseCatalogue(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte("version: x\nindicators:" + extraIndicator))
	f.Add([]byte("version: x\nindicators:\n  - id: a\n    name_id: a\n    name_en: a\n    criterion: technology\n    detect: {href: ['*'], domains: ['=.']}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseCatalogue(b, nil)
		if err != nil {
			if !errors.Is(err, egovbench.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		a := Analyze(onePage("https://x.go.id/", []byte(`<a href="/a">Pengaduan</a>`)), c)
		if len(a.Indicators) != len(c.Indicators()) {
			t.Fatal("results do not cover the catalogue")
		}
	})
}

// TestAnalyzeStatus: every assessment says whether it measured the site,
// and why not.
func TestAnalyzeStatus(t *testing.T) {
	c := DefaultCatalogue()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	home := fixtureSnapshot(t, "id_kabupaten.html")
	moved := fixtureSnapshot(t, "id_kabupaten.html")
	moved.Probe.URL = "https://lama.kab.go.id/"
	moved.Pages[0].URL = moved.Probe.URL
	moved.Pages[0].FinalURL = "https://parkir-domain.example.com/"
	sub := fixtureSnapshot(t, "id_kabupaten.html")
	sub.Probe.URL = "https://portal.contoh.go.id/"
	sub.Pages[0].URL = sub.Probe.URL
	sub.Pages[0].FinalURL = "https://www.contoh.go.id/beranda"
	cases := []struct {
		name   string
		snap   egovbench.Snapshot
		status egovbench.AssessmentStatus
		cause  string
	}{
		{"home fetched", home, egovbench.StatusAssessed, ""},
		{"same registrable domain", sub, egovbench.StatusAssessed, ""},
		{"timeout", egovbench.Snapshot{TargetID: "down", StartedAt: at,
			Probe: egovbench.Probe{URL: "https://down.go.id/", Outcome: egovbench.OutcomeTimeout}}, egovbench.StatusUnreachable, "timeout"},
		{"tls", egovbench.Snapshot{TargetID: "tls", StartedAt: at,
			Probe: egovbench.Probe{URL: "https://tls.go.id/", Outcome: egovbench.OutcomeTLSError}}, egovbench.StatusUnreachable, "tls_error"},
		{"firewall", egovbench.Snapshot{TargetID: "waf", StartedAt: at,
			Probe: egovbench.Probe{URL: "https://waf.go.id/", Outcome: egovbench.OutcomeBlocked, HTTPStatus: 403},
			Pages: []egovbench.Page{{URL: "https://waf.go.id/", Status: 403, Outcome: egovbench.OutcomeBlocked}}},
			egovbench.StatusBlocked, "blocked"},
		{"moved off the domain", moved, egovbench.StatusNotOfficial, "parkir-domain.example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(tc.snap, c)
			if a.Status != tc.status || a.StatusCause != tc.cause {
				t.Fatalf("status %q cause %q, want %q %q", a.Status, a.StatusCause, tc.status, tc.cause)
			}
			if tc.status != egovbench.StatusAssessed && (a.Stage != egovbench.StageNone || len(a.Met()) != 0 || a.Score != 0) {
				t.Errorf("%s site judged: stage %s, %d met, score %.1f", tc.status, a.Stage, len(a.Met()), a.Score)
			}
			if tc.status == egovbench.StatusAssessed && tc.snap.Pages != nil && len(a.Met()) == 0 {
				t.Error("assessed site met nothing: the fixture proves nothing")
			}
		})
	}
}
