package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/store"
)

// crawlFlags are the crawl budgets and manners shared by crawl, probe and demo.
type crawlFlags struct {
	workers        int
	maxPages       int
	maxDepth       int
	maxPageBytes   int64
	siteTimeout    time.Duration
	requestTimeout time.Duration
	probeTimeout   time.Duration // uptime probes; 0: requestTimeout (schedule sets it from probe.timeout)
	delay          time.Duration
	perHost        int
	userAgent      string
	allowPrivate   bool
	resolve        resolveFlag
	caFile         string
	catalogue      string
	render         string
	renderTabs     int
	renderTimeout  time.Duration
	browser        string
}

func (f *crawlFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.workers, "workers", 16, "sites crawled at once (politeness still holds per host)")
	fs.IntVar(&f.maxPages, "max-pages", crawler.DefaultMaxPages, "pages fetched per site at most")
	fs.IntVar(&f.maxDepth, "max-depth", crawler.DefaultMaxDepth, "links followed from the homepage at most")
	fs.Int64Var(&f.maxPageBytes, "max-page-bytes", crawler.DefaultMaxBytesPerPage, "bytes kept of one page at most (larger pages are truncated)")
	fs.DurationVar(&f.siteTimeout, "site-timeout", crawler.DefaultSiteTimeout, "wall time allowed for one site")
	fs.DurationVar(&f.requestTimeout, "request-timeout", crawler.DefaultRequestTimeout, "longest silence allowed of a server: until the response headers, then within a body (not the whole body)")
	fs.DurationVar(&f.delay, "delay", crawler.DefaultDelay, "pause between two requests to the same host")
	fs.IntVar(&f.perHost, "per-host", 1, "requests in flight per host at most")
	f.registerNet(fs)
	fs.StringVar(&f.catalogue, "catalogue", "", "indicator catalogue file replacing or extending the embedded one")
	fs.StringVar(&f.render, "render", string(crawler.RenderAuto), "open pages in headless Chromium: never, auto (pages whose static HTML is a script shell) or always")
	fs.IntVar(&f.renderTabs, "render-tabs", crawler.DefaultRenderTabs, "pages rendered at once at most (one shared browser)")
	fs.DurationVar(&f.renderTimeout, "render-timeout", crawler.DefaultRenderTimeout, "wall time allowed to render one page")
	fs.StringVar(&f.browser, "browser", crawler.DefaultBrowserPath, "Chromium binary for --render (scripts/install-chromium.sh installs it)")
}

// registerProbe registers only what an uptime probe uses: one request per
// target, so no page budgets, delays or catalogue.
func (f *crawlFlags) registerProbe(fs *flag.FlagSet) {
	fs.IntVar(&f.workers, "workers", 16, "targets probed at once")
	fs.DurationVar(&f.requestTimeout, "request-timeout", crawler.DefaultRequestTimeout, "time allowed for one probe")
	fs.Int64Var(&f.maxPageBytes, "max-page-bytes", crawler.DefaultMaxBytesPerPage, "bytes read of the homepage at most")
	f.registerNet(fs)
}

// registerNet registers how requests identify themselves and where they may go.
func (f *crawlFlags) registerNet(fs *flag.FlagSet) {
	fs.StringVar(&f.userAgent, "user-agent", crawler.DefaultUserAgent, "User-Agent sent; must carry a contact URL")
	f.registerEgress(fs)
}

// registerEgress registers where requests may go and whom they trust: a
// machine's own business, so a worker's, never the hub's.
func (f *crawlFlags) registerEgress(fs *flag.FlagSet) {
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "allow private, loopback and link-local addresses (tests and the demo fleet)")
	fs.Var(&f.resolve, "resolve", "HOST:PORT=IP:PORT, repeatable: connect to IP:PORT for HOST:PORT, like curl --resolve; @FILE reads one per line")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM file of extra CA certificates to trust (added to the system roots)")
}

