package analyzer

import (
	"net/url"
	"strings"
	"time"

	"github.com/egovbench/egovbench/htmlfacts"
)

// The context of a piece of evidence: where a link sits and where it leads
// says more about a service than the link's words. These readers are the
// generalising part of the method (error classes of issue 10): an address
// is not a service, a headline is not a service, a staff login is not a
// citizen account, a bare noun is not a service without a cue.

// isAddressLink reports a link whose target is an address to write or call
// (mailto:, tel:, sms:, WhatsApp): its address says who to contact, never
// which service is offered ("booking@..." is e-mail, not booking).
func isAddressLink(l htmlfacts.Link) bool {
	raw := strings.ToLower(l.Raw[:min(len(l.Raw), 7)])
	if strings.HasPrefix(raw, "mailto:") || strings.HasPrefix(raw, "tel:") || strings.HasPrefix(raw, "sms:") || strings.HasPrefix(raw, "callto:") {
		return true
	}
	switch stripWWW(l.Host) {
	case "wa.me", "api.whatsapp.com", "web.whatsapp.com", "whatsapp.com", "t.me", "m.me":
		return true
	}
	return false
}

// isPlaceholder reports a link that goes nowhere: "#", javascript: or an
// empty href. Such a link counts for nothing, whatever its words.
func isPlaceholder(l htmlfacts.Link) bool {
	return l.Abs == "" && !isAddressLink(l)
}

// isFragment reports a link to a part of the same page ("#layanan").
func isFragment(l htmlfacts.Link) bool {
	return strings.HasPrefix(l.Raw, "#") && len(l.Raw) > 1
}

