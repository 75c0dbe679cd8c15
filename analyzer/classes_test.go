package analyzer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// The error classes of issue 10, each shown on hand-written pages under
// testdata/classes before the rule was measured on the corpus: the rules
// read evidence in its context (where a link sits, where it leads, what
// answered), not by more keywords.

// classPage is one fetched URL of a hand-written crawl: a file of
// testdata/classes, or a failed fetch.
type classPage struct {
	url     string
	file    string
	depth   int
	check   bool
	status  int
	outcome egovbench.Outcome
}

func classSnapshot(t *testing.T, pages ...classPage) egovbench.Snapshot {
	t.Helper()
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	snap := egovbench.Snapshot{TargetID: "class", StartedAt: at, FinishedAt: at.Add(time.Minute), SitemapURLs: -1}
	for _, p := range pages {
		pg := egovbench.Page{URL: p.url, FinalURL: p.url, Depth: p.depth, Check: p.check, Status: p.status, Outcome: p.outcome}
		if p.file != "" {
			body, err := os.ReadFile(filepath.Join("testdata", "classes", p.file))
			if err != nil {
				t.Fatal(err)
			}
			pg.Body, pg.Status, pg.Outcome, pg.ContentType = body, 200, egovbench.OutcomeOK, "text/html"
		}
		snap.Pages = append(snap.Pages, pg)
	}
	return snap
}

func failed(url string, status int, o egovbench.Outcome) classPage {
	return classPage{url: url, check: true, status: status, outcome: o}
}

