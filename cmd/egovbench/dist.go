package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/dist"
	"github.com/egovbench/egovbench/store"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsFlags are the settings of the distributed mode shared by the hub
// (crawl --nats) and the workers.
type natsFlags struct {
	url        string
	prefix     string
	shards     int
	lease      time.Duration
	maxDeliver int
	key        string
}

func (f *natsFlags) register(fs *flag.FlagSet) {
	usage := "NATS server `URL`(s), comma-separated, to take crawl jobs (or, with --probes, probe tasks) from"
	switch fs.Name() {
	case "crawl":
		usage = "NATS server `URL`(s), comma-separated: crawl through workers on many machines (egovbench worker)"
	case "probe":
		usage = "NATS server `URL`(s), comma-separated: probe every --every through probe workers on many machines (egovbench worker --probes), until stopped"
	}
	fs.StringVar(&f.url, "nats", "", usage)
	fs.StringVar(&f.prefix, "nats-prefix", dist.DefaultPrefix, "subject and stream prefix; one per database sharing a NATS server")
}

// registerHub adds the settings only the hub applies (it creates the
// streams and consumers with them).
func (f *natsFlags) registerHub(fs *flag.FlagSet) {
	fs.IntVar(&f.shards, "shards", dist.DefaultShards, "with --nats: politeness shards; one site of a shard is crawled at a time")
	fs.DurationVar(&f.lease, "lease", dist.DefaultLease, "with --nats: a job returns to the queue when its worker shows no sign of life for this long")
	fs.IntVar(&f.maxDeliver, "max-deliver", dist.DefaultMaxDeliver, "with --nats: attempts at one site before it is recorded as failed")
	fs.StringVar(&f.key, "politeness-key", string(dist.KeyDomain), "with --nats: sites sharing this are never crawled at once: domain (registrable domain) or host")
}

// validate checks the flags before anything is touched; a bad value is a
// usage error.
func (f *natsFlags) validate() error {
	if _, err := f.config(); err != nil {
		return usagef("%v", err)
	}
	if f.key != "" {
		if _, err := dist.ParseKeyBy(f.key); err != nil {
			return usagef("--politeness-key: %v", err)
		}
	}
	return nil
}

func (f *natsFlags) config() (dist.Config, error) {
	cfg := dist.Config{Prefix: f.prefix, Shards: f.shards, Lease: f.lease, MaxDeliver: f.maxDeliver}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("--nats: %w", err)
	}
	return cfg, nil
}

// connectNATS connects for good: the client reconnects for as long as the
// process lives, so a restarted server costs a pause, not the run.
func connectNATS(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond),
		nats.RetryOnFailedConnect(true), nats.ReconnectBufSize(64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("nats %s: %w", url, err)
	}
	return nc, js, nil
}

