// Package htmlfacts reads an HTML page once and keeps what egovbench needs
// from it: links with their texts, forms, headings, labels, the title, the
// visible text and a few head elements. The crawler follows the links and
// the analyzer judges the rest, from the same single pass of the HTML
// tokenizer: parsing a page twice, or building a DOM nobody walks, would
// cost more than fetching it.
//
// Extract accepts any bytes and never fails; its work and the memory it
// keeps are linear in the size of the page.
package htmlfacts

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxText caps the text kept for one element, in runes.
const MaxText = 200

// Link is one hyperlink (<a href> or <area href>) of a page.
type Link struct {
	Raw  string // href as written, trimmed
	Abs  string // resolved against the page's base, no fragment; "" when unresolvable or javascript:
	Host string // lower-case host of Abs, no trailing dot
	Text string // title, aria-label, anchor text and image alts, collapsed and clipped
	// Group numbers the nearest enclosing list, menu, table or footer, so
	// that links listed together (a directory) can be told from links
	// scattered over a page; 0 outside any.
	Group int
	// Via says how the page points there: "" for <a>/<area> href, "script"
	// for a URL in an onclick handler or a data-href/data-url attribute of
	// a button or card (a service behind a button is still a service).
	Via string
	// Heading is the text of the nearest heading before the element: what
	// an embedded form or a button is about when its own words say little.
	Heading string
	// TextPos is the byte offset in Facts.Text where the link's text
	// begins, so that the words beside a link (a date) can be read.
	TextPos int
	// News marks a link that is, or is inside, a block whose class or id
	// names news, posts or announcements: a headline, not a menu.
	News bool
}

// Form is one form of a page with what tells a search box from a form that
// sends a citizen's own text.
type Form struct {
	Method      string // lower case
	Action      string
	Textareas   int
	TextInputs  int
	Passwords   int
	Selects     int
	Files       int
	SearchInput bool   // type=search or a query-like name
	SiteSearch  bool   // an input that names itself a site-wide search
	RoleSearch  bool   // role=search on the form
	Text        string // labels, placeholders and button texts
	Heading     string // the nearest heading before the form
}

// Labelled is a heading, label, button or described control: an element
// whose text names something.
type Labelled struct {
	Tag  string
	Text string
}

// Facts is what one page says, in document order.
type Facts struct {
	URL  string   // the page's own URL, as given to Extract
	Page *url.URL // URL parsed; nil when it does not parse
	Host string   // lower-case host of the page, no trailing dot
	// Base resolves the page's relative links: its <base href> when it has
	// one pointing to http(s), else Page.
	Base *url.URL

	Title    string
	Lang     string // <html lang> or xml:lang
	Viewport string // content of <meta name=viewport>
	HasVP    bool   // the page has a viewport <meta>
	Feeds    int    // <link> elements announcing an RSS or Atom feed
	// Hreflangs counts <link hreflang> alternates.
	Hreflangs int
	Imgs      int
	ImgsAlt   int // images with an alt attribute, even empty

	Links    []Link
	Frames   []Link // <iframe src> and <frame src>, with their titles
	Refresh  string // target of <meta http-equiv=refresh>, as written
	Forms    []Form
	Headings []Labelled
	Labels   []Labelled
	// SearchOutside counts search inputs outside any form (script-driven
	// search boxes).
	SearchOutside int
	// Text is the visible text, one line per text node.
	Text string

	// Signs that a script builds the page, for the crawler's choice of
	// which pages to render in a browser.
	Scripts     int // <script> elements
	ScriptBytes int // bytes of inline script source
	// ScriptMarkup counts inline scripts whose source writes a form or a
	// link (markup in a string): content only a browser will show.
	ScriptMarkup int
	Noscript     bool // a <noscript> that asks for JavaScript: the page says it needs script
	// EmptyMounts counts empty elements named like a place a script fills:
	// an app root (<div id="app"></div>, <app-root>) or a header, menu or
	// footer placeholder.
	EmptyMounts int
}

// Extract reads body, UTF-8 HTML served at pageURL, in one tokenizer pass.
func Extract(pageURL string, body []byte) *Facts {
	f := &Facts{URL: pageURL}
	if u, err := url.Parse(pageURL); err == nil {
		f.Page, f.Base = u, u
		f.Host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	}
	w := walker{f: f}
	// Visible text is a small part of most pages' markup; a reserve of half
	// the body would be kept, unused, as long as the facts live.
	w.text.Grow(len(body) / 8)
	f.Links = make([]Link, 0, len(body)/400+8)
	w.run(html.NewTokenizer(bytes.NewReader(body)))
	f.Text = w.text.String()
	return f
}

