package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
)

// maxClassifyFile bounds one saved page, as the crawler bounds a fetched one.
const maxClassifyFile = crawler.DefaultMaxBytesPerPage

// ClassifyCommand assesses saved pages offline: a file is a site's homepage,
// a folder is one site. It goes through the same analyzer as a crawl, so the
// verdict is the one a crawl of those pages would give (minus what only the
// network shows: HTTPS, certificates, uptime).
type ClassifyCommand struct{ *Env }

// Run implements command.
func (c *ClassifyCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "classify", "[--json] [--base-url URL] [--catalogue FILE] PATH...")
	asJSON := fs.Bool("json", false, "print full assessments as JSON")
	baseFlag := fs.String("base-url", "", "the address the saved page or folder was served at (https://www.example.go.id/), so that its links resolve as on the site")
	catPath := fs.String("catalogue", "", "indicator catalogue file replacing or extending the embedded one")
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("classify needs at least one PATH (an HTML file or a folder of HTML files)")
	}
	base, err := parseBaseURL(*baseFlag)
	if err != nil {
		return usagef("%v", err)
	}
	cat, err := loadCatalogue(*catPath)
	if err != nil {
		return err
	}
	var (
		out      []egovbench.Assessment
		homeURLs []string
	)
	now := time.Now().UTC()
	for _, path := range fs.Args() {
		snap, err := snapshotFromPath(path, base)
		if err != nil {
			return err
		}
		// Freshness is judged against the time of classification, as a
		// crawl judges it against the time of crawling.
		snap.StartedAt, snap.FinishedAt = now, now
		out = append(out, analyzer.Analyze(snap, cat))
		homeURLs = append(homeURLs, snap.Pages[0].URL)
	}
	if *asJSON {
		rows := make([]classifyRow, len(out))
		for i, a := range out {
			rows[i] = newClassifyRow(a, homeURLs[i])
		}
		return writeExportJSON(c.Stdout, rows)
	}
	return printAssessments(c.Stdout, out)
}

// classifyRow is one object of classify --json: first the keys of the
// export contract, in its order and with its meanings (so a script reads
// both outputs alike), then the evidence only classify prints. Every key is
// always present; empty lists are [] rather than missing.
type classifyRow struct {
	exportRow
	Confidence      float64                     `json:"confidence"`
	Frameworks      map[string]string           `json:"frameworks"`
	CriterionScores map[string]float64          `json:"criterion_scores"`
	Indicators      []egovbench.IndicatorResult `json:"indicators"`
	NextSteps       []string                    `json:"next_steps"`
	DeadServices    []egovbench.DeadService     `json:"dead_services"`
	PagesAnalyzed   int                         `json:"pages_analyzed"`
	// Appended after the keys above, as export columns are.
	UnverifiedServices []egovbench.DeadService `json:"unverified_services"`
	Language           string                  `json:"language"`
	LanguageCovered    bool                    `json:"language_covered"`
}

// newClassifyRow fills the row of an assessment of saved pages: target_id
// is the path given, url the address the homepage was judged at (--base-url,
// or under saved.invalid), crawled_at the time of
// classification (freshness was judged against it) and run_id 0 (no run
// is stored).
func newClassifyRow(a egovbench.Assessment, homeURL string) classifyRow {
	var score *float64
	if a.Status.Measured() {
		sc := round1(a.Score)
		score = &sc
	}
	r := classifyRow{
		exportRow: exportRow{TargetID: a.TargetID, URL: homeURL, CrawledAt: a.AssessedAt.UTC().Format(time.RFC3339),
			Reachable: a.Reachable, Stage: a.Stage.String(), Score: score, IndicatorsMet: a.Met(),
			RunID: a.RunID, CatalogueVersion: a.CatalogueVersion, Status: string(a.Status), StatusCause: a.StatusCause},
		Confidence: a.Confidence, Frameworks: a.Frameworks, CriterionScores: a.CriterionScores,
		Indicators: a.Indicators, NextSteps: a.NextSteps, DeadServices: a.DeadServices, PagesAnalyzed: a.PagesAnalyzed,
		UnverifiedServices: a.UnverifiedServices, Language: a.Language, LanguageCovered: a.LanguageCovered,
	}
	if r.IndicatorsMet == nil {
		r.IndicatorsMet = []string{}
	}
	if r.Frameworks == nil {
		r.Frameworks = map[string]string{}
	}
	if r.CriterionScores == nil {
		r.CriterionScores = map[string]float64{}
	}
	if r.Indicators == nil {
		r.Indicators = []egovbench.IndicatorResult{}
	}
	if r.NextSteps == nil {
		r.NextSteps = []string{}
	}
	if r.DeadServices == nil {
		r.DeadServices = []egovbench.DeadService{}
	}
	if r.UnverifiedServices == nil {
		r.UnverifiedServices = []egovbench.DeadService{}
	}
	return r
}

// savedHost names the site of saved pages classified without --base-url: a
// reserved name (RFC 2606), never fetched, under which a folder's
// root-relative links resolve inside the folder and every other host is
// another site, as on the web.
const savedHost = "saved.invalid"

