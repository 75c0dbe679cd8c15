package crawler

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// decodeHTML returns body as UTF-8, choosing the encoding the way browsers
// do: byte order mark, then the Content-Type charset, then <meta>, then a
// UTF-8 check, then windows-1252. Bytes invalid in the chosen encoding
// become U+FFFD, so the result is always valid UTF-8.
func decodeHTML(body []byte, contentType string) []byte {
	e, name, _ := charset.DetermineEncoding(body, contentType)
	if e == encoding.Nop || name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if utf8.Valid(body) {
			return body
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	out, err := e.NewDecoder().Bytes(body)
	if err != nil || !utf8.Valid(out) {
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	return bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))
}

// looksBinary reports whether a body is not text: NUL bytes or many control
// characters in its first KiB. UTF-16 pages announce themselves with a BOM
// and are let through.
func looksBinary(body []byte) bool {
	if bytes.HasPrefix(body, []byte{0xFE, 0xFF}) || bytes.HasPrefix(body, []byte{0xFF, 0xFE}) {
		return false
	}
	head := body[:min(len(body), 1024)]
	ctl := 0
	for _, c := range head {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
			ctl++
		}
	}
	return len(head) > 0 && ctl*10 > len(head)
}

// rawLink is a hyperlink as found on a page, resolved but not yet judged.
type rawLink struct {
	URL  *url.URL
	Text string
}

// pageFacts is what the crawler itself needs from a page; the analyzer
// reads the stored body for everything else.
type pageFacts struct {
	Links []rawLink
	Title string
	// Text is the start of the visible text, whitespace collapsed, for
	// spotting maintenance notices and challenge pages.
	Text string
	// TextLen is the length of all visible text, to tell a notice page from
	// a full page that merely mentions maintenance.
	TextLen int
}

// Bounds that keep one hostile page from costing more than a normal one.
const (
	maxLinksPerPage = 2000
	maxLinkText     = 200
	maxTextSample   = 4096
	maxTokens       = 1 << 20
)

// extract scans a UTF-8 HTML page with the tokenizer (no tree, so deep
// nesting costs nothing) for links, <base>, <meta refresh>, the title and
// the start of the visible text.
func extract(pageURL *url.URL, body []byte) pageFacts {
	var f pageFacts
	base := pageURL
	z := html.NewTokenizer(bytes.NewReader(body))
	z.SetMaxBuf(len(body) + 1)
	var (
		text      strings.Builder
		anchor    strings.Builder
		inAnchor  bool
		anchorURL *url.URL
		skipDepth int // inside <script>, <style>, <noscript>, <template>
		inTitle   bool
		title     strings.Builder
		sawBase   bool
		lastSpace = true
	)
	// Menus repeat the same addresses (header, footer, mobile copy, "#"
	// anchors into one page): resolve each once per page.
	resolved := make(map[string]*url.URL, 64)
	resolve := func(ref string) (*url.URL, error) {
		key, _, _ := strings.Cut(strings.TrimSpace(ref), "#")
		if u, ok := resolved[key]; ok {
			if u == nil {
				return nil, errSkipURL
			}
			return u, nil
		}
		u, err := normalizeURL(base, key)
		if key == "" {
			// "#top" alone is the document itself (or its <base>).
			u, err = normalizeURL(nil, base.String())
		}
		resolved[key] = u
		return u, err
	}
	addLink := func(ref, txt string) {
		if len(f.Links) >= maxLinksPerPage {
			return
		}
		u, err := resolve(ref)
		if err != nil {
			return
		}
		f.Links = append(f.Links, rawLink{URL: u, Text: clip(collapse(txt), maxLinkText)})
	}
	for range maxTokens {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inAnchor && anchorURL != nil {
				f.Links = appendLink(f.Links, anchorURL, anchor.String())
			}
			f.Title = clip(collapse(title.String()), maxLinkText)
			f.Text = collapse(text.String())
			return f
		case html.TextToken:
			if skipDepth > 0 || (!inTitle && !inAnchor && f.TextLen > maxTextSample) {
				// Past the sample, text only matters inside links and titles.
				continue
			}
			t := z.Text()
			if inTitle {
				if title.Len() < 1024 {
					title.Write(t)
				}
				continue
			}
			if inAnchor && anchor.Len() < 4*maxLinkText {
				anchor.Write(t)
				anchor.WriteByte(' ')
			}
			if f.TextLen > maxTextSample {
				continue
			}
			for _, r := range string(t) {
				if unicode.IsSpace(r) {
					if !lastSpace {
						f.TextLen++
						if text.Len() < maxTextSample {
							text.WriteByte(' ')
						}
					}
					lastSpace = true
					continue
				}
				lastSpace = false
				f.TextLen++
				if text.Len() < maxTextSample {
					text.WriteRune(r)
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			a := rawTagAtom(z.Raw())
			if !inline[a] {
				lastSpace = breakText(&text, &f, lastSpace)
			}
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				if tt == html.StartTagToken {
					skipDepth++
				}
				continue
			case atom.Title:
				inTitle = tt == html.StartTagToken
				continue
			}
			switch a {
			case atom.A, atom.Area, atom.Base, atom.Iframe, atom.Frame, atom.Meta:
			case atom.Img:
				if !inAnchor {
					continue
				}
			default:
				continue
			}
			attrs := readAttrs(z)
			switch a {
			case atom.Base:
				if !sawBase && attrs.href != "" {
					sawBase = true
					if u, err := url.Parse(strings.TrimSpace(attrs.href)); err == nil {
						if r := pageURL.ResolveReference(u); r.Scheme == "http" || r.Scheme == "https" {
							base = r
						}
					}
				}
			case atom.A, atom.Area:
				if inAnchor && anchorURL != nil {
					f.Links = appendLink(f.Links, anchorURL, anchor.String())
				}
				inAnchor, anchorURL = false, nil
				anchor.Reset()
				href := attrs.href
				if href == "" {
					continue
				}
				u, err := resolve(href)
				if err != nil {
					continue
				}
				if a == atom.Area || tt == html.SelfClosingTagToken {
					f.Links = appendLink(f.Links, u, attrs.alt+" "+attrs.title)
					continue
				}
				inAnchor, anchorURL = true, u
				anchor.WriteString(attrs.title)
				anchor.WriteByte(' ')
				anchor.WriteString(attrs.ariaLabel)
				anchor.WriteByte(' ')
			case atom.Img:
				// An image's alt text is the link text of an icon menu.
				if inAnchor && anchor.Len() < 4*maxLinkText {
					anchor.WriteString(attrs.alt)
					anchor.WriteByte(' ')
				}
			case atom.Iframe, atom.Frame:
				addLink(attrs.src, attrs.title)
			case atom.Meta:
				if strings.EqualFold(strings.TrimSpace(attrs.httpEquiv), "refresh") {
					if ref := refreshURL(attrs.content); ref != "" {
						addLink(ref, "meta refresh")
					}
				}
			}
		case html.EndTagToken:
			a := rawTagAtom(z.Raw())
			if !inline[a] {
				lastSpace = breakText(&text, &f, lastSpace)
			}
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				if skipDepth > 0 {
					skipDepth--
				}
			case atom.Title:
				inTitle = false
			case atom.A:
				if inAnchor && anchorURL != nil {
					f.Links = appendLink(f.Links, anchorURL, anchor.String())
				}
				inAnchor, anchorURL = false, nil
				anchor.Reset()
			}
		}
	}
	f.Title = clip(collapse(title.String()), maxLinkText)
	f.Text = collapse(text.String())
	return f
}