// groupTag is an open list, menu, table or footer.
type groupTag struct {
	tag atom.Atom
	id  int
}

type walker struct {
	f    *Facts
	text strings.Builder
	// The elements we are inside whose text we keep; nil when not inside one.
	link, heading, label, form, title textBuf
	// pending link and label data, completed at their end tags
	linkHref string
	linkVia  string
	linkPos  int
	// A link opened by a script-bound element ends at that element's end
	// tag, counted through nested elements of the same name.
	linkEnd      atom.Atom
	linkEndDepth int
	linkHeading  string
	linkNews     bool
	lastHeading  string
	// open counts the open elements of the block kinds that can carry a
	// news class; newsStack holds the news blocks we are inside, each with
	// the count of its kind at its start.
	open       map[atom.Atom]int
	newsStack  []groupTag
	headingTag string
	labelTag   string
	inForm     bool
	sawBase    bool
	skip       atom.Atom // inside script, style, ...: text is not visible
	svgDepth   int
	groupStack []groupTag
	groups     int
	attrs      []html.Attribute
	// mount is the open element that may be an empty mount point, with its
	// start tag's raw bytes; 0 once anything comes inside it.
	mount    atom.Atom
	mountRaw []byte
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

// textBuf gathers the text of one open element. Its bytes are reused from
// element to element: a page has hundreds of links.
type textBuf struct {
	open bool
	b    []byte
}

func (t *textBuf) start() { t.open, t.b = true, t.b[:0] }

// add appends s unless the element already has more text than any fact keeps.
func (t *textBuf) add(s []byte) {
	if t.open && len(t.b) < 4*MaxText {
		if len(t.b) > 0 {
			t.b = append(t.b, ' ')
		}
		t.b = append(t.b, s...)
	}
}

// take closes the element and returns its text, collapsed and clipped.
func (t *textBuf) take() string {
	t.open = false
	return Clip(string(t.b))
}

// appendText adds a piece of text to every open element that keeps text.
func (w *walker) appendText(s []byte) {
	w.link.add(s)
	w.heading.add(s)
	w.label.add(s)
	w.form.add(s)
	w.title.add(s)
}

// readAttrs copies the tag's attributes that any fact needs; called only
// for the tags we use. The first of a repeated attribute wins, as in
// browsers.
func (w *walker) readAttrs(z *html.Tokenizer) []html.Attribute {
	w.attrs = w.attrs[:0]
	for {
		k, v, more := z.TagAttr()
		if k == nil {
			break
		}
		if key, ok := usedAttr(k); ok {
			if _, dup := attrOf(w.attrs, key); !dup {
				w.attrs = append(w.attrs, html.Attribute{Key: key, Val: string(v)})
			}
		}
		if !more {
			break
		}
	}
	return w.attrs
}

// usedAttr returns the attribute names some fact reads, as constants, so
// that the others (style, data-*, event handlers, ...) are never copied.
func usedAttr(k []byte) (string, bool) {
	switch string(k) {
	case "href":
		return "href", true
	case "src":
		return "src", true
	case "title":
		return "title", true
	case "alt":
		return "alt", true
	case "aria-label":
		return "aria-label", true
	case "lang":
		return "lang", true
	case "xml:lang":
		return "xml:lang", true
	case "name":
		return "name", true
	case "content":
		return "content", true
	case "http-equiv":
		return "http-equiv", true
	case "hreflang":
		return "hreflang", true
	case "type":
		return "type", true
	case "method":
		return "method", true
	case "action":
		return "action", true
	case "role":
		return "role", true
	case "placeholder":
		return "placeholder", true
	case "value":
		return "value", true
	case "id":
		return "id", true
	case "class":
		return "class", true
	case "onclick":
		return "onclick", true
	case "data-href":
		return "data-href", true
	case "data-url":
		return "data-url", true
	case "data-link":
		return "data-link", true
	}
	return "", false
}

// rawTagAtom reads the element name from a tag's raw bytes ("<A href=..>",
// "</div >") without the copy Tokenizer.TagName makes of every name; most
// tags are of no interest.
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
				w.skippedText(z)
				continue
			}
			t := z.Text()
			if len(bytes.TrimSpace(t)) == 0 {
				continue
			}
			w.mount = 0
			if !w.title.open {
				w.text.Write(t)
				w.text.WriteByte('\n')
			}
			w.appendText(t)
		case html.StartTagToken, html.SelfClosingTagToken:
			if w.skip != 0 {
				continue
			}
			raw := z.Raw()
			a := rawTagAtom(raw)
			w.mount = 0
			if tt == html.StartTagToken && mountTag(a, raw) {
				w.mount, w.mountRaw = mountAtom(a), append(w.mountRaw[:0], raw...)
			}
			w.start(z, a, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			raw := z.Raw()
			a := rawTagAtom(raw)
			if w.mount != 0 && w.mount == mountAtom(a) && w.skip == 0 {
				if emptyMount(w.mountRaw) {
					w.f.EmptyMounts++
				}
			}
			w.mount = 0
			w.end(a)
		}
	}
}

