package analyzer

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/publicsuffix"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/htmlfacts"
)

// candidate is one piece of evidence for an indicator found on a page,
// with the URL the element points to when it is a link (so that a link to
// a dead service can be discounted).
type candidate struct {
	ind    int
	ev     egovbench.Evidence
	target string
	// needsForm marks a bare service noun on a link: it counts only when
	// the page behind the link has a form to fill in (a login form for an
	// account), since the words alone may be a headline or a menu title.
	needsForm bool
}

// Analyze assesses one snapshot against the catalogue. It is pure: it reads
// only its arguments, so re-running it on a stored snapshot gives the same
// verdict. AssessedAt is the crawl's time, never the clock's.
func Analyze(snap egovbench.Snapshot, c *Catalogue) egovbench.Assessment {
	return AnalyzeScanned(snap, nil, c)
}

// PageScan is what one page contributes to an assessment: its evidence
// candidates, whether it says it is down for maintenance or coming soon,
// and its newest date. It keeps nothing else of the page, so a crawl can
// scan each page as it arrives (Catalogue.ScanPage) and let the parsed page
// go; AnalyzeScanned then decides from the scans.
type PageScan struct {
	usable    bool // a page the assessment reads: answered, HTML, not a service check
	deadWords bool
	// What a link to this page is worth: a page for staff serves no citizen,
	// a page with a form (a login form) is a service behind a bare noun.
	staff, serviceForm, loginForm bool
	lang                          string // the page's language, "" when unknown
	// links are the page's links within its own host, normalised, so that
	// a page reached only through staff pages is known as staff too.
	links  []string
	cands  []candidate
	date   time.Time // newest date in the text, zero when none
	dateEv egovbench.Evidence
}

// ScanPage reads one page of a crawl that started at asOf. f is the HTML
// pass already made of the page (htmlfacts.Extract of its body at its final
// URL, as the crawler makes it); when nil or read at another URL, the body
// is read again. The scan is the same either way.
func (c *Catalogue) ScanPage(p egovbench.Page, f *htmlfacts.Facts, asOf time.Time) *PageScan {
	ps := &PageScan{}
	// An error page is dead by its status, and no usable page has one: its
	// words would change nothing.
	if len(p.Body) == 0 || statusDeadReason(p) != "" || unverifiedReason(p) != "" {
		return ps
	}
	u := p.FinalURL
	if u == "" {
		u = p.URL
	}
	var pf *pageFacts
	if f != nil && f.URL == u {
		pf = withFacts(f, p.Body, c.hasSelectors)
	} else {
		pf = extract(u, p.Body, c.hasSelectors)
	}
	// Every page with a body is told dead or alive: any of them may turn
	// out to be the target of a service link on another page.
	ps.deadWords = c.saysDead(pf)
	ps.staff, ps.serviceForm, ps.loginForm = c.staffPage(pf), serviceForm(pf), loginForm(pf)
	if p.Check || !usablePage(p) {
		return ps
	}
	ps.usable = true
	ps.lang = c.pageLanguage(pf)
	seen := map[string]bool{}
	for _, l := range pf.Links {
		if l.Host != "" && l.Host == pf.Host && l.Abs != "" {
			if n := normURL(l.Abs); !seen[n] {
				seen[n] = true
				ps.links = append(ps.links, n)
			}
		}
	}
	// A maintenance or coming-soon page shows no working content, whatever its menus say.
	if !ps.deadWords {
		pctx := pageContext{staff: ps.staff, news: c.isNewsURL(pf.URL), form: ps.serviceForm}
		ps.cands = c.scanPage(pf, nil, pctx)
		if p.Rendered && p.StaticBody != nil && len(ps.cands) > 0 {
			markRendered(ps.cands, c.scanPage(extract(u, p.StaticBody, c.hasSelectors), nil, pctx))
		}
	}
	if c.hasFreshness {
		if d, snip, ok := newestDateToks(ftOf(pf), tokOf(pf), asOf); ok {
			ps.date, ps.dateEv = d, egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: snip}
		}
	}
	return ps
}

