package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/store"
)

// ProbeCommand runs one round of uptime probes over every stored target.
type ProbeCommand struct{ *Env }

// Run implements command.
func (c *ProbeCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "probe", "--db FILE [--targets FILE] [flags]")
	dbPath := fs.String("db", "", "SQLite database")
	targetsPath := fs.String("targets", "", "targets file to store first (default: the stored targets)")
	var cf crawlFlags
	cf.registerProbe(fs)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *dbPath == "" {
		return usagef("probe needs --db")
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
	probes, err := probeRound(ctx, db, cr, cf.workers)
	if err != nil {
		return err
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
// whole round in one transaction (rollups and outages included).
func probeRound(ctx context.Context, db *store.DB, cr *crawler.Crawler, workers int) ([]egovbench.Probe, error) {
	targets, err := db.Targets(ctx)
	if err != nil {
		return nil, err
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
	if err := ctx.Err(); err != nil {
		return nil, err // a round cut short would record false outages
	}
	if err := db.InsertProbes(ctx, probes); err != nil {
		return nil, fmt.Errorf("store probes: %w", err)
	}
	return probes, nil
}
