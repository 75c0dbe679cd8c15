package crawler

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/egovbench/egovbench/htmlfacts"
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

// pageFacts is what the crawler itself needs from a page, derived from the
// one htmlfacts pass that the analyzer reads too.
type pageFacts struct {
	Links []rawLink
	Title string
	// Text is the start of the visible text, whitespace collapsed, for
	// spotting maintenance notices and challenge pages.
	Text string
	// TextLen is the length of the visible text, counted up to just past
	// maxTextSample, to tell a notice page from a full page that merely
	// mentions maintenance.
	TextLen int
	// HTML is the whole single pass, handed on to the analyzer.
	HTML *htmlfacts.Facts
}

// Bounds that keep one hostile page from costing more than a normal one.
const (
	maxLinksPerPage = 2000
	maxLinkText     = htmlfacts.MaxText
	maxTextSample   = 4096
)

// extract reads a UTF-8 HTML page once (htmlfacts: tokenizer, no tree, so
// deep nesting costs nothing) and keeps the links to follow, resolved
// against the page's <base>, its frames and <meta refresh>, the title and
// the start of the visible text.
func extract(pageURL *url.URL, body []byte) pageFacts {
	hf := htmlfacts.Extract(pageURL.String(), body)
	f := pageFacts{HTML: hf, Title: hf.Title}
	f.Text, f.TextLen = textSample(hf.Text)
	// Menus repeat the same addresses (header, footer, mobile copy):
	// normalise each once per page.
	resolved := make(map[string]*url.URL, 64)
	add := func(abs, text string) {
		if abs == "" || len(f.Links) >= maxLinksPerPage {
			return
		}
		u, ok := resolved[abs]
		if !ok {
			u, _ = normalizeURL(nil, abs)
			resolved[abs] = u
		}
		if u != nil {
			f.Links = append(f.Links, rawLink{URL: u, Text: text})
		}
	}
	for _, l := range hf.Links {
		add(l.Abs, l.Text)
	}
	for _, l := range hf.Frames {
		add(l.Abs, l.Text)
	}
	if hf.Refresh != "" && hf.Base != nil {
		if u, err := normalizeURL(hf.Base, hf.Refresh); err == nil {
			add(u.String(), "meta refresh")
		}
	}
	return f
}

// textSample collapses white space in the start of text and returns up to
// maxTextSample bytes of it, with its length in runes counted up to just
// past maxTextSample.
func textSample(text string) (string, int) {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range text {
		if unicode.IsSpace(r) {
			space = n > 0
			continue
		}
		if space {
			n++
			if b.Len() < maxTextSample {
				b.WriteByte(' ')
			}
			space = false
		}
		n++
		if b.Len() < maxTextSample {
			b.WriteRune(r)
		}
		if n > maxTextSample {
			break
		}
	}
	return b.String(), n
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
