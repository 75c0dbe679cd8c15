package htmlfacts

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/egovbench/egovbench/internal/corpus"
)

const portal = `<!DOCTYPE html><html lang=" id "><head><title> Portal
	Kota <b>Contoh</b></title>
<meta name="viewport" content="width=device-width"><meta http-equiv="Refresh" content="30; url='/beranda'">
<link rel="alternate" type="application/rss+xml" href="/rss"><link rel="alternate" hreflang="en" href="/en/">
<script>var s = "<a href='/script'>x</a>";</script><style>a{}</style></head>
<body><nav><ul>
 <li><a href="/layanan" title="Menu" aria-label="Layanan">  Layanan
	Publik </a></li>
 <li><a href="https://LAPOR.go.id./instansi#x"><img src="l.png" alt="LAPOR!"></a></li>
 <li><a href="javascript:void(0)">Menu</a></li>
</ul></nav>
<a href="mailto:humas@contoh.go.id">Surel</a><a href="#top">Atas</a><a name="anchor">no href</a>
<map><area href="/peta" alt="Peta Kota"></map>
<iframe src="https://www.youtube.com/embed/xyz" title="Video"><p>fallback</p></iframe>
<svg><text>svg text</text><a href="/svg">svg link</a></svg>
<h2>Pengaduan <em>Masyarakat</em></h2>
<form method="POST" action="/kirim"><label>Nama</label><input name="nama"><textarea name="isi">tulis</textarea>
<input type="file" name="lampiran"><input type="password"><select name="kec"></select>
<button>Kirim</button></form>
<form role="search" action="/cari"><input type="search" name="q" placeholder="Cari di situs"></form>
<input type="text" class="site-search" name="keyword">
<img src="a.png" alt=""><img src="b.png">
<p>Selamat datang di portal resmi.</p>
</body></html>`

func TestExtractPortal(t *testing.T) {
	f := Extract("https://www.contoh.go.id/index.php", []byte(portal))
	var links []string
	for _, l := range f.Links {
		links = append(links, fmt.Sprintf("%s|%s|%s|%s|%v", l.Raw, l.Abs, l.Host, l.Text, l.Group > 0))
	}
	want := []string{
		"/layanan|https://www.contoh.go.id/layanan|www.contoh.go.id|Menu Layanan Layanan Publik|true",
		"https://LAPOR.go.id./instansi#x|https://LAPOR.go.id./instansi|lapor.go.id|LAPOR!|true",
		"javascript:void(0)|||Menu|true",
		"mailto:humas@contoh.go.id|mailto:humas@contoh.go.id||Surel|false",
		"#top|||Atas|false",
		"/peta|https://www.contoh.go.id/peta|www.contoh.go.id|Peta Kota|false",
	}
	if !slices.Equal(links, want) {
		t.Errorf("links\n got %q\nwant %q", links, want)
	}
	if len(f.Frames) != 1 || f.Frames[0].Abs != "https://www.youtube.com/embed/xyz" || f.Frames[0].Text != "Video" {
		t.Errorf("frames %+v", f.Frames)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"title", f.Title, "Portal Kota <b>Contoh</b>"}, // <title> holds text only, as browsers show it
		{"lang", f.Lang, "id"},
		{"viewport", f.Viewport, "width=device-width"},
		{"hasVP", f.HasVP, true},
		{"refresh", f.Refresh, "/beranda"},
		{"feeds", f.Feeds, 1},
		{"hreflangs", f.Hreflangs, 1},
		{"imgs", f.Imgs, 3},
		{"imgs with alt", f.ImgsAlt, 2},
		{"search outside forms", f.SearchOutside, 1},
		{"headings", f.Headings, []Labelled{{Tag: "h2", Text: "Pengaduan Masyarakat"}}},
		{"forms", len(f.Forms), 2},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(f.Forms) == 2 {
		post := f.Forms[0]
		if post.Method != "post" || post.Action != "/kirim" || post.TextInputs != 1 || post.Textareas != 1 ||
			post.Files != 1 || post.Passwords != 1 || post.Selects != 1 || post.SearchInput || !strings.Contains(post.Text, "Kirim") {
			t.Errorf("post form %+v", post)
		}
		search := f.Forms[1]
		if !search.RoleSearch || !search.SearchInput || search.Action != "/cari" {
			t.Errorf("search form %+v", search)
		}
	}
	for _, hidden := range []string{"/script", "svg text", "fallback", "tulis", "a{}"} {
		if strings.Contains(f.Text, hidden) {
			t.Errorf("visible text has %q: %q", hidden, f.Text)
		}
	}
	for _, shown := range []string{"Selamat datang di portal resmi.", "Layanan", "Pengaduan"} {
		if !strings.Contains(f.Text, shown) {
			t.Errorf("visible text lacks %q: %q", shown, f.Text)
		}
	}
	if strings.Contains(f.Text, "Portal") {
		t.Errorf("the title is not body text: %q", f.Text)
	}
}

