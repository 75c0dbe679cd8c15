package main

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/schedule"
)

// TestServedReportNeverTruncated regenerates the report again and again,
// as the daemon does after each crawl, while readers hammer it through the
// daemon's HTTP handler and straight from the files. Every read must be a
// whole file of one report:
// status 200, HTML ending in </html>, PNGs that decode, a whole stylesheet.
func TestServedReportNeverTruncated(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "report.db")
	if err := genReportDB(ctx, dbPath, analyzer.DefaultCatalogue(), 8, 14); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	// The first report is written in place, as an older egovbench did: the
	// first publish must take it over.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "index.html"), []byte("<html>old</html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	report := func() {
		t.Helper()
		mustRun(t, ctx, "report", "--db", dbPath, "--out", out, "--lang", "en")
	}
	report()
	var files []string
	err := filepath.WalkDir(out+"/", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil || len(files) < 10 {
		t.Fatalf("report has %d files (%v)", len(files), err)
	}
	srv := httptest.NewServer(schedule.NewHandler(schedule.NewMetrics(), out))
	defer srv.Close()

	var (
		stop      atomic.Bool
		reads     atomic.Int64
		badMu     sync.Mutex
		bad       []string
		readersWG sync.WaitGroup
	)
	check := func(name string, status int, body []byte) string {
		switch {
		case status != http.StatusOK:
			return "status " + http.StatusText(status)
		case strings.HasSuffix(name, ".html"):
			if !bytes.HasSuffix(bytes.TrimSpace(body), []byte("</html>")) {
				return "html without its end"
			}
		case strings.HasSuffix(name, ".png"):
			if _, err := png.Decode(bytes.NewReader(body)); err != nil {
				return "png: " + err.Error()
			}
		case strings.HasSuffix(name, ".css"):
			if !bytes.HasSuffix(bytes.TrimSpace(body), []byte("}")) {
				return "css without its end"
			}
		default:
			if len(body) == 0 {
				return "empty"
			}
		}
		return ""
	}
	for r := range 2 {
		readersWG.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			client := srv.Client()
			for !stop.Load() {
				name := files[rng.IntN(len(files))]
				if rng.IntN(4) == 0 {
					name = "index.html"
				}
				resp, err := client.Get(srv.URL + "/" + name)
				if err != nil {
					badMu.Lock()
					bad = append(bad, name+": "+err.Error())
					badMu.Unlock()
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				reads.Add(1)
				if err != nil {
					badMu.Lock()
					bad = append(bad, name+": read: "+err.Error())
					badMu.Unlock()
					continue
				}
				if msg := check(name, resp.StatusCode, body); msg != "" {
					badMu.Lock()
					bad = append(bad, name+": "+msg)
					badMu.Unlock()
				}
			}
		})
	}
	// Readers of the files themselves (rsync, a browser on file://) read
	// far faster than HTTP, so they catch short windows too.
	for r := range 2 {
		readersWG.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 11))
			for !stop.Load() {
				name := files[rng.IntN(len(files))]
				if rng.IntN(4) == 0 {
					name = "index.html"
				}
				body, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
				reads.Add(1)
				status := http.StatusOK
				if err != nil {
					status = http.StatusNotFound
				}
				if msg := check(name, status, body); msg != "" {
					badMu.Lock()
					bad = append(bad, "file "+name+": "+msg)
					badMu.Unlock()
				}
			}
		})
	}
	const regenerations = 4
	for range regenerations {
		report()
	}
	stop.Store(true)
	readersWG.Wait()
	t.Logf("%d reads during %d regenerations, %d bad", reads.Load(), regenerations, len(bad))
	if len(bad) > 0 {
		t.Errorf("%d bad reads, e.g. %q", len(bad), bad[:min(5, len(bad))])
	}
	if reads.Load() < 50 {
		t.Errorf("only %d reads: the hammer did not hammer", reads.Load())
	}
	// Old versions are cleaned: the shown one and the one before remain.
	entries, err := os.ReadDir(filepath.Join(dir, ".report.versions"))
	if err != nil || len(entries) != 2 {
		t.Errorf("versions folder holds %d entries (%v), want 2", len(entries), err)
	}
	if fi, err := os.Lstat(out); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("%s is not a symbolic link to the shown report (%v)", out, err)
	}
}
