package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/fleet"
	"github.com/egovbench/egovbench/store"
)

// DemoCommand is the main job on the embedded default: it starts the
// simulated fleet of government sites on loopback and replays a year of its
// history through the same crawl, analyse and store path as real runs: a
// crawl a month and, over the last month, uptime probe rounds every 2.5 hours, while
// sites move up a stage, one's services go into maintenance, sites go down
// for maintenance and one is slow at certain hours. A simulated clock moves
// the fleet, the crawler and the store through the year without waiting.
// Then it writes the report. Nothing leaves the machine: the crawler may
// only resolve the fleet's own names.
type DemoCommand struct{ *Env }

// simClock is the demo's clock: it stands still while a crawl or a probe
// round runs "at" its time, and moves when the demo moves it.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *simClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// demoEvent is one crawl or probe round of the replayed history.
type demoEvent struct {
	at    time.Time
	crawl bool
}

// demoSchedule lists the crawls (one a month for months months, the last
// at end) and the probe rounds (every probeEvery over the last probeDays
// days), in time order; a crawl and a probe round at the same time run
// crawl first.
func demoSchedule(end time.Time, months, probeDays int, probeEvery time.Duration) []demoEvent {
	var ev []demoEvent
	for m := months; m >= 0; m-- {
		ev = append(ev, demoEvent{at: end.AddDate(0, -m, 0), crawl: true})
	}
	if probeDays > 0 && probeEvery > 0 {
		for t := end.AddDate(0, 0, -probeDays); !t.After(end); t = t.Add(probeEvery) {
			ev = append(ev, demoEvent{at: t})
		}
	}
	sort.SliceStable(ev, func(i, j int) bool {
		if !ev[i].at.Equal(ev[j].at) {
			return ev[i].at.Before(ev[j].at)
		}
		return ev[i].crawl && !ev[j].crawl
	})
	return ev
}

