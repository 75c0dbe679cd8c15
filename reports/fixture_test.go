package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/egovbench/egovbench"
)

// Hostile payloads a site could send. The canary payloads set
// window.__pwned, which the browser test looks for.
const (
	xssScript  = `<script>alert(1)</script><script>window.__pwned=1</script>`
	xssAttr    = `" onerror="alert(1)" x="`
	xssImg     = `<img src=x onerror="window.__pwned=1">`
	xssJSURL   = `javascript:alert(1)`
	xssJSURL2  = ` JaVaScRiPt:window.__pwned=1`
	bidiText   = "\u202egnp.exe\u202c Kantor \u2067Bupati\u2069"
	hostileID  = "../../etc/passwd"
	hostileURL = "javascript:window.__pwned=1//http://a.example/"
)

var testCatalogue = []egovbench.Indicator{
	{ID: "inst_contact", NameID: "Kontak resmi", NameEN: "Official contact", Criterion: egovbench.CriterionInstitutional, Stage: egovbench.StagePresence, Description: "Address, phone or e-mail of the office.", DescriptionID: "Alamat, telepon atau e-mail kantor."},
	{ID: "inst_structure", NameID: "Struktur organisasi", NameEN: "Organisation structure", Criterion: egovbench.CriterionInstitutional, Stage: egovbench.StagePresence, Description: "The office's organisation chart.", DescriptionID: "Bagan organisasi kantor."},
	{ID: "content_news", NameID: "Berita terkini", NameEN: "Current news", Criterion: egovbench.CriterionContent, Stage: egovbench.StagePresence, Description: "News updated within 90 days.", DescriptionID: "Berita diperbarui dalam 90 hari."},
	{ID: "content_docs", NameID: "Dokumen publik", NameEN: "Public documents", Criterion: egovbench.CriterionContent, Stage: egovbench.StageInteraction, Description: "Downloadable regulations and forms.", DescriptionID: "Peraturan dan formulir yang dapat diunduh."},
	{ID: "svc_search", NameID: "Pencarian", NameEN: "Site search", Criterion: egovbench.CriterionServices, Stage: egovbench.StageInteraction, Description: "A working search form.", DescriptionID: "Formulir pencarian yang berfungsi."},
	{ID: "svc_complaint", NameID: "Formulir pengaduan", NameEN: "Complaint form", Criterion: egovbench.CriterionServices, Stage: egovbench.StageInteraction, Description: "An online complaint form.", DescriptionID: "Formulir pengaduan daring."},
	{ID: "svc_lapor", NameID: "Tautan LAPOR!", NameEN: "Link to LAPOR!", Criterion: egovbench.CriterionServices, Stage: egovbench.StageIntegration, Description: "A link to the national complaint system.", DescriptionID: "Tautan ke sistem pengaduan nasional."},
	{ID: "svc_sso", NameID: "Masuk tunggal", NameEN: "Single sign-on", Criterion: egovbench.CriterionServices, Stage: egovbench.StageIntegration, Description: "Login shared with national systems.", DescriptionID: "Log masuk bersama dengan sistem nasional."},
	{ID: "svc_apply", NameID: "Permohonan daring", NameEN: "Online application", Criterion: egovbench.CriterionServices, Stage: egovbench.StageTransaction, Description: "Apply for a permit online with an account.", DescriptionID: "Mengajukan izin secara daring dengan akun."},
	{ID: "svc_payment", NameID: "Pembayaran daring", NameEN: "Online payment", Criterion: egovbench.CriterionServices, Stage: egovbench.StageTransaction, Description: "Pay a fee or tax online.", DescriptionID: "Membayar retribusi atau pajak secara daring."},
	{ID: "part_social", NameID: "Media sosial", NameEN: "Social media", Criterion: egovbench.CriterionParticipation, Stage: egovbench.StageInteraction, Description: "Links to official social media accounts.", DescriptionID: "Tautan ke akun media sosial resmi."},
	{ID: "part_survey", NameID: "Survei kepuasan", NameEN: "Satisfaction survey", Criterion: egovbench.CriterionParticipation, Stage: egovbench.StageNone, Description: "A citizen satisfaction survey.", DescriptionID: "Survei kepuasan masyarakat."},
	{ID: "tech_https", NameID: "HTTPS", NameEN: "HTTPS", Criterion: egovbench.CriterionTechnology, Stage: egovbench.StageNone, Description: "Served over valid HTTPS.", DescriptionID: "Disajikan melalui HTTPS yang valid."},
	{ID: "tech_mobile", NameID: "Ramah seluler", NameEN: "Mobile friendly", Criterion: egovbench.CriterionTechnology, Stage: egovbench.StageNone, Description: "A viewport for small screens.", DescriptionID: "Viewport untuk layar kecil."},
}