// crawlerConfig turns the flags into a crawler configuration.
func (f *crawlFlags) crawlerConfig() (crawler.Config, error) {
	mode, err := crawler.ParseRenderMode(f.render)
	if err != nil {
		return crawler.Config{}, fmt.Errorf("--render: %w", err)
	}
	cfg := crawler.Config{
		Render:             mode,
		RenderTabs:         f.renderTabs,
		RenderTimeout:      f.renderTimeout,
		BrowserPath:        f.browser,
		UserAgent:          f.userAgent,
		MaxPages:           f.maxPages,
		MaxDepth:           f.maxDepth,
		MaxBytesPerPage:    f.maxPageBytes,
		SiteTimeout:        f.siteTimeout,
		RequestTimeout:     f.requestTimeout,
		ProbeTimeout:       f.probeTimeout,
		Delay:              f.delay,
		PerHostConcurrency: f.perHost,
		AllowPrivate:       f.allowPrivate,
		Resolve:            f.resolve.m,
	}
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return cfg, fmt.Errorf("--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, fmt.Errorf("--ca-file %s: no PEM certificate found", f.caFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// loadCatalogue returns the embedded catalogue or the user's.
func loadCatalogue(path string) (*analyzer.Catalogue, error) {
	if path == "" {
		return analyzer.DefaultCatalogue(), nil
	}
	c, err := analyzer.LoadCatalogue(path)
	if err != nil {
		return nil, fmt.Errorf("--catalogue: %w", err)
	}
	return c, nil
}

// runConfigJSON records how a run was made, so it can be explained later:
// with the render mode asked for and, when no browser was found, the
// fallback to static reading.
func runConfigJSON(cr *crawler.Crawler, workers int, catalogueVersion string) string {
	cfg := cr.Config()
	b, _ := json.Marshal(map[string]any{
		"render": cfg.Render, "render_fallback": cr.RenderFallback(),
		"user_agent": cfg.UserAgent, "max_pages": cfg.MaxPages, "max_depth": cfg.MaxDepth,
		"max_page_bytes": cfg.MaxBytesPerPage, "site_timeout": cfg.SiteTimeout.String(),
		"request_timeout": cfg.RequestTimeout.String(), "delay": cfg.Delay.String(),
		"per_host": cfg.PerHostConcurrency, "workers": workers, "allow_private": cfg.AllowPrivate,
		"catalogue_version": catalogueVersion,
	})
	return string(b)
}

// resolveFlag collects --resolve HOST:PORT=IP:PORT.
type resolveFlag struct{ m map[string]string }

func (r *resolveFlag) String() string {
	var parts []string
	for k, v := range r.m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

// Set adds one HOST:PORT=IP:PORT, or with @FILE every such line of FILE
// (blank lines and # comments skipped): a fleet has hundreds of names, too
// many for a command line.
func (r *resolveFlag) Set(s string) error {
	if path, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := r.set(line); err != nil {
				return fmt.Errorf("%s line %d: %w", path, i+1, err)
			}
		}
		return nil
	}
	return r.set(s)
}

func (r *resolveFlag) set(s string) error {
	from, to, ok := strings.Cut(s, "=")
	if !ok || from == "" || to == "" {
		return fmt.Errorf("want HOST:PORT=IP:PORT, got %q", s)
	}
	if r.m == nil {
		r.m = map[string]string{}
	}
	r.m[from] = to
	return nil
}

// readTargets parses a targets file; errors name the file, line and column.
func readTargets(path string) ([]egovbench.Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	defer f.Close()
	ts, err := egovbench.ParseTargets(f)
	if err != nil {
		return nil, fmt.Errorf("targets %s: %w", path, err)
	}
	return ts, nil
}

// CrawlCommand crawls the sites of a targets file as one run.
type CrawlCommand struct{ *Env }

// Run implements command.
func (c *CrawlCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "crawl", "--targets FILE --db FILE [flags]")
	var (
		targetsPath, dbPath string
		resume              bool
		cf                  crawlFlags
		lf                  logFlags
	)
	fs.StringVar(&targetsPath, "targets", "", "targets file (CSV: name,url[,id,level,region,parent,country,lang])")
	fs.StringVar(&dbPath, "db", "", "SQLite database (created if missing)")
	fs.BoolVar(&resume, "resume", false, "finish the interrupted run instead of starting a new one")
	cf.register(fs)
	lf.register(fs)
	var nf natsFlags // distributed mode (dist.go)
	nf.register(fs)
	nf.registerHub(fs)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if dbPath == "" || (targetsPath == "" && !resume) {
		return usagef("crawl needs --db and --targets (or --resume)")
	}
	if err := lf.setup(c.Env); err != nil {
		return err
	}
	if nf.url != "" {
		if err := nf.validate(); err != nil {
			return err
		}
		// Where a worker connects, whom it trusts, how many sites it takes
		// and its browser are its machine's business: the hub's flags would
		// be silently ignored.
		var misplaced error
		fs.Visit(func(f *flag.Flag) {
			if misplaced == nil && slices.Contains(workerOnlyFlags, f.Name) {
				misplaced = usagef("crawl --nats: --%s is each worker's: pass it to `egovbench worker`", f.Name)
			}
		})
		if misplaced != nil {
			return misplaced
		}
	}
	// Everything that can be wrong with the input is checked before the
	// database is touched: a bad targets file writes nothing.
	var targets []egovbench.Target
	if targetsPath != "" {
		var err error
		if targets, err = readTargets(targetsPath); err != nil {
			return err
		}
	}
	ccfg, err := cf.crawlerConfig()
	if err != nil {
		return err
	}
	cat, err := loadCatalogue(cf.catalogue)
	if err != nil {
		return err
	}
	cr, err := crawler.New(ccfg)
	if err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if nf.url != "" {
		cr.Close() // the hub crawls nothing: its workers do, with its settings
		sum, err := hubRun(ctx, c.Env, db, targets, resume, nf, settingsOf(cr.Config(), cat.Version()))
		fmt.Fprintln(c.Stdout, sum)
		return err
	}
	sum, err := crawlRun(ctx, c.Env, db, cr, cat, targets, runConfigJSON(cr, cf.workers, cat.Version()), cf.workers, resume)
	fmt.Fprintln(c.Stdout, sum)
	return err
}