// Run implements command.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "demo", "[--out DIR] [flags]")
	out := fs.String("out", "egovbench-demo", "folder for the database, the targets file and the report")
	workers := fs.Int("workers", 16, "sites crawled at once")
	delay := fs.Duration("delay", 5*time.Millisecond, "pause between two requests to the same host (the fleet is local)")
	maxPages := fs.Int("max-pages", 40, "pages fetched per site at most")
	// A year of history renders the script-built sites thirteen times: with
	// auto the demo costs about three times the CPU (measured), so it reads
	// static HTML unless asked; --render auto shows what rendering adds.
	render := fs.String("render", string(crawler.RenderNever), "open pages in headless Chromium: never, auto or always (auto without a browser reads static HTML, with a warning)")
	browserPath := fs.String("browser", crawler.DefaultBrowserPath, "Chromium binary for --render")
	months := fs.Int("months", 12, "months of history: a crawl a month before the last crawl (0: one crawl)")
	probeDays := fs.Int("probe-days", 30, "days of uptime probes before the last crawl (0: none)")
	// 150 minutes does not divide a day: the rounds step through every
	// half hour of the day every five days, so over a month each hour of
	// the hour-of-day heat map has a dozen rounds, at 40% of the cost of
	// hourly rounds, which would dominate the demo's time.
	probeEvery := fs.Duration("probe-every", 150*time.Minute, "simulated time between two probe rounds")
	// Every crawl and every probe round waits for the slow site: its delay
	// sets the demo's wall time more than any CPU does. 30 ms is still
	// several times a loopback answer.
	slow := fs.Duration("slow-delay", 30*time.Millisecond, "real wait of a slow site's answers")
	var (
		rf reportFlags
		lf logFlags
	)
	rf.register(fs)
	lf.register(fs)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	switch {
	case *months < 0 || *months > 120:
		return usagef("demo: --months %d: want 0 to 120", *months)
	case *probeDays < 0 || *probeDays > 366:
		return usagef("demo: --probe-days %d: want 0 to 366", *probeDays)
	case *probeDays > 0 && *probeEvery < time.Minute:
		return usagef("demo: --probe-every %s: want at least 1m", *probeEvery)
	case *slow <= 0:
		return usagef("demo: --slow-delay %s: want more than 0", *slow)
	}
	mode, err := crawler.ParseRenderMode(*render)
	if err != nil {
		return usagef("demo: --render: %v", err)
	}
	if err := lf.setup(c.Env); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	started := time.Now()
	// The history ends now, so the report, read at the real time, finds
	// the last month of probes where a report of a real campaign would.
	end := started.UTC().Truncate(time.Hour)
	clock := &simClock{t: end}
	f, err := fleet.Start(ctx, fleet.Options{Hostile: true, SlowDelay: *slow, Now: clock.Now, Phases: fleet.DemoHistory(end)})
	if err != nil {
		return fmt.Errorf("start fleet: %w", err)
	}
	defer f.Close()

	// The demo goes through the same targets file path as a real crawl.
	targetsPath := filepath.Join(*out, "targets.csv")
	if err := writeFleetTargets(f, targetsPath); err != nil {
		return err
	}
	targets, err := readTargets(targetsPath)
	if err != nil {
		return err
	}
	ccfg := crawler.Config{
		Render:         mode,
		BrowserPath:    *browserPath,
		MaxPages:       *maxPages,
		Delay:          *delay,
		SiteTimeout:    30 * time.Second,
		RequestTimeout: 5 * time.Second,
		// The fleet's down site refuses at once on loopback; a real
		// network's 2 s backoff before the home retry would add two
		// seconds of waiting to every monthly crawl of the history.
		RetryBackoff: 100 * time.Millisecond,
		AllowPrivate: true,
		Resolve:      f.Resolve(),
		ResolveOnly:  true,
		RootCAs:      f.CertPool(),
		Now:          clock.Now,
	}
	cat, err := loadCatalogue("")
	if err != nil {
		return err
	}
	// The history is built in a new file that replaces the old database
	// only when complete: a demo run twice does not stack two histories,
	// and an interrupted one leaves the last good database alone.
	dbPath := filepath.Join(*out, "egovbench.db")
	tmpPath := dbPath + ".building"
	for _, p := range []string{tmpPath, tmpPath + "-wal", tmpPath + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	db, err := store.Open(ctx, tmpPath, store.WithClock(clock.Now))
	if err != nil {
		return err
	}
	defer db.Close()

	// Probes before the first crawl need the targets stored.
	if err := db.UpsertTargets(ctx, targets); err != nil {
		return fmt.Errorf("store targets: %w", err)
	}
	events := demoSchedule(end, *months, *probeDays, *probeEvery)
	c.Logger.Info("demo: replaying the simulated fleet's history", "sites", len(targets), "crawls", *months+1,
		"probe_rounds", len(events)-(*months+1), "out", *out)
	// One crawler for the probes, as a daemon keeps one; a fresh one per
	// crawl, so no robots.txt or check cache outlives a simulated month.
	pcfg := ccfg
	pcfg.Render = crawler.RenderNever // a probe reads one answer, it renders nothing
	prober, err := crawler.New(pcfg)
	if err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	defer prober.Close()
	var (
		sum            summary
		crawls, rounds int
		probes         int
		fallback       string // why pages were read as static HTML although rendering was asked for
	)
	for _, ev := range events {
		clock.set(ev.at)
		if !ev.crawl {
			// A probe is one request per site and mostly waits: the
			// whole fleet at once, so a round lasts as long as its
			// slowest site rather than queueing behind it.
			ps, _, err := probeRound(ctx, db, prober, max(*workers, len(targets)), nil)
			if err != nil {
				return fmt.Errorf("probe round at %s: %w", ev.at.Format(time.RFC3339), err)
			}
			rounds++
			probes += len(ps)
			continue
		}
		cr, err := crawler.New(ccfg)
		if err != nil {
			return fmt.Errorf("crawler: %w", err)
		}
		if why := cr.RenderFallback(); why != "" && fallback == "" {
			fallback = why
			fmt.Fprintln(c.Stderr, "warning: "+why)
		}
		env := *c.Env
		// Progress of every simulated month would drown the story; the
		// demo logs one line per crawl instead.
		env.Stderr, env.Logger = io.Discard, slog.New(slog.DiscardHandler)
		sum, err = crawlRun(ctx, &env, db, cr, cat, targets, runConfigJSON(cr, *workers, cat.Version()), *workers, false)
		cr.Close()
		if err != nil {
			return fmt.Errorf("crawl at %s: %w", ev.at.Format(time.RFC3339), err)
		}
		crawls++
		c.Logger.Info("demo: crawled", "at", ev.at.Format(time.DateOnly), "summary", sum.String())
	}
	in, err := reportInput(ctx, db, cat, rf, end)
	if err != nil {
		return err
	}
	// The report streams its sites from the database: it is written
	// before the database closes. The demo's own verdict table needs every
	// site's latest assessment, a few dozen.
	latest, err := db.LatestAssessments(ctx)
	if err != nil {
		return err
	}
	reportDir := filepath.Join(*out, "report")
	if err := publishReport(ctx, db, reportDir, in, end); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("demo: close database: %w", err)
	}
	for _, p := range []string{dbPath + "-wal", dbPath + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := os.Rename(tmpPath, dbPath); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	truth := f.SitesAt(end)
	// The methodology page keeps the agreement measured on real pages; the
	// agreement with the fleet's built-in truth is printed below.
	// Read as static HTML (--render never, or no browser), script-built
	// sites can only reach their static stage: that is the truth then.
	static := ccfg.Render == crawler.RenderNever || fallback != ""
	agreement := fleetAgreement(truth, latest, static)
	if err := printFleetVerdicts(c.Stdout, truth, latest, static); err != nil {
		return err
	}
	if static {
		fmt.Fprintln(c.Stdout, "(pages read as static HTML: the sites built by script are expected at the stage their static HTML shows)")
	}
	fmt.Fprintln(c.Stdout)
	fmt.Fprintf(c.Stdout, "history: %d monthly crawls from %s to %s and %d probe rounds (%d probes), replayed in %s\n",
		crawls, end.AddDate(0, -*months, 0).Format(time.DateOnly), end.Format(time.DateOnly), rounds, probes,
		time.Since(started).Round(100*time.Millisecond))
	fmt.Fprintln(c.Stdout, "last crawl:", sum)
	fmt.Fprintf(c.Stdout, "stage agrees with the fleet's truth for %d of %d sites (weighted kappa %.2f)\n", agreement.Exact, agreement.Pages, agreement.Kappa)
	fmt.Fprintf(c.Stdout, "database: %s\nreport:   %s\n", dbPath, indexPath(reportDir))
	return nil
}