func (w *walker) start(z *html.Tokenizer, a atom.Atom, selfClosing bool) {
	f := w.f
	if a == atom.Svg {
		if !selfClosing {
			w.svgDepth++
		}
		return
	}
	if w.svgDepth > 0 {
		return
	}
	if w.link.open && a == w.linkEnd && a != atom.A && !selfClosing {
		w.linkEndDepth++
	}
	switch a {
	case atom.Div, atom.Section, atom.Article, atom.Li, atom.Main, atom.Span:
		attrs := w.readAttrs(z)
		if !selfClosing {
			w.openBlock(a, attrs)
		}
		w.scriptLink(a, attrs, selfClosing, "")
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Textarea, atom.Iframe, atom.Noembed, atom.Noframes, atom.Xmp:
		switch a {
		case atom.Script:
			f.Scripts++
		case atom.Textarea:
			w.control(a, w.readAttrs(z))
		case atom.Iframe:
			w.frame(w.readAttrs(z))
		}
		if !selfClosing {
			w.skip = a
		}
	case atom.Frame:
		w.frame(w.readAttrs(z))
	case atom.Base:
		attrs := w.readAttrs(z)
		if href, ok := attrOf(attrs, "href"); ok && !w.sawBase && f.Page != nil {
			w.sawBase = true
			if u, err := url.Parse(strings.TrimSpace(href)); err == nil {
				if r := f.Page.ResolveReference(u); r.Scheme == "http" || r.Scheme == "https" {
					f.Base = r
				}
			}
		}
	case atom.Html:
		attrs := w.readAttrs(z)
		if v, ok := attrOf(attrs, "lang"); ok && strings.TrimSpace(v) != "" {
			f.Lang = strings.TrimSpace(v)
		} else if v, ok := attrOf(attrs, "xml:lang"); ok && strings.TrimSpace(v) != "" {
			f.Lang = strings.TrimSpace(v)
		}
	case atom.Meta:
		attrs := w.readAttrs(z)
		if v, _ := attrOf(attrs, "name"); strings.EqualFold(v, "viewport") {
			f.HasVP = true
			f.Viewport, _ = attrOf(attrs, "content")
		}
		if v, _ := attrOf(attrs, "http-equiv"); f.Refresh == "" && strings.EqualFold(strings.TrimSpace(v), "refresh") {
			c, _ := attrOf(attrs, "content")
			f.Refresh = RefreshURL(c)
		}
	case atom.Link:
		attrs := w.readAttrs(z)
		if _, ok := attrOf(attrs, "hreflang"); ok {
			f.Hreflangs++
		}
		if t, _ := attrOf(attrs, "type"); strings.Contains(t, "rss") || strings.Contains(t, "atom") {
			f.Feeds++
		}
	case atom.Img:
		f.Imgs++
		attrs := w.readAttrs(z)
		alt, ok := attrOf(attrs, "alt")
		if ok {
			f.ImgsAlt++
		}
		// An image's alt text is the link text of an icon menu.
		if w.link.open && strings.TrimSpace(alt) != "" {
			w.appendText([]byte(alt))
		}
		w.scriptLink(a, attrs, true, alt)
	case atom.Title:
		if f.Title == "" && !w.title.open && !selfClosing {
			w.title.start()
		}
	case atom.A, atom.Area:
		attrs := w.readAttrs(z)
		href, ok := attrOf(attrs, "href")
		if !ok || isPlaceholderHref(href) {
			// <a onclick="location.href='...'"> without a real href
			if su := scriptURL(attrs); su != "" {
				w.finishLink()
				w.openLink(su, "script", atom.A)
				if v, ok := attrOf(attrs, "title"); ok && v != "" {
					w.link.add([]byte(v))
				}
				if selfClosing {
					w.finishLink()
				}
				return
			}
			if !ok {
				return
			}
		}
		w.finishLink() // an unclosed <a> ends where the next begins
		w.openLink(href, "", atom.A)
		if v, ok := attrOf(attrs, "class"); ok && hasNewsWord(v) {
			w.linkNews = true // a news card is a link of its own
		}
		keys := [...]string{"title", "aria-label", ""}
		if a == atom.Area {
			keys[2] = "alt"
		}
		for _, k := range keys {
			if v, ok := attrOf(attrs, k); ok && k != "" && v != "" {
				w.link.add([]byte(v))
			}
		}
		if selfClosing || a == atom.Area {
			w.finishLink()
		}
	case atom.Ul, atom.Ol, atom.Nav, atom.Table, atom.Footer, atom.Aside, atom.Menu, atom.Dl:
		if !selfClosing && len(w.groupStack) < 512 {
			w.groups++
			w.groupStack = append(w.groupStack, groupTag{tag: a, id: w.groups})
		}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if !w.heading.open && !selfClosing {
			w.heading.start()
			w.headingTag = a.String()
		}
	case atom.Label, atom.Button, atom.Legend:
		if a == atom.Button {
			w.scriptLink(a, w.readAttrs(z), selfClosing, "")
		}
		if !w.label.open && !selfClosing {
			w.label.start()
			w.labelTag = a.String()
		}
	case atom.Input, atom.Select:
		attrs := w.readAttrs(z)
		w.control(a, attrs)
		if a == atom.Input {
			v, _ := attrOf(attrs, "value")
			w.scriptLink(a, attrs, true, v)
		}
	case atom.Form:
		if w.inForm {
			return // nested forms are ignored, as browsers do
		}
		attrs := w.readAttrs(z)
		fm := Form{}
		fm.Method, _ = attrOf(attrs, "method")
		fm.Method = strings.ToLower(strings.TrimSpace(fm.Method))
		fm.Action, _ = attrOf(attrs, "action")
		if v, _ := attrOf(attrs, "role"); strings.EqualFold(v, "search") {
			fm.RoleSearch = true
		}
		fm.Heading = w.lastHeading
		f.Forms = append(f.Forms, fm)
		w.inForm = true
		w.form.start()
	}
}