func TestExtractBase(t *testing.T) {
	cases := []struct {
		name, page, html string
		abs              []string
	}{
		{"relative base", "http://k.go.id/dir/", `<base href="/base/"><a href="x">x</a><a href="#top">t</a><a href="/r">r</a>`,
			[]string{"http://k.go.id/base/x", "http://k.go.id/base/", "http://k.go.id/r"}},
		{"other host", "http://k.go.id/", `<base href="https://cdn.k.go.id/"><a href="/r">r</a>`,
			[]string{"https://cdn.k.go.id/r"}},
		{"first base wins", "http://k.go.id/", `<base href="/a/"><base href="/b/"><a href="x">x</a>`,
			[]string{"http://k.go.id/a/x"}},
		{"javascript base ignored", "http://k.go.id/d/", `<base href="javascript:alert(1)"><a href="x">x</a><a href="#">self</a>`,
			[]string{"http://k.go.id/d/x", ""}},
		{"unparsable page url", "http://[::1", `<a href="/x">x</a><a href="https://e.go.id/">e</a>`,
			[]string{"/x", "https://e.go.id/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := Extract(tc.page, []byte(tc.html))
			var got []string
			for _, l := range f.Links {
				got = append(got, l.Abs)
			}
			if !slices.Equal(got, tc.abs) {
				t.Errorf("got %q, want %q", got, tc.abs)
			}
		})
	}
}

func TestRefreshURL(t *testing.T) {
	cases := map[string]string{
		"0; url=/home":      "/home",
		"0;URL='http://x/'": "http://x/",
		`5, url="a b"`:      "a b",
		"5":                 "",
		"0; /nope":          "",
		"0; url":            "",
	}
	for in, want := range cases {
		if got := RefreshURL(in); got != want {
			t.Errorf("RefreshURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("kata ", 100)
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"  two\n\tlines  ", "two lines"},
		{"a\u00a0b", "a b"},
		{long, strings.TrimSpace(long[:199])},
		{strings.Repeat("é", 300), strings.Repeat("é", 200)},
	}
	for _, c := range cases {
		if got := Clip(c.in); got != c.want {
			t.Errorf("Clip(%.20q) = %.30q, want %.30q", c.in, got, c.want)
		}
	}
}

// TestExtractHostile checks that nesting, unclosed elements and huge
// attributes cost no more than their size and keep every text bounded.
func TestExtractHostile(t *testing.T) {
	pages := map[string]string{
		"deep":         strings.Repeat("<div><ul><a href=/x>", 50_000),
		"unclosed":     strings.Repeat("<a href=/l><h1><label><form><title>", 5_000),
		"huge attr":    `<a href="/x" title="` + strings.Repeat("t", 1<<20) + `">x</a>`,
		"binary":       "\x00\xff<a href=\x00>\xfe</a>",
		"script never": "<script>" + strings.Repeat("<a href=/s>", 1000),
	}
	for name, page := range pages {
		f := Extract("https://k.go.id/", []byte(page))
		for _, s := range textsOf(f) {
			if utf8.RuneCountInString(s) > MaxText {
				t.Errorf("%s: a text of %d runes", name, utf8.RuneCountInString(s))
			}
		}
		if name == "script never" && len(f.Links) != 0 {
			t.Errorf("%s: links inside a script: %d", name, len(f.Links))
		}
	}
}

func textsOf(f *Facts) []string {
	out := []string{f.Title}
	for _, l := range append(slices.Clone(f.Links), f.Frames...) {
		out = append(out, l.Text)
	}
	for _, h := range append(slices.Clone(f.Headings), f.Labels...) {
		out = append(out, h.Text)
	}
	for _, fm := range f.Forms {
		out = append(out, fm.Text)
	}
	return out
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte(portal))
	f.Add([]byte(`<base href="//x"><a href="#">a</a><iframe src=" "></iframe><meta http-equiv=refresh content="0;url=">`))
	f.Add([]byte("<svg><svg></svg><a href=/x>x</a></svg></svg><a href=/y>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fc := Extract("https://www.contoh.go.id/a/b?c=d", body)
		for _, s := range textsOf(fc) {
			if utf8.RuneCountInString(s) > MaxText {
				t.Fatalf("a text of %d runes", utf8.RuneCountInString(s))
			}
		}
		for _, l := range append(slices.Clone(fc.Links), fc.Frames...) {
			if l.Abs == "" {
				continue
			}
			if strings.HasPrefix(l.Abs, "mailto:") || strings.HasPrefix(l.Abs, "tel:") ||
				strings.HasPrefix(strings.ToLower(l.Abs), "mailto:") || strings.HasPrefix(strings.ToLower(l.Abs), "tel:") {
				continue
			}
			if strings.Contains(l.Abs, "#") && !strings.Contains(l.Raw, "#") {
				t.Fatalf("Abs %q has a fragment its href %q lacks", l.Abs, l.Raw)
			}
			if _, err := url.Parse(l.Abs); err != nil && !strings.ContainsAny(l.Raw, "%\\ #") {
				t.Fatalf("Abs %q of %q does not parse: %v", l.Abs, l.Raw, err)
			}
		}
		if utf8.Valid(body) && !utf8.ValidString(fc.Text) {
			t.Fatalf("valid input gave invalid text")
		}
	})
}