// crawlRun stores the targets, prepares (or resumes) a run and runs the pipeline.
// The run covers the targets given, or every stored target when none are.
func crawlRun(ctx context.Context, env *Env, db *store.DB, cr *crawler.Crawler, cat *analyzer.Catalogue,
	targets []egovbench.Target, config string, workers int, resume bool) (summary, error) {
	defer cr.Close() // the browser, if one was started, is not kept between runs
	r, stored, err := startRun(ctx, env, db, targets, config, resume)
	if err != nil {
		return summary{}, err
	}
	if why := cr.RenderFallback(); why != "" {
		fmt.Fprintf(env.Stderr, "warning: run %d: %s\n", r.ID, why)
	}
	p := &pipeline{db: db, crawler: cr, catalogue: cat, workers: workers,
		progress: newProgress(env.Stderr, env.Logger)}
	sum, err := p.run(ctx, r, stored)
	if errors.Is(err, context.Canceled) {
		return sum, fmt.Errorf("run %d interrupted; `egovbench crawl --resume --db ...` finishes it: %w", r.ID, err)
	}
	return sum, err
}

// startRun stores the targets and prepares (or resumes) a run over them, or
// over every stored target when none are given; it returns the run and
// every stored target. The local pipeline and the hub both start here.
func startRun(ctx context.Context, env *Env, db *store.DB, targets []egovbench.Target, config string, resume bool) (egovbench.Run, []egovbench.Target, error) {
	if len(targets) > 0 {
		if err := db.UpsertTargets(ctx, targets); err != nil {
			return egovbench.Run{}, nil, fmt.Errorf("store targets: %w", err)
		}
	}
	// A resumed run may name targets today's file no longer lists: look
	// them up among all stored targets.
	stored, err := db.Targets(ctx)
	if err != nil {
		return egovbench.Run{}, nil, err
	}
	if len(targets) == 0 {
		targets = stored
	}
	r, err := prepareRun(ctx, db, targets, config, resume, env.Stderr)
	if err != nil {
		return egovbench.Run{}, nil, err
	}
	return r, stored, nil
}
