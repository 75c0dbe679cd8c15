package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/htmlfacts"
	"github.com/egovbench/egovbench/store"
)

// pipeline runs one crawl run: a bounded pool of workers takes targets,
// crawls each (politeness is per host, inside the crawler), analyses the
// snapshot and commits both in one transaction per site. A site is either
// committed whole or left pending for --resume; nothing is half-written.
type pipeline struct {
	db        *store.DB
	crawler   *crawler.Crawler
	catalogue *analyzer.Catalogue
	workers   int
	progress  progress
}

// summary is what the person waiting is told at the end.
type summary struct {
	Sites, OK, Blocked, Down int
	Pages                    int
	Rendered                 int // pages read as a browser built them
	Bytes                    int64
	Duration                 time.Duration
	Stages                   map[egovbench.Stage]int // measured sites only
	NotMeasured              int                     // unreachable or blocked: no stage this run
}

func (s summary) String() string {
	return fmt.Sprintf("%d sites: %d ok, %d blocked, %d down; %d pages (%d rendered), %s in %s; stages: none %d, presence %d, interaction %d, integration %d, transaction %d; not measured %d",
		s.Sites, s.OK, s.Blocked, s.Down, s.Pages, s.Rendered, humanBytes(s.Bytes), s.Duration.Round(time.Millisecond),
		s.Stages[egovbench.StageNone], s.Stages[egovbench.StagePresence], s.Stages[egovbench.StageInteraction],
		s.Stages[egovbench.StageIntegration], s.Stages[egovbench.StageTransaction], s.NotMeasured)
}

// run crawls the targets of run r that are still pending; targets is every
// stored target, to look them up by id. It returns the
// context's error when interrupted: the run then stays "running" and the next
// `crawl --resume` finishes it.
func (p *pipeline) run(ctx context.Context, r egovbench.Run, targets []egovbench.Target) (summary, error) {
	start := time.Now()
	sum := summary{Stages: map[egovbench.Stage]int{}}
	pending, err := p.db.PendingTargets(ctx, r.ID)
	if err != nil {
		return sum, fmt.Errorf("pending targets: %w", err)
	}
	byID := make(map[string]egovbench.Target, len(targets))
	for _, t := range targets {
		byID[t.ID] = t
	}
	todo := make([]egovbench.Target, 0, len(pending))
	for _, id := range pending {
		t, ok := byID[id]
		if !ok {
			return sum, fmt.Errorf("run %d lists target %q, which is not stored: %w", r.ID, id, egovbench.ErrNotFound)
		}
		todo = append(todo, t)
	}
	// A failed save (the database, not a website) stops the whole run: the
	// remaining sites stay pending for --resume.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	work := make(chan egovbench.Target)
	go func() {
		defer close(work)
		for _, t := range todo {
			select {
			case work <- t:
			case <-runCtx.Done():
				return
			}
		}
	}()
	p.progress.start(len(pending))

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	workers := max(1, min(p.workers, len(pending)))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				snap, a, err := crawlSite(runCtx, p.crawler, p.catalogue, r.ID, t)
				if err != nil {
					return // an interrupted crawl is incomplete: leave the site pending
				}
				if err := p.db.SaveCrawl(runCtx, snap, a); err != nil {
					if runCtx.Err() != nil {
						return
					}
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("save %s: %w", t.ID, err)
					}
					mu.Unlock()
					stop()
					return
				}
				mu.Lock()
				sum.add(snap, a)
				mu.Unlock()
				p.progress.done(t, snap, a)
			}
		}()
	}
	wg.Wait()
	p.progress.finish()
	sum.Duration = time.Since(start)
	if firstErr != nil {
		return sum, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if err := p.db.FinishRun(context.WithoutCancel(ctx), r.ID, egovbench.RunDone); err != nil {
		return sum, fmt.Errorf("finish run: %w", err)
	}
	return sum, nil
}

// crawlSite crawls and analyses one target for run r: the one crawl and
// analysis path, shared by the local pipeline and `egovbench worker`. It
// returns ctx's error when interrupted: an interrupted crawl is incomplete
// and must not be stored.
func crawlSite(ctx context.Context, cr *crawler.Crawler, cat *analyzer.Catalogue, runID int64, t egovbench.Target) (egovbench.Snapshot, egovbench.Assessment, error) {
	// Each page is scanned from the crawler's own pass as it arrives, so
	// the parsed page is dropped at once instead of being held, or parsed
	// again, until the site is done.
	var scans []*analyzer.PageScan
	snap := cr.CrawlEach(ctx, t, func(s *egovbench.Snapshot, i int, f *htmlfacts.Facts) {
		scans = append(scans[:i], cat.ScanPage(s.Pages[i], f, s.StartedAt))
	})
	if err := ctx.Err(); err != nil {
		return snap, egovbench.Assessment{}, err
	}
	snap.RunID = runID
	a := analyzer.AnalyzeScanned(snap, scans, cat)
	a.RunID = runID
	return snap, a, nil
}

func (s *summary) add(snap egovbench.Snapshot, a egovbench.Assessment) {
	s.Sites++
	switch {
	case snap.Probe.Outcome == egovbench.OutcomeBlocked:
		s.Blocked++
	case a.Reachable:
		s.OK++
	default:
		s.Down++
	}
	if a.Status.Measured() {
		s.Stages[a.Stage]++
	} else {
		s.NotMeasured++
	}
	for _, pg := range snap.Pages {
		s.Pages++
		if pg.Rendered {
			s.Rendered++
		}
		s.Bytes += int64(len(pg.Body))
	}
}

// prepareRun creates a new crawl run over targets, or with resume picks up
// the interrupted one. Older unfinished runs are marked interrupted so that
// only one run is ever resumable.
func prepareRun(ctx context.Context, db *store.DB, targets []egovbench.Target, config string, resume bool, w io.Writer) (egovbench.Run, error) {
	if resume {
		r, err := db.UnfinishedRun(ctx, egovbench.RunCrawl)
		switch {
		case err == nil:
			fmt.Fprintf(w, "resuming run %d started %s\n", r.ID, r.StartedAt.Format(time.RFC3339))
			return r, nil
		case !errors.Is(err, egovbench.ErrNotFound):
			return egovbench.Run{}, fmt.Errorf("find interrupted run: %w", err)
		}
		fmt.Fprintln(w, "no interrupted run to resume; starting a new run")
	} else {
		for {
			r, err := db.UnfinishedRun(ctx, egovbench.RunCrawl)
			if errors.Is(err, egovbench.ErrNotFound) {
				break
			}
			if err != nil {
				return egovbench.Run{}, fmt.Errorf("find unfinished run: %w", err)
			}
			if err := db.FinishRun(ctx, r.ID, egovbench.RunInterrupted); err != nil {
				return egovbench.Run{}, fmt.Errorf("close unfinished run %d: %w", r.ID, err)
			}
		}
	}
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
	}
	return db.CreateRun(ctx, egovbench.RunCrawl, config, ids, 0)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
