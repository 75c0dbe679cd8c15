package analyzer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/egovbench/egovbench"
)

// syntheticPage builds a deterministic government homepage of about size
// bytes: menus, news items with dates, link lists to other agencies, a
// search form, tables and paragraphs, in the proportions of real portals.
func syntheticPage(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Pemerintah Kota Contoh</title>`)
	b.WriteString(`<style>body{font-family:sans-serif}.menu li{display:inline}</style><script>var x = "<a href='/no'>no</a>";</script></head><body>`)
	b.WriteString(`<form action="/cari" role="search"><input name="q" placeholder="Cari"><button>Cari</button></form><nav><ul class="menu">`)
	for _, m := range []string{"Profil", "Visi dan Misi", "Struktur Organisasi", "Berita", "PPID", "JDIH", "APBD", "LPSE", "Pengaduan", "Layanan Online", "Kontak"} {
		fmt.Fprintf(&b, `<li><a href="/%s">%s</a></li>`, strings.ToLower(strings.ReplaceAll(m, " ", "-")), m)
	}
	b.WriteString(`</ul></nav><main>`)
	for i := 0; b.Len() < size-2000; i++ {
		fmt.Fprintf(&b, `<article class="post"><h3><a href="/berita/%d/judul-berita-%d">Wali Kota Meninjau Proyek Jalan Nomor %d di Kecamatan Contoh</a></h3>`, i, i, i)
		fmt.Fprintf(&b, `<p class="date">%d Januari 2026</p><p>Pemerintah kota terus meningkatkan pelayanan publik melalui inovasi digital. Warga dapat mengakses layanan perizinan, kependudukan dan pengaduan secara daring. Telp. (0411) 55%04d.</p>`, i%28+1, i%10000)
		fmt.Fprintf(&b, `<img src="/img/%d.jpg" alt="Kegiatan %d"></article>`, i, i)
		if i%10 == 0 {
			b.WriteString(`<ul class="links">`)
			for j := 0; j < 8; j++ {
				fmt.Fprintf(&b, `<li><a href="https://opd%d.contohkota.go.id/">Dinas %d</a></li>`, i+j, j)
			}
			b.WriteString(`</ul><table><tr><th>Layanan</th><th>Persyaratan</th></tr><tr><td>KTP</td><td>Formulir F-1.01</td></tr></table>`)
		}
	}
	b.WriteString(`</main><footer><p>Jl. Ahmad Yani No. 2, Kota Contoh</p><a href="https://www.lapor.go.id">SP4N LAPOR!</a><a href="https://facebook.com/kotacontoh">Facebook</a></footer></body></html>`)
	return b.Bytes()
}

func benchAnalyze(b *testing.B, body []byte) {
	c := DefaultCatalogue()
	snap := onePage("https://www.contohkota.go.id/", body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		a := Analyze(snap, c)
		if a.Stage == egovbench.StageNone {
			b.Fatal("no stage")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

func benchParse(b *testing.B, body []byte) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil || doc == nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// The Analyze/Parse pairs run on the same bytes in the same run, so their
// ratio is the cost of analysis over a plain goquery parse.
func BenchmarkAnalyze100KB(b *testing.B) { benchAnalyze(b, syntheticPage(100<<10)) }
func BenchmarkParse100KB(b *testing.B)   { benchParse(b, syntheticPage(100<<10)) }
func BenchmarkAnalyze2MB(b *testing.B)   { benchAnalyze(b, syntheticPage(2<<20)) }
func BenchmarkParse2MB(b *testing.B)     { benchParse(b, syntheticPage(2<<20)) }

// readCorpusPage reads a real page of the calibration corpus (014.html is a
// ~100 KB city page).
func readCorpusPage(b *testing.B, name string) []byte {
	body, err := os.ReadFile(filepath.Join(corpusDir(b), "pages", name))
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkAnalyzeCorpus014(b *testing.B) { benchAnalyze(b, readCorpusPage(b, "014.html")) }
func BenchmarkParseCorpus014(b *testing.B)   { benchParse(b, readCorpusPage(b, "014.html")) }

// BenchmarkRatio interleaves a plain goquery parse and a full analysis of
// the same bytes in every iteration, so that both see the same machine
// load, and reports analysis time over parse time (target <= 1.5).
func BenchmarkRatio(b *testing.B) {
	c := DefaultCatalogue()
	cases := []struct {
		name string
		body func(*testing.B) []byte
	}{
		{"100KB", func(*testing.B) []byte { return syntheticPage(100 << 10) }},
		{"2MB", func(*testing.B) []byte { return syntheticPage(2 << 20) }},
		{"corpus014", func(b *testing.B) []byte { return readCorpusPage(b, "014.html") }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			body := tc.body(b)
			snap := onePage("https://www.contohkota.go.id/", body)
			var parse, analyze, parseCPU, analyzeCPU time.Duration
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			for b.Loop() {
				c0, t0 := threadCPU(), time.Now()
				if _, err := goquery.NewDocumentFromReader(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
				c1, t1 := threadCPU(), time.Now()
				Analyze(snap, c)
				analyze += time.Since(t1)
				analyzeCPU += threadCPU() - c1
				parse += t1.Sub(t0)
				parseCPU += c1 - c0
			}
			b.ReportMetric(float64(analyze)/float64(parse), "analyze/parse")
			if parseCPU > 0 {
				// Thread CPU time excludes time spent waiting for a core and
				// the GC's background workers (its assists are included).
				b.ReportMetric(float64(analyzeCPU)/float64(parseCPU), "analyze/parse-cpu")
			}
			b.ReportMetric(float64(b.N)/analyze.Seconds(), "analyzed-pages/s")
		})
	}
}

func BenchmarkDefaultCatalogue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if DefaultCatalogue() == nil {
			b.Fatal("nil")
		}
	}
}

// FuzzAnalyze feeds arbitrary bytes as a page: the analyzer must not panic,
// must return a valid stage and keep evidence bounded.
func FuzzAnalyze(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "fixtures"))
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", "fixtures", e.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("<a href=\"http://[::1\">x</a><form><textarea>"))
	f.Add([]byte("\xff\xfe<\x00h\x00t\x00m\x00l"))
	f.Add([]byte("<table><table><table><a href=mailto:@>12 Januari 2025 (0286) 321234"))
	c := DefaultCatalogue()
	f.Fuzz(func(t *testing.T, body []byte) {
		a := Analyze(onePage("https://fuzz.example.go.id/a/b?c=d", body), c)
		if a.Stage < egovbench.StageNone || a.Stage > egovbench.StageTransaction {
			t.Fatalf("stage %d", a.Stage)
		}
		if len(a.Indicators) != len(c.inds) {
			t.Fatalf("%d results", len(a.Indicators))
		}
		for _, r := range a.Indicators {
			for _, e := range r.Evidence {
				if utf8.RuneCountInString(e.Text) > maxText {
					t.Fatalf("%s: evidence of %d runes", r.ID, utf8.RuneCountInString(e.Text))
				}
			}
		}
		if a.Score < 0 || a.Score > 100 || a.Confidence < 0 || a.Confidence > 1 {
			t.Fatalf("score %v confidence %v", a.Score, a.Confidence)
		}
	})
}
