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

// checkInBrowser opens the synthetic report, hostile site included, in
// headless Chromium: every page loads, every chart loads and is not blank,
// no console errors, nothing from site content runs or is even blocked by
// the CSP (which would mean markup got through), internal links resolve.
// It keeps a screenshot of the English index as a test artefact.
func checkInBrowser(t *testing.T, dirs map[string]string, in Input) {
	for _, lang := range []string{"en", "id"} {
		t.Run(lang, func(t *testing.T) {
			dir := dirs[lang]
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
			if want := 3 + len(in.Targets); res.Pages != want {
				t.Errorf("opened %d pages, want %d", res.Pages, want)
			}
			if want := 11 + len(in.Targets); res.Images < want {
				t.Errorf("checked %d images, want at least %d", res.Images, want)
			}
			if want := len(in.Targets) + 3; res.Links < want {
				t.Errorf("checked %d internal links, want at least %d", res.Links, want)
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
