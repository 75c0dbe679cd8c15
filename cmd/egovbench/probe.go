package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/dist"
	"github.com/egovbench/egovbench/store"
)

// ProbeCommand runs one round of uptime probes over every stored target,
// or, with --nats, schedules probes of every stored target for probe
// workers on other machines and stores their samples, until stopped.
type ProbeCommand struct{ *Env }

// Run implements command.
func (c *ProbeCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "probe", "--db FILE [--targets FILE] [flags]")
	dbPath := fs.String("db", "", "SQLite database")
	targetsPath := fs.String("targets", "", "targets file to store first (default: the stored targets)")
	var canaries listFlag
	fs.Var(&canaries, "canary", "URL that is up whenever this machine's network is, repeatable: when every canary fails the round is the prober's fault and records no outage")
	var cf crawlFlags
	cf.registerProbe(fs)
	var (
		nf    natsFlags
		lf    logFlags
		every time.Duration
	)
	nf.register(fs)
	var runFor time.Duration
	fs.DurationVar(&every, "every", 5*time.Minute, "with --nats: probe every target once per this interval, until stopped")
	fs.DurationVar(&runFor, "for", 0, "with --nats: publish the slots that start within this long, then end once each of their tasks has a sample or is given up (default: until stopped)")
	fs.DurationVar(&nf.lease, "lease", dist.DefaultLease, "with --nats: a probe task returns to the queue when its worker shows no sign of life for this long")
	fs.IntVar(&nf.maxDeliver, "max-deliver", dist.DefaultMaxDeliver, "with --nats: workers a probe task is handed to at most within its slot")
	lf.register(fs)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *dbPath == "" {
		return usagef("probe needs --db")
	}
	if nf.url == "" {
		var stray error
		fs.Visit(func(f *flag.Flag) {
			if stray == nil && slices.Contains([]string{"every", "for", "lease", "max-deliver", "nats-prefix", "log-format", "log-level"}, f.Name) {
				stray = usagef("--%s is for probe --nats (a local round is one round)", f.Name)
			}
		})
		if stray != nil {
			return stray
		}
	}
	if nf.url != "" {
		if len(canaries) > 0 {
			return usagef("--canary with --nats: canaries prove the prober's network, so they are the probe workers' (egovbench worker --probes --canary URL)")
		}
		// As for crawl --nats: where a worker connects, whom it trusts and
		// how many targets it probes at once are its machine's business.
		var misplaced error
		fs.Visit(func(f *flag.Flag) {
			if misplaced == nil && slices.Contains(workerOnlyFlags, f.Name) {
				misplaced = usagef("probe --nats: --%s is each probe worker's: pass it to `egovbench worker --probes`", f.Name)
			}
		})
		if misplaced != nil {
			return misplaced
		}
		if err := nf.validate(); err != nil {
			return err
		}
		if err := dist.ValidateProbeInterval(every); err != nil {
			return usagef("--every: %v", err)
		}
		if err := lf.setup(c.Env); err != nil {
			return err
		}
	}
	var fresh []egovbench.Target
	if *targetsPath != "" {
		var err error
		if fresh, err = readTargets(*targetsPath); err != nil {
			return err
		}
	}
	ccfg, err := cf.crawlerConfig()
	if err != nil {
		return err
	}
	ccfg.Render = crawler.RenderNever // a probe reads no page content
	cr, err := crawler.New(ccfg)
	if err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	db, err := store.Open(ctx, *dbPath, store.MustExist())
	if err != nil {
		return err
	}
	defer db.Close()
	if len(fresh) > 0 {
		if err := db.UpsertTargets(ctx, fresh); err != nil {
			return err
		}
	}
	if nf.url != "" {
		var until time.Time
		if runFor > 0 {
			until = time.Now().Add(runFor)
		}
		return probeHub(ctx, c.Env, db, nf, every, until, probeSettingsOf(ccfg))
	}
	probes, degraded, err := probeRound(ctx, db, cr, cf.workers, canaries)
	if err != nil {
		return err
	}
	if degraded != nil {
		fmt.Fprintf(c.Stdout, "%d probes not recorded: the prober's own network failed (%s); no outage opened\n", len(probes), degraded.Reason)
		return nil
	}
	up := 0
	for _, p := range probes {
		if p.Outcome.Up() {
			up++
		}
	}
	fmt.Fprintf(c.Stdout, "%d probes: %d up, %d not\n", len(probes), up, len(probes)-up)
	return nil
}

// probeRound probes every stored target once, concurrently, and stores the
// whole round in one transaction (rollups and outages included) — unless
// the round measured the prober's own network (egovbench.RoundDegraded,
// with the canaries probed alongside): then only the degraded round is
// recorded, and returned, and its probes open no outage and count in no
// uptime. The caller must then raise no alert from them.
func probeRound(ctx context.Context, db *store.DB, cr *crawler.Crawler, workers int, canaries []string) ([]egovbench.Probe, *egovbench.DegradedRound, error) {
	targets, err := db.Targets(ctx)
	if err != nil {
		return nil, nil, err
	}
	canaryProbes := make([]egovbench.Probe, len(canaries))
	var cwg sync.WaitGroup
	for i, u := range canaries {
		cwg.Go(func() { canaryProbes[i] = cr.Probe(ctx, egovbench.Target{ID: "canary", URL: u}) })
	}
	probes := make([]egovbench.Probe, len(targets))
	sem := make(chan struct{}, max(1, workers))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			probes[i] = cr.Probe(ctx, t)
		}()
	}
	wg.Wait()
	cwg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err // a round cut short would record false outages
	}
	if r := egovbench.DegradedRoundOf(probes, canaryProbes); r != nil {
		if err := db.InsertDegradedRound(ctx, *r); err != nil {
			return nil, nil, err
		}
		return probes, r, nil
	}
	if err := db.InsertProbes(ctx, probes); err != nil {
		return nil, nil, fmt.Errorf("store probes: %w", err)
	}
	return probes, nil, nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