// markRendered marks the candidates of a rendered page that its static HTML
// (scanned into static) does not carry: evidence only a browser shows.
func markRendered(cands, static []candidate) {
	type key struct {
		ind           int
		element, text string
	}
	have := make(map[key]bool, len(static))
	for _, s := range static {
		have[key{s.ind, s.ev.Element, s.ev.Text}] = true
	}
	for i := range cands {
		cands[i].ev.Rendered = !have[key{cands[i].ind, cands[i].ev.Element, cands[i].ev.Text}]
	}
}

// scanTime is the time a snapshot's pages are scanned against: the start of
// the crawl, which is known while it runs, or its end when it has no start.
func scanTime(snap egovbench.Snapshot) time.Time {
	if !snap.StartedAt.IsZero() {
		return snap.StartedAt
	}
	return AssessedAtOf(snap)
}

// AnalyzeScanned is Analyze given the scans already made of the pages
// (parallel to snap.Pages, each from ScanPage with the crawl's StartedAt);
// missing or nil entries are scanned here. The verdict is Analyze's.
func AnalyzeScanned(snap egovbench.Snapshot, scans []*PageScan, c *Catalogue) egovbench.Assessment {
	a := egovbench.Assessment{
		TargetID:         snap.TargetID,
		RunID:            snap.RunID,
		AssessedAt:       AssessedAtOf(snap),
		CatalogueVersion: c.version,
	}
	all := make([]*PageScan, len(snap.Pages))
	copy(all, scans)
	for i, p := range snap.Pages {
		if all[i] == nil {
			all[i] = c.ScanPage(p, nil, scanTime(snap))
		}
	}

	// Index every page by the URLs it answers to, so that links can be
	// checked against what their target returned.
	byURL := map[string]int{}
	for i, p := range snap.Pages {
		for _, u := range []string{p.URL, p.FinalURL} {
			if u != "" {
				if _, ok := byURL[normURL(u)]; !ok {
					byURL[normURL(u)] = i
				}
			}
		}
	}

	var scanned []*PageScan
	var cands []candidate
	for _, ps := range all {
		if ps.usable {
			scanned = append(scanned, ps)
			cands = append(cands, ps.cands...)
		}
	}
	a.PagesAnalyzed = len(scanned)
	_, home := snap.Home()
	a.Reachable = home || len(scanned) > 0 || snap.Probe.Outcome == egovbench.OutcomeOK

	// Sort evidence into indicators, discounting links to dead services.
	results := make([]egovbench.IndicatorResult, len(c.inds))
	type evKey struct{ element, text string }
	// seen maps evidence to its place in its indicator's list: the same
	// evidence seen rendered-only on one page and in static HTML on
	// another does not need a browser.
	seen := make([]map[evKey]int, len(c.inds))
	deadSeen := map[string]bool{}
	unverifiedSeen := map[string]bool{}
	homeURLs := map[string]bool{}
	for _, p := range snap.Pages {
		if !p.Check && p.Depth == 0 {
			homeURLs[normURL(p.URL)], homeURLs[normURL(p.FinalURL)] = true, true
		}
	}
	isHome := func(p egovbench.Page) bool { return homeURLs[normURL(p.URL)] || homeURLs[normURL(p.FinalURL)] }
	staff := staffPages(snap, all, byURL, isHome)
	for _, cd := range cands {
		ind := &c.inds[cd.ind]
		if ind.service {
			if j, ok := byURL[normURL(cd.ev.PageURL)]; ok && staff[j] {
				continue // a registration form behind an admin login is staff's
			}
		}
		if cd.target != "" {
			j, fetched := byURL[normURL(cd.target)]
			if fetched {
				if reason := deadReason(snap.Pages[j], all[j].deadWords); reason != "" {
					if ind.Stage != egovbench.StageNone && !deadSeen[cd.target] {
						deadSeen[cd.target] = true
						a.DeadServices = append(a.DeadServices, egovbench.DeadService{
							PageURL: cd.ev.PageURL, URL: cd.target, Text: cd.ev.Text, Reason: reason,
						})
					}
					continue
				}
				// Our own failure to reach a service (DNS, refused, timeout,
				// TLS, a firewall's 403/429) says nothing about the service:
				// the link counts by its words and address, and is listed
				// as not checked.
				if reason := unverifiedReason(snap.Pages[j]); reason != "" {
					if ind.Stage != egovbench.StageNone && !unverifiedSeen[cd.target] {
						unverifiedSeen[cd.target] = true
						a.UnverifiedServices = append(a.UnverifiedServices, egovbench.DeadService{
							PageURL: cd.ev.PageURL, URL: cd.target, Text: cd.ev.Text, Reason: reason,
						})
					}
					if cd.needsForm {
						continue // the form a bare noun needs behind it could not be seen
					}
				} else {
					if ind.service && staff[j] {
						continue // a staff login or back office serves no citizen
					}
					// A bare noun needs a form behind it: on a page of its own,
					// not the homepage or the page the link is on.
					if cd.needsForm && (!all[j].serviceForm || isHome(snap.Pages[j]) || normURL(cd.target) == normURL(cd.ev.PageURL)) {
						continue
					}
				}
			} else if cd.needsForm {
				continue // not fetched: a bare noun alone is no service
			}
		}
		if seen[cd.ind] == nil {
			seen[cd.ind] = map[evKey]int{}
		}
		key := evKey{cd.ev.Element, cd.ev.Text}
		if k, ok := seen[cd.ind][key]; ok {
			if !cd.ev.Rendered {
				results[cd.ind].Evidence[k].Rendered = false
			}
			continue
		}
		seen[cd.ind][key] = len(results[cd.ind].Evidence)
		results[cd.ind].Evidence = append(results[cd.ind].Evidence, cd.ev)
	}
	for i := range c.inds {
		ind := &c.inds[i]
		r := &results[i]
		r.ID = ind.ID
		if siteDetector(ind.detector) {
			r.Evidence = append(r.Evidence, siteDetect(ind.detector, &snap, scanned, a.AssessedAt)...)
		}
		r.Met = len(r.Evidence) >= ind.minHits || (siteDetector(ind.detector) && len(r.Evidence) > 0)
		if len(r.Evidence) > maxEvidence {
			r.Evidence = r.Evidence[:maxEvidence]
		}
		if !r.Met {
			r.Evidence = nil
		}
	}
	a.Indicators = results

	// The stage rests on rubric features only: an indicator without one
	// (a "service portal" link) supports a stage but cannot decide it. A
	// reachable site that names its institution and has content of its own
	// is at least presence.
	if a.Reachable {
		floor := false
		for i, r := range results {
			if !r.Met {
				continue
			}
			if c.inds[i].feature != "" && c.inds[i].Stage > a.Stage {
				a.Stage = c.inds[i].Stage
			}
			floor = floor || c.inds[i].floor
		}
		if floor && a.Stage < egovbench.StagePresence {
			a.Stage = egovbench.StagePresence
		}
	}
	a.Language, a.LanguageCovered = c.siteLanguage(scanned)
	a.Status, a.StatusCause = statusOf(&snap, a.Reachable)
	if a.Status == egovbench.StatusNotOfficial {
		// What answered is someone else's site: its pages are not
		// evidence about this government.
		a.Stage = egovbench.StageNone
		for i := range a.Indicators {
			a.Indicators[i].Met, a.Indicators[i].Evidence = false, nil
		}
		a.DeadServices, a.UnverifiedServices = nil, nil
	}
	c.score(&a)
	a.Confidence = c.confidence(&a)
	a.NextSteps = c.nextSteps(&a)
	a.Frameworks = c.evalFrameworks(&a)
	return a
}

