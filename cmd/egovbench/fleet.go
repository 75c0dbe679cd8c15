package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/egovbench/egovbench/fleet"
)

// FleetCommand keeps the simulated fleet running on loopback so that crawl,
// probe, schedule and report can be tried by hand, without the internet.
type FleetCommand struct{ *Env }

// Run implements command.
func (c *FleetCommand) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "serve" {
		return c.serve(ctx, args[1:])
	}
	fs := newFlagSet(c.Env, "fleet", "serve [--out DIR] [flags]   (egovbench fleet serve -h lists the flags)")
	if err := parseFlags(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("fleet: want a subcommand: serve")
	}
	return usagef("fleet: unexpected argument %q: the only subcommand is serve", fs.Arg(0))
}

func (c *FleetCommand) serve(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "fleet serve", "[--out DIR] [flags]")
	out := fs.String("out", "egovbench-fleet", "folder for the targets file, the CA certificate, the resolve list and the schedule YAML")
	slow := fs.Duration("slow-delay", 300*time.Millisecond, "wait of a slow site's answers")
	history := fs.Bool("history", true, "serve the sites as the demo's history leaves them today, and slow at their slow hours (real clock)")
	hostile := fs.Bool("hostile", true, "include the compromised site full of hostile markup")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	if *slow <= 0 {
		return usagef("fleet serve: --slow-delay %s: want more than 0", *slow)
	}
	opts := fleet.Options{Hostile: *hostile, SlowDelay: *slow}
	if *history {
		opts.Now = time.Now
		opts.Phases = fleet.DemoHistory(time.Now().UTC().Truncate(time.Hour))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("fleet serve: %w", err)
	}
	f, err := fleet.Start(ctx, opts)
	if err != nil {
		return fmt.Errorf("start fleet: %w", err)
	}
	defer f.Close()
	kit, err := writeFleetKit(f, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, `%s; it runs until Ctrl-C.

targets file:  %s
schedule YAML: %s  (resolve: and ca_file: point at this fleet)

Try, in another terminal:
  egovbench crawl --targets %s --db %s %s --delay 50ms
  egovbench probe --db %s %s
  egovbench report --db %s --out %s
  egovbench schedule --config %s
`, f, kit.targets, kit.yaml,
		kit.targets, kit.db, kit.netFlags, kit.db, kit.netFlags, kit.db, filepath.Join(*out, "report"), kit.yaml)
	<-ctx.Done()
	// Ctrl-C is how serving ends: not a failure.
	return nil
}

// fleetKit is what fleet serve writes for the commands to use the fleet.
type fleetKit struct {
	targets, ca, resolve, yaml, db string
	netFlags                       string // --allow-private --ca-file ... --resolve @...
}

// writeFleetKit writes the targets file, the fleet's CA certificate, the
// resolve list (one HOST:PORT=IP:PORT a line, for --resolve @FILE) and a
// schedule YAML whose resolve: and ca_file: reach the fleet.
func writeFleetKit(f *fleet.Fleet, dir string) (fleetKit, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fleetKit{}, fmt.Errorf("fleet serve: %w", err)
	}
	k := fleetKit{
		targets: filepath.Join(abs, "targets.csv"), ca: filepath.Join(abs, "ca.pem"),
		resolve: filepath.Join(abs, "resolve.txt"), yaml: filepath.Join(abs, "egovbench.yaml"),
		db: filepath.Join(abs, "egovbench.db"),
	}
	k.netFlags = "--allow-private --ca-file " + k.ca + " --resolve @" + k.resolve
	if err := writeFleetTargets(f, k.targets); err != nil {
		return k, err
	}
	if err := os.WriteFile(k.ca, f.CACertPEM(), 0o644); err != nil {
		return k, fmt.Errorf("fleet serve: %w", err)
	}
	res := f.Resolve()
	keys := make([]string, 0, len(res))
	for h := range res {
		keys = append(keys, h)
	}
	sort.Strings(keys)
	var list, yres strings.Builder
	list.WriteString("# HOST:PORT=IP:PORT of every name of the simulated fleet (egovbench ... --resolve @" + k.resolve + ")\n")
	for _, h := range keys {
		fmt.Fprintf(&list, "%s=%s\n", h, res[h])
		fmt.Fprintf(&yres, "  %q: %q\n", h, res[h])
	}
	if err := os.WriteFile(k.resolve, []byte(list.String()), 0o644); err != nil {
		return k, fmt.Errorf("fleet serve: %w", err)
	}
	// Paths are relative to the YAML's folder, where the schedule command
	// resolves them; the schedules are quick so that a few minutes show
	// crawls, probes and a report.
	yaml := `# Written by egovbench fleet serve: a schedule of the simulated fleet on loopback.
# Valid only while that fleet runs (its ports change at every start).
targets: [targets.csv]
database: egovbench.db
timezone: Asia/Makassar
crawl:
  schedule: "*/15 * * * *"
  run_on_start: true
probe:
  schedule: "@every 1m"
  jitter: 5s
  timeout: 10s
budgets:
  max_pages: 40
  site_timeout: 2m
politeness:
  delay: 50ms
  workers: 16
  user_agent: "egovbench-fleet (+https://github.com/egovbench/egovbench)"
allow_private: true
ca_file: ca.pem
report:
  out: report
  lang: id
resolve:
` + yres.String()
	if err := os.WriteFile(k.yaml, []byte(yaml), 0o644); err != nil {
		return k, fmt.Errorf("fleet serve: %w", err)
	}
	return k, nil
}
