package analyzer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold lower-cases s and strips the common Latin diacritics, so that a
// keyword list written "inscripcion" also matches "Inscripción". It returns
// s itself when nothing changes, which is the usual case for ASCII pages.
func fold(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s) // one allocation, word-at-a-time fast path
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := foldRune(r); ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldRune maps accented Latin letters to their base; a switch rather than a
// table keeps it free of package state.
func foldRune(r rune) (string, bool) {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'ā':
		return "a", true
	case 'ç', 'č', 'ć':
		return "c", true
	case 'è', 'é', 'ê', 'ë', 'ē', 'ě':
		return "e", true
	case 'ì', 'í', 'î', 'ï', 'ī':
		return "i", true
	case 'ñ', 'ň':
		return "n", true
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō':
		return "o", true
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů':
		return "u", true
	case 'ý', 'ÿ':
		return "y", true
	case 'š':
		return "s", true
	case 'ž':
		return "z", true
	case 'ß':
		return "ss", true
	case 'ё':
		return "е", true
	}
	return "", false
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z')
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// token is a word of a folded string: its byte span, so that evidence can
// quote the surrounding text without another pass.
// Tokens are kept as byte offsets (8 bytes each, not a 16-byte string
// header plus offsets): a page's text has tens of thousands of them.
type token struct {
	start, stop int32
}

func (t token) begin() int          { return int(t.start) }
func (t token) end() int            { return int(t.stop) }
func (t token) str(s string) string { return s[t.start:t.stop] }

// tokenize appends the words of the folded string s to buf. Words are runs
// of letters and digits; everything else separates them, so "lapor.go.id",
// "/pengaduan-online" and "e-Retribusi" become word sequences the phrase
// index can match with one map lookup per word.
func tokenize(s string, buf []token) []token {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// ASCII fast path: most bytes of most pages.
			if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || ('A' <= c && c <= 'Z') {
				if start < 0 {
					start = i
				}
			} else if start >= 0 {
				buf = append(buf, token{start: int32(start), stop: int32(i)})
				start = -1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			buf = append(buf, token{start: int32(start), stop: int32(i)})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		buf = append(buf, token{start: int32(start), stop: int32(len(s))})
	}
	return buf
}

// phrase is one compiled keyword: a sequence of words, each matched exactly
// or, when written with a trailing '*', as a prefix.
type phrase struct {
	words  []string
	prefix []bool
	ind    int  // indicator index in the catalogue
	neg    bool // an exclusion: vetoes the indicator on the same element
	bare   bool // a bare noun: counts only with a service cue
	text   string
}

// addBare compiles a bare service noun for indicator ind.
func (x *phraseIndex) addBare(kw string, ind int) bool {
	if !x.add(kw, ind, false) {
		return false
	}
	x.list[len(x.list)-1].bare = true
	return true
}

// phraseIndex finds every catalogue phrase in a token sequence with one map
// lookup per token (plus one for prefix words), instead of one scan per
// keyword per element.
type phraseIndex struct {
	exact  map[string][]int // first word -> phrase ids
	prefix map[string][]int // first 3 bytes of a prefix first word -> phrase ids
	list   []phrase
}

const prefixKey = 3

func newPhraseIndex() *phraseIndex {
	return &phraseIndex{exact: map[string][]int{}, prefix: map[string][]int{}}
}

// add compiles kw (already folded) for indicator ind. It reports false when
// the keyword has no words at all.
func (x *phraseIndex) add(kw string, ind int, neg bool) bool {
	var p phrase
	p.ind, p.neg, p.text = ind, neg, kw
	for _, f := range strings.Fields(kw) {
		star := strings.HasSuffix(f, "*")
		sub := strings.TrimSuffix(f, "*")
		toks := tokenize(sub, nil)
		for i, t := range toks {
			p.words = append(p.words, t.str(sub))
			p.prefix = append(p.prefix, star && i == len(toks)-1)
		}
	}
	if len(p.words) == 0 {
		return false
	}
	if p.prefix[0] && len(p.words[0]) < prefixKey {
		p.prefix[0] = false // too short a stem would match everything
	}
	id := len(x.list)
	x.list = append(x.list, p)
	if p.prefix[0] {
		k := p.words[0][:prefixKey]
		x.prefix[k] = append(x.prefix[k], id)
	} else {
		x.exact[p.words[0]] = append(x.exact[p.words[0]], id)
	}
	return true
}

func (p *phrase) matchAt(s string, toks []token, i int) bool {
	if i+len(p.words) > len(toks) {
		return false
	}
	for j, w := range p.words {
		t := toks[i+j].str(s)
		if p.prefix[j] {
			if !strings.HasPrefix(t, w) {
				return false
			}
		} else if t != w {
			return false
		}
	}
	return true
}

// hit is one phrase found at token position pos.
type hit struct {
	phrase int
	pos    int
}

// find appends every phrase occurrence in toks (words of s) to out.
func (x *phraseIndex) find(s string, toks []token, out []hit) []hit {
	if len(x.list) == 0 {
		return out
	}
	for i, t := range toks {
		ts := t.str(s)
		for _, id := range x.exact[ts] {
			if x.list[id].matchAt(s, toks, i) {
				out = append(out, hit{phrase: id, pos: i})
			}
		}
		if len(ts) >= prefixKey && len(x.prefix) > 0 {
			for _, id := range x.prefix[ts[:prefixKey]] {
				if x.list[id].matchAt(s, toks, i) {
					out = append(out, hit{phrase: id, pos: i})
				}
			}
		}
	}
	return out
}
