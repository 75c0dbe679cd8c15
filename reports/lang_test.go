package reports

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/egovbench/egovbench"
)

// englishPhrases lists every English text the report itself could write
// (labels, indicator names and descriptions, framework names and rules) that
// differs from its Indonesian counterpart.
func englishPhrases(in Input) []string {
	set := map[string]bool{}
	add := func(en, id string) {
		en = strings.TrimSpace(en)
		if len([]rune(en)) >= 4 && en != strings.TrimSpace(id) {
			set[en] = true
		}
	}
	for k, v := range dictEN {
		if strings.Contains(v, "%") {
			v = v[:strings.Index(v, "%")]
		}
		add(v, dictID[k])
	}
	for _, ind := range in.Indicators {
		add(ind.NameEN, ind.NameID)
		add(ind.Description, ind.DescriptionID)
	}
	for _, fw := range in.Frameworks {
		add(fw.Name, fw.NameID)
		for _, l := range fw.Levels {
			add(l.Name, l.NameID)
			add(l.Description, l.DescriptionID)
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// reportText returns the words a reader sees on a page that the report
// wrote itself: text and the alt, title and aria-label attributes, leaving
// out what came from the websites (inside <bdi>), ids (<code>) and the
// <title>, which names the site.
func reportText(b []byte) (string, error) {
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "bdi", "code", "title", "style", "script":
				return
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "alt", "title", "aria-label":
					sb.WriteString(a.Val + "\n")
				}
			}
		}
		if n.Type == html.TextNode {
			sb.WriteString(n.Data + "\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return sb.String(), nil
}

// checkNoEnglish fails on any English text of the report's own in the
// Indonesian report: every label, chart text, indicator name and
// description and methodology text must come out in Indonesian.
func checkNoEnglish(t *testing.T, dir string, in Input) {
	t.Helper()
	var pats []*regexp.Regexp
	for _, p := range englishPhrases(in) {
		pats = append(pats, regexp.MustCompile(`(?i)(^|[^\pL])`+regexp.QuoteMeta(p)+`($|[^\pL])`))
	}
	pages := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".html" {
			return err
		}
		pages++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		txt, err := reportText(b)
		if err != nil {
			return err
		}
		for _, re := range pats {
			if m := re.FindString(txt); m != "" {
				t.Errorf("%s: English text %q in the Indonesian report", filepath.Base(path), strings.TrimSpace(m))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 4 {
		t.Fatalf("checked %d pages", pages)
	}
}

func TestDefaultLang(t *testing.T) {
	id := egovbench.Target{ID: "a", Country: "ID"}
	idLang := egovbench.Target{ID: "b", Lang: "id"}
	gb := egovbench.Target{ID: "c", Country: "GB", Lang: "en"}
	for _, c := range []struct {
		name    string
		targets []egovbench.Target
		want    string
	}{
		{"no targets", nil, "id"},
		{"all Indonesian", []egovbench.Target{id, idLang}, "id"},
		{"half", []egovbench.Target{id, gb}, "id"},
		{"mostly foreign", []egovbench.Target{id, gb, gb}, "en"},
		{"country lower case", []egovbench.Target{{Country: "id"}}, "id"},
		{"language tag", []egovbench.Target{{Lang: "id-ID"}, gb}, "id"},
		{"unknown", []egovbench.Target{{ID: "x"}}, "en"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := DefaultLang(c.targets); got != c.want {
				t.Errorf("DefaultLang = %q, want %q", got, c.want)
			}
		})
	}
}
