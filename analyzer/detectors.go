package analyzer

import (
	"strings"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/htmlfacts"
)

// The built-in detectors are the few checks that keyword lists cannot
// express. Their names are part of the catalogue file format.
const (
	detContact        = "contact_details"
	detSiteSearch     = "site_search_form"
	detPostTextarea   = "post_form_with_textarea"
	detMailto         = "mailto_links"
	detAgencyDir      = "agency_directory"
	detDataDownloads  = "data_downloads"
	detFileUpload     = "file_upload_form"
	detViewport       = "mobile_viewport"
	detLang           = "html_lang"
	detImgAlt         = "img_alt_coverage"
	detMultilingual   = "multilingual"
	detHTTPS          = "https"
	detHTTPToHTTPS    = "http_to_https"
	detHSTS           = "hsts"
	detTLSValid       = "tls_valid"
	detSitemap        = "sitemap"
	detRobots         = "robots"
	detFreshness      = "freshness"
	detFeedLink       = "feed_link"
	detOfficial       = "official_site"
	freshnessMaxAge   = 365 * 24 * time.Hour
	agencyDirMinHosts = 5
	imgAltMinShare    = 0.9
)

// DetectorNames lists the built-in detectors a catalogue may name.
func DetectorNames() []string {
	return []string{detContact, detSiteSearch, detPostTextarea, detMailto, detAgencyDir,
		detDataDownloads, detFileUpload, detViewport, detLang, detImgAlt, detMultilingual,
		detHTTPS, detHTTPToHTTPS, detHSTS, detTLSValid, detSitemap, detRobots, detFreshness, detFeedLink, detOfficial}
}

func knownDetector(name string) bool {
	for _, n := range DetectorNames() {
		if n == name {
			return true
		}
	}
	return false
}

// siteDetector reports whether a detector reads the snapshot as a whole
// (probe, robots, sitemap, dates across pages) rather than one page.
func siteDetector(name string) bool {
	switch name {
	case detHTTPS, detHTTPToHTTPS, detHSTS, detTLSValid, detSitemap, detRobots, detFreshness:
		return true
	}
	return false
}