var testFrameworks = []egovbench.Framework{
	{ID: "egovbench", Name: "egovbench", NameID: "egovbench", Levels: []egovbench.FrameworkLevel{
		{ID: "presence", Name: "Presence", Description: "Information only.", NameID: "Kehadiran", DescriptionID: "Hanya informasi."},
		{ID: "interaction", Name: "Interaction", Description: "Two-way contact.", NameID: "Interaksi", DescriptionID: "Kontak dua arah."},
		{ID: "integration", Name: "Integration", Description: "Linked to national systems.", NameID: "Integrasi", DescriptionID: "Terhubung ke sistem nasional."},
		{ID: "transaction", Name: "Transaction", Description: "Full online services.", NameID: "Transaksi", DescriptionID: "Layanan daring penuh."},
	}},
	{ID: "spbe", Name: "SPBE", NameID: "SPBE", Levels: []egovbench.FrameworkLevel{
		{ID: "1", Name: "Rintisan", NameID: "Rintisan", Description: "Level 1.", DescriptionID: "Tingkat 1."}, {ID: "2", Name: "Terkelola", NameID: "Terkelola", Description: "Level 2.", DescriptionID: "Tingkat 2."},
		{ID: "3", Name: "Terdefinisi", NameID: "Terdefinisi", Description: "Level 3.", DescriptionID: "Tingkat 3."}, {ID: "4", Name: "Terpadu", NameID: "Terpadu", Description: "Level 4.", DescriptionID: "Tingkat 4."},
	}},
}

var testRegions = []string{"Sulawesi Selatan", "Sulawesi Barat", "Gorontalo"}