// skippedText counts what script-built pages leave in elements whose text
// is not visible: inline script source and a <noscript> message.
func (w *walker) skippedText(z *html.Tokenizer) {
	switch w.skip {
	case atom.Script:
		raw := z.Raw()
		w.f.ScriptBytes += len(raw)
		if bytes.Contains(raw, []byte("<form")) || bytes.Contains(raw, []byte("<a href")) {
			w.f.ScriptMarkup++
		}
	case atom.Noscript:
		// Tag managers put an <iframe> in <noscript> on static pages too;
		// a script-built page asks for JavaScript in words.
		if !w.f.Noscript && bytes.Contains(bytes.ToLower(z.Raw()), []byte("javascript")) {
			w.f.Noscript = true
		}
	}
}

// mountAtom stands for custom elements (rawTagAtom gives them 0) with a
// value no real atom has.
func mountAtom(a atom.Atom) atom.Atom {
	if a == 0 {
		return ^atom.Atom(0)
	}
	return a
}

// mountTag reports whether a start tag could be a mount point: a block
// element with an id, or an app's custom root element.
func mountTag(a atom.Atom, raw []byte) bool {
	switch a {
	case atom.Div, atom.Header, atom.Nav, atom.Footer, atom.Main, atom.Section, atom.Aside, atom.Ul:
		return bytes.Contains(raw, []byte("id="))
	case 0:
		return bytes.HasPrefix(raw, []byte("<app-root")) || bytes.HasPrefix(raw, []byte("<APP-ROOT"))
	}
	return false
}