// inline elements do not separate words; every other tag does.
var inline = map[atom.Atom]bool{
	atom.B: true, atom.I: true, atom.Em: true, atom.Strong: true, atom.Span: true, atom.U: true,
	atom.Small: true, atom.Font: true, atom.Sup: true, atom.Sub: true, atom.Abbr: true, atom.Mark: true,
}

// breakText ends the current word of the visible text, as a block
// boundary does on screen, and returns the new lastSpace.
func breakText(text *strings.Builder, f *pageFacts, lastSpace bool) bool {
	if lastSpace || f.TextLen > maxTextSample {
		return lastSpace
	}
	f.TextLen++
	text.WriteByte(' ')
	return true
}

func appendLink(links []rawLink, u *url.URL, text string) []rawLink {
	if len(links) >= maxLinksPerPage {
		return links
	}
	return append(links, rawLink{URL: u, Text: clip(collapse(text), maxLinkText)})
}

// tagAttrs holds the attributes the extractor uses.
type tagAttrs struct {
	href, src, alt, title, ariaLabel, httpEquiv, content string
}

// readAttrs collects the attributes the extractor uses; the first of a
// repeated attribute wins, as in browsers.
func readAttrs(z *html.Tokenizer) tagAttrs {
	var a tagAttrs
	set := func(dst *string, v []byte) {
		if *dst == "" {
			*dst = string(v)
		}
	}
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "href":
			set(&a.href, v)
		case "src":
			set(&a.src, v)
		case "alt":
			set(&a.alt, v)
		case "title":
			set(&a.title, v)
		case "aria-label":
			set(&a.ariaLabel, v)
		case "http-equiv":
			set(&a.httpEquiv, v)
		case "content":
			set(&a.content, v)
		}
		if !more {
			return a
		}
	}
}

// rawTagAtom reads the element name from a raw tag ("<A href=..>",
// "</div >") without the copy Tokenizer.TagName makes of every name.
func rawTagAtom(raw []byte) atom.Atom {
	i := 1
	if i < len(raw) && raw[i] == '/' {
		i++
	}
	var buf [16]byte
	n := 0
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>' {
			break
		}
		if n == len(buf) {
			return 0 // longer than any element the extractor looks at
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return atom.Lookup(buf[:n])
}

// refreshURL returns the target of a <meta http-equiv="refresh"> content
// value such as "0; url='/home'".
func refreshURL(content string) string {
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

// collapse turns runs of white space into one space and trims the ends.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
