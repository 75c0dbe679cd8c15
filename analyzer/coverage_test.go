package analyzer

import (
	"sort"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestCoveredLanguagesHaveEveryFeature: a language the catalogue declares
// covered has terms for every rubric feature that is found by words, so an
// uncovered feature is a gap in the data, not luck. Features found by
// structure alone (a detector, a host list) need no words.
func TestCoveredLanguagesHaveEveryFeature(t *testing.T) {
	var f catalogueFile
	if err := yaml.Unmarshal(defaultYAML, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.CoveredLanguages) == 0 {
		t.Fatal("no covered languages")
	}
	words := map[string]map[string]bool{} // feature -> languages with terms
	structural := map[string]bool{}
	for _, ind := range f.Indicators {
		if ind.Feature == "" {
			continue
		}
		if words[ind.Feature] == nil {
			words[ind.Feature] = map[string]bool{}
		}
		d := ind.Detect
		if d.Detector != "" || len(d.Domains) > 0 {
			structural[ind.Feature] = true
		}
		for _, m := range []map[string][]string{d.LinkText, d.Heading, d.Label, d.Text, d.Bare, d.FormPurpose} {
			for lang, kws := range m {
				if len(kws) > 0 {
					words[ind.Feature][lang] = true
				}
			}
		}
	}
	feats := make([]string, 0, len(words))
	for ft := range words {
		feats = append(feats, ft)
	}
	sort.Strings(feats)
	for _, lang := range f.CoveredLanguages {
		for _, ft := range feats {
			if !words[ft][lang] && !structural[ft] {
				t.Errorf("covered language %q has no terms for feature %q", lang, ft)
			}
		}
	}
}
