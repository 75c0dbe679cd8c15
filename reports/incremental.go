package reports

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
)

// An incremental report keeps what did not change: each site page and site
// figure is keyed by a hash of everything it is drawn from (its view or
// series, the templates, the program, language, zone and catalogue), and
// manifest.json in the report folder maps each file to its key. A later
// Write given that folder as Previous takes files whose key is unchanged
// from it instead of drawing them again. Pages about all sites change with
// every report and are always drawn.
//
// Keying a site page by its view still means reading the site's assessments
// in full, evidence and all, and building the view: most of an incremental
// report's work, for pages that almost all stay. So the manifest also keeps,
// per site, a stamp of everything the page is drawn from in which the
// assessments stand as their stored ids (see egovbench.SiteRecord.Stamp),
// with what the pages about all sites need of the view. A source that can
// read records brief (BriefSource) is asked for the full assessments only
// of the sites whose stamp moved; the others' pages are kept unread.

// manifestName is the manifest's file name in a report folder.
const manifestName = "manifest.json"

// manifestVersion changes when keys are computed differently.
const manifestVersion = 2

type manifest struct {
	Version int               `json:"version"`
	Files   map[string]string `json:"files"`
	// Sites maps a site's slug to its stamp and what the pages about all
	// sites read of its page's view.
	Sites map[string]siteEntry `json:"sites,omitempty"`
}

// siteEntry is what a report keeps of a site page it drew or kept: the
// site's stamp, and the parts of the page's view that other pages show.
type siteEntry struct {
	Stamp      string       `json:"stamp"`
	LastChange string       `json:"last_change"`
	Change     changeBody   `json:"change"`
	NewOutages []outageBody `json:"new_outages,omitempty"`
	// Figure says the page shows a figure (charts/site-<slug>.png).
	Figure bool `json:"figure,omitempty"`
}

// incremental decides, per file, whether it can be taken from the previous
// report, and records the keys of the new one.
type incremental struct {
	dir, prevDir string
	samePlace    bool // prevDir is dir: keeping a file means leaving it
	fp           []byte
	prev         map[string]string
	prevSites    map[string]siteEntry

	mu    sync.Mutex
	files map[string]string
	sites map[string]siteEntry
	kept  int
	// claimed holds, by target id, every target keepUnchanged has seen:
	// the entry of one whose page it kept unread, nil for the others.
	claimed map[string]*siteEntry
}

func newIncremental(dir, prevDir string, in *Input) (*incremental, error) {
	inc := &incremental{dir: dir, prevDir: prevDir, files: map[string]string{}, sites: map[string]siteEntry{},
		claimed: map[string]*siteEntry{}}
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
				inc.prev, inc.prevSites = m.Files, m.Sites
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
	return inc.keyWith(kind, vals, nil)
}

// keyWith is key, followed by what bin writes (when set): the long lists
// of a site stamp (a year of daily rollups) cost more through JSON than
// reading them from the store does.
func (inc *incremental) keyWith(kind string, vals []any, bin func(*stampWriter)) string {
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
	if bin != nil {
		w := stampWriter{h: h, buf: make([]byte, 0, 4096)}
		bin(&w)
		w.flush()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stampWriter writes values into a hash in a fixed binary form, each
// field in order and of fixed width or length-prefixed, so that two
// different lists never write the same bytes.
type stampWriter struct {
	h   io.Writer
	buf []byte
}

func (w *stampWriter) flush() {
	w.h.Write(w.buf)
	w.buf = w.buf[:0]
}

func (w *stampWriter) int(v int64) {
	w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(v))
	if len(w.buf) >= 4000 {
		w.flush()
	}
}

func (w *stampWriter) str(s string) {
	w.int(int64(len(s)))
	w.buf = append(w.buf, s...)
}

func (w *stampWriter) time(t time.Time) { w.int(t.Unix()); w.int(int64(t.Nanosecond())) }

func (w *stampWriter) float(f float64) { w.int(int64(math.Float64bits(f))) }

// mark ends a list.
func (w *stampWriter) mark() { w.str("\x00end") }

// The writers below write every field of their type: TestStampWritersCover
// fails when a type gains one they do not write.

func (w *stampWriter) rollup(r egovbench.Rollup) {
	w.str(r.TargetID)
	w.time(r.Start)
	for _, v := range []int64{int64(r.Checks), int64(r.Successes), int64(r.Blocked), int64(r.UpTime), int64(r.DownTime),
		int64(r.LatencySum), int64(r.LatencyMin), int64(r.LatencyMax), int64(r.LatencyP50), int64(r.LatencyP95)} {
		w.int(v)
	}
}

func (w *stampWriter) stagePoint(p egovbench.StagePoint) {
	w.str(p.TargetID)
	w.int(p.RunID)
	w.time(p.At)
	w.int(int64(p.Stage))
	w.float(p.Score)
}

func (w *stampWriter) outage(o egovbench.Outage) {
	w.str(o.TargetID)
	w.time(o.Start)
	w.time(o.End)
	w.str(string(o.Cause))
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

// recordSite notes a site's stamp and summary for the next report.
func (inc *incremental) recordSite(slug string, e siteEntry) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	inc.sites[slug] = e
}

// claim is true the first time it is asked about a target: only a target's
// first record may have its page kept unread.
func (inc *incremental) claim(id string) bool {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	if _, seen := inc.claimed[id]; seen {
		return false
	}
	inc.claimed[id] = nil
	return true
}

// keptBrief notes that a claimed target's page was kept unread.
func (inc *incremental) keptBrief(id string, e siteEntry) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	inc.claimed[id] = &e
}

// briefEntry is the entry of a target whose page was kept unread.
func (inc *incremental) briefEntry(id string) (siteEntry, bool) {
	if inc == nil {
		return siteEntry{}, false
	}
	inc.mu.Lock()
	defer inc.mu.Unlock()
	if e := inc.claimed[id]; e != nil {
		return *e, true
	}
	return siteEntry{}, false
}

// canKeepUnread says whether a brief pass could keep anything.
func (inc *incremental) canKeepUnread() bool { return inc != nil && len(inc.prevSites) > 0 }

// save writes the manifest, through a temporary file. It is written an
// entry at a time: marshalled whole, the manifest of a 20,000-site report
// (some 15 MB) took twice its size more at the report's peak.
func (inc *incremental) save() (err error) {
	tmp := filepath.Join(inc.dir, manifestName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	fmt.Fprintf(w, `{"version":%d,"files":`, manifestVersion)
	if err := writeJSONObject(w, inc.files); err != nil {
		return err
	}
	w.WriteString(`,"sites":`)
	if err := writeJSONObject(w, inc.sites); err != nil {
		return err
	}
	w.WriteString("}\n")
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(inc.dir, manifestName)); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// writeJSONObject writes m as a JSON object, keys in order as
// json.Marshal would.
func writeJSONObject[V any](w *bufio.Writer, m map[string]V) error {
	w.WriteByte('{')
	for k, key := range slices.Sorted(maps.Keys(m)) {
		if k > 0 {
			w.WriteByte(',')
		}
		kb, err := json.Marshal(key)
		if err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		vb, err := json.Marshal(m[key])
		if err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		w.Write(kb)
		w.WriteByte(':')
		w.Write(vb)
	}
	return w.WriteByte('}')
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
