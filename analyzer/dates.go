package analyzer

import (
	"time"
)

// monthOf maps month names and abbreviations (Indonesian, English, Spanish,
// French, German; already folded) to months.
func monthOf(w string) (time.Month, bool) {
	switch w {
	case "januari", "january", "jan", "enero", "janvier", "januar", "jänner":
		return time.January, true
	case "februari", "february", "feb", "febrero", "fevrier", "februar", "pebruari":
		return time.February, true
	case "maret", "march", "mar", "marzo", "mars", "marz":
		return time.March, true
	case "april", "apr", "abril", "avril":
		return time.April, true
	case "mei", "may", "mayo", "mai":
		return time.May, true
	case "juni", "june", "jun", "junio", "juin":
		return time.June, true
	case "juli", "july", "jul", "julio", "juillet":
		return time.July, true
	case "agustus", "august", "aug", "agu", "agosto", "aout":
		return time.August, true
	case "september", "sep", "sept", "septiembre", "septembre":
		return time.September, true
	case "oktober", "october", "oct", "okt", "octubre", "octobre":
		return time.October, true
	case "november", "nov", "nopember", "noviembre", "novembre":
		return time.November, true
	case "desember", "december", "dec", "des", "diciembre", "decembre", "dezember":
		return time.December, true
	}
	return 0, false
}

func atoiSmall(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func mkDate(y int, m time.Month, d int) (time.Time, bool) {
	if y < 1990 || y > 2100 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// newestDate finds the newest date in text that is not after at (plus a day
// of slack for time zones). It reads "12 Januari 2025", "January 12, 2025",
// "12 Jan 2025", "2025-01-12" and "12/01/2025" (day first, as Indonesian and
// most non-US sites write it; when the first number exceeds 12 the order is
// unambiguous either way).
func newestDate(text string, at time.Time) (time.Time, string, bool) {
	folded := fold(text)
	return newestDateToks(folded, tokenize(folded, make([]token, 0, 256)), at)
}

// newestDateToks is newestDate over text already folded and tokenized.
func newestDateToks(folded string, toks []token, at time.Time) (time.Time, string, bool) {
	limit := at.Add(24 * time.Hour)
	var best time.Time
	bestAt := -1
	consider := func(t time.Time, i int) {
		if t.After(limit) {
			return
		}
		if t.After(best) {
			best, bestAt = t, i
		}
	}
	for i := 0; i < len(toks); i++ {
		w := toks[i].str(folded)
		if m, ok := monthOf(w); ok {
			// day month year
			if i > 0 && i+1 < len(toks) {
				if d, ok := atoiSmall(toks[i-1].str(folded)); ok && len(toks[i-1].str(folded)) <= 2 {
					if y, ok := atoiSmall(toks[i+1].str(folded)); ok && len(toks[i+1].str(folded)) == 4 {
						if t, ok := mkDate(y, m, d); ok {
							consider(t, i-1)
							continue
						}
					}
				}
			}
			// month day, year
			if i+2 < len(toks) {
				if d, ok := atoiSmall(toks[i+1].str(folded)); ok && len(toks[i+1].str(folded)) <= 2 {
					if y, ok := atoiSmall(toks[i+2].str(folded)); ok && len(toks[i+2].str(folded)) == 4 {
						if t, ok := mkDate(y, m, d); ok {
							consider(t, i)
						}
					}
				}
			}
			continue
		}
		if len(w) == 4 && i+2 < len(toks) && adjacent(folded, toks[i], toks[i+1]) && adjacent(folded, toks[i+1], toks[i+2]) {
			// 2025-01-12 or 2025/01/12
			y, ok1 := atoiSmall(w)
			mo, ok2 := atoiSmall(toks[i+1].str(folded))
			d, ok3 := atoiSmall(toks[i+2].str(folded))
			if ok1 && ok2 && ok3 && mo >= 1 && mo <= 12 && len(toks[i+2].str(folded)) <= 2 {
				if t, ok := mkDate(y, time.Month(mo), d); ok {
					consider(t, i)
				}
			}
			continue
		}
		if len(w) <= 2 && i+2 < len(toks) && len(toks[i+2].str(folded)) == 4 && adjacent(folded, toks[i], toks[i+1]) && adjacent(folded, toks[i+1], toks[i+2]) {
			a, ok1 := atoiSmall(w)
			b, ok2 := atoiSmall(toks[i+1].str(folded))
			y, ok3 := atoiSmall(toks[i+2].str(folded))
			if ok1 && ok2 && ok3 && len(toks[i+1].str(folded)) <= 2 {
				d, mo := a, b
				if mo > 12 && d <= 12 {
					d, mo = mo, d
				}
				if mo >= 1 && mo <= 12 {
					if t, ok := mkDate(y, time.Month(mo), d); ok {
						consider(t, i)
					}
				}
			}
		}
	}
	if bestAt < 0 {
		return time.Time{}, "", false
	}
	return best, snippet(folded, toks[bestAt].begin(), toks[bestAt].end()), true
}

// adjacent reports whether two tokens are separated by exactly one date
// separator ("-", "/" or ".").
func adjacent(s string, a, b token) bool {
	if b.begin()-a.end() != 1 {
		return false
	}
	c := s[a.end()]
	return c == '-' || c == '/' || c == '.'
}