// staffPages marks the pages for staff: those that say so (address, title,
// headings, login form), and those reached only through them, such as a
// registration form linked from an admin login alone. The homepage and
// pages no crawled page links to (found in the sitemap) are judged by
// their own words only.
func staffPages(snap egovbench.Snapshot, all []*PageScan, byURL map[string]int, isHome func(egovbench.Page) bool) []bool {
	staff := make([]bool, len(all))
	fromStaff := make([]int, len(all))
	fromOther := make([]int, len(all))
	for i, ps := range all {
		staff[i] = ps.staff
		for _, u := range ps.links {
			j, ok := byURL[u]
			if !ok || j == i {
				continue
			}
			if ps.staff {
				fromStaff[j]++
			} else {
				fromOther[j]++
			}
		}
	}
	for j := range all {
		if fromStaff[j] > 0 && fromOther[j] == 0 && !isHome(snap.Pages[j]) {
			staff[j] = true
		}
	}
	return staff
}

// maxEvidence caps the evidence kept per indicator: enough to verify the
// verdict, not a copy of the site.
const maxEvidence = 5

func usablePage(p egovbench.Page) bool {
	if len(p.Body) == 0 {
		return false
	}
	if p.Outcome != egovbench.OutcomeOK && p.Outcome != egovbench.OutcomeTooLarge && p.Outcome != "" {
		return false
	}
	if p.Status >= 400 {
		return false
	}
	ct := strings.ToLower(p.ContentType)
	return ct == "" || strings.Contains(ct, "html") || strings.Contains(ct, "xml")
}