// pageDetect runs a page detector and returns its evidence.
func (c *Catalogue) pageDetect(name string, pf *pageFacts, ft string, toks []token) []egovbench.Evidence {
	switch name {
	case detContact:
		return detectContact(pf, ft, toks)
	case detSiteSearch:
		return detectSiteSearch(pf)
	case detPostTextarea:
		return detectPostTextarea(pf)
	case detMailto:
		return detectMailto(pf)
	case detAgencyDir:
		return c.detectAgencyDirectory(pf)
	case detDataDownloads:
		return detectDataDownloads(pf)
	case detFileUpload:
		var ev []egovbench.Evidence
		for _, f := range pf.Forms {
			if f.Files > 0 {
				ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "form input[type=file]", Text: f.Text})
			}
		}
		return ev
	case detViewport:
		if mobileViewport(pf) {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "meta[name=viewport]", Text: clip(pf.Viewport)}}
		}
	case detLang:
		// "zxx" (no linguistic content) and "und" declare no language.
		if primaryLang(pf.Lang) != "" {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "html[lang]", Text: clip(pf.Lang)}}
		}
	case detImgAlt:
		if pf.Imgs > 0 && float64(pf.ImgsAlt) >= imgAltMinShare*float64(pf.Imgs) {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "img[alt]", Text: itoa(pf.ImgsAlt) + " of " + itoa(pf.Imgs) + " images have alt"}}
		}
	case detMultilingual:
		return detectMultilingual(pf)
	case detOfficial:
		if ok, named := c.officialPage(pf); ok {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "title/h1/host", Text: clip(named)}}
		}
	case detFeedLink:
		if pf.Feeds > 0 {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "link[type=rss/atom]", Text: itoa(pf.Feeds) + " feeds announced"}}
		}
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// mobileViewport accepts width=device-width, or an initial scale without a
// fixed pixel width: "width=1024" only shrinks a desktop page.
func mobileViewport(pf *pageFacts) bool {
	if !pf.HasVP {
		return false
	}
	v := strings.ToLower(strings.ReplaceAll(pf.Viewport, " ", ""))
	if strings.Contains(v, "width=device-width") {
		return true
	}
	if strings.Contains(v, "width=") {
		return false
	}
	return strings.Contains(v, "initial-scale")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// detectContact looks for a tel: link, an e-mail address, a telephone
// number after a telephone word, or a street address in the page text.
func detectContact(pf *pageFacts, ft string, toks []token) []egovbench.Evidence {
	var ev []egovbench.Evidence
	for _, l := range pf.Links {
		if strings.HasPrefix(strings.ToLower(l.Raw), "tel:") {
			ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "a[href=" + clip(l.Raw) + "]", Text: l.Text})
			break
		}
	}
	text := pf.Text
	if at := emailInText(text); at >= 0 {
		ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: snippet(text, at, at+1)})
	}
	for i, t := range toks {
		ts := t.str(ft)
		switch ts {
		case "telp", "tel", "telepon", "phone", "telephone", "fax", "faks", "faksimile", "hp", "call",
			"telefono", "telefon", "tél", "téléphone", "тел", "телефон", "факс", "전화", "팩스", "hotline", "wa", "whatsapp":
			if digitsAfter(ft, toks, i+1, 5) >= 6 {
				ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: tokSpan(ft, toks, i, 6)})
				return ev
			}
		case "jl", "jln", "jalan":
			// Indonesian addresses name the street and then the district
			// and regency (Jl. Kayu, Kec. X, Kab. Y) as often as a number.
			if numberWithin(ft, toks, i+1, 8) || adminUnitWithin(ft, toks, i+1, 10) {
				ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: tokSpan(ft, toks, i, 8)})
				return ev
			}
		case "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "suite", "lane", "rue", "quai", "calle", "avenida", "ул", "улица", "проспект":
			for j := i - 1; j >= 0 && j >= i-3; j-- {
				if isDigits(toks[j].str(ft)) && len(toks[j].str(ft)) <= 5 && i+1 < len(toks) {
					ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: tokSpan(ft, toks, j, 8)})
					return ev
				}
			}
		default:
			if n := phoneAt(ft, toks, i); n > 0 {
				ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: tokSpan(ft, toks, i, n)})
				return ev
			}
			if (strings.HasSuffix(ts, "strasse") || strings.HasSuffix(ts, "straße") || strings.HasSuffix(ts, "platz")) && i+1 < len(toks) && isDigits(toks[i+1].str(ft)) && len(toks[i+1].str(ft)) <= 3 {
				ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: tokSpan(ft, toks, i, 4)})
				return ev
			}
		}
	}
	return ev
}

// digitsAfter counts the digits of the numeric tokens that follow position i
// (at most n tokens), stopping at the first word.
// adminUnitWithin reports an Indonesian administrative unit written as in
// an address (kec., kab., kel., kecamatan, kabupaten, kelurahan) within n
// tokens after i.
func adminUnitWithin(ft string, toks []token, i, n int) bool {
	for j := i; j < len(toks) && j < i+n; j++ {
		switch toks[j].str(ft) {
		case "kec", "kab", "kel", "kecamatan", "kabupaten", "kelurahan":
			return true
		}
	}
	return false
}

func digitsAfter(ft string, toks []token, i, n int) int {
	d := 0
	for j := i; j < len(toks) && j < i+n; j++ {
		if !isDigits(toks[j].str(ft)) {
			if d > 0 {
				break
			}
			continue
		}
		d += len(toks[j].str(ft))
	}
	return d
}

func numberWithin(ft string, toks []token, i, n int) bool {
	for j := i; j < len(toks) && j < i+n; j++ {
		if isDigits(toks[j].str(ft)) && len(toks[j].str(ft)) <= 4 {
			return true
		}
	}
	return false
}

func tokSpan(ft string, toks []token, i, n int) string {
	var b strings.Builder
	for j := i; j < len(toks) && j < i+n; j++ {
		if j > i {
			b.WriteByte(' ')
		}
		b.WriteString(toks[j].str(ft))
	}
	return clip(b.String())
}

// emailInText returns the byte offset of an e-mail address in s, or -1.
func emailInText(s string) int {
	for off := 0; off < len(s); {
		i := strings.IndexByte(s[off:], '@')
		if i < 0 {
			return -1
		}
		at := off + i
		off = at + 1
		// local part: at least one allowed character before '@'
		l := at
		for l > 0 && isEmailByte(s[l-1]) {
			l--
		}
		if l == at {
			continue
		}
		// domain: letters, digits, '-', '.' with a dot followed by 2+ letters
		r := at + 1
		dot := -1
		for r < len(s) && (isEmailByte(s[r]) && s[r] != '+') {
			if s[r] == '.' {
				dot = r
			}
			r++
		}
		if dot > at+1 && r-dot-1 >= 2 {
			return at
		}
	}
	return -1
}