// mountIDs are the ids frameworks and script-built templates give the
// element they fill. Exact names only: an empty <div id="map"> or
// <div id="fb-root"> on a static page is no sign of a script shell.
var mountIDs = map[string]bool{
	"app": true, "root": true, "__next": true, "__nuxt": true, "app-root": true, "main-app": true, "spa": true,
	"header": true, "site-header": true, "menu": true, "main-menu": true, "nav": true, "navbar": true,
	"navigation": true, "footer": true, "site-footer": true, "sidebar": true, "content": true,
	"main-content": true, "main": true,
}

// emptyMount reports whether the raw start tag of an element that closed
// with nothing inside names a mount point.
func emptyMount(raw []byte) bool {
	if bytes.HasPrefix(raw, []byte("<app-root")) || bytes.HasPrefix(raw, []byte("<APP-ROOT")) {
		return true
	}
	i := bytes.Index(raw, []byte("id="))
	if i < 0 || (i > 0 && raw[i-1] != ' ' && raw[i-1] != '\t' && raw[i-1] != '\n') {
		return false
	}
	v := raw[i+3:]
	end := -1
	if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
		q := v[0]
		v = v[1:]
		end = bytes.IndexByte(v, q)
	} else {
		end = bytes.IndexAny(v, " \t\n>/")
	}
	if end < 0 {
		return false
	}
	return mountIDs[strings.ToLower(strings.TrimSpace(string(v[:end])))]
}