// deadReason says why a page that a service link points to does not serve
// the service, or "" when it does.
func deadReason(p egovbench.Page, deadWords bool) string {
	if r := statusDeadReason(p); r != "" {
		return r
	}
	if len(p.Body) > 0 && deadWords {
		return "maintenance or coming-soon page"
	}
	return ""
}

// statusDeadReason is deadReason from the fetch's status and outcome alone,
// before the page's words are read. Only the service's own answer makes it
// dead: not found (404, 410), a server error (5xx) or a maintenance page.
func statusDeadReason(p egovbench.Page) string {
	switch {
	case p.Status == 404 || p.Status == 410 || p.Status >= 500:
		return "http " + itoa(p.Status)
	case p.Outcome == egovbench.OutcomeMaintenance:
		return "maintenance page"
	}
	return ""
}

// unverifiedReason says why a fetch could not tell whether a service works:
// the crawler's own network failed (DNS, refused or reset, timeout, TLS), or
// something stood between (403, 429, a firewall challenge, another 4xx).
// Such a link is not dead; it is unchecked.
func unverifiedReason(p egovbench.Page) string {
	if statusDeadReason(p) != "" {
		return ""
	}
	switch {
	case p.Status >= 400:
		return "http " + itoa(p.Status)
	case p.Outcome != egovbench.OutcomeOK && p.Outcome != egovbench.OutcomeTooLarge && p.Outcome != "":
		return string(p.Outcome)
	}
	return ""
}

// siteLanguage is the language most of the analysed pages are in, and
// whether the catalogue's terms cover it.
func (c *Catalogue) siteLanguage(pages []*PageScan) (string, bool) {
	n := map[string]int{}
	best := ""
	for _, ps := range pages {
		if ps.lang == "" {
			continue
		}
		n[ps.lang]++
		if n[ps.lang] > n[best] || (n[ps.lang] == n[best] && ps.lang < best) {
			best = ps.lang
		}
	}
	return best, best != "" && c.covered[best]
}

// saysDead reports a maintenance, coming-soon or under-construction page:
// the words in its title or headings, or anywhere on a page so short that
// they are its message.
func (c *Catalogue) saysDead(pf *pageFacts) bool {
	check := func(s string) bool {
		fs := fold(s)
		return len(c.deadPhrases.find(fs, tokenize(fs, nil), nil)) > 0
	}
	if check(pf.Title) {
		return true
	}
	// The first headings carry a page's message; news lists further down
	// may well mention maintenance work.
	for i, h := range pf.Headings {
		if i >= 3 {
			break
		}
		if check(h.Text) {
			return true
		}
	}
	return len(pf.Text) < 1500 && check(pf.Text)
}

// normURL makes URLs comparable: no fragment, lower-case scheme and host,
// no trailing slash.
func normURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	u.Fragment = ""
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	out := u.String()
	return strings.TrimSuffix(out, "/")
}

