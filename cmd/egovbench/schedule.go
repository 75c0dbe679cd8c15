package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/schedule"
	"github.com/egovbench/egovbench/store"
)

// lockTTL is how long the daemon lock outlives a daemon that stops
// refreshing it (kill -9): long enough to ride out a stalled disk, short
// enough that a restarted daemon is not locked out for long.
const lockTTL = 2 * time.Minute

// ScheduleCommand runs deep crawls and uptime probes unattended, on the
// schedules of one config file, until SIGINT or SIGTERM.
type ScheduleCommand struct{ *Env }

// Run implements command.
func (c *ScheduleCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "schedule", "--config FILE")
	configPath := fs.String("config", "", "YAML config (see schedule/testdata/example.yaml)")
	var (
		resolve resolveFlag
		caFile  string
		lf      logFlags
	)
	fs.Var(&resolve, "resolve", "HOST:PORT=IP:PORT, repeatable, like curl --resolve; adds to (and wins over) the config's resolve")
	fs.StringVar(&caFile, "ca-file", "", "PEM file of extra CA certificates to trust (default: the config's ca_file)")
	lf.register(fs)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *configPath == "" {
		return usagef("schedule needs --config")
	}
	if err := lf.setup(c.Env); err != nil {
		return err
	}
	cfg, err := schedule.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	var targets []egovbench.Target
	for _, p := range cfg.Targets {
		ts, err := readTargets(p)
		if err != nil {
			return err
		}
		targets = append(targets, ts...)
	}
	cf := scheduleCrawlFlags(cfg, resolve, caFile)
	if cf.userAgent == "" {
		cf.userAgent = crawler.DefaultUserAgent
	}
	ccfg, err := cf.crawlerConfig()
	if err != nil {
		return err
	}
	cr, err := crawler.New(ccfg)
	if err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	cat := analyzer.DefaultCatalogue()
	maint, err := cfg.MaintenanceWindows()
	if err != nil {
		return err
	}

	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	release, err := c.waitForLock(ctx, db, cfg.Database)
	if err != nil {
		return err
	}
	if release == nil {
		return nil // stopped while waiting
	}
	defer func() {
		if err := release(); err != nil {
			c.Logger.Warn("release lock", "err", err)
		}
	}()
	if err := db.UpsertTargets(ctx, targets); err != nil {
		return fmt.Errorf("store targets: %w", err)
	}

	metrics := schedule.NewMetrics()
	var sched *schedule.Scheduler
	synced := map[string]bool{}
	jobs := schedule.Jobs{
		Crawl: func(ctx context.Context) error {
			before, err := stagesOf(ctx, db)
			if err != nil {
				return err
			}
			// Resume an interrupted run first: a daemon restarted after a
			// crash finishes yesterday's crawl before starting today's.
			_, uerr := db.UnfinishedRun(ctx, egovbench.RunCrawl)
			resume := uerr == nil
			sum, err := crawlRun(ctx, c.Env, db, cr, cat, nil, runConfigJSON(cr, cf.workers, cat.Version()), cf.workers, resume)
			metrics.AddPages(sum.Pages)
			if err != nil {
				return err
			}
			c.Logger.Info("crawl finished", "summary", sum.String())
			after, err := stagesOf(ctx, db)
			if err != nil {
				return err
			}
			sched.Alerter().ObserveStages(before, after)
			return nil
		},
		Probe: func(ctx context.Context) ([]egovbench.Probe, error) {
			if err := syncMaintenance(ctx, db, maint, targets, time.Now(), synced); err != nil {
				return nil, err
			}
			// A probe is one request per site, so a round can run wider
			// than the crawl without straining any host.
			probes, degraded, err := probeRound(ctx, db, cr, max(cf.workers, 32), cfg.Probe.Canaries)
			if degraded != nil {
				// The prober's own network failed: its probes say nothing
				// about the sites, so they feed neither alerts nor the
				// outcome counters, only the degraded-round counter.
				metrics.AddDegradedRound()
				c.Logger.Warn("probe round not recorded: the prober's own network failed", "reason", degraded.Reason)
				return nil, err
			}
			return probes, err
		},
		Report: func(ctx context.Context) error {
			if cfg.Report.Out == "" {
				return nil
			}
			now := time.Now()
			in, err := reportInput(ctx, db, cat, reportFlags{lang: cfg.Report.Lang, tz: cfg.Location().String()}, now)
			if err != nil {
				return err
			}
			return publishReport(ctx, db, cfg.Report.Out, in, now)
		},
		Prune: func(ctx context.Context) error {
			now := time.Now()
			n, err := db.Prune(ctx, now.Add(-time.Duration(cfg.Retention.RawProbes)))
			if err != nil {
				return err
			}
			c.Logger.Info("pruned raw probes", "deleted", n)
			if n, err = db.PruneAlerts(ctx, now.Add(-time.Duration(cfg.Retention.RawProbes))); err != nil {
				return err
			}
			c.Logger.Info("pruned finished alerts", "deleted", n)
			if keep := time.Duration(cfg.Retention.Rollups); keep > 0 {
				n, err := db.PruneRollups(ctx, now.Add(-keep))
				if err != nil {
					return err
				}
				c.Logger.Info("pruned rollups", "deleted", n)
			}
			return nil
		},
	}
	// A crawl interrupted by the last stop is finished now, not at the
	// next scheduled time.
	if _, err := db.UnfinishedRun(ctx, egovbench.RunCrawl); err == nil {
		cfg.Crawl.RunOnStart = true
	}
	// Webhooks go through the crawler's guarded dialer: a receiver that
	// redirects, or a name that resolves to a metadata or intranet address,
	// must not receive the alert bodies.
	hookCfg := crawler.ClientConfig{AllowPrivate: cfg.AllowPrivate || cfg.Alerts.AllowPrivate,
		Timeout: time.Duration(cfg.Alerts.Timeout), RootCAs: ccfg.RootCAs}
	if cfg.Alerts.Proxy != "" {
		if hookCfg.Proxy, err = url.Parse(cfg.Alerts.Proxy); err != nil {
			return fmt.Errorf("alerts.proxy: %w", err)
		}
	}
	sched, err = schedule.New(cfg, jobs, schedule.WithLogger(c.Logger), schedule.WithMetrics(metrics),
		schedule.WithAlerterOptions(schedule.WithAlertHTTPClient(crawler.NewClient(hookCfg)), schedule.WithAlertStore(db)))
	if err != nil {
		return err
	}
	// Keep the lock alive while the daemon runs. A daemon that lost its lock
	// (another one took it over after a long stall) must stop writing.
	ctx, stopDaemon := context.WithCancelCause(ctx)
	defer stopDaemon(nil)
	go func() {
		t := time.NewTicker(lockTTL / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				err := db.RefreshLock(ctx, lockTTL)
				switch {
				case errors.Is(err, egovbench.ErrLocked):
					stopDaemon(fmt.Errorf("daemon lock on %s lost: %w", cfg.Database, err))
					return
				case err != nil && ctx.Err() == nil:
					c.Logger.Error("refresh daemon lock", "err", err)
				}
			}
		}
	}()
	err = sched.Run(ctx)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// lockPoll is how often a daemon waiting for the lock asks again: the
