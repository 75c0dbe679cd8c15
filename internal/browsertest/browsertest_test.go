package browsertest

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writePNG(t *testing.T, dir, name string, striped bool) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 64; x++ {
			c := color.RGBA{255, 255, 255, 255}
			if striped {
				c = color.RGBA{uint8(x * 4), uint8(y * 8), 128, 255}
			}
			img.Set(x, y, c)
		}
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'self'">`

func check(t *testing.T, dir string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, err := Check(ctx, dir)
	if errors.Is(err, ErrNoChromium) {
		t.Fatalf("%v (the browser tests need it; they do not skip)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// has reports whether some line of list mentions every fragment.
func has(list []string, frags ...string) bool {
	for _, s := range list {
		ok := true
		for _, f := range frags {
			ok = ok && strings.Contains(s, f)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestCheckCleanSite(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "chart.png", true)
	// Chromium asks for a favicon (at a moment of its choosing); a clean
	// site has one.
	writePNG(t, dir, "favicon.png", true)
	const icon = `<link rel="icon" href="/favicon.png">`
	writeFile(t, dir, "index.html", `<!DOCTYPE html><html lang="en"><head>`+csp+icon+`<title>a</title></head><body>
<h1 id="top">A</h1><img src="chart.png" alt="a chart"><a href="sub/b.html#x">b</a><a href="https://example.invalid/">out</a></body></html>`)
	writeFile(t, dir, "sub/b.html", `<!DOCTYPE html><html lang="en"><head>`+csp+icon+`<title>b</title></head><body><p id="x">B</p><a href="../index.html#top">back</a></body></html>`)
	res := check(t, dir)
	if !res.OK() {
		t.Fatalf("clean site reported problems:\n%s", strings.Join(res.Problems(), "\n"))
	}
	if res.Pages != 2 || res.Images != 1 || res.Links != 2 {
		t.Errorf("pages=%d images=%d links=%d, want 2, 1, 2", res.Pages, res.Images, res.Links)
	}
}

func TestCheckFindsProblems(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, dir, "blank.png", false)
	pages := map[string]string{
		// No CSP here: the script runs and must be caught by the canary.
		"pwned.html": `<!DOCTYPE html><html lang="en"><head><title>p</title></head><body><script>window.__pwned=1</script></body></html>`,
		"alert.html": `<!DOCTYPE html><html lang="en"><head><title>p</title></head><body><script>alert("xss")</script></body></html>`,
		"error.html": `<!DOCTYPE html><html lang="en"><head><title>p</title></head><body><script>console.error("boom"); undefinedFn();</script></body></html>`,
		// With the CSP the injected script is blocked, which must still be reported.
		"blocked.html": `<!DOCTYPE html><html lang="en"><head>` + csp + `<title>p</title></head><body><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1" alt="x"></body></html>`,
		"images.html":  `<!DOCTYPE html><html lang="en"><head>` + csp + `<title>p</title></head><body><img src="missing.png" alt="m"><img src="blank.png" alt="b"><img src="blank.png"></body></html>`,
		"links.html":   `<!DOCTYPE html><html lang="en"><head>` + csp + `<title>p</title></head><body><a href="nowhere.html">n</a><a href="links.html#nope">f</a></body></html>`,
	}
	for name, body := range pages {
		writeFile(t, dir, name, body)
	}
	res := check(t, dir)
	for _, c := range []struct {
		what  string
		list  []string
		frags []string
	}{
		{"canary", res.ScriptRuns, []string{"/pwned.html", "__pwned"}},
		{"dialog", res.ScriptRuns, []string{"/alert.html", "xss"}},
		{"console.error", res.ConsoleErrors, []string{"/error.html", "boom"}},
		{"exception", res.ConsoleErrors, []string{"/error.html", "undefinedFn"}},
		{"csp script", res.CSPViolations, []string{"/blocked.html", "script-src"}},
		{"missing image", res.BrokenImages, []string{"/images.html", "missing.png", "did not load"}},
		{"blank image", res.BrokenImages, []string{"/images.html", "blank.png", "blank"}},
		{"no alt", res.BrokenImages, []string{"/images.html", "blank.png", "no alt"}},
		{"missing page", res.BrokenLinks, []string{"/links.html", "nowhere.html", "404"}},
		{"missing id", res.BrokenLinks, []string{"/links.html", "#nope"}},
		{"404 load", res.FailedLoads, []string{"/images.html", "missing.png", "404"}},
	} {
		if !has(c.list, c.frags...) {
			t.Errorf("%s not reported; want a line with %q in %q", c.what, c.frags, c.list)
		}
	}
	if has(res.ScriptRuns, "/blocked.html") {
		t.Errorf("CSP-blocked script reported as run: %q", res.ScriptRuns)
	}
}

func TestScreenshot(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "index.html", `<!DOCTYPE html><html lang="en"><head><title>s</title></head><body><h1>Screenshot</h1></body></html>`)
	srv := Serve(dir)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := Screenshot(ctx, srv.URL+"/index.html", out); err != nil {
		if errors.Is(err, ErrNoChromium) {
			t.Fatalf("%v (the browser tests need it; they do not skip)", err)
		}
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w != 1280 {
		t.Errorf("screenshot width %d, want 1280", w)
	}
	// An absolute file path opens as file://.
	if err := Screenshot(ctx, filepath.Join(dir, "index.html"), out); err != nil {
		t.Errorf("screenshot of a file path: %v", err)
	}
}
