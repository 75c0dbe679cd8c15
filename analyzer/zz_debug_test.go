package analyzer

import (
	"os"
	"path/filepath"
	"testing"
)

func TestZZDebug(t *testing.T) {
	f := os.Getenv("DBG_PAGE")
	if f == "" {
		return
	}
	dir, corpus := loadCorpus(t)
	c := DefaultCatalogue()
	for _, l := range corpus {
		if l.file != f {
			continue
		}
		body, _ := os.ReadFile(filepath.Join(dir, "pages", l.file))
		a := Analyze(onePage(l.url, body), c)
		for _, r := range a.Indicators {
			if r.Met && (os.Getenv("DBG_IND") == "" || os.Getenv("DBG_IND") == r.ID) {
				for _, e := range r.Evidence {
					t.Logf("%s: %.100s | %.80s", r.ID, e.Element, e.Text)
				}
			}
		}
	}
}