// frame records an <iframe> or <frame> source: embedded content is part of
// the site for the crawler, though its text is not the page's.
func (w *walker) frame(attrs []html.Attribute) {
	src, ok := attrOf(attrs, "src")
	if !ok || strings.TrimSpace(src) == "" {
		return
	}
	title, _ := attrOf(attrs, "title")
	w.f.Frames = append(w.f.Frames, w.newLink(src, title))
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
	if w.link.open && a == w.linkEnd && a != atom.A {
		if w.linkEndDepth--; w.linkEndDepth <= 0 {
			w.finishLink()
		}
	}
	switch a {
	case atom.Div, atom.Section, atom.Article, atom.Li, atom.Main, atom.Span:
		w.closeBlock(a)
	case atom.Title:
		if w.title.open {
			w.f.Title = w.title.take()
		}
	case atom.A, atom.Area:
		if w.linkEnd == atom.A {
			w.finishLink()
		}
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
	if !w.link.open {
		return
	}
	text := w.link.take()
	l := w.newLink(w.linkHref, text)
	l.Via, l.TextPos, l.Heading, l.News = w.linkVia, w.linkPos, w.linkHeading, w.linkNews
	w.f.Links = append(w.f.Links, l)
}

// openLink starts collecting the text of a link to href that ends at the
// end tag of end.
func (w *walker) openLink(href, via string, end atom.Atom) {
	w.link.start()
	w.linkHref, w.linkVia, w.linkPos = href, via, w.text.Len()
	w.linkHeading, w.linkNews = w.lastHeading, len(w.newsStack) > 0
	w.linkEnd, w.linkEndDepth = end, 1
}

// scriptLink records the URL a button, card or image opens from script
// (onclick, data-href, data-url, data-link) as a link of the page. A void
// element's link takes its words from its attributes (text); another's
// collects its content until its end tag.
func (w *walker) scriptLink(a atom.Atom, attrs []html.Attribute, void bool, text string) {
	su := scriptURL(attrs)
	if su == "" || w.link.open {
		return
	}
	for _, k := range []string{"aria-label", "title"} {
		if v, ok := attrOf(attrs, k); ok && v != "" {
			text = strings.TrimSpace(text + " " + v)
		}
	}
	if void {
		l := w.newLink(su, text)
		l.Via, l.TextPos = "script", w.text.Len()
		w.f.Links = append(w.f.Links, l)
		return
	}
	w.openLink(su, "script", a)
	if text != "" {
		w.link.add([]byte(text))
	}
}

// scriptURL returns the address an element opens by script, or "".
func scriptURL(attrs []html.Attribute) string {
	for _, k := range []string{"data-href", "data-url", "data-link"} {
		if v, ok := attrOf(attrs, k); ok && !isPlaceholderHref(v) {
			return strings.TrimSpace(v)
		}
	}
	if v, ok := attrOf(attrs, "onclick"); ok {
		return ScriptURL(v)
	}
	return ""
}

// isPlaceholderHref reports an href that goes nowhere: empty, "#", or a
// javascript: URL.
func isPlaceholderHref(h string) bool {
	h = strings.TrimSpace(h)
	return h == "" || h == "#" || (len(h) >= 11 && strings.EqualFold(h[:11], "javascript:"))
}

// ScriptURL returns the literal address a piece of JavaScript navigates to
// (location.href = '...', location.assign('...'), window.open('...')), or
// "" when it has none or builds it from variables.
func ScriptURL(js string) string {
	// ASCII lower-casing keeps byte offsets equal in js and low (Unicode
	// case mapping can change a string's length).
	low := asciiLower(js)
	for _, key := range []string{"location.href", "location.assign", "location.replace", "window.open", "location"} {
		from := 0
		for from < len(low) {
			i := strings.Index(low[from:], key)
			if i < 0 {
				break
			}
			i += from
			from = i + len(key)
			rest := strings.TrimLeft(js[from:], " \t=(")
			if rest == "" {
				continue
			}
			q := rest[0]
			if q != '\'' && q != '"' && q != '`' {
				continue
			}
			end := strings.IndexByte(rest[1:], q)
			if end < 0 {
				continue
			}
			u := strings.TrimSpace(rest[1 : 1+end])
			// A template, a nested quote or white space is no literal address.
			if isPlaceholderHref(u) || strings.HasPrefix(u, "#") || strings.ContainsAny(u, "${}'\"`<> \t\n\r") {
				continue
			}
			return u
		}
	}
	return ""
}

// asciiLower lower-cases the ASCII letters of s and leaves every other byte.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// newsWords name a block of news, posts or announcements in class or id.
var newsWords = map[string]bool{
	"news": true, "berita": true, "post": true, "posts": true, "article": true, "articles": true, "artikel": true,
	"blog": true, "entry": true, "entries": true, "pengumuman": true, "kabar": true, "warta": true,
	"headline": true, "headlines": true, "press": true,
}

// openBlock counts an open block element and notes when it is a news block.
func (w *walker) openBlock(a atom.Atom, attrs []html.Attribute) {
	if w.open == nil {
		w.open = map[atom.Atom]int{}
	}
	w.open[a]++
	// <article> alone says nothing: cards of every kind use it.
	news := false
	for _, k := range []string{"class", "id"} {
		if v, ok := attrOf(attrs, k); ok && hasNewsWord(v) {
			news = true
			break
		}
	}
	if news && len(w.newsStack) < 512 {
		w.newsStack = append(w.newsStack, groupTag{tag: a, id: w.open[a]})
	}
}

// closeBlock ends the innermost open block of kind a, and the news block it was.
func (w *walker) closeBlock(a atom.Atom) {
	if w.open[a] == 0 {
		return // a stray end tag
	}
	for len(w.newsStack) > 0 {
		top := w.newsStack[len(w.newsStack)-1]
		if top.tag != a || top.id < w.open[a] {
			break
		}
		w.newsStack = w.newsStack[:len(w.newsStack)-1]
	}
	w.open[a]--
}

// hasNewsWord reports a class or id list with a news word among its parts
// ("news-item", "blog_post"; "latestNews" is one word and does not count).
func hasNewsWord(v string) bool {
	start := -1
	for i := 0; i <= len(v); i++ {
		letter := i < len(v) && ('a' <= v[i] && v[i] <= 'z' || 'A' <= v[i] && v[i] <= 'Z')
		if letter && start < 0 {
			start = i
		}
		if !letter && start >= 0 {
			if newsWords[strings.ToLower(v[start:i])] {
				return true
			}
			start = -1
		}
	}
	return false
}

func (w *walker) finishHeading() {
	if !w.heading.open {
		return
	}
	t := w.heading.take()
	w.lastHeading = t
	w.f.Headings = append(w.f.Headings, Labelled{Tag: w.headingTag, Text: t})
}

func (w *walker) finishLabel() {
	if !w.label.open {
		return
	}
	w.f.Labels = append(w.f.Labels, Labelled{Tag: w.labelTag, Text: w.label.take()})
}

func (w *walker) finishForm() {
	if !w.inForm {
		return
	}
	fp := &w.f.Forms[len(w.f.Forms)-1]
	fp.Text = Clip(fp.Text + " " + w.form.take())
	w.inForm = false
}

func (w *walker) finishAll() {
	if w.title.open {
		w.f.Title = w.title.take()
	}
	w.finishLink()
	w.finishHeading()
	w.finishLabel()
	w.finishForm()
}

// control records an input, textarea or select into the enclosing form.
func (w *walker) control(a atom.Atom, attrs []html.Attribute) {
	f := w.f
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
		f.Labels = append(f.Labels, Labelled{Tag: a.String(), Text: Clip(strings.Join(extra, " "))})
	}
	isText := a == atom.Input && (typ == "" || typ == "text" || typ == "search")
	searchish, site := false, false
	if isText {
		searchish, site = searchAttrs(attrs, typ, name)
	}
	if !w.inForm || len(f.Forms) == 0 {
		if searchish {
			f.SearchOutside++
		}
		return
	}
	fm := &f.Forms[len(f.Forms)-1]
	if len(extra) > 0 && len(fm.Text) < 4*MaxText {
		fm.Text += " " + strings.Join(extra, " ")
	}
	switch a {
	case atom.Textarea:
		fm.Textareas++
		return
	case atom.Select:
		fm.Selects++
		return
	}
	switch typ {
	case "", "text", "email", "tel", "search", "number", "url":
		fm.TextInputs++
	case "password":
		fm.Passwords++
	case "file":
		fm.Files++
	}
	if searchish {
		fm.SearchInput = true
	}
	if site {
		fm.SiteSearch = true
	}
}