// hubRun is `crawl --nats`: it prepares (or resumes) the run like a local
// crawl, queues the pending sites for the workers and stores their results,
// as the only writer of the database.
func hubRun(ctx context.Context, env *Env, db *store.DB, targets []egovbench.Target, resume bool, nf natsFlags, settings crawlSettings) (summary, error) {
	sum := summary{Stages: map[egovbench.Stage]int{}}
	start := time.Now()
	cfg, err := nf.config()
	if err != nil {
		return sum, err
	}
	key, err := dist.ParseKeyBy(nf.key)
	if err != nil {
		return sum, fmt.Errorf("--politeness-key: %w", err)
	}
	host, _ := os.Hostname()
	release, err := db.AcquireLock(ctx, fmt.Sprintf("egovbench hub pid %d on %s", os.Getpid(), host), lockTTL)
	if err != nil {
		return sum, err
	}
	defer release()
	lockCtx, stopLock := context.WithCancel(ctx)
	defer stopLock()
	go func() {
		t := time.NewTicker(lockTTL / 4)
		defer t.Stop()
		for {
			select {
			case <-lockCtx.Done():
				return
			case <-t.C:
				if err := db.RefreshLock(lockCtx, lockTTL); err != nil && lockCtx.Err() == nil {
					env.Logger.Warn("hub: refresh lock", "err", err)
				}
			}
		}
	}()
	nc, js, err := connectNATS(nf.url, "egovbench hub")
	if err != nil {
		return sum, err
	}
	defer nc.Close()

	r, stored, err := startRun(ctx, env, db, targets, hubConfigJSON(settings, cfg, key), resume)
	if err != nil {
		return sum, err
	}
	// A resumed run goes on with the settings it was started with, so
	// that its record tells how every site of it was crawled.
	if rec, ok := recordedSettings(r.Config); ok && rec != settings {
		fmt.Fprintf(env.Stderr, "run %d goes on with the crawl settings it was started with (delay %s, max pages %d, render %s); the flags given now apply to the next run\n",
			r.ID, time.Duration(rec.Delay), rec.MaxPages, rec.Render)
		settings = rec
	}
	jobSettings, err := json.Marshal(settings)
	if err != nil {
		return sum, fmt.Errorf("crawl settings: %w", err)
	}
	ids, err := db.PendingTargets(ctx, r.ID)
	if err != nil {
		return sum, fmt.Errorf("pending targets: %w", err)
	}
	failed, err := db.FailedTargets(ctx, r.ID)
	if err != nil {
		return sum, err
	}
	byID := make(map[string]egovbench.Target, len(stored))
	for _, t := range stored {
		byID[t.ID] = t
	}
	var pending []egovbench.Target
	for _, id := range ids {
		t, ok := byID[id]
		if !ok {
			return sum, fmt.Errorf("run %d lists target %q, which is not stored: %w", r.ID, id, egovbench.ErrNotFound)
		}
		if _, ok := failed[id]; !ok {
			pending = append(pending, t)
		}
	}
	prog := newProgress(env.Stderr, env.Logger)
	prog.start(len(pending))
	nFailed, unrendered := 0, 0
	save := func(ctx context.Context, res dist.Result) error {
		for _, p := range res.Snapshot.Pages {
			if p.RenderError == crawler.RenderErrorNoBrowser {
				if unrendered == 0 {
					env.Logger.Warn("hub: a worker has no browser: pages it should render are read as static HTML (pages.render_error says so)", "site", res.TargetID)
				}
				unrendered++
				break
			}
		}
		if res.Failed == "" && (res.Snapshot.TargetID != res.TargetID || res.Snapshot.RunID != r.ID) {
			res.Failed = fmt.Sprintf("result names target %q of run %d", res.Snapshot.TargetID, res.Snapshot.RunID)
		}
		if res.Failed == "" {
			err := db.SaveCrawl(ctx, res.Snapshot, res.Assessment)
			if err == nil {
				sum.add(res.Snapshot, res.Assessment)
				prog.done(byID[res.TargetID], res.Snapshot, res.Assessment)
				return nil
			}
			if !errors.Is(err, egovbench.ErrInvalid) {
				return err // the database: stop, the result is delivered again
			}
			res.Failed = "result refused by the store: " + err.Error()
		}
		nFailed++
		env.Logger.Warn("hub: site failed for good", "site", res.TargetID, "attempts", res.Attempts, "reason", res.Failed)
		return db.RecordCrawlFailure(ctx, r.ID, res.TargetID, res.Attempts, res.Failed)
	}
	hub := &dist.Hub{JS: js, Config: cfg, Save: save, Key: key,
		Delay: time.Duration(settings.Delay), MaxTime: time.Duration(settings.SiteTimeout) + time.Minute, Settings: jobSettings,
		Log: func(level slog.Level, msg string, args ...any) { env.Logger.Log(ctx, level, "hub: "+msg, args...) }}
	st, err := hub.Run(ctx, r.ID, pending)
	prog.finish()
	sum.Duration = time.Since(start)
	per := int64(0)
	if n := st.Stored + st.Failed + st.Duplicates; n > 0 {
		per = st.WireBytes / int64(n)
	}
	env.Logger.Info("hub: done", "run", r.ID, "enqueued", st.Enqueued, "stored", st.Stored, "failed", st.Failed,
		"duplicates_dropped", st.Duplicates, "stale_dropped", st.Stale, "result_bytes", st.WireBytes, "result_bytes_per_site", per)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return sum, fmt.Errorf("run %d interrupted; `egovbench crawl --resume --nats ... --db ...` finishes it: %w", r.ID, err)
		}
		return sum, err
	}
	if nFailed > 0 {
		fmt.Fprintf(env.Stderr, "%d sites failed for good (see the crawl_failures table)\n", nFailed)
	}
	if unrendered > 0 {
		fmt.Fprintf(env.Stderr, "warning: run %d: %d sites had pages read as static HTML by a worker without a browser (pages.render_error)\n", r.ID, unrendered)
	}
	if err := db.FinishRun(context.WithoutCancel(ctx), r.ID, egovbench.RunDone); err != nil {
		return sum, fmt.Errorf("finish run: %w", err)
	}
	return sum, nil
}

