package crawler

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{"/a#b", "../x?utm_source=1&b=2", "HTTP://X.go.id:80/%41", "//h/p;jsessionid=1",
		"http://[::1]:0/", "?a=%zz", "http://xn--e1afmkfd.xn--p1ai/", "javascript:x", " \t/x "} {
		f.Add("http://Kota.go.id/dir/p.php?q=1", s)
	}
	f.Fuzz(func(t *testing.T, base, ref string) {
		b, err := url.Parse(base)
		if err != nil {
			return
		}
		u, err := normalizeURL(b, ref)
		if err != nil {
			return
		}
		s := u.String()
		if u.Scheme != "http" && u.Scheme != "https" || u.Fragment != "" || len(s) > maxURLLen {
			t.Fatalf("normalizeURL(%q, %q) = %q", base, ref, s)
		}
		// Normalising is idempotent: the dedup key must not drift.
		again, err := normalizeURL(nil, s)
		if err != nil || again.String() != s {
			t.Fatalf("not idempotent: %q -> %q (%v)", s, again, err)
		}
		_ = trapReason(u)
		_ = template(u)
	})
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte(`<html><head><base href="/b/"><title>t</title><meta http-equiv=refresh content="0;url=/r"></head>` +
		`<body><a href="x">Layanan <img alt="i"></a><area href="/a"><iframe src="/f"></iframe><script><a href="/s"></script></body></html>`))
	f.Add([]byte(`<a href="//[::1` + "\x00" + `"><a href=javascript:1><<<>>></a></a></title>`))
	f.Add([]byte(strings.Repeat("<div>", 1000) + `<a href="/deep">d</a>`))
	page, _ := url.Parse("http://k.go.id/x/")
	f.Fuzz(func(t *testing.T, body []byte) {
		facts := extract(page, decodeHTML(body, "text/html"))
		if len(facts.Links) > maxLinksPerPage {
			t.Fatalf("%d links", len(facts.Links))
		}
		for _, l := range facts.Links {
			if l.URL.Scheme != "http" && l.URL.Scheme != "https" || utf8.RuneCountInString(l.Text) > maxLinkText || !utf8.ValidString(l.Text) {
				t.Fatalf("bad link %+v", l)
			}
		}
		if !utf8.ValidString(facts.Title) || !utf8.ValidString(facts.Text) {
			t.Fatalf("invalid UTF-8 in facts")
		}
		_ = isNotice(wordsOf(facts))
	})
}

func FuzzDecodeHTML(f *testing.F) {
	f.Add([]byte("Caf\xe9"), "text/html; charset=iso-8859-1")
	f.Add([]byte("\xef\xbb\xbfx"), "")
	f.Add([]byte("\xfe\xff\x00a\xd8"), "text/html")
	f.Add([]byte(`<meta charset="shift_jis">\x82\xa0`), "text/html")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		if out := decodeHTML(body, ct); !utf8.Valid(out) {
			t.Fatalf("decodeHTML(%q, %q) = %q: invalid UTF-8", body, ct, out)
		}
		_ = looksBinary(body)
	})
}

func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><urlset><url><loc>http://k.go.id/a</loc></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>http://k.go.id/s.xml</loc></sitemap></sitemapindex>`))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"))
	f.Add([]byte(`<?xml version="1.0" encoding="bogus"?><urlset>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, _ := parseSitemap(body, 10)
		if len(doc.URLs) > 10 || len(doc.Children) > 8 || doc.Count < len(doc.URLs) {
			t.Fatalf("bounds: %+v", doc)
		}
	})
}

func FuzzParseRobots(f *testing.F) {
	f.Add(200, []byte("User-agent: *\nDisallow: /admin\nAllow: /admin/public\nSitemap: http://x/s.xml\n"), "/admin/x")
	f.Add(200, []byte("\x00\xff garbage\nDisallow"), "/")
	f.Add(503, []byte(""), "/")
	f.Add(200, []byte("User-agent: egovbench\nDisallow: /*.php$\n"), "/a.php")
	f.Fuzz(func(t *testing.T, status int, body []byte, path string) {
		r := parseRobots(status, body, "egovbench")
		_ = r.allowed(path)
		if len(r.sitemaps) > 8 {
			t.Fatalf("%d sitemaps kept", len(r.sitemaps))
		}
	})
}