func isEmailByte(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
		c == '.' || c == '-' || c == '_' || c == '+'
}

// searchy tells whether a form looks like a search box at all.
func searchy(f htmlfacts.Form) bool {
	if f.SearchInput || f.RoleSearch {
		return true
	}
	a := strings.ToLower(f.Action)
	for _, w := range []string{"search", "cari", "suche", "recherche", "busca", "pencarian", "find"} {
		if strings.Contains(a, w) {
			return true
		}
	}
	return false
}

// detectSiteSearch accepts a search form with one or two text fields and no
// drop-down filters: a form with many fields searches a register or a
// database, which the rubric does not count as site search.
func detectSiteSearch(pf *pageFacts) []egovbench.Evidence {
	for _, f := range pf.Forms {
		if !searchy(f) || f.TextInputs == 0 {
			continue
		}
		small := f.Textareas == 0 && f.Passwords == 0 && f.TextInputs <= 2 && f.Selects == 0 && !registerSearch(f)
		if small || f.SiteSearch {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "form[action=" + clip(f.Action) + "]", Text: f.Text}}
		}
	}
	if pf.SearchOutside > 0 {
		return []egovbench.Evidence{{PageURL: pf.URL, Element: "input[type=search]", Text: "search box"}}
	}
	// A menu link named only "Search" leads to the site's search page.
	for _, l := range pf.Links {
		switch fold(strings.TrimSpace(l.Text)) {
		case "search", "cari", "pencarian", "suche", "recherche", "buscar", "busqueda", "поиск", "검색", "site search", "search this site":
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "a[href=" + clip(l.Raw) + "]", Text: l.Text}}
		}
	}
	return nil
}

// registerSearch recognises searches over one register (members, meetings,
// applications, dictionary entries) by the words of the form.
func registerSearch(f htmlfacts.Form) bool {
	t := fold(f.Text)
	for _, w := range []string{"member", "members", "application", "applications", "meeting", "meetings", "deputy", "diputado", "charity", "property", "address"} {
		for _, tk := range tokenize(t, nil) {
			if tk.str(t) == w {
				return true
			}
		}
	}
	return false
}

// detectPostTextarea wants a form a citizen writes into: a text area, sent
// by POST or with at least a name or e-mail field beside it.
func detectPostTextarea(pf *pageFacts) []egovbench.Evidence {
	for _, f := range pf.Forms {
		if f.Textareas == 0 {
			continue
		}
		if f.Method == "post" || f.TextInputs >= 1 {
			return []egovbench.Evidence{{PageURL: pf.URL, Element: "form[method=" + f.Method + "] textarea", Text: f.Text}}
		}
	}
	return nil
}

// detectMailto accepts mailto links with an address (share-by-mail links
// have none).
func detectMailto(pf *pageFacts) []egovbench.Evidence {
	var ev []egovbench.Evidence
	for _, l := range pf.Links {
		if len(l.Raw) < 7 || !strings.EqualFold(l.Raw[:7], "mailto:") {
			continue
		}
		addr := l.Raw[7:]
		if q := strings.IndexByte(addr, '?'); q >= 0 {
			addr = addr[:q]
		}
		if !strings.Contains(addr, "@") {
			continue
		}
		ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "a[href=" + clip(l.Raw) + "]", Text: l.Text})
		if len(ev) >= 5 {
			break
		}
	}
	return ev
}

// govHost tells whether host belongs to a government by its labels or the
// catalogue's list of portals.
func (c *Catalogue) govHost(host string) bool {
	h := strings.TrimPrefix(host, "www.")
	if c.govHosts[h] {
		return true
	}
	labels := strings.Split(h, ".")
	for i, l := range labels {
		if i == 0 && len(labels) > 2 {
			continue // a leading service name such as "gov.example.com" says nothing
		}
		if c.govLabels[l] {
			return true
		}
	}
	for i := range labels {
		if c.govHosts[strings.Join(labels[i:], ".")] {
			return true
		}
	}
	return false
}

