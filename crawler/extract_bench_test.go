package crawler

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// BenchmarkExtract measures the per-page work of the crawler on a typical
// portal page: decoding, link and text extraction, hashing.
func BenchmarkExtract(b *testing.B) {
	page := fleetPage("layanan")
	u, _ := url.Parse("http://kab0001.go.id/layanan")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		body := decodeHTML(page, "text/html; charset=utf-8")
		f := extract(u, body)
		_ = hashHex(body)
		if len(f.Links) == 0 {
			b.Fatal("no links")
		}
	}
}

// BenchmarkGoqueryParse is the baseline BenchmarkExtract is held against:
// what colly's OnHTML would cost on the same page.
func BenchmarkGoqueryParse(b *testing.B) {
	page := fleetPage("layanan")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
		if err != nil || doc.Find("a[href]").Length() == 0 {
			b.Fatal("no links")
		}
	}
}

func BenchmarkNormalizeURL(b *testing.B) {
	base, _ := url.Parse("http://www.kota.go.id/dir/page.php?x=1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := normalizeURL(base, "../berita/2026/11/detail.php?id=42&utm_source=fb&PHPSESSID=abc#top"); err != nil {
			b.Fatal(err)
		}
	}
}