// separators are dropped to compare names like "site-search", "site_search".
var separators = strings.NewReplacer(" ", "", "_", "", "-", "")

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
	compact := separators.Replace(all)
	for _, w := range []string{"sitesearch", "searchsite", "quicksearch", "globalsearch", "searchthissite", "searchblock", "searchallsites"} {
		if strings.Contains(compact, w) {
			site = true
			break
		}
	}
	return searchish, site
}

func (w *walker) newLink(href, text string) Link {
	l := Link{Raw: strings.TrimSpace(href), Text: Clip(text), Group: w.group(), Heading: w.lastHeading, News: len(w.newsStack) > 0}
	h := l.Raw
	if h == "" {
		return l
	}
	if h[0] == '#' {
		// The page itself, unless a <base> sends it elsewhere, as browsers do.
		if b := w.f.Base; b != nil && b != w.f.Page {
			u := *b
			u.Fragment, u.RawFragment = "", ""
			l.Abs = u.String()
			l.Host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		}
		return l
	}
	low := strings.ToLower(h[:min(len(h), 11)])
	if strings.HasPrefix(low, "javascript:") {
		return l
	}
	if strings.HasPrefix(low, "mailto:") || strings.HasPrefix(low, "tel:") {
		l.Abs = h
		return l
	}
	b := w.f.Base
	if b != nil && len(h) > 1 && h[0] == '/' && h[1] != '/' && plainPath(h) && b.Host != "" {
		// Root-relative links are most of a page: resolve them without a
		// full URL parse.
		l.Abs = b.Scheme + "://" + b.Host + h
		if b == w.f.Page {
			l.Host = w.f.Host
		} else {
			l.Host = strings.TrimSuffix(strings.ToLower(b.Hostname()), ".")
		}
		return l
	}
	var u *url.URL
	var err error
	if b != nil {
		u, err = b.Parse(h)
	} else {
		u, err = url.Parse(h)
	}
	if err != nil {
		return l
	}
	u.Fragment = ""
	u.RawFragment = ""
	l.Abs = u.String()
	l.Host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return l
}

// plainPath reports a path and query that url.URL.String would give back
// unchanged: only characters RFC 3986 allows there unescaped, no fragment.
func plainPath(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// RefreshURL returns the target of a <meta http-equiv="refresh"> content
// value such as "0; url='/home'", or "".
func RefreshURL(content string) string {
	_, rest, ok := strings.Cut(content, ";")
	if !ok {
		_, rest, ok = strings.Cut(content, ",")
		if !ok {
			return ""
		}
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 4 || !strings.EqualFold(rest[:3], "url") {
		return ""
	}
	rest = strings.TrimSpace(rest[3:])
	rest, ok = strings.CutPrefix(rest, "=")
	if !ok {
		return ""
	}
	return strings.Trim(strings.TrimSpace(rest), `'"`)
}

// Clip collapses white space and cuts s to MaxText runes.
func Clip(s string) string {
	if cleanShort(s) {
		return s
	}
	return clipSlow(s)
}

// cleanShort reports a string that Clip would return unchanged: short,
// without leading, trailing or repeated white space.
func cleanShort(s string) bool {
	if len(s) > MaxText || s == "" {
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
		if n >= MaxText || (space && n+1 >= MaxText) {
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