// synthInput builds a deterministic report input: n sites over runs weekly
// (or daily when daily is set) runs ending at the generation time, daily
// rollups over the whole history, hourly rollups for the last hourlyDays
// days, and (when hostile) one site whose every string is an attack.
func synthInput(n, runs int, runEvery time.Duration, hourlyDays int, hostile bool) Input {
	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	loc := time.FixedZone("WITA", 8*3600)
	in := Input{
		GeneratedAt: now, Lang: "en", Location: loc,
		Latest: map[string]egovbench.Assessment{}, Previous: map[string]egovbench.Assessment{},
		Indicators: testCatalogue, Frameworks: testFrameworks, CatalogueVersion: "2026.11-test",
		LastCrawl: &egovbench.Run{ID: int64(runs), Kind: egovbench.RunCrawl, StartedAt: now,
			Config: `{"max_pages":20,"max_depth":3,"delay":"1s","per_host":1,"request_timeout":"15s","site_timeout":"2m0s","user_agent":"egovbench-test (+https://example.org/contact)","workers":8}`},
		Agreement: &Agreement{Source: "Two analysts labelled the sites by hand", SourceID: "Dua analis memberi label situs secara manual", Labelled: 10, Exact: 7, Adjacent: 9, Kappa: 0.61,
			Matrix: [5][5]int{{1, 0, 0, 0, 0}, {0, 2, 1, 0, 0}, {0, 0, 2, 0, 0}, {0, 0, 1, 1, 0}, {0, 0, 0, 1, 1}}},
		Validation: &Agreement{Source: "Whole sites never used to tune the rules", SourceID: "Situs utuh yang tidak dipakai menyetel aturan", Labelled: 5, Exact: 4, Adjacent: 5, Kappa: 0.8,
			Matrix:   [5][5]int{{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {0, 0, 1, 1, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 1}},
			Features: []FeatureAgreement{{Feature: "contact", Precision: 1, Recall: 0.9, F1: 0.95, Support: 5}, {Feature: "apply_online", Precision: 0.75, Recall: 1, F1: 0.86, Support: 3}}},
	}
	start := now.Add(-time.Duration(runs-1) * runEvery)
	for i := 0; i < n; i++ {
		t := egovbench.Target{
			ID: fmt.Sprintf("site-%03d", i), Name: fmt.Sprintf("Pemerintah Kabupaten %03d", i),
			URL: fmt.Sprintf("http://127.0.0.1:1/site-%03d/", i), Level: "kabupaten",
			Region: testRegions[i%len(testRegions)], Country: "ID", Lang: "id",
		}
		if i%11 == 10 {
			t.Region = "" // some sites have no region
		}
		hostileSite := hostile && i == n-1
		if hostileSite {
			t.ID = hostileID
			t.Name = xssScript + xssAttr + xssImg + bidiText + strings.Repeat("A", 10_000)
			t.URL = hostileURL
			t.Region = xssScript + bidiText
			t.Level = xssAttr
		}
		in.Targets = append(in.Targets, t)
		base := 15 + 80*float64(i)/float64(max(1, n-1))
		var prev, last *egovbench.Assessment
		for r := 0; r < runs; r++ {
			at := start.Add(time.Duration(r) * runEvery).Add(time.Duration(i) * time.Second)
			// About 8 points of progress over the history, whatever its length.
			score := clamp(base+float64(r)*min(0.8, 8/float64(runs))+rng.NormFloat64()*3, 0, 100)
			stage := stageFor(score)
			if i%7 == 3 && r%5 == 2 {
				stage, score = egovbench.StageNone, 0 // unreachable now and then: a gap
			}
			if i%13 == 5 && r == runs/2 {
				continue // not crawled in this run at all
			}
			in.History = append(in.History, egovbench.StagePoint{TargetID: t.ID, RunID: int64(r + 1), At: at, Stage: stage, Score: math.Round(score*10) / 10})
			if r >= runs-2 {
				a := assessment(t, int64(r+1), at, stage, score, hostileSite)
				if r == runs-2 {
					prev = &a
				} else {
					last = &a
				}
			}
		}
		if i == 0 {
			continue // never assessed: no latest
		}
		if last != nil {
			in.Latest[t.ID] = *last
		}
		if prev != nil && i%9 != 4 {
			in.Previous[t.ID] = *prev
		}
	}
	days := int(now.Sub(start).Hours()/24) + 1
	for i, t := range in.Targets {
		for d := 0; d < days; d++ {
			day := now.Truncate(24 * time.Hour).Add(-time.Duration(days-1-d) * 24 * time.Hour)
			if i%5 == 1 && d%10 == 3 {
				continue // no probes that day: a gap
			}
			in.Daily = append(in.Daily, rollup(rng, t.ID, day, 96, 15*time.Minute, i))
		}
		for h := 0; h < hourlyDays*24; h++ {
			hour := now.Truncate(time.Hour).Add(-time.Duration(hourlyDays*24-1-h) * time.Hour)
			in.Hourly = append(in.Hourly, rollup(rng, t.ID, hour, 4, 15*time.Minute, i))
		}
		if i%4 == 2 {
			in.Outages = append(in.Outages, egovbench.Outage{TargetID: t.ID, Start: now.Add(-36 * time.Hour), End: now.Add(-30 * time.Hour), Cause: egovbench.OutcomeTimeout})
		}
		if i%6 == 5 {
			in.Outages = append(in.Outages, egovbench.Outage{TargetID: t.ID, Start: now.Add(-3 * time.Hour), Cause: egovbench.OutcomeConnectionRefused})
		}
	}
	return in
}

func stageFor(score float64) egovbench.Stage {
	switch {
	case score >= 80:
		return egovbench.StageTransaction
	case score >= 60:
		return egovbench.StageIntegration
	case score >= 35:
		return egovbench.StageInteraction
	default:
		return egovbench.StagePresence
	}
}

func assessment(t egovbench.Target, run int64, at time.Time, st egovbench.Stage, score float64, hostile bool) egovbench.Assessment {
	a := egovbench.Assessment{
		TargetID: t.ID, RunID: run, AssessedAt: at, CatalogueVersion: "2026.11-test",
		Reachable: st != egovbench.StageNone, Stage: st, Score: math.Round(score*10) / 10, Confidence: 0.8,
		Frameworks:      map[string]string{"egovbench": st.String(), "spbe": fmt.Sprint(max(1, int(st)))},
		CriterionScores: map[string]float64{},
		PagesAnalyzed:   12,
	}
	for ci, c := range egovbench.Criteria {
		a.CriterionScores[string(c)] = clamp(score+float64(ci*7-14), 0, 100)
	}
	for k, ind := range testCatalogue {
		met := a.Reachable && (ind.Stage <= st || k%3 == int(run)%3) && !(ind.Stage > st+1)
		r := egovbench.IndicatorResult{ID: ind.ID, Met: met}
		if met {
			e := egovbench.Evidence{PageURL: t.URL + "layanan", Element: "a[href=/" + ind.ID + "]", Text: ind.NameID}
			if hostile {
				e = egovbench.Evidence{PageURL: xssJSURL, Element: xssAttr, Text: xssScript + xssImg + bidiText + strings.Repeat("B", 10_000)}
			}
			r.Evidence = []egovbench.Evidence{e}
			if hostile {
				// A real http URL can still carry a payload that tries to
				// break out of the attribute.
				r.Evidence = append(r.Evidence, egovbench.Evidence{PageURL: `http://127.0.0.1:1/"><script>window.__pwned=1</script>'x='`, Element: "a", Text: "ok"})
			}
		}
		a.Indicators = append(a.Indicators, r)
		if !met && ind.Stage == st+1 {
			a.NextSteps = append(a.NextSteps, ind.ID)
		}
	}
	if st == egovbench.StageTransaction || hostile {
		d := egovbench.DeadService{PageURL: t.URL + "layanan", URL: t.URL + "perizinan", Text: "Perizinan Online", Reason: "http 404"}
		if hostile {
			d = egovbench.DeadService{PageURL: xssJSURL2, URL: "data:text/html,<script>window.__pwned=1</script>", Text: xssScript + bidiText, Reason: xssAttr}
		}
		a.DeadServices = []egovbench.DeadService{d}
		// A national link whose check failed on our side: unchecked, not dead;
		// the site is written in a language the catalogue does not cover.
		a.UnverifiedServices = []egovbench.DeadService{{PageURL: t.URL, URL: "https://www.lapor.go.id/", Text: "SP4N-LAPOR!", Reason: "dns_error"}}
		a.Language = "jv"
	}
	return a
}

// rollup makes one bucket of probes; site i's availability and latency
// drift with i and with the hour of day, so profiles have structure.
func rollup(rng *rand.Rand, id string, start time.Time, checks int, every time.Duration, i int) egovbench.Rollup {
	hour := start.Add(8 * time.Hour).Hour() // local WITA hour
	pDown := 0.002 + 0.03*float64(i%5)/4
	if hour >= 9 && hour <= 11 {
		pDown *= 3 // office hours are worse, as citizens complain
	}
	r := egovbench.Rollup{TargetID: id, Start: start, Checks: checks}
	var lats []float64
	for c := 0; c < checks; c++ {
		if i%8 == 7 && c%20 == 0 {
			r.Blocked++
			continue
		}
		if rng.Float64() < pDown {
			r.DownTime += every
			continue
		}
		r.Successes++
		r.UpTime += every
		ms := 120 + 40*float64(i%6) + 25*rng.ExpFloat64()
		if hour >= 9 && hour <= 11 {
			ms *= 1.6
		}
		lats = append(lats, ms)
		d := time.Duration(ms * float64(time.Millisecond))
		r.LatencySum += d
		if r.LatencyMin == 0 || d < r.LatencyMin {
			r.LatencyMin = d
		}
		r.LatencyMax = max(r.LatencyMax, d)
	}
	if len(lats) > 0 {
		r.LatencyP50 = time.Duration(percentile(lats, 0.5) * float64(time.Millisecond))
		r.LatencyP95 = time.Duration(percentile(lats, 0.95) * float64(time.Millisecond))
	}
	return r
}

func percentile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	median(s) // sorts
	return s[int(math.Ceil(q*float64(len(s))))-1]
}

// testInput is the synthetic report of the golden and browser tests: a
// dozen sites, ten weekly runs, 30 days of hourly rollups, one hostile site.
func testInput() Input {
	return synthInput(12, 10, 7*24*time.Hour, 30, true)
}

func vg37() vg.Length { return 37 * vg.Inch / chartDPI }
func vg23() vg.Length { return 23 * vg.Inch / chartDPI }