// holder may stop or die at any moment, and asking costs one small query.
const lockPoll = 2 * time.Second

// waitForLock takes the daemon lock, waiting while another live daemon holds
// it instead of exiting: a supervisor restarting the daemon after a crash
// would otherwise see it fail until the dead holder's lock expired, and give
// up. A holder on this host whose process is gone is taken over at once by
// AcquireLock. It returns a nil release when ctx ended while waiting.
func (c *ScheduleCommand) waitForLock(ctx context.Context, db *store.DB, path string) (release func() error, err error) {
	host, _ := os.Hostname()
	owner := fmt.Sprintf("egovbench schedule pid %d on %s", os.Getpid(), host)
	var last store.LockedError
	for {
		release, err := db.AcquireLock(ctx, owner, lockTTL)
		var le *store.LockedError
		switch {
		case err == nil:
			if last.Owner != "" {
				c.Logger.Info("daemon lock taken", "db", path)
			}
			return release, nil
		case ctx.Err() != nil:
			return nil, nil
		case !errors.As(err, &le):
			return nil, err
		}
		// One line per holder and expiry, not one per poll.
		if le.Owner != last.Owner || le.PID != last.PID || le.Host != last.Host || !le.Expires.Equal(last.Expires) {
			c.Logger.Warn("another egovbench daemon holds the database; waiting", "db", path,
				"holder", le.Owner, "holder_pid", le.PID, "holder_host", le.Host,
				"since", le.Since.UTC().Format(time.RFC3339), "expires", le.Expires.UTC().Format(time.RFC3339))
			last = *le
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
}

// stagesOf reads every target's latest measured stage, for stage-drop
// alerts: a run in which a site did not answer (unreachable, blocked) is
// no stage, so a drop is only ever judged between two measured runs.
func stagesOf(ctx context.Context, db *store.DB) (map[string]egovbench.Stage, error) {
	latest, err := db.LatestMeasured(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]egovbench.Stage, len(latest))
	for id, a := range latest {
		out[id] = a.Stage
	}
	return out, nil
}

// syncMaintenance writes the configured maintenance windows around now into
// the store, which leaves probes inside them out of uptime. Windows are
// written ahead of the probes they cover, as the store requires.
func syncMaintenance(ctx context.Context, db *store.DB, m *schedule.Maintenance, targets []egovbench.Target, now time.Time, synced map[string]bool) error {
	day := now.UTC().Truncate(24 * time.Hour)
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
	}
	for id, ivs := range m.IntervalsByTarget(ids, day.Add(-24*time.Hour), day.Add(48*time.Hour)) {
		for _, iv := range ivs {
			key := id + "|" + iv.Start.String() + "|" + iv.End.String()
			if synced[key] {
				continue
			}
			if err := db.AddMaintenanceWindow(ctx, id, iv.Start, iv.End, "schedule config"); err != nil {
				return err
			}
			synced[key] = true
		}
	}
	return nil
}

