package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
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
	fs := newFlagSet(c.Env, "classify", "[--json] [--catalogue FILE] PATH...")
	asJSON := fs.Bool("json", false, "print full assessments as JSON")
	catPath := fs.String("catalogue", "", "indicator catalogue file replacing or extending the embedded one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("classify needs at least one PATH (an HTML file or a folder of HTML files)")
	}
	cat, err := loadCatalogue(*catPath)
	if err != nil {
		return err
	}
	var out []egovbench.Assessment
	now := time.Now().UTC()
	for _, path := range fs.Args() {
		snap, err := snapshotFromPath(path)
		if err != nil {
			return err
		}
		// Freshness is judged against the time of classification, as a
		// crawl judges it against the time of crawling.
		snap.StartedAt, snap.FinishedAt = now, now
		out = append(out, analyzer.Analyze(snap, cat))
	}
	if *asJSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printAssessments(c.Stdout, out)
}

// snapshotFromPath builds the snapshot a crawl would have made of saved pages.
func snapshotFromPath(path string) (egovbench.Snapshot, error) {
	st, err := os.Stat(path)
	if err != nil {
		return egovbench.Snapshot{}, fmt.Errorf("classify: %w", err)
	}
	snap := egovbench.Snapshot{TargetID: path, SitemapURLs: -1}
	if !st.IsDir() {
		p, err := pageFromFile(path, 0)
		if err != nil {
			return snap, err
		}
		snap.Pages = []egovbench.Page{p}
		return snap, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.IsDir() && (ext == ".html" || ext == ".htm") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return snap, fmt.Errorf("classify %s: %w", path, err)
	}
	if len(files) == 0 {
		return snap, fmt.Errorf("classify %s: no .html or .htm files in the folder", path)
	}
	// The homepage is index.html at the top of the folder when there is one.
	sort.SliceStable(files, func(i, j int) bool { return homeRank(path, files[i]) < homeRank(path, files[j]) })
	for i, f := range files {
		depth := 1
		if i == 0 {
			depth = 0
		}
		p, err := pageFromFile(f, depth)
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

func pageFromFile(path string, depth int) (egovbench.Page, error) {
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
	abs, err := filepath.Abs(path)
	if err != nil {
		return egovbench.Page{}, fmt.Errorf("classify %s: %w", path, err)
	}
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
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
