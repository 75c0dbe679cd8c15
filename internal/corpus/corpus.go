// Package corpus finds and reads the reference corpus that the calibration
// and validation tests measure the analyzer against: ../shared/corpus beside
// the project (or EGOVBENCH_CORPUS). pages/ is the calibration set (single
// pages, tuned on), sites/ the validation set (whole sites, never tuned on).
//
// The corpus is not part of the repository. A fresh clone without it still
// passes its tests: corpus tests skip with one clear line. CI sets
// EGOVBENCH_REQUIRE_CORPUS=1 so that a missing corpus fails instead.
package corpus

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// RequireEnv names the variable that turns a missing corpus into a failure.
const RequireEnv = "EGOVBENCH_REQUIRE_CORPUS"

// Find returns the corpus folder: EGOVBENCH_CORPUS, or shared/corpus in the
// working directory or one of its parents (or their parent's shared/).
func Find() (string, error) {
	if d := os.Getenv("EGOVBENCH_CORPUS"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "labels.tsv")); err != nil {
			return "", fmt.Errorf("EGOVBENCH_CORPUS=%s: %w", d, err)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	dir := wd
	for {
		for _, c := range []string{filepath.Join(dir, "shared", "corpus"), filepath.Join(dir, "..", "shared", "corpus")} {
			if _, err := os.Stat(filepath.Join(c, "labels.tsv")); err == nil {
				return c, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no shared/corpus beside %s or any folder above it (set EGOVBENCH_CORPUS)", wd)
		}
		dir = parent
	}
}

// Dir returns the corpus folder for a test. Without a corpus the test is
// skipped with one line saying so, or fails when EGOVBENCH_REQUIRE_CORPUS is
// set (as in CI, which always has the corpus).
func Dir(tb testing.TB) string {
	tb.Helper()
	d, err := Find()
	if err == nil {
		return d
	}
	if os.Getenv(RequireEnv) != "" {
		tb.Fatalf("reference corpus required (%s is set) but not found: %v", RequireEnv, err)
	}
	tb.Skipf("reference corpus not found, agreement not measured: %v", err)
	return ""
}

// ReadTSV reads a tab-separated file with a header row into one map per row.
func ReadTSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var head []string
	var rows []map[string]string
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if head == nil {
			head = cols
			continue
		}
		row := map[string]string{}
		for i, h := range head {
			if i < len(cols) {
				row[h] = cols[i]
			}
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// Site is one whole website of the validation set with its reference labels.
type Site struct {
	Name     string
	Dir      string   // the site's files, served as a static site
	OwnHosts []string // former hosts whose absolute links are links to the site itself
	Stage    string   // reached without JavaScript
	StageJS  string   // reached with scripts run
	Features map[string]bool
	// FeaturesJSOnly are found only with scripts; Disputed by one reader only.
	FeaturesJSOnly map[string]bool
	Disputed       map[string]bool
}

// Sites reads sites/labels.tsv of the corpus at dir.
func Sites(dir string) ([]Site, error) {
	rows, err := ReadTSV(filepath.Join(dir, "sites", "labels.tsv"))
	if err != nil {
		return nil, err
	}
	var out []Site
	for _, r := range rows {
		s := Site{
			Name: r["site"], Dir: filepath.Join(dir, "sites", r["site"]),
			Stage: r["stage"], StageJS: r["stage_js"],
			Features: set(r["features"]), FeaturesJSOnly: set(r["features_js_only"]), Disputed: set(r["features_disputed"]),
		}
		for _, h := range strings.Split(r["own_hosts"], ",") {
			if h = strings.TrimSpace(h); h != "" {
				s.OwnHosts = append(s.OwnHosts, h)
			}
		}
		if s.Name == "" {
			return nil, fmt.Errorf("sites/labels.tsv: row without a site name")
		}
		if _, err := os.Stat(filepath.Join(s.Dir, "index.html")); err != nil {
			return nil, fmt.Errorf("site %s: %w", s.Name, err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sites/labels.tsv: no sites")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			m[f] = true
		}
	}
	return m
}