// detectAgencyDirectory looks for one list, menu, table or footer that
// links five or more other government sites: a directory of agencies or
// districts, as opposed to government links scattered over a page.
func (c *Catalogue) detectAgencyDirectory(pf *pageFacts) []egovbench.Evidence {
	own := ""
	if pf.Page != nil {
		own = stripWWW(strings.ToLower(pf.Page.Hostname()))
	}
	type group struct {
		hosts map[string]bool
		ev    []egovbench.Evidence
	}
	groups := map[int]*group{}
	var best *group
	for _, l := range pf.Links {
		h := stripWWW(l.Host)
		// Unlabelled logos and dataset hosts link data, not a directory of agencies.
		// Links outside any list, menu, table or footer (group 0) are prose, not a directory.
		// A government host, or a link whose words name an institution
		// (Dinas ..., Kecamatan ..., Desa ...): village and agency sites
		// often live on names without a government label.
		if l.Group == 0 || h == "" || strings.TrimSpace(l.Text) == "" || sameInstitution(h, own) || dataHost(h) ||
			!(c.govHost(h) || c.namesInstitution(l.Text)) {
			continue
		}
		g := groups[l.Group]
		if g == nil {
			g = &group{hosts: map[string]bool{}}
			groups[l.Group] = g
		}
		if g.hosts[h] {
			continue
		}
		g.hosts[h] = true
		if len(g.ev) < 5 {
			g.ev = append(g.ev, egovbench.Evidence{PageURL: pf.URL, Element: "a[href=" + clip(l.Abs) + "]", Text: l.Text})
		}
		if best == nil || len(g.hosts) > len(best.hosts) {
			best = g
		}
	}
	if best == nil || len(best.hosts) < agencyDirMinHosts {
		return nil
	}
	return append([]egovbench.Evidence{{PageURL: pf.URL, Element: "a[href]", Text: itoa(len(best.hosts)) + " other government sites linked in one list"}}, best.ev...)
}

// detectDataDownloads finds links to files in data formats.
func detectDataDownloads(pf *pageFacts) []egovbench.Evidence {
	var ev []egovbench.Evidence
	for _, l := range pf.Links {
		p := strings.ToLower(l.Raw)
		if q := strings.IndexAny(p, "?#"); q >= 0 {
			p = p[:q]
		}
		for _, ext := range []string{".csv", ".json", ".xls", ".xlsx", ".ods", ".geojson", ".kml", ".xml"} {
			if strings.HasSuffix(p, ext) && !strings.HasSuffix(p, "sitemap.xml") && !strings.Contains(p, "rss") && !strings.Contains(p, "feed") {
				ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "a[href=" + clip(l.Raw) + "]", Text: l.Text})
				break
			}
		}
		if len(ev) >= 5 {
			break
		}
	}
	return ev
}

// detectMultilingual wants hreflang alternates or two links named after
// languages.
func detectMultilingual(pf *pageFacts) []egovbench.Evidence {
	if pf.Hreflangs >= 2 {
		return []egovbench.Evidence{{PageURL: pf.URL, Element: "link[hreflang]", Text: itoa(pf.Hreflangs) + " language alternates"}}
	}
	var ev []egovbench.Evidence
	for _, l := range pf.Links {
		if len(l.Text) > 24 {
			continue // language switches are short
		}
		switch fold(strings.TrimSpace(l.Text)) {
		case "english", "bahasa indonesia", "indonesia", "espanol", "francais", "deutsch", "русский", "english version",
			"кыргызча", "한국어", "en", "id", "es", "fr", "de", "ru", "ky", "ko", "eng", "ind", "рус", "кыр":
			ev = append(ev, egovbench.Evidence{PageURL: pf.URL, Element: "a[href=" + clip(l.Raw) + "]", Text: l.Text})
		}
	}
	if len(ev) < 2 {
		return nil
	}
	return ev
}