// mergeResolve is the config's resolve map with the --resolve flags laid
// over it: a flag wins for the same HOST:PORT.
func mergeResolve(fromConfig map[string]string, flags resolveFlag) resolveFlag {
	m := make(map[string]string, len(fromConfig)+len(flags.m))
	for k, v := range fromConfig {
		m[k] = v
	}
	for k, v := range flags.m {
		m[k] = v
	}
	return resolveFlag{m: m}
}

// scheduleCrawlFlags is the crawler configuration of the daemon: crawls
// take budgets.request_timeout, probes probe.timeout (the daemon used to
// crawl with the probe timeout).
func scheduleCrawlFlags(cfg *schedule.Config, resolve resolveFlag, caFile string) crawlFlags {
	return crawlFlags{
		workers: cfg.Politeness.Workers, maxPages: cfg.Budgets.MaxPages, maxDepth: cfg.Budgets.MaxDepth,
		maxPageBytes: int64(cfg.Budgets.MaxBytesPerPage), siteTimeout: time.Duration(cfg.Budgets.SiteTimeout),
		requestTimeout: time.Duration(cfg.Budgets.RequestTimeout), probeTimeout: time.Duration(cfg.Probe.Timeout),
		delay:   time.Duration(cfg.Politeness.Delay),
		perHost: cfg.Politeness.PerHostConcurrency, userAgent: cfg.Politeness.UserAgent,
		allowPrivate: cfg.AllowPrivate, resolve: mergeResolve(cfg.Resolve, resolve), caFile: cmp.Or(caFile, cfg.CAFile),
		render: cfg.Crawl.Render,
	}
}