// WorkerCommand takes crawl jobs from NATS, crawls and analyses each with
// the same code as a local crawl and sends the results to the hub; with
// --probes it takes uptime probe tasks (from probe --nats) instead and
// probes them with the same prober as a local probe round. Run any number
// of them on any number of machines, crawl and probe workers apart, so
// that a long crawl never holds a probe back. The crawl and probe settings
// (delay, budgets, render mode, User-Agent, timeouts) are the hub's,
// carried in each job or task; a worker's flags say only what its machine
// decides: how many sites at once, where it may connect and whom it
// trusts, its browser, its canaries.
type WorkerCommand struct{ *Env }

// hubCrawlFlags are the crawl flags that are the hub's in a distributed
// crawl: given to a worker they are a usage error that says so.
var hubCrawlFlags = []string{"delay", "max-pages", "max-depth", "max-page-bytes", "site-timeout", "request-timeout",
	"per-host", "user-agent", "render", "render-timeout"}

// workerOnlyFlags are the crawl flags that are each worker's in a
// distributed crawl: given to the hub they are a usage error.
var workerOnlyFlags = []string{"workers", "allow-private", "resolve", "ca-file", "browser", "render-tabs"}

// theHubs is a flag a worker refuses: it names where to set it instead.
type theHubs string

func (h theHubs) String() string { return "" }
func (h theHubs) Set(string) error {
	return fmt.Errorf("the hub's setting: pass --%s to `egovbench crawl --nats` (or, for probe workers, `egovbench probe --nats`), every worker crawls and probes with the hub's settings", string(h))
}

// Run implements command.
func (c *WorkerCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "worker", "--nats URL [flags]")
	var (
		cf         crawlFlags
		lf         logFlags
		nf         natsFlags
		maxJobTime time.Duration
	)
	fs.IntVar(&cf.workers, "workers", 16, "sites crawled at once (politeness still holds per key, across machines)")
	cf.registerEgress(fs)
	fs.StringVar(&cf.catalogue, "catalogue", "", "indicator catalogue file replacing or extending the embedded one; its version must be the hub's")
	fs.IntVar(&cf.renderTabs, "render-tabs", crawler.DefaultRenderTabs, "pages rendered at once at most (one shared browser)")
	fs.StringVar(&cf.browser, "browser", crawler.DefaultBrowserPath, "Chromium binary for the hub's --render (scripts/install-chromium.sh installs it)")
	for _, name := range hubCrawlFlags {
		fs.Var(theHubs(name), name, "not a worker flag: the hub's crawl setting, give it to crawl --nats")
	}
	lf.register(fs)
	nf.register(fs)
	fs.DurationVar(&maxJobTime, "max-job-time", 0, "give a site back after this long at most (default: the hub's --site-timeout plus 1m)")
	var (
		probes   bool
		canaries listFlag
		flush    time.Duration
	)
	fs.BoolVar(&probes, "probes", false, "take uptime probe tasks (from probe --nats) instead of crawl jobs")
	fs.Var(&canaries, "canary", "with --probes: URL that is up whenever this machine's network is, repeatable: when every canary fails, the probes of that flush period are this worker's fault and record no outage")
	fs.DurationVar(&flush, "probe-flush", dist.DefaultProbeFlush, "with --probes: probes are judged (was it this worker's network?) and sent together once per this period")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if nf.url == "" {
		return usagef("worker needs --nats URL")
	}
	if err := nf.validate(); err != nil {
		return err
	}
	if !probes && (len(canaries) > 0 || flush != dist.DefaultProbeFlush) {
		return usagef("--canary and --probe-flush are for probe workers (--probes)")
	}
	if flush <= 0 {
		return usagef("--probe-flush %v: must be positive", flush)
	}
	if err := lf.setup(c.Env); err != nil {
		return err
	}
	if probes {
		return probeWorker(ctx, c.Env, nf, cf, canaries, flush)
	}
	cfg, err := nf.config()
	if err != nil {
		return err
	}
	local, err := cf.crawlerConfig()
	if err != nil {
		return err
	}
	cat, err := loadCatalogue(cf.catalogue)
	if err != nil {
		return err
	}
	crawlers := &workerCrawlers{local: local, catalogue: cat.Version(),
		warn: func(msg string, args ...any) { c.Logger.Warn("worker: "+msg, args...) }}
	defer crawlers.closeAll()
	host, _ := os.Hostname()
	nc, js, err := connectNATS(nf.url, fmt.Sprintf("egovbench worker pid %d on %s", os.Getpid(), host))
	if err != nil {
		return err
	}
	defer nc.Close()
	w := &dist.Worker{JS: js, Config: cfg, Slots: cf.workers, MaxJobTime: maxJobTime,
		Crawl: func(ctx context.Context, job dist.Job) (dist.Crawled, error) {
			cr, release, err := crawlers.get(job.Settings)
			if err != nil {
				return dist.Crawled{}, err
			}
			defer release()
			snap, a, err := crawlSite(ctx, cr, cat, job.Run, job.Target)
			return dist.Crawled{Snapshot: snap, Assessment: a, NotBefore: notBefore(cr, job.Target, snap, time.Now())}, err
		},
		Log: func(level slog.Level, msg string, args ...any) { c.Logger.Log(ctx, level, "worker: "+msg, args...) }}
	c.Logger.Info("worker: started", "nats", nf.url, "slots", cf.workers)
	// A stop signal is how a worker is meant to end: jobs in hand go back
	// to the queue, and that is a clean exit.
	return w.Run(ctx)
}

