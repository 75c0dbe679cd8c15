package analyzer

import (
	"bytes"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxText caps the text kept for one element, in runes, as the root types ask.
const maxText = 200

// link is one hyperlink of a page.
type link struct {
	raw  string // href as written
	abs  string // resolved against the page URL; "" when unresolvable
	host string // lower-case host of abs
	text string // anchor text, title, aria-label and image alts, collapsed
	// group numbers the nearest enclosing list, menu, table or footer, so
	// that links listed together (a directory) can be told from links
	// scattered over a page.
	group int
}

// form is one form of a page with what tells a search box from a form that
// sends a citizen's own text.
type form struct {
	method      string
	action      string
	textareas   int
	textInputs  int
	passwords   int
	selects     int
	files       int
	searchInput bool // type=search or a query-like name
	siteSearch  bool // an input that names itself a site-wide search
	roleSearch  bool
	text        string // labels, placeholders and button texts
}

// labelled is a heading, label or button: an element whose text names
// something.
type labelled struct {
	tag  string
	text string
}

// pageFacts is everything the detectors need from one page, gathered in a
// single walk of the parsed document.
type pageFacts struct {
	url       string
	base      *url.URL
	host      string  // lower-case host of the page
	ft        string  // folded visible text, computed once
	ftoks     []token // its words
	lang      string
	viewport  string
	hasVP     bool
	feeds     int // <link> elements announcing an RSS or Atom feed
	title     string
	links     []link
	forms     []form
	headings  []labelled
	labels    []labelled
	imgs      int
	hreflangs int
	// searchOutside counts search inputs outside any form (script-driven search boxes).
	searchOutside int
	imgsAlt       int
	text          string // visible text, blocks separated by newlines
	root          *html.Node
	deadWords     bool // title or headings say maintenance / coming soon
}

// extract reads body in one pass of the HTML tokenizer and collects the
// facts. A tokenizer pass costs a fraction of building a DOM, which is what
// keeps analysis within budget of a plain parse; the DOM is built only when
// the catalogue has CSS selectors (needTree). It never fails: the tokenizer
// accepts any bytes.
func extract(pageURL string, body []byte, needTree bool) *pageFacts {
	pf := &pageFacts{url: pageURL}
	if u, err := url.Parse(pageURL); err == nil {
		pf.base = u
		pf.host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	}
	if needTree {
		if root, err := html.Parse(bytes.NewReader(body)); err == nil {
			pf.root = root
		}
	}
	w := walker{pf: pf}
	w.text.Grow(len(body) / 2)
	pf.links = make([]link, 0, len(body)/400+8)
	w.run(html.NewTokenizer(bytes.NewReader(body)))
	pf.text = w.text.String()
	return pf
}

// groupTag is an open list, menu, table or footer.
type groupTag struct {
	tag atom.Atom
	id  int
}

type walker struct {
	pf   *pageFacts
	text strings.Builder
	// The elements we are inside whose text we keep; nil when not inside one.
	link    *strings.Builder
	heading *strings.Builder
	label   *strings.Builder
	form    *strings.Builder
	title   *strings.Builder
	// pending link and label data, completed at their end tags
	linkHref   string
	headingTag string
	labelTag   string
	inForm     bool
	skip       atom.Atom // inside script, style, ...: text is not visible
	svgDepth   int
	groupStack []groupTag
	groups     int
	attrs      []html.Attribute
}

// attrOf returns the value of key among attrs.
func attrOf(attrs []html.Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func (w *walker) appendText(s string) {
	for _, b := range [...]*strings.Builder{w.link, w.heading, w.label, w.form, w.title} {
		if b != nil && b.Len() < 4*maxText {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
}

// readAttrs copies the tag's attributes; called only for the tags we use.
func (w *walker) readAttrs(z *html.Tokenizer, _ bool) []html.Attribute {
	w.attrs = w.attrs[:0]
	for {
		k, v, more := z.TagAttr()
		if k == nil {
			break
		}
		w.attrs = append(w.attrs, html.Attribute{Key: string(k), Val: string(v)})
		if !more {
			break
		}
	}
	return w.attrs
}

// rawTagAtom reads the element name from a tag's raw bytes. The tokenizer's
// TagName allocates for every tag; most tags are of no interest to us.
func rawTagAtom(raw []byte) atom.Atom {
	i := 1
	if i < len(raw) && raw[i] == '/' {
		i++
	}
	var buf [12]byte
	n := 0
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			break
		}
		if n == len(buf) {
			return 0 // longer than any element we look at
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return atom.Lookup(buf[:n])
}

func (w *walker) group() int {
	if len(w.groupStack) == 0 {
		return 0
	}
	return w.groupStack[len(w.groupStack)-1].id
}

func (w *walker) run(z *html.Tokenizer) {
	// Work is linear in the input: one token at a time, no backtracking;
	// element texts are capped as they are collected.
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			w.finishAll()
			return
		case html.TextToken:
			if w.skip != 0 || w.svgDepth > 0 {
				continue
			}
			t := z.Text()
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			s := string(t)
			if w.title == nil {
				w.text.WriteString(s)
				w.text.WriteByte('\n')
			}
			w.appendText(s)
		case html.StartTagToken, html.SelfClosingTagToken:
			if w.skip != 0 {
				continue
			}
			w.start(z, rawTagAtom(z.Raw()), true, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			w.end(rawTagAtom(z.Raw()))
		}
	}
}

func (w *walker) start(z *html.Tokenizer, a atom.Atom, has, selfClosing bool) {
	pf := w.pf
	if a == atom.Svg {
		if !selfClosing {
			w.svgDepth++
		}
		return
	}
	if w.svgDepth > 0 {
		return
	}
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Textarea, atom.Iframe, atom.Noembed, atom.Noframes, atom.Xmp:
		if a == atom.Textarea {
			w.control(a, w.readAttrs(z, has))
		}
		if !selfClosing {
			w.skip = a
		}
	case atom.Html:
		attrs := w.readAttrs(z, has)
		if v, ok := attrOf(attrs, "lang"); ok && strings.TrimSpace(v) != "" {
			pf.lang = strings.TrimSpace(v)
		} else if v, ok := attrOf(attrs, "xml:lang"); ok && strings.TrimSpace(v) != "" {
			pf.lang = strings.TrimSpace(v)
		}
	case atom.Meta:
		attrs := w.readAttrs(z, has)
		if v, _ := attrOf(attrs, "name"); strings.EqualFold(v, "viewport") {
			pf.hasVP = true
			pf.viewport, _ = attrOf(attrs, "content")
		}
	case atom.Link:
		attrs := w.readAttrs(z, has)
		if _, ok := attrOf(attrs, "hreflang"); ok {
			pf.hreflangs++
		}
		if t, _ := attrOf(attrs, "type"); strings.Contains(t, "rss") || strings.Contains(t, "atom") {
			pf.feeds++
		}
	case atom.Img:
		pf.imgs++
		attrs := w.readAttrs(z, has)
		alt, ok := attrOf(attrs, "alt")
		if ok {
			pf.imgsAlt++
		}
		if w.link != nil && strings.TrimSpace(alt) != "" {
			w.appendText(alt)
		}
	case atom.Title:
		if pf.title == "" && w.title == nil && !selfClosing {
			w.title = &strings.Builder{}
		}
	case atom.A, atom.Area:
		attrs := w.readAttrs(z, has)
		href, ok := attrOf(attrs, "href")
		if !ok {
			return
		}
		w.finishLink() // an unclosed <a> ends where the next begins
		b := &strings.Builder{}
		for _, k := range []string{"title", "aria-label"} {
			if v, ok := attrOf(attrs, k); ok && v != "" {
				b.WriteString(v)
			}
		}
		w.link, w.linkHref = b, href
		if selfClosing || a == atom.Area {
			w.finishLink()
		}
	case atom.Ul, atom.Ol, atom.Nav, atom.Table, atom.Footer, atom.Aside, atom.Menu, atom.Dl:
		if !selfClosing && len(w.groupStack) < 512 {
			w.groups++
			w.groupStack = append(w.groupStack, groupTag{tag: a, id: w.groups})
		}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if w.heading == nil && !selfClosing {
			w.heading, w.headingTag = &strings.Builder{}, a.String()
		}
	case atom.Label, atom.Button, atom.Legend:
		if w.label == nil && !selfClosing {
			w.label, w.labelTag = &strings.Builder{}, a.String()
		}
	case atom.Input, atom.Select:
		w.control(a, w.readAttrs(z, has))
	case atom.Form:
		if w.inForm {
			return // nested forms are ignored, as browsers do
		}
		attrs := w.readAttrs(z, has)
		f := form{}
		f.method, _ = attrOf(attrs, "method")
		f.method = strings.ToLower(strings.TrimSpace(f.method))
		f.action, _ = attrOf(attrs, "action")
		if v, _ := attrOf(attrs, "role"); strings.EqualFold(v, "search") {
			f.roleSearch = true
		}
		pf.forms = append(pf.forms, f)
		w.inForm = true
		w.form = &strings.Builder{}
	}
}

func (w *walker) end(a atom.Atom) {
	if w.skip != 0 {
		if a == w.skip {
			w.skip = 0
		}
		return
	}
	if a == atom.Svg {
		if w.svgDepth > 0 {
			w.svgDepth--
		}
		return
	}
	if w.svgDepth > 0 {
		return
	}
	switch a {
	case atom.Title:
		if w.title != nil {
			w.pf.title = clip(w.title.String())
			w.title = nil
		}
	case atom.A, atom.Area:
		w.finishLink()
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.finishHeading()
	case atom.Label, atom.Button, atom.Legend:
		w.finishLabel()
	case atom.Form:
		w.finishForm()
	case atom.Ul, atom.Ol, atom.Nav, atom.Table, atom.Footer, atom.Aside, atom.Menu, atom.Dl:
		for i := len(w.groupStack) - 1; i >= 0; i-- {
			if w.groupStack[i].tag == a {
				w.groupStack = w.groupStack[:i]
				break
			}
		}
	}
}

func (w *walker) finishLink() {
	if w.link == nil {
		return
	}
	text := w.link.String()
	w.link = nil
	w.pf.links = append(w.pf.links, w.newLink(w.linkHref, text))
}

func (w *walker) finishHeading() {
	if w.heading == nil {
		return
	}
	w.pf.headings = append(w.pf.headings, labelled{tag: w.headingTag, text: clip(w.heading.String())})
	w.heading = nil
}

func (w *walker) finishLabel() {
	if w.label == nil {
		return
	}
	w.pf.labels = append(w.pf.labels, labelled{tag: w.labelTag, text: clip(w.label.String())})
	w.label = nil
}

func (w *walker) finishForm() {
	if !w.inForm {
		return
	}
	fp := &w.pf.forms[len(w.pf.forms)-1]
	fp.text = clip(fp.text + " " + w.form.String())
	w.form = nil
	w.inForm = false
}

func (w *walker) finishAll() {
	if w.title != nil {
		w.pf.title = clip(w.title.String())
		w.title = nil
	}
	w.finishLink()
	w.finishHeading()
	w.finishLabel()
	w.finishForm()
}

// control records an input, textarea or select into the enclosing form.
func (w *walker) control(a atom.Atom, attrs []html.Attribute) {
	pf := w.pf
	typ, _ := attrOf(attrs, "type")
	typ = strings.ToLower(typ)
	name, _ := attrOf(attrs, "name")
	name = strings.ToLower(name)
	var extra []string
	for _, k := range []string{"placeholder", "aria-label", "title"} {
		if v, ok := attrOf(attrs, k); ok && v != "" {
			extra = append(extra, v)
		}
	}
	if a == atom.Input && (typ == "submit" || typ == "button" || typ == "image") {
		if v, ok := attrOf(attrs, "value"); ok && v != "" {
			extra = append(extra, v)
		}
		if v, ok := attrOf(attrs, "alt"); ok && v != "" {
			extra = append(extra, v)
		}
	}
	if len(extra) > 0 {
		pf.labels = append(pf.labels, labelled{tag: a.String(), text: clip(strings.Join(extra, " "))})
	}
	isText := a == atom.Input && (typ == "" || typ == "text" || typ == "search")
	searchish, site := false, false
	if isText {
		searchish, site = searchAttrs(attrs, typ, name)
	}
	if !w.inForm || len(pf.forms) == 0 {
		if searchish {
			pf.searchOutside++
		}
		return
	}
	f := &pf.forms[len(pf.forms)-1]
	if len(extra) > 0 && len(f.text) < 4*maxText {
		f.text += " " + strings.Join(extra, " ")
	}
	switch a {
	case atom.Textarea:
		f.textareas++
		return
	case atom.Select:
		f.selects++
		return
	}
	switch typ {
	case "", "text", "email", "tel", "search", "number", "url":
		f.textInputs++
	case "password":
		f.passwords++
	case "file":
		f.files++
	}
	if searchish {
		f.searchInput = true
	}
	if site {
		f.siteSearch = true
	}
}

// searchAttrs tells whether a text input is a search box, and whether it
// says it searches the whole site, from its type, name and descriptive
// attributes.
func searchAttrs(attrs []html.Attribute, typ, name string) (searchish, site bool) {
	if typ == "search" {
		searchish = true
	}
	switch name {
	case "q", "s", "search", "query", "keyword", "keywords", "cari", "k", "search_api_fulltext", "search_block_form",
		"searchtext", "search_query", "suche", "recherche", "buscar", "qt", "searchword", "search-term", "searchterm", "term", "query_string":
		searchish = true
	}
	var b strings.Builder
	b.WriteString(name)
	for _, k := range []string{"id", "class", "placeholder", "title", "aria-label", "value"} {
		if v, ok := attrOf(attrs, k); ok {
			b.WriteByte(' ')
			b.WriteString(v)
		}
	}
	all := strings.ToLower(b.String())
	for _, w := range []string{"search", "cari", "pencarian", "suche", "recherche", "buscar", "busca", "поиск", "검색", "издөө"} {
		if strings.Contains(all, w) {
			searchish = true
			break
		}
	}
	compact := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(all)
	for _, w := range []string{"sitesearch", "searchsite", "quicksearch", "globalsearch", "searchthissite", "searchblock", "searchallsites"} {
		if strings.Contains(compact, w) {
			site = true
			break
		}
	}
	return searchish, site
}

func (w *walker) newLink(href, text string) link {
	l := link{raw: strings.TrimSpace(href), text: clip(text), group: w.group()}
	h := l.raw
	if h == "" || h[0] == '#' {
		return l
	}
	low := strings.ToLower(h)
	if strings.HasPrefix(low, "javascript:") {
		return l
	}
	if strings.HasPrefix(low, "mailto:") || strings.HasPrefix(low, "tel:") {
		l.abs = h
		return l
	}
	if b := w.pf.base; b != nil && len(h) > 1 && h[0] == '/' && h[1] != '/' && !strings.ContainsAny(h, "#\\ %") && b.Host != "" {
		// Root-relative links are most of a page: resolve them without a
		// full URL parse.
		l.abs = b.Scheme + "://" + b.Host + h
		l.host = w.pf.host
		return l
	}
	var u *url.URL
	var err error
	if w.pf.base != nil {
		u, err = w.pf.base.Parse(h)
	} else {
		u, err = url.Parse(h)
	}
	if err != nil {
		return l
	}
	u.Fragment = ""
	l.abs = u.String()
	l.host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return l
}

// clip collapses white space and cuts s to maxText runes.
func clip(s string) string {
	if cleanShort(s) {
		return s
	}
	return clipSlow(s)
}

// cleanShort reports a string that clip would return unchanged: short,
// without leading, trailing or repeated white space.
func cleanShort(s string) bool {
	if len(s) > maxText || s == "" {
		return s == ""
	}
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c == '\n' || c == '\t' || c == '\r' || c == '\f' || c >= 0x80:
			return false
		default:
			prevSpace = false
		}
	}
	return !prevSpace
}

func clipSlow(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == 0xa0 {
			space = b.Len() > 0
			continue
		}
		if n >= maxText || (space && n+1 >= maxText) {
			break // no room for the word, nor for a trailing space
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// snippet returns up to maxText runes of s around the byte span [i, j).
func snippet(s string, i, j int) string {
	lo, hi := i-60, j+60
	if lo < 0 {
		lo = 0
	}
	if hi > len(s) {
		hi = len(s)
	}
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	return clip(s[lo:hi])
}