// benchPage is a synthetic 100 KB portal page: menus, news, a form.
func benchPage() []byte {
	var b strings.Builder
	b.WriteString(`<html lang="id"><head><title>Portal Resmi Kabupaten</title><meta name="viewport" content="width=device-width"></head><body><nav><ul>`)
	for i := range 60 {
		fmt.Fprintf(&b, `<li><a href="/menu/%d" title="Menu %d">Layanan %d</a></li>`, i, i, i)
	}
	b.WriteString(`</ul></nav>`)
	for i := 0; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, `<div class="berita"><h3><a href="/berita/%d">Berita %d tentang pelayanan publik</a></h3>`+
			`<p>Pemerintah kabupaten meluncurkan layanan <b>perizinan</b> daring dan pengaduan masyarakat nomor %d.</p>`+
			`<img src="/img/%d.jpg" alt="foto %d"></div>`, i, i, i, i, i)
	}
	b.WriteString(`<form action="/cari"><input name="q" placeholder="Cari"><button>Cari</button></form></body></html>`)
	return []byte(b.String())
}

func BenchmarkExtract100KB(b *testing.B) {
	page := benchPage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		Extract("https://www.contoh.go.id/", page)
	}
}

// BenchmarkExtractCorpus reads the real pages of the shared corpus, when
// it is beside the project.
func BenchmarkExtractCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpus.Dir(b), "pages", "*.html"))
	if len(files) == 0 {
		b.Fatal("no pages in the corpus")
	}
	var pages [][]byte
	var size int64
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, data)
		size += int64(len(data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pages {
			Extract("https://www.contoh.go.id/", p)
		}
	}
}

func TestExtractScriptSigns(t *testing.T) {
	for _, tc := range []struct {
		name, html           string
		scripts, mounts      int
		noscript, scriptText bool
	}{
		{"static", `<div id="header"><a href="/">Beranda</a></div><script src="/a.js"></script><div id="map"></div><div id="fb-root"></div>`, 1, 0, false, false},
		{"spa", `<div id="app"></div><script>var x = 1;</script><noscript>Aktifkan JavaScript</noscript>`, 1, 1, true, true},
		{"angular", `<app-root></app-root><script src="main.js"></script>`, 1, 1, false, false},
		{"placeholders", `<header id='site-header'>  </header><nav id=menu></nav><footer id="footer"><!-- filled --></footer>`, 0, 3, false, false},
		{"tag manager", `<noscript><iframe src="https://www.googletagmanager.com/ns.html"></iframe></noscript><div data-id="app"></div>`, 0, 0, false, false},
		{"nested", `<div id="app"><div id="root"></div></div>`, 0, 1, false, false},
		{"modal", `<div id="m"></div><script>m.innerHTML = '<form action="/kirim" method="post"><\/form>';</script>`, 1, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Extract("https://kab.go.id/", []byte(`<html><body>`+tc.html+`</body></html>`))
			if tc.name == "modal" && f.ScriptMarkup != 1 {
				t.Errorf("script markup %d, want 1", f.ScriptMarkup)
			}
			if f.Scripts != tc.scripts || f.EmptyMounts != tc.mounts || f.Noscript != tc.noscript || (f.ScriptBytes > 0) != tc.scriptText {
				t.Errorf("scripts %d mounts %d noscript %v script bytes %d; want %d %d %v %v",
					f.Scripts, f.EmptyMounts, f.Noscript, f.ScriptBytes, tc.scripts, tc.mounts, tc.noscript, tc.scriptText)
			}
		})
	}
}