// notBefore is when the next request to the site's hosts may start, by the
// crawler's manners: the delay, a robots.txt Crawl-delay or a Retry-After
// the site sent, counted from the end of its crawl.
func notBefore(cr *crawler.Crawler, t egovbench.Target, snap egovbench.Snapshot, ended time.Time) time.Time {
	var next time.Time
	seen := map[string]bool{}
	consider := func(raw string) {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" || seen[u.Hostname()] {
			return
		}
		seen[u.Hostname()] = true
		if n := cr.NextRequest(u.Hostname(), ended); n.After(next) {
			next = n
		}
	}
	consider(t.URL)
	for _, r := range snap.Redirects {
		consider(r)
	}
	for _, p := range snap.Pages {
		consider(p.URL)
		consider(p.FinalURL)
	}
	return next
}

// crawlSettings are what makes a run's crawl what it is. They are the
// hub's flags, carried in every job so that every worker crawls with them,
// and recorded in the run's config under the keys a local crawl uses.
type crawlSettings struct {
	UserAgent      string             `json:"user_agent"`
	MaxPages       int                `json:"max_pages"`
	MaxDepth       int                `json:"max_depth"`
	MaxPageBytes   int64              `json:"max_page_bytes"`
	SiteTimeout    jsonDuration       `json:"site_timeout"`
	RequestTimeout jsonDuration       `json:"request_timeout"`
	Delay          jsonDuration       `json:"delay"`
	PerHost        int                `json:"per_host"`
	Render         crawler.RenderMode `json:"render"`
	RenderTimeout  jsonDuration       `json:"render_timeout"`
	// Catalogue is the version of the indicator catalogue the run is
	// assessed with; a worker with another one refuses the job.
	Catalogue string `json:"catalogue_version"`
}

// settingsOf reads the settings out of a crawler configuration (defaults
// filled in).
func settingsOf(cfg crawler.Config, catalogueVersion string) crawlSettings {
	return crawlSettings{UserAgent: cfg.UserAgent, MaxPages: cfg.MaxPages, MaxDepth: cfg.MaxDepth,
		MaxPageBytes: cfg.MaxBytesPerPage, SiteTimeout: jsonDuration(cfg.SiteTimeout),
		RequestTimeout: jsonDuration(cfg.RequestTimeout), Delay: jsonDuration(cfg.Delay), PerHost: cfg.PerHostConcurrency,
		Render: cfg.Render, RenderTimeout: jsonDuration(cfg.RenderTimeout), Catalogue: catalogueVersion}
}

// apply returns the worker's own configuration with the run's settings.
func (s crawlSettings) apply(cfg crawler.Config) crawler.Config {
	cfg.UserAgent, cfg.MaxPages, cfg.MaxDepth, cfg.MaxBytesPerPage = s.UserAgent, s.MaxPages, s.MaxDepth, s.MaxPageBytes
	cfg.SiteTimeout, cfg.RequestTimeout, cfg.Delay = time.Duration(s.SiteTimeout), time.Duration(s.RequestTimeout), time.Duration(s.Delay)
	cfg.ProbeTimeout = 0 // the request timeout, as in a local crawl
	cfg.PerHostConcurrency, cfg.Render, cfg.RenderTimeout = s.PerHost, s.Render, time.Duration(s.RenderTimeout)
	return cfg
}