// features lists the rubric features an assessment meets.
func features(c *Catalogue, a egovbench.Assessment) []string {
	var out []string
	for _, r := range a.Indicators {
		if f := c.Feature(r.ID); f != "" && r.Met && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func TestEvidenceClasses(t *testing.T) {
	const (
		kec   = "https://sukamaju.contohkab.go.id/"
		lapor = "https://www.lapor.go.id/instansi/kecamatan-sukamaju"
	)
	tests := []struct {
		name       string
		pages      []classPage
		stage      egovbench.Stage
		met        []string // rubric features
		notMet     []string
		unverified []string
		dead       []string
		check      func(t *testing.T, a egovbench.Assessment)
	}{
		{
			name:       "1 a DNS failure of the crawler is not a dead service",
			pages:      []classPage{{url: kec, file: "01_lapor_home.html"}, failed(lapor, 0, egovbench.OutcomeDNSError)},
			stage:      egovbench.StageIntegration,
			met:        []string{"national_link", "contact"},
			unverified: []string{lapor},
		},
		{
			name:       "1 a firewall's 403 is not a dead service",
			pages:      []classPage{{url: kec, file: "01_lapor_home.html"}, failed(lapor, 403, egovbench.OutcomeBlocked)},
			stage:      egovbench.StageIntegration,
			met:        []string{"national_link"},
			unverified: []string{lapor},
		},
		{
			name:   "1 the service's own 404 is a dead service",
			pages:  []classPage{{url: kec, file: "01_lapor_home.html"}, failed(lapor, 404, egovbench.OutcomeHTTPError)},
			notMet: []string{"national_link"},
			dead:   []string{lapor},
			stage:  egovbench.StagePresence,
		},
		{
			name:  "2 a reachable official site with content is at least presence",
			pages: []classPage{{url: "https://perikanan.contohkab.go.id/", file: "02_official_home.html"}},
			stage: egovbench.StagePresence,
			check: func(t *testing.T, a egovbench.Assessment) {
				if !slices.Contains(a.Met(), "official_site") {
					t.Errorf("official_site not met: %v", a.Met())
				}
			},
		},
		{
			name:  "2 an empty script shell naming a village is none",
			pages: []classPage{{url: "https://desacontoh.example/", file: "02_shell_home.html"}},
			stage: egovbench.StageNone,
		},
		{
			name: "3 news about payments is not payment; a bare noun counts with a form behind it",
			pages: []classPage{
				{url: "https://bapenda.contohkab.go.id/", file: "03_news_home.html"},
				{url: "https://bapenda.contohkab.go.id/pendaftaran", file: "03_pendaftaran.html", depth: 1},
				failed("https://pajak.contohkab.go.id/bayar", 0, egovbench.OutcomeTimeout),
			},
			stage:  egovbench.StageTransaction,
			met:    []string{"apply_online", "payment", "news"},
			notMet: []string{"booking", "tracking"},
			check: func(t *testing.T, a egovbench.Assessment) {
				for _, r := range a.Indicators {
					for _, e := range r.Evidence {
						if strings.Contains(e.Element, "/berita/") || strings.Contains(e.Element, "/artikel/") {
							if r.ID == "payment" || r.ID == "apply_online" || r.ID == "local_tax" {
								t.Errorf("%s rests on a headline: %+v", r.ID, e)
							}
						}
					}
				}
			},
		},
		{
			name:   "3 a bare noun with nothing fetched behind it is no service",
			pages:  []classPage{{url: "https://bapenda.contohkab.go.id/", file: "03_news_home.html"}},
			notMet: []string{"apply_online", "booking", "tracking"},
			met:    []string{"payment"}, // "Bayar Pajak Online" names the service itself
			stage:  egovbench.StageTransaction,
		},
		{
			name: "4 a staff login and what is reached only through it are not citizen accounts",
			pages: []classPage{
				{url: "https://desacontoh.id/", file: "04_staff_home.html"},
				{url: "https://desacontoh.id/admin/login", file: "04_admin_login.html", depth: 1},
				{url: "https://desacontoh.id/daftar-akun", file: "04_admin_register.html", depth: 2},
			},
			notMet: []string{"account", "apply_online"},
			stage:  egovbench.StagePresence,
		},
		{
			name: "4 a citizen login judged by its page is an account",
			pages: []classPage{
				{url: "https://dukcapil.contohkab.go.id/", file: "04_citizen_home.html"},
				{url: "https://dukcapil.contohkab.go.id/akun/masuk", file: "04_citizen_login.html", depth: 1},
			},
			met:   []string{"account"},
			stage: egovbench.StageTransaction,
		},
		{
			name:   "5 addresses are not services",
			pages:  []classPage{{url: "https://museum.contohkab.go.id/", file: "05_mailto_home.html"}},
			met:    []string{"email_officials", "chat", "contact"},
			notMet: []string{"booking", "payment"},
			stage:  egovbench.StageInteraction,
		},
		{
			name:  "6 a link to another level of government is integration",
			pages: []classPage{{url: "https://disdik.contohkab.go.id/", file: "06_crossgov_home.html"}, failed("https://jatengprov.go.id/", 0, egovbench.OutcomeDNSError)},
			met:   []string{"national_link"},
			stage: egovbench.StageIntegration,
		},
		{
			name:   "6 a peer's site is not; a directory of institutions by name is",
			pages:  []classPage{{url: "https://disdik.contohkab.go.id/", file: "06_peer_home.html"}},
			met:    []string{"agency_portal"},
			notMet: []string{"national_link"},
			stage:  egovbench.StageIntegration,
		},
		{
			name: "7 services behind frames, form platforms and buttons",
			pages: []classPage{
				{url: kec, file: "07_embedded_home.html"},
				{url: kec + "layanan/permohonan-online", file: "07_permohonan.html", depth: 1},
				failed("https://docs.google.com/forms/d/e/1FAIpQLSe-contoh/viewform?embedded=true", 0, egovbench.OutcomeDNSError),
				failed("https://forms.gle/contohSaran", 0, egovbench.OutcomeDNSError),
			},
			met:    []string{"apply_online", "complaint", "feedback_form"},
			notMet: []string{"forms_download"},
			stage:  egovbench.StageTransaction,
			check: func(t *testing.T, a egovbench.Assessment) {
				var els []string
				for _, r := range a.Indicators {
					if r.ID == "apply_online" {
						for _, e := range r.Evidence {
							els = append(els, e.Element)
						}
					}
				}
				joined := strings.Join(els, " ")
				if !strings.Contains(joined, "iframe[src=https://docs.google.com/") || !strings.Contains(joined, "[onclick=") {
					t.Errorf("apply_online evidence %v: want the embedded form and the button", els)
				}
			},
		},
		{
			name:  "8 an indicator without a rubric feature decides no stage",
			pages: []classPage{{url: "https://organisasi.contohkab.go.id/", file: "08_portal_home.html"}},
			stage: egovbench.StagePresence,
			check: func(t *testing.T, a egovbench.Assessment) {
				if !slices.Contains(a.Met(), "service_portal") {
					t.Errorf("service_portal not met (the page links a service portal): %v", a.Met())
				}
			},
		},
		{
			name:  "10 a page in a language the catalogue does not cover says so",
			pages: []classPage{{url: "https://www.mfano.go.tz/", file: "10_swahili_home.html"}},
			stage: egovbench.StagePresence,
			check: func(t *testing.T, a egovbench.Assessment) {
				if a.Language != "sw" || a.LanguageCovered {
					t.Errorf("language %q covered %v, want sw, not covered", a.Language, a.LanguageCovered)
				}
			},
		},
	}
	c := DefaultCatalogue()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(classSnapshot(t, tc.pages...), c)
			got := features(c, a)
			if a.Stage != tc.stage {
				t.Errorf("stage %s, want %s (features %v)", a.Stage, tc.stage, got)
			}
			for _, f := range tc.met {
				if !slices.Contains(got, f) {
					t.Errorf("%s not met (features %v)", f, got)
				}
			}
			for _, f := range tc.notMet {
				if slices.Contains(got, f) {
					t.Errorf("%s met, want not met (features %v)", f, got)
				}
			}
			urls := func(ds []egovbench.DeadService) []string {
				var out []string
				for _, d := range ds {
					out = append(out, d.URL)
				}
				return out
			}
			for _, u := range tc.unverified {
				if !slices.Contains(urls(a.UnverifiedServices), u) {
					t.Errorf("%s not listed as unverified: %v", u, a.UnverifiedServices)
				}
				if slices.Contains(urls(a.DeadServices), u) {
					t.Errorf("%s listed as dead", u)
				}
			}
			for _, u := range tc.dead {
				if !slices.Contains(urls(a.DeadServices), u) {
					t.Errorf("%s not listed as dead: %v", u, a.DeadServices)
				}
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

func TestUncoveredLanguageLowersConfidence(t *testing.T) {
	c := DefaultCatalogue()
	a := Analyze(classSnapshot(t, classPage{url: "https://www.mfano.go.tz/", file: "10_swahili_home.html"}), c)
	covered := a
	covered.LanguageCovered = true
	if got, with := c.confidence(&a), c.confidence(&covered); got >= with {
		t.Errorf("confidence %v in an uncovered language, %v covered: want lower", got, with)
	}
	id := Analyze(classSnapshot(t, classPage{url: "https://sukamaju.contohkab.go.id/", file: "01_lapor_home.html"}), c)
	if id.Language != "id" || !id.LanguageCovered {
		t.Errorf("Indonesian page: language %q covered %v", id.Language, id.LanguageCovered)
	}
}

// TestOneConceptOneStage: a staged indicator's feature must be evidence of
// the indicator's own stage.
func TestOneConceptOneStage(t *testing.T) {
	path := writeFile(t, `extends: default
indicators:
  - id: odd
    feature: payment
    name_id: x
    name_en: x
    criterion: services_provision
    stage: integration
    detect: {link_text: {en: [odd service]}}
`)
	if _, err := LoadCatalogue(path); err == nil || !strings.Contains(err.Error(), "evidence of transaction") {
		t.Errorf("LoadCatalogue accepted a feature of another stage: %v", err)
	}
	path = writeFile(t, `extends: default
indicators:
  - id: odd
    feature: not_a_feature
    name_id: x
    name_en: x
    criterion: services_provision
    stage: integration
    detect: {link_text: {en: [odd service]}}
`)
	if _, err := LoadCatalogue(path); err == nil || !strings.Contains(err.Error(), "not in the rubric") {
		t.Errorf("LoadCatalogue accepted an unknown feature: %v", err)
	}
}
