package analyzer

import (
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestEvidenceSeenOnlyRendered: evidence on a rendered page that its static
// HTML lacks is marked rendered; evidence the static HTML carries, on that
// page or another, is not.
func TestEvidenceSeenOnlyRendered(t *testing.T) {
	at := time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)
	page := func(u, body string) egovbench.Page {
		return egovbench.Page{URL: u, FinalURL: u, Status: 200, ContentType: "text/html", FetchedAt: at,
			Outcome: egovbench.OutcomeOK, Body: []byte(body)}
	}
	static := `<html lang="id"><head><title>Kabupaten Contoh</title></head><body><h1>Pemerintah Kabupaten Contoh</h1>
<div id="app"></div><script src="/app.js"></script></body></html>`
	rendered := `<html lang="id"><head><title>Kabupaten Contoh</title></head><body><h1>Pemerintah Kabupaten Contoh</h1>
<div id="app"><nav><a href="https://www.lapor.go.id/">SP4N-LAPOR! Pengaduan Masyarakat</a>
<a href="https://oss.go.id/">Perizinan Berusaha OSS</a></nav></div></body></html>`
	home := page("https://www.contoh.go.id/", rendered)
	home.Rendered, home.StaticBody = true, []byte(static)
	other := page("https://www.contoh.go.id/layanan", `<html lang="id"><body><h1>Layanan</h1>
<a href="https://oss.go.id/">Perizinan Berusaha OSS</a></body></html>`)
	snap := egovbench.Snapshot{TargetID: "contoh", StartedAt: at, FinishedAt: at,
		Probe: egovbench.Probe{Outcome: egovbench.OutcomeOK, HTTPStatus: 200}, Pages: []egovbench.Page{home, other}}
	a := Analyze(snap, DefaultCatalogue())
	var lapor, oss, n int
	for _, r := range a.Indicators {
		for _, e := range r.Evidence {
			switch e.Element {
			case "a[href=https://www.lapor.go.id/]":
				lapor++
				if !e.Rendered {
					t.Errorf("%s: %+v is only in the rendered page, not marked", r.ID, e)
				}
			case "a[href=https://oss.go.id/]":
				oss++
				if e.Rendered {
					t.Errorf("%s: %+v is in the static HTML of another page, marked rendered", r.ID, e)
				}
			}
			if e.Rendered {
				n++
			}
		}
	}
	if lapor == 0 || oss == 0 {
		t.Fatalf("the test links gave no evidence (lapor %d, oss %d): %+v", lapor, oss, a.Indicators)
	}
	// Without the static HTML nothing can be told apart: nothing is marked.
	home.StaticBody = nil
	snap.Pages[0] = home
	for _, r := range Analyze(snap, DefaultCatalogue()).Indicators {
		for _, e := range r.Evidence {
			if e.Rendered {
				t.Errorf("%s: %+v marked rendered without static HTML to compare", r.ID, e)
			}
		}
	}
}
