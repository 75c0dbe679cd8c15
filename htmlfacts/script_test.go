package htmlfacts

import (
	"strings"
	"testing"
)

func TestScriptURL(t *testing.T) {
	tests := []struct{ js, want string }{
		{`location.href='/permohonan-online'`, "/permohonan-online"},
		{`window.location.href = "https://x.go.id/a?b=1"`, "https://x.go.id/a?b=1"},
		{`window.location = '/lacak'; return false;`, "/lacak"},
		{`location.assign("/daftar")`, "/daftar"},
		{`window.open('https://forms.gle/abc', '_blank')`, "https://forms.gle/abc"},
		{"location.replace(`/bayar`)", "/bayar"},
		{`location.href = base + '/x'`, ""}, // built from a variable
		{`location.href = '${url}'`, ""},    // a template, not an address
		{`location.href='#top'`, ""},        // the page itself
		{`location.href='javascript:void(0)'`, ""},
		{`doSomething()`, ""},
		{`location.href='`, ""}, // unterminated
		{``, ""},
	}
	for _, tc := range tests {
		if got := ScriptURL(tc.js); got != tc.want {
			t.Errorf("ScriptURL(%q) = %q, want %q", tc.js, got, tc.want)
		}
	}
}

const buttons = `<html><body>
<h2>Layanan Online</h2>
<button class="btn btn-primary" onclick="location.href='/permohonan-online'">Ajukan Permohonan</button>
<div class="card" data-href="/lacak"><div class="card-body"><h5>Lacak Berkas</h5><p>Cek status</p></div></div>
<a onclick="window.open('https://forms.gle/xyz')" href="#">Isi Formulir</a>
<input type="button" value="Bayar Retribusi" onclick="location.href='/bayar'">
<img src="wa.png" alt="WhatsApp" onclick="window.open('https://wa.me/62811')">
<span>after</span>
<h3>Formulir Permohonan Informasi</h3>
<iframe src="https://docs.google.com/forms/d/e/1/viewform?embedded=true"></iframe>
<div class="berita-list"><ul><li><a href="/berita/1">Pembayaran PBB diperpanjang</a> <span>12 Januari 2025</span></li></ul></div>
<article class="ppid-card"><a href="/ppid">PPID</a></article><a class="news-card" href="/baca/2">Pendaftaran dibuka</a>
<div class="postal-code"><a href="/kontak">Kontak</a></div>
<a href="/layanan">Layanan</a>
</body></html>`

func TestExtractScriptLinksAndContext(t *testing.T) {
	f := Extract("https://dinas.example.go.id/", []byte(buttons))
	type want struct {
		abs, text, via, heading string
		news                    bool
	}
	wants := []want{
		{"https://dinas.example.go.id/permohonan-online", "Ajukan Permohonan", "script", "Layanan Online", false},
		{"https://dinas.example.go.id/lacak", "Lacak Berkas Cek status", "script", "Layanan Online", false},
		{"https://forms.gle/xyz", "Isi Formulir", "script", "Lacak Berkas", false},
		{"https://dinas.example.go.id/bayar", "Bayar Retribusi", "script", "Lacak Berkas", false},
		{"https://wa.me/62811", "WhatsApp", "script", "Lacak Berkas", false},
		{"https://dinas.example.go.id/berita/1", "Pembayaran PBB diperpanjang", "", "Formulir Permohonan Informasi", true},
		{"https://dinas.example.go.id/ppid", "PPID", "", "Formulir Permohonan Informasi", false},
		{"https://dinas.example.go.id/baca/2", "Pendaftaran dibuka", "", "Formulir Permohonan Informasi", true},
		{"https://dinas.example.go.id/kontak", "Kontak", "", "Formulir Permohonan Informasi", false},
		{"https://dinas.example.go.id/layanan", "Layanan", "", "Formulir Permohonan Informasi", false},
	}
	if len(f.Links) != len(wants) {
		for _, l := range f.Links {
			t.Logf("%+v", l)
		}
		t.Fatalf("got %d links, want %d", len(f.Links), len(wants))
	}
	for i, w := range wants {
		l := f.Links[i]
		if l.Abs != w.abs || l.Text != w.text || l.Via != w.via || l.Heading != w.heading || l.News != w.news {
			t.Errorf("link %d = %+v\nwant %+v", i, l, w)
		}
	}
	if len(f.Frames) != 1 || f.Frames[0].Heading != "Formulir Permohonan Informasi" {
		t.Errorf("frames = %+v, want one under the heading", f.Frames)
	}
	// The text beside a link is found from its position: the date of a headline.
	l := f.Links[5]
	if near := f.Text[l.TextPos:min(len(f.Text), l.TextPos+60)]; !strings.Contains(near, "12 Januari 2025") {
		t.Errorf("text at the headline's position = %q, want its date", near)
	}
}

// FuzzScriptURL: any handler text gives either nothing or an address that
// was written, quoted, in the text.
func FuzzScriptURL(f *testing.F) {
	for _, s := range []string{`location.href='/a'`, `window.open("https://x/y",'_blank')`, "location.replace(`/b`)", `location='`, `window.location = "#"`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, js string) {
		u := ScriptURL(js)
		if u == "" {
			return
		}
		if !strings.Contains(js, u) || strings.ContainsAny(u, "'\"`") {
			t.Errorf("ScriptURL(%q) = %q: not a quoted literal of the input", js, u)
		}
	})
}
