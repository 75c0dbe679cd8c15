package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Site text is clipped before it reaches a page: a hostile or broken site can
// send megabytes in a title, and a report must stay readable and small.
const (
	clipText = 300
	clipName = 100 // names in tables, where width is shared
	clipURL  = 120
)

// clip shortens s to at most n runes, marking the cut, and drops control
// characters (they have no business in a report and can confuse readers).
func clip(s string, n int) string {
	var b strings.Builder
	i := 0
	for _, r := range s {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\t') {
			continue
		}
		if i == n {
			b.WriteString("…")
			return b.String()
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}

// safeHref returns u when it may become a link: an absolute http or https
// URL without control or space characters. Anything else (javascript:,
// data:, relative paths that would resolve inside the report) is shown as
// text only. html/template still escapes what is returned.
func safeHref(u string) string {
	if len(u) > 4096 || strings.IndexFunc(u, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		// Go's URL type lets quotes and angle brackets through in a host;
		// html/template would escape them, but such a URL is not a real
		// link, so it stays text.
		if s := p.String(); !strings.ContainsAny(s, "\"'<>`\\") {
			return s
		}
	}
	return ""
}

// slugs assigns each target id a file name that is safe on every file
// system and unique: lower-case letters, digits and dashes, at most 60
// bytes. An id that had to be changed gets a hash suffix, so two ids that
// clean up to the same text (or ".." and "--") never share a page.
func slugs(ids []string) map[string]string {
	out := make(map[string]string, len(ids))
	used := map[string]bool{}
	for _, id := range ids {
		if _, ok := out[id]; ok {
			continue
		}
		s := slugify(id)
		if s != id || used[s] || s == "" || reservedName(s) {
			sum := sha256.Sum256([]byte(id))
			s = strings.Trim(s, "-")
			if len(s) > 50 {
				s = strings.TrimRight(s[:50], "-")
			}
			if s == "" {
				s = "site"
			}
			s += "-" + hex.EncodeToString(sum[:4])
		}
		base := s
		for n := 2; used[s]; n++ { // a 32-bit hash collision within one report
			s = base + "-" + strconv.Itoa(n)
		}
		used[s] = true
		out[id] = s
	}
	return out
}

// reservedName reports names Windows refuses as files whatever the
// extension, so a report copied there still opens.
func reservedName(s string) bool {
	switch s {
	case "con", "prn", "aux", "nul":
		return true
	}
	if len(s) == 4 && (strings.HasPrefix(s, "com") || strings.HasPrefix(s, "lpt")) && s[3] >= '0' && s[3] <= '9' {
		return true
	}
	return false
}

func slugify(id string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(id) {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}