// siteOf returns the registrable domain of host (example.go.id for
// www.example.go.id), or host itself when it has none.
func siteOf(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// pageContext is what a page says about all the evidence on it.
type pageContext struct {
	staff bool // a page for staff: no citizen service on it
	news  bool // an article page: evidence of news, never of a service
	form  bool // the page has a form to fill in
}

// linkFlags is what a link's place and target say about its words.
type linkFlags struct {
	external, real bool
	address        bool // mailto:, tel:, WhatsApp
	fragment       bool // a part of the same page
	qualified      bool // "online", "daring", "e-..." in its words
	formHost       bool // a form platform (Google Forms...)
	news           func() bool
}

// scanPage matches one page's elements against the catalogue and appends
// the candidates found.
func (c *Catalogue) scanPage(pf *pageFacts, out []candidate, pc pageContext) []candidate {
	ownHost := ""
	if pf.Page != nil {
		ownHost = strings.ToLower(pf.Page.Hostname())
	}
	ownSite := ""
	siteCache := map[string]string{}
	if ownHost != "" {
		ownSite = siteOf(ownHost)
	}
	var toks []token
	var hits []hit
	pos := map[int]string{} // indicator -> matched keyword, per element
	neg := map[int]bool{}
	byDomain := map[int]bool{}   // hits that came from the link's host only
	bareOnly := map[int]bool{}   // hits that came from bare nouns only
	structural := map[int]bool{} // a link to another government's site

	// Enough candidates per indicator and page to survive dead links and
	// fill the evidence; more would only cost memory on long pages.
	const perPage = 16
	count := make([]uint8, len(c.inds))
	reset := func() {
		clear(pos)
		clear(neg)
		clear(byDomain)
		clear(bareOnly)
		clear(structural)
	}
	// flush turns the element's hits into candidates; lf is nil for an
	// element that is not a link.
	flush := func(ev egovbench.Evidence, target string, lf *linkFlags) {
		newsChecked, isNews := false, false
		for ind, kw := range pos {
			in := &c.inds[ind]
			if neg[ind] || count[ind] >= perPage {
				continue
			}
			if in.service && (pc.staff || pc.news) {
				continue
			}
			needsForm := false
			if lf != nil {
				// A national portal linking to itself is not a link into a
				// national system; its own words naming one still are.
				if in.externalOnly && !lf.external && byDomain[ind] {
					continue
				}
				if in.realLink && !lf.real {
					continue
				}
				if lf.fragment && in.Stage >= egovbench.StageIntegration {
					continue // a part of this page is no link to another system or service
				}
				// An online form is not a form to download and print.
				if lf.formHost && in.feature == "forms_download" {
					continue
				}
				if in.service || structural[ind] {
					if in.service && (lf.address || isDocument(target)) {
						continue
					}
					if !newsChecked {
						newsChecked, isNews = true, lf.news()
					}
					if isNews {
						continue // a headline is news, not a service
					}
				}
				if in.service && bareOnly[ind] && !lf.qualified && !lf.formHost && !byDomain[ind] {
					needsForm = true
				}
			} else if in.service && !pc.form {
				continue // a heading or label about a service, with no form to use it
			}
			// A form offered as a PDF is filled in on paper, not online.
			if in.notDocuments && isDocument(target) {
				continue
			}
			e := ev
			if e.Text == "" {
				e.Text = kw
			}
			out = append(out, candidate{ind: ind, ev: e, target: target, needsForm: needsForm})
			count[ind]++
		}
		reset()
	}
	// wanted reports whether the element matched an indicator that still
	// takes candidates, before any evidence string is built.
	wanted := func() bool {
		for ind := range pos {
			if !neg[ind] && count[ind] < perPage {
				return true
			}
		}
		return false
	}
	collectIn := func(x *phraseIndex, s string) {
		if s == "" {
			return
		}
		fs := fold(s)
		toks = tokenize(fs, toks[:0])
		hits = x.find(fs, toks, hits[:0])
		for _, h := range hits {
			p := &x.list[h.phrase]
			if p.neg {
				neg[p.ind] = true
				continue
			}
			if _, ok := pos[p.ind]; !ok {
				pos[p.ind] = p.text
				bareOnly[p.ind] = p.bare
			} else if !p.bare && bareOnly[p.ind] {
				pos[p.ind] = p.text
				bareOnly[p.ind] = false
			}
		}
	}
	collect := func(k kind, s string) { collectIn(c.kinds[k], s) }

	for _, l := range pf.Links {
		if isPlaceholder(l) {
			continue // "#" and javascript: count for nothing, whatever their words
		}
		lf := linkFlags{address: isAddressLink(l), fragment: isFragment(l)}
		collect(kindLink, l.Text)
		href := l.Abs
		if href == "" {
			href = l.Raw
		}
		if l.Host != "" && l.Host != ownHost {
			s, ok := siteCache[l.Host]
			if !ok {
				s = siteOf(l.Host)
				siteCache[l.Host] = s
			}
			lf.external = s != ownSite
			if !lf.address {
				collect(kindHref, href)
			}
		} else if !lf.address {
			collect(kindHref, hrefPath(href))
		}
		if l.Host != "" {
			for _, ind := range c.exactHosts[strings.TrimPrefix(l.Host, "www.")] {
				if _, ok := pos[ind]; !ok {
					pos[ind] = l.Host
					byDomain[ind] = true
				}
			}
			h := l.Host
			for {
				for _, ind := range c.domains[h] {
					if _, ok := pos[ind]; !ok {
						pos[ind] = l.Host
						byDomain[ind] = true
					}
				}
				dot := strings.IndexByte(h, '.')
				if dot < 0 {
					break
				}
				h = h[dot+1:]
			}
			// A link to a government of another level (a ministry from a
			// regency, the province from a village) joins the site to the
			// wider government, whether or not the system is listed.
			if lf.external && c.crossGov >= 0 && !lf.address && c.otherLevel(ownHost, l.Host) {
				if _, ok := pos[c.crossGov]; !ok {
					pos[c.crossGov] = l.Host
					structural[c.crossGov] = true
				}
			}
		}
		if lf.formHost = c.formHost(l.Host); lf.formHost {
			collectIn(c.purposes, l.Text+" . "+l.Heading)
		}
		if wanted() {
			lf.real = l.Host != "" && !strings.ContainsAny(l.Host, "% ")
			fs := fold(l.Text)
			lf.qualified = c.qualified(fs, tokenize(fs, toks[:0]))
			lf.news = func() bool {
				if lf.formHost {
					return l.News // a form platform is a service unless it sits in a news item
				}
				return c.newsLink(pf, l)
			}
			el := "a[href="
			if l.Via == "script" {
				el = "[onclick="
			}
			flush(egovbench.Evidence{PageURL: pf.URL, Element: el + clip(href) + "]", Text: l.Text}, l.Abs, &lf)
		} else {
			reset()
		}
	}
	// An embedded form tells what it is for by the heading above it.
	for _, fr := range pf.Frames {
		if fr.Host == "" || !c.formHost(fr.Host) {
			continue
		}
		collectIn(c.purposes, fr.Text+" . "+fr.Heading)
		if wanted() {
			lf := linkFlags{external: true, real: true, formHost: true, news: func() bool { return fr.News }}
			flush(egovbench.Evidence{PageURL: pf.URL, Element: "iframe[src=" + clip(fr.Abs) + "]", Text: clip(fr.Heading + " " + fr.Text)}, fr.Abs, &lf)
		} else {
			reset()
		}
	}
	// A form's address and the heading above it say what it is for.
	for _, f := range pf.Forms {
		if searchy(f) || lookupForm(f) || f.TextInputs+f.Textareas+f.Selects+f.Files < 2 {
			continue
		}
		if f.Action != "" {
			collect(kindHref, hrefPath(f.Action))
		}
		collectIn(c.purposes, f.Heading)
		if wanted() {
			flush(egovbench.Evidence{PageURL: pf.URL, Element: "form[action=" + clip(f.Action) + "]", Text: clip(f.Heading)}, "", nil)
		} else {
			reset()
		}
	}
	if pf.Title != "" {
		collect(kindHeading, pf.Title)
		flush(egovbench.Evidence{PageURL: pf.URL, Element: "title", Text: pf.Title}, "", nil)
	}
	for _, h := range pf.Headings {
		collect(kindHeading, h.Text)
		flush(egovbench.Evidence{PageURL: pf.URL, Element: h.Tag, Text: h.Text}, "", nil)
	}
	for _, l := range pf.Labels {
		collect(kindLabel, l.Text)
		flush(egovbench.Evidence{PageURL: pf.URL, Element: l.Tag, Text: l.Text}, "", nil)
	}
	for _, f := range pf.Forms {
		collect(kindLabel, f.Text)
		flush(egovbench.Evidence{PageURL: pf.URL, Element: "form", Text: f.Text}, "", nil)
	}
	ft, textToks := pf.textTokens()
	if c.hasText {
		hits = c.kinds[kindText].find(ft, textToks, hits[:0])
		done := map[int]bool{}
		for _, h := range hits {
			p := &c.kinds[kindText].list[h.phrase]
			if p.neg || done[p.ind] || (c.inds[p.ind].service && (pc.staff || pc.news)) {
				continue
			}
			done[p.ind] = true
			out = append(out, candidate{ind: p.ind, ev: egovbench.Evidence{PageURL: pf.URL, Element: "text", Text: snippetTok(ft, textToks, h.pos)}})
		}
	}
	var doc *goquery.Document
	for i := range c.inds {
		ind := &c.inds[i]
		if ind.service && (pc.staff || pc.news) {
			continue
		}
		if ind.detector != "" && !siteDetector(ind.detector) {
			for _, ev := range c.pageDetect(ind.detector, pf, ft, textToks) {
				out = append(out, candidate{ind: i, ev: ev})
			}
		}
		if len(ind.selectors) > 0 && pf.root != nil {
			if doc == nil {
				doc = goquery.NewDocumentFromNode(pf.root)
			}
			for j, sel := range ind.selectors {
				if doc.FindMatcher(sel).Length() > 0 {
					out = append(out, candidate{ind: i, ev: egovbench.Evidence{PageURL: pf.URL, Element: ind.selectorText[j]}})
				}
			}
		}
	}
	return out
}

func snippetTok(s string, toks []token, i int) string {
	lo := i - 6
	if lo < 0 {
		lo = 0
	}
	return tokSpan(s, toks, lo, 14)
}

// hrefPath drops scheme and host from a same-site URL, so that the site's
// own name ("ppid.example.go.id") does not make every link look like a PPID link.
func hrefPath(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return ""
	}
	return s
}

