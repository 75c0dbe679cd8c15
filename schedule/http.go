package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"
)

// NewHandler serves GET /healthz (JSON Health), GET /metrics (Prometheus
// text format) and the files under reportDir at / (index.html for
// directories). Paths cannot leave reportDir: the directory is opened as an
// os.Root per request, which refuses ".." and symlinks pointing outside,
// and names starting with a dot are not served.
func NewHandler(m *Metrics, reportDir string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		body, err := json.MarshalIndent(m.Health(), "", "  ")
		if err != nil {
			http.Error(w, "encode health", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(append(body, '\n'))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := m.WritePrometheus(&buf); err != nil {
			http.Error(w, "write metrics", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(buf.Bytes())
	})
	mux.Handle("GET /", reportFiles{dir: reportDir})
	return mux
}

type reportFiles struct{ dir string }

func (f reportFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if strings.HasPrefix(seg, ".") {
			http.NotFound(w, r)
			return
		}
	}
	// Opened per request because reports may replace the whole directory
	// after a crawl; a handle kept open would serve the old one.
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		http.Error(w, "no report yet", http.StatusNotFound)
		return
	}
	defer root.Close()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.FileServerFS(notFoundFS{root.FS()}).ServeHTTP(w, r)
}

// notFoundFS reports a refused path (a symlink leading out of the root) as
// not found rather than as the server error http.FileServer would make of it.
type notFoundFS struct{ fs.FS }

func (f notFoundFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, err
}
