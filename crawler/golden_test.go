package crawler

import (
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// goldenFacts is the stable, reviewable form of what extract returns.
type goldenFacts struct {
	Title   string   `json:"title"`
	Text    string   `json:"text"`
	Notice  bool     `json:"notice"`
	Links   []string `json:"links"`
	Service []string `json:"service_links"`
}

func TestExtractGolden(t *testing.T) {
	pages, err := filepath.Glob("testdata/extract/*.html")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range pages {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse("https://www.contoh.go.id/index.php")
			f := extract(u, decodeHTML(raw, "text/html"))
			got := goldenFacts{Title: f.Title, Text: f.Text, Notice: isNotice(wordsOf(f))}
			for _, l := range f.Links {
				got.Links = append(got.Links, l.URL.String()+" | "+l.Text)
				if serviceScore(l.Text, l.URL.String()) > 0 {
					got.Service = append(got.Service, l.URL.String())
				}
			}
			data, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, '\n')
			golden := strings.TrimSuffix(path, ".html") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if string(want) != string(data) {
				t.Errorf("%s differs from extract output:\n%s", golden, data)
			}
		})
	}
}