func writeFleetTargets(f *fleet.Fleet, path string) error {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo targets: %w", err)
	}
	if err := f.TargetsCSV(file); err != nil {
		file.Close()
		return fmt.Errorf("demo targets: %w", err)
	}
	return file.Close()
}

// expectedStage is the stage a crawl should find on a simulated site: the
// stage it was built to have, or, read as static HTML only, what its static
// HTML shows.
func expectedStage(s fleet.Site, static bool) egovbench.Stage {
	if static {
		return s.StaticStage
	}
	return s.TrueStage
}

// fleetAgreement compares the assessed stages with the stages the simulated
// sites were built to have.
func fleetAgreement(sites []fleet.Site, latest map[string]egovbench.Assessment, static bool) analyzer.Calibration {
	var truth, found []egovbench.Stage
	for _, s := range sites {
		if a, ok := latest[s.Target.ID]; ok {
			truth = append(truth, expectedStage(s, static))
			found = append(found, a.Stage)
		}
	}
	return analyzer.StageAgreement(truth, found)
}

// printFleetVerdicts shows, per simulated site, the stage it was built with
// beside the stage the pipeline found.
func printFleetVerdicts(w io.Writer, sites []fleet.Site, latest map[string]egovbench.Assessment, static bool) error {
	sorted := append([]fleet.Site(nil), sites...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Target.ID < sorted[j].Target.ID })
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tBEHAVIOUR\tTRUE STAGE\tFOUND\tSCORE\t")
	for _, s := range sorted {
		a, ok := latest[s.Target.ID]
		found, score, mark := "(not assessed)", "", "!"
		if ok {
			found, score = a.Stage.String(), fmt.Sprintf("%.1f", a.Score)
			if a.Stage == expectedStage(s, static) {
				mark = ""
			}
		}
		beh := string(s.Behaviour)
		if s.Script != "" {
			beh += ", " + s.Script
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", oneLine(s.Target.ID, 40), beh, expectedStage(s, static), found, score, mark)
	}
	return tw.Flush()
}
