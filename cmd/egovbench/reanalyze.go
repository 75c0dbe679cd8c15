package main

import (
	"context"
	"fmt"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// ReanalyzeCommand re-scores the pages stored by a crawl with the current
// catalogue, without touching the network. New assessments are written
// beside the old ones under a new run of kind "analyze".
type ReanalyzeCommand struct{ *Env }

// Run implements command.
func (c *ReanalyzeCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "reanalyze", "--db FILE [--run N] [--catalogue FILE]")
	dbPath := fs.String("db", "", "SQLite database")
	runID := fs.Int64("run", 0, "crawl run to re-score (default: the latest finished crawl)")
	catPath := fs.String("catalogue", "", "indicator catalogue file replacing or extending the embedded one")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *dbPath == "" {
		return usagef("reanalyze needs --db")
	}
	cat, err := loadCatalogue(*catPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, *dbPath, store.MustExist())
	if err != nil {
		return err
	}
	defer db.Close()
	r, n, err := reanalyze(ctx, db, cat, *runID)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "run %d: re-scored %d sites of crawl run %d with catalogue %s\n", r.ID, n, r.SourceRun, cat.Version())
	return nil
}

// reanalyze scores every site of a crawl run again. Each site's new
// assessment is committed on its own, so an interrupted re-analysis loses
// nothing already done.
func reanalyze(ctx context.Context, db *store.DB, cat *analyzer.Catalogue, source int64) (egovbench.Run, int, error) {
	src, err := sourceRun(ctx, db, source)
	if err != nil {
		return egovbench.Run{}, 0, err
	}
	ids, err := db.DoneTargets(ctx, src.ID)
	if err != nil {
		return egovbench.Run{}, 0, err
	}
	r, err := db.CreateRun(ctx, egovbench.RunAnalyze, fmt.Sprintf(`{"catalogue_version":%q}`, cat.Version()), ids, src.ID)
	if err != nil {
		return r, 0, err
	}
	n := 0
	for _, id := range ids {
		snap, err := db.Snapshot(ctx, src.ID, id)
		if err != nil {
			return r, n, fmt.Errorf("load snapshot %s of run %d: %w", id, src.ID, err)
		}
		a := analyzer.Analyze(snap, cat)
		a.RunID = r.ID
		if err := db.SaveAssessment(ctx, a); err != nil {
			return r, n, fmt.Errorf("save assessment %s: %w", id, err)
		}
		n++
	}
	if err := db.FinishRun(ctx, r.ID, egovbench.RunDone); err != nil {
		return r, n, err
	}
	return r, n, nil
}

// sourceRun returns the crawl run to re-score: the one asked for, or the latest finished crawl.
func sourceRun(ctx context.Context, db *store.DB, id int64) (egovbench.Run, error) {
	if id != 0 {
		r, err := db.Run(ctx, id)
		if err != nil {
			return r, fmt.Errorf("--run %d: %w", id, err)
		}
		if r.Kind != egovbench.RunCrawl {
			return r, fmt.Errorf("--run %d is a %s run, not a crawl: %w", id, r.Kind, egovbench.ErrInvalid)
		}
		return r, nil
	}
	runs, err := db.Runs(ctx)
	if err != nil {
		return egovbench.Run{}, err
	}
	var best egovbench.Run
	for _, r := range runs {
		if r.Kind == egovbench.RunCrawl && r.Status == egovbench.RunDone && r.ID > best.ID {
			best = r
		}
	}
	if best.ID == 0 {
		return best, fmt.Errorf("no finished crawl run to re-analyse: %w", egovbench.ErrNotFound)
	}
	return best, nil
}