// hubConfigJSON is the run's config of a distributed crawl: the crawl
// settings under the keys of a local crawl's, and the distributed ones.
// Where the workers' flags decide (sites at once, egress, the browser) it
// says so rather than guess.
func hubConfigJSON(s crawlSettings, cfg dist.Config, key dist.KeyBy) string {
	b, _ := json.Marshal(s)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	for k, v := range map[string]any{"mode": "nats", "nats_prefix": cfg.Prefix, "shards": cfg.Shards,
		"lease": cfg.Lease.String(), "max_deliver": cfg.MaxDeliver, "politeness_key": string(key), "workers": "per worker"} {
		m[k] = v
	}
	out, _ := json.Marshal(m)
	return string(out)
}

// recordedSettings reads the crawl settings back from a run's config; ok
// is false for a run recorded without them (a local run, or a hub of an
// earlier version).
func recordedSettings(config string) (crawlSettings, bool) {
	var s crawlSettings
	var m map[string]any
	if json.Unmarshal([]byte(config), &m) != nil || m["mode"] != "nats" {
		return s, false
	}
	if json.Unmarshal([]byte(config), &s) != nil || s.UserAgent == "" || s.MaxPages <= 0 {
		return s, false
	}
	return s, true
}

// jsonDuration is a duration written as Go writes it ("1.5s"), as the
// run configs have always recorded them.
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = jsonDuration(v)
	return nil
}

// workerCrawlers keeps a worker's crawler for the settings of the run it
// works on: jobs of one run share one crawler (its per-host gate, robots
// cache and browser), and a run with other settings gets its own.
type workerCrawlers struct {
	local     crawler.Config // the worker's egress, CA and browser
	catalogue string
	warn      func(msg string, args ...any)

	mu   sync.Mutex
	byKs map[string]*workerCrawler
}

type workerCrawler struct {
	cr    *crawler.Crawler
	users int
	used  time.Time
}

// keepCrawlers is how many crawlers of other settings are kept while idle:
// a worker serves one run at a time, or two while one ends.
const keepCrawlers = 2

// get returns the crawler for a job's settings, and a release to call when
// the crawl is done.
func (wc *workerCrawlers) get(raw json.RawMessage) (*crawler.Crawler, func(), error) {
	if len(raw) == 0 {
		return nil, nil, errors.New("the job carries no crawl settings: its hub is of an earlier version than this worker")
	}
	var s crawlSettings
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, nil, fmt.Errorf("the job's crawl settings: %w", err)
	}
	if s.Catalogue != wc.catalogue {
		return nil, nil, fmt.Errorf("the run is assessed with catalogue %q, this worker has %q: start it with the hub's --catalogue", s.Catalogue, wc.catalogue)
	}
	key := string(raw)
	wc.mu.Lock()
	defer wc.mu.Unlock()
	if wc.byKs == nil {
		wc.byKs = map[string]*workerCrawler{}
	}
	c := wc.byKs[key]
	if c == nil {
		cr, err := crawler.New(s.apply(wc.local))
		if err != nil {
			return nil, nil, fmt.Errorf("the job's crawl settings: %w", err)
		}
		if why := cr.RenderFallback(); why != "" {
			wc.warn(why)
		}
		c = &workerCrawler{cr: cr}
		wc.byKs[key] = c
		wc.evictLocked()
	}
	c.users++
	c.used = time.Now()
	return c.cr, func() {
		wc.mu.Lock()
		defer wc.mu.Unlock()
		c.users--
		c.used = time.Now()
	}, nil
}

// evictLocked closes the idle crawlers of other settings beyond
// keepCrawlers, least recently used first.
func (wc *workerCrawlers) evictLocked() {
	for len(wc.byKs) > keepCrawlers {
		var oldest string
		for k, c := range wc.byKs {
			if c.users == 0 && (oldest == "" || c.used.Before(wc.byKs[oldest].used)) {
				oldest = k
			}
		}
		if oldest == "" {
			return // all busy: closed later
		}
		wc.byKs[oldest].cr.Close()
		delete(wc.byKs, oldest)
	}
}

func (wc *workerCrawlers) closeAll() {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	for k, c := range wc.byKs {
		c.cr.Close()
		delete(wc.byKs, k)
	}
}