// score computes the criterion scores (share of the criterion's indicators
// met) and their weighted mean.
func (c *Catalogue) score(a *egovbench.Assessment) {
	total := map[egovbench.Criterion]int{}
	met := map[egovbench.Criterion]int{}
	for i, r := range a.Indicators {
		cr := c.inds[i].Criterion
		total[cr]++
		if r.Met {
			met[cr]++
		}
	}
	a.CriterionScores = map[string]float64{}
	var sum, wsum float64
	for _, cr := range egovbench.Criteria {
		if total[cr] == 0 {
			continue
		}
		s := 100 * float64(met[cr]) / float64(total[cr])
		a.CriterionScores[string(cr)] = round1(s)
		sum += c.weights[cr] * s
		wsum += c.weights[cr]
	}
	if wsum > 0 {
		a.Score = round1(sum / wsum)
	}
}

func round1(f float64) float64 {
	return float64(int64(f*10+0.5)) / 10
}

// confidence says how firmly the evidence supports the stage: more distinct
// indicators and more evidence elements at the decided stage raise it; a
// stage resting on one element or only on weak indicators lowers it.
func (c *Catalogue) confidence(a *egovbench.Assessment) float64 {
	if !a.Reachable {
		return 0.9 // the crawl observed the failure directly
	}
	if a.Stage == egovbench.StageNone {
		return 0.5
	}
	n, strong, elems := 0, 0, 0
	for i, r := range a.Indicators {
		if !r.Met || c.inds[i].Stage != a.Stage {
			continue
		}
		n++
		if !c.inds[i].weak {
			strong++
		}
		elems += len(r.Evidence)
	}
	conf := 0.45 + 0.15*float64(min(n-1, 3)) + 0.05*float64(min(elems-1, 3))
	if strong == 0 {
		conf -= 0.15
	}
	if elems <= 1 {
		conf = min(conf, 0.55)
	}
	if a.PagesAnalyzed <= 1 {
		conf -= 0.05 // one page may not show what the rest of the site offers
	}
	if a.Language != "" && !a.LanguageCovered {
		conf -= 0.15 // only structure and addresses were read: the catalogue has no terms in this language
	}
	return round2(max(0.2, min(conf, 0.98)))
}

