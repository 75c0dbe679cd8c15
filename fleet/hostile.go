package fleet

import (
	"html/template"
	"strings"
)

// Hostile strings. Compromised .go.id sites with injected gambling spam and
// script are a real, common sight; these are the shapes a report must show
// as inert text.
const (
	hostileScript = `<script>alert("xss")</script>`
	hostileImg    = `<img src=x onerror="alert(document.domain)">`
	hostileAttr   = `"><svg onload=alert(1)>`
	bidiOverride  = "\u202e" // right-to-left override
	bidiIsolate   = "\u2067" // right-to-left isolate, left unterminated
)

// hostileRaw is markup injected into every page of the hostile site, the way
// a defaced CMS carries it: hidden spam links, inline script, an event
// handler and a javascript: URL. It names no reachable host.
const hostileRaw = template.HTML(`<div style="display:none"><a href="https://slot-gacor-maxwin.example/">SLOT GACOR MAXWIN hari ini</a></div>
<script>document.title="pwned";alert("injected")</script>
<img src="/assets/x.png" onerror="alert('onerror')">
<a href="javascript:alert(document.cookie)" onclick="alert(2)">Klik untuk klaim hadiah</a>
<iframe src="javascript:alert(3)" width="0" height="0"></iframe>`)

// hostilize rewrites a page of the hostile site. The page keeps the features
// the ground truth claims; the hostility is added on top of them.
func hostilize(p *pageData, s *site) {
	long := strings.Repeat("Pengumuman penting ", 600) // about 11 KB
	p.Title = hostileScript + " " + p.Title + " " + bidiOverride + "fdp.exe" + " " + long[:3000]
	p.Heading = p.Heading + " " + hostileAttr
	p.Description = hostileAttr + bidiIsolate
	for i := range p.Blocks {
		for j := range p.Blocks[i].Links {
			l := &p.Blocks[i].Links[j]
			if l.Note != "" { // dated news items
				l.Text = bidiOverride + l.Text + " " + hostileImg + " " + hostileScript
			}
		}
	}
	p.Blocks = append([]block{{
		Heading: "Info " + hostileImg,
		Paras:   []string{hostileScript + " " + bidiIsolate + "\u202etxt.exe", long},
		Links: []link{
			{Raw: template.URL("javascript:alert('link')"), Text: "Hadiah " + hostileAttr},
			{Raw: template.URL("JaVaScRiPt:alert(1)//" + strings.Repeat("x", 4000)), Text: strings.Repeat("Klik ", 2000)},
			{Raw: template.URL("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="), Text: "Unduh " + bidiOverride + "fdp.scr"},
		},
		Raw: hostileRaw,
	}}, p.Blocks...)
}
