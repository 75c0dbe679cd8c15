package reports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench/internal/browsertest"
)

// artifactDir is where test artefacts (the index screenshot) are kept:
// $EGOVBENCH_ARTIFACTS when set, so CI can publish them, else a temp dir.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("EGOVBENCH_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestReportInBrowser opens the synthetic report, hostile site included, in
// headless Chromium: every page loads, every chart loads and is not blank,
// no console errors, nothing from site content runs or is even blocked by
// the CSP (which would mean markup got through), internal links resolve.
func TestReportInBrowser(t *testing.T) {
	for _, lang := range []string{"en", "id"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			in := testInput()
			in.Lang = lang
			if err := Write(context.Background(), dir, in); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res, err := browsertest.Check(ctx, dir)
			if errors.Is(err, browsertest.ErrNoChromium) {
				t.Fatalf("%v (the browser test does not skip)", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if p := res.Problems(); len(p) > 0 {
				t.Errorf("report has %d problems:\n%s", len(p), strings.Join(p, "\n"))
			}
			wantPages := 3 + len(in.Targets)
			if res.Pages != wantPages {
				t.Errorf("opened %d pages, want %d", res.Pages, wantPages)
			}
			if res.Images < 11+len(in.Targets) {
				t.Errorf("checked %d images, want at least %d", res.Images, 11+len(in.Targets))
			}
			if res.Links < len(in.Targets)+3 {
				t.Errorf("checked %d internal links, want at least %d", res.Links, len(in.Targets)+3)
			}
			if lang != "en" {
				return
			}
			srv := browsertest.Serve(dir)
			defer srv.Close()
			shot := filepath.Join(artifactDir(t), "report-index.png")
			if err := browsertest.Screenshot(ctx, srv.URL+"/index.html", shot); err != nil {
				t.Fatal(err)
			}
			t.Logf("index screenshot: %s", shot)
		})
	}
}