func round2(f float64) float64 {
	return float64(int64(f*100+0.5)) / 100
}

// nextSteps lists the unmet indicators of the next stage, then the unmet
// basics of the stages already reached.
func (c *Catalogue) nextSteps(a *egovbench.Assessment) []string {
	next := a.Stage + 1
	var out []string
	if a.Stage < egovbench.StageTransaction {
		for i, r := range a.Indicators {
			if !r.Met && c.inds[i].Stage == next {
				out = append(out, r.ID)
			}
		}
	}
	for i, r := range a.Indicators {
		if !r.Met && c.inds[i].basic && c.inds[i].Stage != egovbench.StageNone && c.inds[i].Stage < next {
			out = append(out, r.ID)
		}
	}
	return out
}

// evalFrameworks assigns each framework its highest level whose rule holds.
func (c *Catalogue) evalFrameworks(a *egovbench.Assessment) map[string]string {
	metByStage := map[egovbench.Stage]int{}
	met := map[string]bool{}
	for i, r := range a.Indicators {
		if r.Met {
			met[r.ID] = true
			metByStage[c.inds[i].Stage]++
		}
	}
	out := map[string]string{}
	for _, fw := range c.frameworks {
		level := "none"
		for j, ru := range fw.rules {
			if a.Reachable && ru.holds(a, met, metByStage) {
				level = fw.Levels[j].ID
			}
		}
		out[fw.ID] = level
	}
	return out
}