// parseBaseURL checks --base-url: an absolute http(s) URL, or none.
func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--base-url %q: want an absolute http or https URL such as https://www.example.go.id/", s)
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// pageURL is the address a saved file had on its site: the base, plus the
// file's path inside the saved folder, an index.html standing for its folder.
func pageURL(base *url.URL, rel string) string {
	rel = filepath.ToSlash(rel)
	if b := path.Base(rel); b == "index.html" || b == "index.htm" {
		rel = strings.TrimSuffix(rel, b)
	}
	return base.ResolveReference(&url.URL{Path: strings.TrimPrefix(rel, "/")}).String()
}

// snapshotFromPath builds the snapshot a crawl would have made of saved
// pages: a file is the page at base (or at saved.invalid/NAME), a folder
// a site whose files sit at base + their path.
func snapshotFromPath(dir string, base *url.URL) (egovbench.Snapshot, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return egovbench.Snapshot{}, fmt.Errorf("classify: %w", err)
	}
	snap := egovbench.Snapshot{TargetID: dir, SitemapURLs: -1}
	if !st.IsDir() {
		u := ""
		if base != nil {
			u = base.String()
		} else {
			u = pageURL(&url.URL{Scheme: "http", Host: savedHost, Path: "/"}, filepath.Base(dir))
		}
		p, err := pageFromFile(dir, u, 0)
		if err != nil {
			return snap, err
		}
		snap.Pages = []egovbench.Page{p}
		return snap, nil
	}
	if base == nil {
		base = &url.URL{Scheme: "http", Host: savedHost, Path: "/"}
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && savedHTML(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return snap, fmt.Errorf("classify %s: %w", dir, err)
	}
	if len(files) == 0 {
		return snap, fmt.Errorf("classify %s: no .html or .htm files in the folder", dir)
	}
	// The homepage is index.html at the top of the folder when there is one.
	sort.SliceStable(files, func(i, j int) bool { return homeRank(dir, files[i]) < homeRank(dir, files[j]) })
	for i, f := range files {
		depth := 1
		if i == 0 {
			depth = 0
		}
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			return snap, fmt.Errorf("classify %s: %w", f, err)
		}
		p, err := pageFromFile(f, pageURL(base, rel), depth)
		if err != nil {
			return snap, err
		}
		snap.Pages = append(snap.Pages, p)
	}
	return snap, nil
}

func homeRank(dir, f string) int {
	rel, _ := filepath.Rel(dir, f)
	switch strings.ToLower(rel) {
	case "index.html", "index.htm":
		return 0
	}
	return 1 + strings.Count(rel, string(filepath.Separator))
}

// savedHTML reports a file of a saved site that holds a page: .html or
// .htm, or no extension and HTML inside (wget and most mirrors save
// /layanan/izin as a file named izin).
func savedHTML(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".html", ".htm":
		return true
	case "":
	default:
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return strings.HasPrefix(http.DetectContentType(head[:n]), "text/html")
}

func pageFromFile(path, u string, depth int) (egovbench.Page, error) {
	f, err := os.Open(path)
	if err != nil {
		return egovbench.Page{}, fmt.Errorf("classify: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxClassifyFile+1))
	if err != nil {
		return egovbench.Page{}, fmt.Errorf("classify %s: %w", path, err)
	}
	truncated := len(raw) > maxClassifyFile
	if truncated {
		raw = raw[:maxClassifyFile]
	}
	body := crawler.DecodeHTML(raw, "text/html")
	sum := sha256.Sum256(body)
	return egovbench.Page{
		URL: u, FinalURL: u, Depth: depth, Status: 200, ContentType: "text/html; charset=utf-8",
		Outcome: egovbench.OutcomeOK, Body: body, Hash: hex.EncodeToString(sum[:]), Truncated: truncated,
	}, nil
}

// printAssessments writes a readable verdict per site: stage, score and the
// evidence behind every indicator met.
func printAssessments(w io.Writer, as []egovbench.Assessment) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for i, a := range as {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s\n", a.TargetID)
		fmt.Fprintf(tw, "  stage\t%s (confidence %.2f)\n", a.Stage, a.Confidence)
		for _, k := range sortedKeys(a.Frameworks) {
			fmt.Fprintf(tw, "  %s\t%s\n", k, a.Frameworks[k])
		}
		fmt.Fprintf(tw, "  score\t%.1f / 100\n", a.Score)
		for _, r := range a.Indicators {
			if !r.Met {
				continue
			}
			ev := ""
			if len(r.Evidence) > 0 {
				e := r.Evidence[0]
				ev = fmt.Sprintf("%s %q", e.Element, e.Text)
			}
			fmt.Fprintf(tw, "  + %s\t%s\n", r.ID, oneLine(ev, 100))
		}
		for _, d := range a.DeadServices {
			fmt.Fprintf(tw, "  x dead service\t%s %q (%s)\n", oneLine(d.URL, 80), oneLine(d.Text, 40), d.Reason)
		}
		if len(a.NextSteps) > 0 {
			fmt.Fprintf(tw, "  next steps\t%s\n", strings.Join(a.NextSteps, ", "))
		}
	}
	return tw.Flush()
}

// oneLine keeps a terminal line a line: control characters from a page
// (newlines, escape sequences) must not reach the analyst's terminal.
func oneLine(s string, n int) string {
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			r = ' '
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
