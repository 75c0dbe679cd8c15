package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// An incremental report keeps what did not change: each site page and site
// figure is keyed by a hash of everything it is drawn from (its view or
// series, the templates, the program, language, zone and catalogue), and
// manifest.json in the report folder maps each file to its key. A later
// Write given that folder as Previous takes files whose key is unchanged
// from it instead of drawing them again. Pages about all sites change with
// every report and are always drawn.

// manifestName is the manifest's file name in a report folder.
const manifestName = "manifest.json"

// manifestVersion changes when keys are computed differently.
const manifestVersion = 1

type manifest struct {
	Version int               `json:"version"`
	Files   map[string]string `json:"files"`
}

// incremental decides, per file, whether it can be taken from the previous
// report, and records the keys of the new one.
type incremental struct {
	dir, prevDir string
	samePlace    bool // prevDir is dir: keeping a file means leaving it
	fp           []byte
	prev         map[string]string

	mu    sync.Mutex
	files map[string]string
	kept  int
}

func newIncremental(dir, prevDir string, in *Input) (*incremental, error) {
	inc := &incremental{dir: dir, prevDir: prevDir, files: map[string]string{}}
	fp, err := fingerprint(in)
	if err != nil {
		return nil, err
	}
	inc.fp = fp
	if prevDir != "" {
		a, errA := filepath.Abs(dir)
		b, errB := filepath.Abs(prevDir)
		inc.samePlace = errA == nil && errB == nil && a == b
		// A missing or unreadable manifest only means drawing everything.
		if raw, err := os.ReadFile(filepath.Join(prevDir, manifestName)); err == nil {
			var m manifest
			if json.Unmarshal(raw, &m) == nil && m.Version == manifestVersion {
				inc.prev = m.Files
			}
		}
	}
	// The manifest in dir describes files this Write is about to replace:
	// it goes now, and the new one is written only once every file is, so
	// an interrupted report leaves no manifest that could vouch for a file
	// it did not finish.
	if err := os.Remove(filepath.Join(dir, manifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove old manifest: %w", err)
	}
	return inc, nil
}

// fingerprint hashes what every file depends on besides its own data: the
// embedded templates and stylesheet, the program (by its file's identity:
// any rebuild redraws everything), the language, zone and catalogue.
func fingerprint(in *Input) ([]byte, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v%d\x00%s\x00%s\x00%s\x00", manifestVersion, in.Lang, in.location(), in.CatalogueVersion)
	err := fs.WalkDir(assets, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fingerprint templates: %w", err)
	}
	exe, err := os.Executable()
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(exe); err == nil {
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	if err != nil {
		// Without the program's identity no file may be kept: a new build
		// could draw the same data differently.
		fmt.Fprintf(h, "unknown program\x00%p", h)
	}
	return h.Sum(nil), nil
}

// key hashes a file's data; "" (never kept) when it cannot be encoded.
func (inc *incremental) key(kind string, vals ...any) string {
	if inc == nil {
		return ""
	}
	h := sha256.New()
	h.Write(inc.fp)
	io.WriteString(h, kind)
	enc := json.NewEncoder(h)
	for _, v := range vals {
		if err := enc.Encode(v); err != nil {
			return ""
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// keep takes name from the previous report when its key is unchanged.
func (inc *incremental) keep(name, key string) bool {
	if inc == nil || key == "" || inc.prev[name] != key {
		return false
	}
	dst := filepath.Join(inc.dir, name)
	if inc.samePlace {
		st, err := os.Stat(dst)
		return err == nil && st.Mode().IsRegular()
	}
	src := filepath.Join(inc.prevDir, name)
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if os.Link(src, dst) == nil {
		return true
	}
	return copyFile(src, dst) == nil
}

// record notes the key of a file drawn or kept.
func (inc *incremental) record(name, key string, kept bool) {
	if inc == nil || key == "" {
		return
	}
	inc.mu.Lock()
	defer inc.mu.Unlock()
	inc.files[name] = key
	if kept {
		inc.kept++
	}
}

// save writes the manifest, through a temporary file.
func (inc *incremental) save() error {
	raw, err := json.Marshal(manifest{Version: manifestVersion, Files: inc.files})
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	tmp := filepath.Join(inc.dir, manifestName+".tmp")
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(inc.dir, manifestName)); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	_, err = io.Copy(out, in)
	return err
}

// job is one file to write: a page or a chart, with its incremental key
// ("" = always draw).
type job struct {
	name, key string
	draw      func(path string) error
}

// pool draws jobs on GOMAXPROCS workers (charts and pages are CPU-bound, so
// more would only contend) fed through a bounded queue: a producer streaming
// 20,000 sites waits for the writers instead of queueing every page in
// memory. The first error stops the rest; a panic inside gonum on odd data
// becomes an error.
//
// The queue holds poolQueue jobs, not a couple per worker: a site with a
// figure costs the workers several times what a steady one (a page only)
// does, while reading and building a site costs the producer about the
// same either way, so over a run of steady sites the workers outpace the
// producer. A deep queue, filled while they draw figures, carries them
// through such runs; with two per worker they waited for jobs 17 % of the
// site pass (7.4 of 47 worker-seconds, 2,000-site BenchmarkReportCommand20k),
// with 64 under 2 %. Queued jobs hold a page's view or a figure's series, a
// few tens of kilobytes each.
type pool struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	inc    *incremental
	ch     chan job
	wg     sync.WaitGroup
	once   sync.Once
	first  error
	closed bool
}

// poolQueue is how many jobs wait for a worker at most (see pool).
const poolQueue = 64

func newPool(ctx context.Context, dir string, inc *incremental) *pool {
	workers := max(1, runtime.GOMAXPROCS(0))
	p := &pool{parent: ctx, dir: dir, inc: inc, ch: make(chan job, poolQueue)}
	p.ctx, p.cancel = context.WithCancel(ctx)
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for j := range p.ch {
				if p.ctx.Err() != nil {
					continue
				}
				if err := p.run(j); err != nil {
					p.fail(err)
				}
			}
		}()
	}
	return p
}

func (p *pool) run(j job) error {
	if p.inc.keep(j.name, j.key) {
		p.inc.record(j.name, j.key, true)
		return nil
	}
	if err := runJob(p.dir, chartJob{name: j.name, draw: j.draw}); err != nil {
		return err
	}
	p.inc.record(j.name, j.key, false)
	return nil
}

func (p *pool) fail(err error) {
	p.once.Do(func() { p.first = err; p.cancel() })
}

// submit queues a job, waiting while the queue is full; it fails once a
// job has failed or the context is done.
func (p *pool) submit(j job) error {
	select {
	case p.ch <- j:
		return nil
	case <-p.ctx.Done():
		return p.err()
	}
}

func (p *pool) err() error {
	// fail sets first before it cancels, and Done closes after cancel.
	if p.first != nil {
		return p.first
	}
	return p.parent.Err()
}

// wait finishes the queued jobs and returns the first error.
func (p *pool) wait() error {
	if !p.closed {
		p.closed = true
		close(p.ch)
	}
	p.wg.Wait()
	p.cancel()
	if p.first != nil {
		return p.first
	}
	return p.parent.Err()
}
