package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/crawler"
	"github.com/egovbench/egovbench/fleet"
	"github.com/egovbench/egovbench/reports"
	"github.com/egovbench/egovbench/store"
)

// DemoCommand is the main job on the embedded default: it starts the
// simulated fleet of government sites on loopback, crawls it, classifies
// every site, stores the history and writes the report. Nothing leaves the
// machine: the crawler may only resolve the fleet's own names.
type DemoCommand struct{ *Env }

// Run implements command.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "demo", "[--out DIR] [flags]")
	out := fs.String("out", "egovbench-demo", "folder for the database, the targets file and the report")
	workers := fs.Int("workers", 16, "sites crawled at once")
	delay := fs.Duration("delay", 50*time.Millisecond, "pause between two requests to the same host")
	maxPages := fs.Int("max-pages", 40, "pages fetched per site at most")
	render := fs.String("render", string(crawler.RenderAuto), "open pages in headless Chromium: never, auto or always (auto without a browser reads static HTML, with a warning)")
	browserPath := fs.String("browser", crawler.DefaultBrowserPath, "Chromium binary for --render")
	var (
		rf reportFlags
		lf logFlags
	)
	rf.register(fs)
	lf.register(fs)
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if err := lf.setup(c.Env); err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	f, err := fleet.Start(ctx, fleet.Options{Hostile: true})
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
	mode, err := crawler.ParseRenderMode(*render)
	if err != nil {
		return fmt.Errorf("--render: %w", err)
	}
	ccfg := crawler.Config{
		Render:         mode,
		BrowserPath:    *browserPath,
		MaxPages:       *maxPages,
		Delay:          *delay,
		SiteTimeout:    30 * time.Second,
		RequestTimeout: 5 * time.Second,
		AllowPrivate:   true,
		Resolve:        f.Resolve(),
		ResolveOnly:    true,
		RootCAs:        f.CertPool(),
	}
	cr, err := crawler.New(ccfg)
	if err != nil {
		return fmt.Errorf("crawler: %w", err)
	}
	cat, err := loadCatalogue("")
	if err != nil {
		return err
	}
	dbPath := filepath.Join(*out, "egovbench.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()

	c.Logger.Info("demo: crawling the simulated fleet", "sites", len(targets), "out", *out)
	sum, err := crawlRun(ctx, c.Env, db, cr, cat, targets, runConfigJSON(cr, *workers, cat.Version()), *workers, false)
	if err != nil {
		return err
	}
	in, err := reportInput(ctx, db, cat, rf, time.Now())
	if err != nil {
		return err
	}
	// The methodology page keeps the agreement measured on real pages; the
	// agreement with the fleet's built-in truth is printed below.
	agreement := fleetAgreement(f.Sites(), in.Latest)
	reportDir := filepath.Join(*out, "report")
	if err := reports.Write(ctx, reportDir, in); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := printFleetVerdicts(c.Stdout, f.Sites(), in.Latest); err != nil {
		return err
	}
	fmt.Fprintln(c.Stdout)
	fmt.Fprintln(c.Stdout, sum)
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

// fleetAgreement compares the assessed stages with the stages the simulated
// sites were built to have.
func fleetAgreement(sites []fleet.Site, latest map[string]egovbench.Assessment) analyzer.Calibration {
	var truth, found []egovbench.Stage
	for _, s := range sites {
		if a, ok := latest[s.Target.ID]; ok {
			truth = append(truth, s.TrueStage)
			found = append(found, a.Stage)
		}
	}
	return analyzer.StageAgreement(truth, found)
}

// printFleetVerdicts shows, per simulated site, the stage it was built with
// beside the stage the pipeline found.
func printFleetVerdicts(w io.Writer, sites []fleet.Site, latest map[string]egovbench.Assessment) error {
	sorted := append([]fleet.Site(nil), sites...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Target.ID < sorted[j].Target.ID })
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tBEHAVIOUR\tTRUE STAGE\tFOUND\tSCORE\t")
	for _, s := range sorted {
		a, ok := latest[s.Target.ID]
		found, score, mark := "(not assessed)", "", "!"
		if ok {
			found, score = a.Stage.String(), fmt.Sprintf("%.1f", a.Score)
			if a.Stage == s.TrueStage {
				mark = ""
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", oneLine(s.Target.ID, 40), s.Behaviour, s.TrueStage, found, score, mark)
	}
	return tw.Flush()
}