// pathWords splits a URL's path into lower-case words.
func pathWords(u string) []string {
	p := u
	if pu, err := url.Parse(u); err == nil {
		p = pu.Path
	}
	return strings.FieldsFunc(strings.ToLower(p), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// isNewsURL reports an article address: a news path word (berita, news,
// artikel, pengumuman, post...) or a dated path (/2024/05/...).
func (c *Catalogue) isNewsURL(u string) bool {
	ws := pathWords(u)
	for i, w := range ws {
		if c.newsPaths[w] {
			return true
		}
		if len(w) == 4 && w >= "1990" && w <= "2099" && i+1 < len(ws) && len(ws[i+1]) <= 2 && ws[i+1] >= "01" && ws[i+1] <= "12" {
			return true
		}
	}
	return false
}

// newsLink reports a link that is a headline: in a news block, to an
// article address, or with a date written beside it.
func (c *Catalogue) newsLink(pf *pageFacts, l htmlfacts.Link) bool {
	if l.News || c.isNewsURL(l.Abs) {
		return true
	}
	return dateBeside(pf.Text, l)
}

// dateBeside reports a date within a short distance of the link's text:
// the date line of a news list or a card.
func dateBeside(text string, l htmlfacts.Link) bool {
	if l.TextPos < 0 || l.TextPos > len(text) {
		return false
	}
	lo, hi := max(0, l.TextPos-80), min(len(text), l.TextPos+len(l.Text)+80)
	for lo > 0 && lo < len(text) && text[lo]&0xC0 == 0x80 {
		lo--
	}
	for hi < len(text) && text[hi]&0xC0 == 0x80 {
		hi++
	}
	_, _, ok := newestDate(text[lo:hi], time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	return ok
}

// staffPage reports a page for staff: its address, title, first headings or
// form actions say admin, webmail, operator, pegawai, intranet, wp-login.
// Its logins and forms are not a citizen's.
func (c *Catalogue) staffPage(pf *pageFacts) bool {
	says := func(s string) bool {
		fs := fold(s)
		return len(c.staffWords.find(fs, tokenize(fs, nil), nil)) > 0
	}
	if pf.Page != nil && says(strings.Join(pathWords(pf.URL), " ")) {
		return true
	}
	if says(pf.Title) {
		return true
	}
	for i, h := range pf.Headings {
		if i >= 3 {
			break
		}
		if says(h.Text) {
			return true
		}
	}
	for _, f := range pf.Forms {
		if f.Passwords > 0 && (says(strings.Join(pathWords(f.Action), " ")) || says(f.Text)) {
			return true
		}
	}
	return false
}

// serviceForm reports a form a citizen fills in to get something done:
// inputs beyond a search box (text, files, choices, a password).
func serviceForm(pf *pageFacts) bool {
	for _, f := range pf.Forms {
		if searchy(f) {
			continue
		}
		if f.TextInputs+f.Textareas+f.Selects+f.Files+f.Passwords >= 2 || f.Files > 0 || f.Passwords > 0 {
			return true
		}
	}
	return false
}

// loginForm reports a sign-in form: a password field.
func loginForm(pf *pageFacts) bool {
	for _, f := range pf.Forms {
		if f.Passwords > 0 {
			return true
		}
	}
	return false
}

// qualified reports a service cue in a link's own words: "online",
// "daring", "e-..." (e-retribusi), "sekarang".
func (c *Catalogue) qualified(fs string, toks []token) bool {
	for _, t := range toks {
		if c.qualifiers[t.str(fs)] {
			return true
		}
	}
	return false
}

// formHost reports a host that serves embedded or linked forms.
func (c *Catalogue) formHost(host string) bool {
	h := stripWWW(host)
	for {
		if c.formHosts[h] {
			return true
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			return false
		}
		h = h[dot+1:]
	}
}

// minContentWords is the visible text below which a page is empty: a script
// shell, a parked domain or a placeholder, not a site that publishes.
const minContentWords = 40

// officialPage reports a page that names a government institution in its
// title or first headings, or is served from a government host, and that has
// content of its own (an empty script shell naming a village is not a site).
func (c *Catalogue) officialPage(pf *pageFacts) (bool, string) {
	_, toks := pf.textTokens()
	if len(toks) < minContentWords {
		return false, ""
	}
	names := c.namesInstitution
	if names(pf.Title) {
		return true, pf.Title
	}
	for i, h := range pf.Headings {
		if i >= 3 {
			break
		}
		if names(h.Text) {
			return true, h.Text
		}
	}
	if pf.Host != "" && c.govHost(pf.Host) {
		return true, pf.Host
	}
	return false, ""
}

// pageLanguage names the page's language: its declared lang when it is one
// the catalogue has markers for, else the language whose common words are
// most frequent in its text, or "" when none stands out.
func (c *Catalogue) pageLanguage(pf *pageFacts) string {
	if l := primaryLang(pf.Lang); l != "" {
		if _, ok := c.markers[l]; ok {
			return l
		}
	}
	ft, toks := pf.textTokens()
	best, bestN := "", 0
	counts := map[string]int{}
	for _, t := range toks {
		w := t.str(ft)
		for lang, ws := range c.markers {
			if ws[w] {
				counts[lang]++
			}
		}
	}
	for lang, n := range counts {
		if n > bestN || (n == bestN && lang < best) {
			best, bestN = lang, n
		}
	}
	if bestN < 5 {
		if l := primaryLang(pf.Lang); l != "" {
			return l
		}
		return ""
	}
	return best
}

// primaryLang is the primary subtag of a language tag ("id" of "id-ID"),
// or "" for tags that name no language (zxx, und, mul).
func primaryLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	switch tag {
	case "", "zxx", "und", "mul", "mis":
		return ""
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for _, r := range tag {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return tag
}

// govLevel names the level of government a host belongs to by the
// catalogue's suffixes ("" when its name does not tell).
func (c *Catalogue) govLevel(host string) string {
	h := stripWWW(strings.ToLower(host))
	for _, l := range c.levels {
		for _, sfx := range l.Suffixes {
			if h == sfx || strings.HasSuffix(h, sfx) && (len(h) > len(sfx)) {
				return l.Level
			}
		}
	}
	return ""
}

// otherLevel reports a link host of a known level of government that is
// not the site's own level: the link joins the site to another tier.
func (c *Catalogue) otherLevel(ownHost, host string) bool {
	lv := c.govLevel(host)
	if lv == "" {
		return false
	}
	return c.govLevel(ownHost) != lv
}

// lookupForm reports a form that looks something up (an application
// search or enquiry, a status check) rather than submitting a request.
func lookupForm(f htmlfacts.Form) bool {
	words := append(pathWords(f.Action), strings.Fields(strings.ToLower(f.Text))...)
	for _, w := range words {
		switch {
		case strings.Contains(w, "search"), strings.Contains(w, "enquiry"), strings.Contains(w, "lookup"),
			w == "find", w == "cari", w == "pencarian", w == "filter", w == "suche", w == "recherche":
			return true
		}
	}
	return false
}

// namesInstitution reports words that name a government body.
func (c *Catalogue) namesInstitution(s string) bool {
	fs := fold(s)
	return len(c.institutionWords.find(fs, tokenize(fs, nil), nil)) > 0
}