func (r rule) holds(a *egovbench.Assessment, met map[string]bool, byStage map[egovbench.Stage]int) bool {
	if r.MinStage != "" {
		st, _ := egovbench.ParseStage(r.MinStage)
		if a.Stage < st {
			return false
		}
	}
	stages := make([]string, 0, len(r.MinMet))
	for s := range r.MinMet {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	for _, s := range stages {
		st, _ := egovbench.ParseStage(s)
		if byStage[st] < r.MinMet[s] {
			return false
		}
	}
	if len(r.AnyOf) > 0 {
		ok := false
		for _, id := range r.AnyOf {
			ok = ok || met[id]
		}
		if !ok {
			return false
		}
	}
	for _, id := range r.AllOf {
		if !met[id] {
			return false
		}
	}
	return a.Score >= r.MinScore
}

// AssessedAtOf is the time an assessment of snap is dated: the end of the
// crawl, or its start when it has no end.
func AssessedAtOf(snap egovbench.Snapshot) time.Time {
	if !snap.FinishedAt.IsZero() {
		return snap.FinishedAt
	}
	return snap.StartedAt
}

// isDocument reports a link to an office document or archive.
func isDocument(u string) bool {
	u = strings.ToLower(u)
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	for _, ext := range []string{".pdf", ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".zip"} {
		if strings.HasSuffix(u, ext) {
			return true
		}
	}
	return false
}

// textTokens folds and tokenizes the page's visible text once; the text
// keywords, the contact detector and the date reader share the result.
func (pf *pageFacts) textTokens() (string, []token) {
	if pf.ftoks == nil && pf.Text != "" {
		pf.ft = fold(pf.Text)
		pf.ftoks = tokenize(pf.ft, make([]token, 0, len(pf.Text)/6+1))
	}
	return pf.ft, pf.ftoks
}

// statusOf decides whether the snapshot measured the site. A homepage that
// never answered is unreachable, one that refused us is blocked: neither
// says anything about the site's e-government, so neither is scored. A
// homepage that answered from another registrable domain than the
// target's (a lapsed domain now parked, a redirect to a portal elsewhere)
// is not the official site.
func statusOf(snap *egovbench.Snapshot, reachable bool) (egovbench.AssessmentStatus, string) {
	if !reachable {
		o := snap.Probe.Outcome
		if o == egovbench.OutcomeBlocked {
			return egovbench.StatusBlocked, string(o)
		}
		return egovbench.StatusUnreachable, string(o)
	}
	home, ok := snap.Home()
	if !ok {
		return egovbench.StatusAssessed, ""
	}
	from, err1 := url.Parse(snap.Probe.URL)
	to, err2 := url.Parse(home.FinalURL)
	if err1 != nil || err2 != nil || from.Hostname() == "" || to.Hostname() == "" {
		return egovbench.StatusAssessed, ""
	}
	scope := siteOf(strings.ToLower(strings.TrimSuffix(from.Hostname(), ".")))
	h := strings.ToLower(strings.TrimSuffix(to.Hostname(), "."))
	if h == scope || strings.HasSuffix(h, "."+scope) {
		return egovbench.StatusAssessed, ""
	}
	return egovbench.StatusNotOfficial, h
}