// siteDetect runs a detector over the whole snapshot.
func siteDetect(name string, snap *egovbench.Snapshot, pages []*PageScan, at time.Time) []egovbench.Evidence {
	p := snap.Probe
	probeURL := p.FinalURL
	if probeURL == "" {
		probeURL = p.URL
	}
	switch name {
	case detHTTPS:
		if p.Outcome == egovbench.OutcomeOK && strings.HasPrefix(strings.ToLower(probeURL), "https://") {
			return []egovbench.Evidence{{PageURL: probeURL, Element: "probe", Text: "served over https"}}
		}
	case detHTTPToHTTPS:
		if p.HTTPSRedirect {
			return []egovbench.Evidence{{PageURL: p.URL, Element: "probe", Text: "http redirects to https"}}
		}
	case detHSTS:
		if p.HSTS {
			return []egovbench.Evidence{{PageURL: probeURL, Element: "probe", Text: "Strict-Transport-Security header"}}
		}
	case detTLSValid:
		if p.TLSValid {
			txt := "certificate trusted"
			if !p.TLSExpiry.IsZero() {
				txt += ", expires " + p.TLSExpiry.UTC().Format("2006-01-02")
			}
			return []egovbench.Evidence{{PageURL: probeURL, Element: "probe", Text: txt}}
		}
	case detSitemap:
		if snap.SitemapURLs > 0 {
			return []egovbench.Evidence{{PageURL: probeURL, Element: "sitemap", Text: itoa(snap.SitemapURLs) + " urls listed"}}
		}
	case detRobots:
		if snap.RobotsStatus == 200 {
			return []egovbench.Evidence{{PageURL: probeURL, Element: "robots.txt", Text: "http 200"}}
		}
	case detFreshness:
		if at.IsZero() {
			return nil
		}
		var best time.Time
		var bestEv egovbench.Evidence
		for _, ps := range pages {
			if ps.date.After(best) {
				best, bestEv = ps.date, ps.dateEv
			}
		}
		if !best.IsZero() && at.Sub(best) <= freshnessMaxAge {
			return []egovbench.Evidence{bestEv}
		}
	}
	return nil
}

// stripWWW drops a leading www, www2, www3... label.
func stripWWW(h string) string {
	if strings.HasPrefix(h, "www") {
		if dot := strings.IndexByte(h, '.'); dot >= 3 && isDigits(h[3:dot]) || dot == 3 {
			return h[dot+1:]
		}
	}
	return h
}

// sameInstitution treats a host and its parent domains as one institution
// (sitl.diputados.gob.mx and diputados.gob.mx), while sibling subdomains
// (dinkes.example.go.id beside dpmptsp.example.go.id) are other agencies.
func sameInstitution(a, b string) bool {
	if a == b {
		return true
	}
	return strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// phoneAt recognises a telephone number written as digit groups starting at
// token i: 1-844-872-4681, (312) 269-7900, 202.586.8660, (0286) 321234,
// +62 21 3456789. It returns the number of tokens, or 0. Dates have too few
// digits (2025-01-12 has 8) and amounts use other separators.
func phoneAt(ft string, toks []token, i int) int {
	if !isDigits(toks[i].str(ft)) || len(toks[i].str(ft)) > 4 {
		return 0
	}
	digits, groups := 0, 0
	j := i
	for ; j < len(toks) && j < i+5 && isDigits(toks[j].str(ft)); j++ {
		if j > i {
			sep := ft[toks[j-1].end():toks[j].begin()]
			if len(sep) > 2 || strings.Trim(sep, " -.()/") != "" {
				break
			}
		}
		digits += len(toks[j].str(ft))
		groups++
	}
	if groups < 2 || digits < 9 || digits > 13 {
		return 0
	}
	last := toks[j-1].str(ft)
	first := toks[i].str(ft)
	trunk := first[0] == '0' || (toks[i].begin() > 0 && (ft[toks[i].begin()-1] == '+' || ft[toks[i].begin()-1] == '('))
	if groups >= 3 && len(last) == 4 || trunk && len(last) >= 4 {
		return groups
	}
	return 0
}

// dataHost recognises hosts that serve datasets, maps or files rather than
// an institution's site: links to them list data, not agencies.
func dataHost(h string) bool {
	first := h
	if dot := strings.IndexByte(h, '.'); dot >= 0 {
		first = h[:dot]
	}
	switch first {
	case "data", "catalog", "opendata", "api", "cdn", "static", "maps", "gis", "explore", "files", "docs":
		return true
	}
	return false
}

func ftOf(pf *pageFacts) string   { ft, _ := pf.textTokens(); return ft }
func tokOf(pf *pageFacts) []token { _, t := pf.textTokens(); return t }
