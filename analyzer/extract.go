package analyzer

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/egovbench/egovbench/htmlfacts"
)

// maxText caps the text kept for one element, in runes, as the root types ask.
const maxText = htmlfacts.MaxText

// pageFacts is one page as the detectors see it: what htmlfacts read from
// it, plus what the analyzer derives and caches.
type pageFacts struct {
	*htmlfacts.Facts
	ft    string  // folded visible text, computed once
	ftoks []token // its words
	root  *html.Node
}

// extract reads body in one pass of the HTML tokenizer. The DOM is built
// only when the catalogue has CSS selectors (needTree). It never fails: the
// tokenizer accepts any bytes.
func extract(pageURL string, body []byte, needTree bool) *pageFacts {
	return withFacts(htmlfacts.Extract(pageURL, body), body, needTree)
}

// withFacts completes facts another pass already read (the crawler's).
func withFacts(f *htmlfacts.Facts, body []byte, needTree bool) *pageFacts {
	pf := &pageFacts{Facts: f}
	if needTree {
		if root, err := html.Parse(bytes.NewReader(body)); err == nil {
			pf.root = root
		}
	}
	return pf
}

// clip collapses white space and cuts s to maxText runes.
func clip(s string) string { return htmlfacts.Clip(s) }

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
