package egovbench

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"
)

// TargetsError locates a problem in a targets file, so the analyst can fix
// the exact cell. Line and Column are 1-based; Column is 0 when the problem
// concerns the whole line.
type TargetsError struct {
	Line   int
	Column int
	Field  string
	Msg    string
}

func (e *TargetsError) Error() string {
	loc := fmt.Sprintf("line %d", e.Line)
	if e.Column > 0 {
		loc += fmt.Sprintf(", column %d", e.Column)
	}
	if e.Field != "" {
		loc += " (" + e.Field + ")"
	}
	return loc + ": " + e.Msg
}

// Unwrap lets callers test for ErrInvalid.
func (e *TargetsError) Unwrap() error { return ErrInvalid }

var targetColumns = map[string]bool{
	"id": true, "name": true, "url": true, "level": true, "region": true,
	"parent": true, "country": true, "lang": true,
}

// maxTargetsFileSize bounds what ParseTargets reads, so a wrong file (a
// database, a video) is refused quickly instead of filling memory.
const maxTargetsFileSize = 16 << 20

// ParseTargets reads a targets file: CSV with a header row, required columns
// name and url, optional id, level, region, parent, country and lang, in any
// order. Lines starting with # are comments. It returns every target or, on
// the first problem, a *TargetsError naming the line and column and no
// targets at all: a half-read targets file must never reach the store.
func ParseTargets(r io.Reader) ([]Target, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxTargetsFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	if len(data) > maxTargetsFileSize {
		return nil, &TargetsError{Line: 1, Msg: fmt.Sprintf("file larger than %d bytes", maxTargetsFileSize)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		return nil, &TargetsError{Line: line, Msg: "not valid UTF-8 (save the file as UTF-8)"}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &TargetsError{Line: 1, Msg: "empty file: expected a header with at least name,url"}
	}
	if err != nil {
		return nil, csvError(err)
	}
	headerLine, _ := cr.FieldPos(0)
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !targetColumns[name] {
			return nil, &TargetsError{Line: headerLine, Column: i + 1, Msg: fmt.Sprintf("unknown column %q (known: id,name,url,level,region,parent,country,lang)", h)}
		}
		if _, dup := col[name]; dup {
			return nil, &TargetsError{Line: headerLine, Column: i + 1, Msg: fmt.Sprintf("column %q appears twice", name)}
		}
		col[name] = i
	}
	for _, req := range []string{"name", "url"} {
		if _, ok := col[req]; !ok {
			return nil, &TargetsError{Line: headerLine, Msg: fmt.Sprintf("missing required column %q", req)}
		}
	}

	var targets []Target
	seen := map[string]int{} // id -> line
	parents := map[string][2]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) (string, int) {
			i, ok := col[name]
			if !ok {
				return "", 0
			}
			return strings.TrimSpace(rec[i]), i + 1
		}
		fail := func(field, msg string) error {
			_, c := get(field)
			return &TargetsError{Line: line, Column: c, Field: field, Msg: msg}
		}
		allEmpty := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				allEmpty = false
			}
		}
		if allEmpty {
			continue
		}
		var t Target
		t.Name, _ = get("name")
		if t.Name == "" {
			return nil, fail("name", "empty name")
		}
		raw, _ := get("url")
		u, err := parseTargetURL(raw)
		if err != nil {
			return nil, fail("url", err.Error())
		}
		t.URL = u.String()
		t.ID, _ = get("id")
		if t.ID == "" {
			t.ID = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		}
		if !validID(t.ID) {
			return nil, fail("id", fmt.Sprintf("id %q must be 1-100 characters of letters, digits, '.', '-' or '_'", t.ID))
		}
		if prev, dup := seen[t.ID]; dup {
			return nil, fail("id", fmt.Sprintf("duplicate id %q (first on line %d)", t.ID, prev))
		}
		seen[t.ID] = line
		level, _ := get("level")
		t.Level = strings.ToLower(level)
		t.Region, _ = get("region")
		t.Parent, _ = get("parent")
		if t.Parent != "" {
			_, c := get("parent")
			parents[t.ID] = [2]int{line, c}
		}
		country, _ := get("country")
		t.Country = strings.ToUpper(country)
		if t.Country != "" && !isAlpha2(t.Country) {
			return nil, fail("country", fmt.Sprintf("country %q is not a two-letter ISO 3166 code", country))
		}
		t.Lang, _ = get("lang")
		if t.Lang != "" && !validLang(t.Lang) {
			return nil, fail("lang", fmt.Sprintf("lang %q is not a language tag like id or en", t.Lang))
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil, &TargetsError{Line: headerLine + 1, Msg: "no targets after the header"}
	}
	for _, t := range targets {
		if t.Parent == "" {
			continue
		}
		if _, ok := seen[t.Parent]; !ok || t.Parent == t.ID {
			pos := parents[t.ID]
			return nil, &TargetsError{Line: pos[0], Column: pos[1], Field: "parent", Msg: fmt.Sprintf("parent %q is not the id of another target in this file", t.Parent)}
		}
	}
	return targets, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &TargetsError{Line: pe.Line, Column: pe.Column, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("read targets: %w", err)
}

func parseTargetURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty url")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q does not parse", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %q must start with http:// or https://", raw)
	}
	if u.Hostname() == "" || u.User != nil {
		return nil, fmt.Errorf("url %q must name a host (and no user info)", raw)
	}
	u.Host = strings.ToLower(u.Host)
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

func validID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}
