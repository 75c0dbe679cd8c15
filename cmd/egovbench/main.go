// Command egovbench benchmarks the e-government maturity and availability of
// regional government websites. See README.md for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	_ "time/tzdata" // schedules and reports name IANA zones; do not depend on the host's zoneinfo
)

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set.
const defaultMemoryLimit = 200 << 20

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	// Crawls stream page bodies through memory; a soft limit makes the
	// garbage collector return them before the heap doubles (GOMEMLIMIT
	// in the environment still wins).
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr}
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "egovbench:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

// Main dispatches to the subcommands. Its writers are fields so that tests
// run commands in-process and read what they print.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
}

// command is what every subcommand implements.
type command interface {
	Run(ctx context.Context, args []string) error
}

func (m *Main) commands() map[string]command {
	env := &Env{Stdout: m.Stdout, Stderr: m.Stderr}
	return map[string]command{
		"demo":      &DemoCommand{Env: env},
		"crawl":     &CrawlCommand{Env: env},
		"probe":     &ProbeCommand{Env: env},
		"export":    &ExportCommand{Env: env},
		"report":    &ReportCommand{Env: env},
		"classify":  &ClassifyCommand{Env: env},
		"reanalyze": &ReanalyzeCommand{Env: env},
		"schedule":  &ScheduleCommand{Env: env},
		"version":   &VersionCommand{Env: env},
	}
}

// Run runs the subcommand named by args[0]. With no arguments it runs the
// demo, the main job on the embedded default.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		args = []string{"demo"}
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	cmd, ok := m.commands()[name]
	if !ok {
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.Run(ctx, args[1:])
}

const usage = `egovbench measures how far regional governments have come with e-government.

Usage:
  egovbench demo      [--out DIR]                      crawl a simulated fleet on loopback, store, report
  egovbench crawl     --targets FILE --db FILE         crawl real sites (one run; --resume continues a killed run)
  egovbench probe     --db FILE [--targets FILE]       one round of uptime probes
  egovbench export    --db FILE [--format csv|json]    latest assessment of every target
  egovbench report    --db FILE --out DIR              HTML report with PNG charts
  egovbench classify  [--json] PATH...                 assess saved pages offline
  egovbench reanalyze --db FILE [--run N]              re-score stored pages with the current catalogue
  egovbench schedule  --config FILE                    run crawls and probes on a schedule
  egovbench version

Run "egovbench COMMAND -h" for a command's flags.
`

// Env carries what every command shares: where output goes and how logs look.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Logger *slog.Logger
}

// logFlags registers the logging flags every long-running command takes.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "text", "log format: text or json")
	fs.StringVar(&l.level, "log-level", "info", "log level: debug, info, warn or error")
}

// setup builds the logger once, in cmd, as the only place that logs.
func (l *logFlags) setup(env *Env) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(l.format) {
	case "text":
		env.Logger = slog.New(slog.NewTextHandler(env.Stderr, opts))
	case "json":
		env.Logger = slog.New(slog.NewJSONHandler(env.Stderr, opts))
	default:
		return fmt.Errorf("--log-format: %q is not text or json", l.format)
	}
	return nil
}

// newFlagSet makes a FlagSet that reports errors instead of exiting, so
// commands can be tested in-process.
func newFlagSet(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: egovbench %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// VersionCommand prints the version.
type VersionCommand struct{ *Env }

// Run implements command.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fmt.Fprintln(c.Stdout, "egovbench", Version)
	return nil
}
