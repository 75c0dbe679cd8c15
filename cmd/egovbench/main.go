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

// Version, when set at build time with -ldflags "-X main.Version=...",
// replaces the module version the Go toolchain records (see versionLine).
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
	err := m.Run(ctx, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "egovbench:", err)
	}
	stop()
	os.Exit(exitCode(err))
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
		"worker":    &WorkerCommand{Env: env},
		"version":   &VersionCommand{Env: env},
		"fleet":     &FleetCommand{Env: env},
	}
}

// Run runs the subcommand named by args[0]. Bare egovbench prints the usage
// and fails as a usage error: it must not start writing files on its own.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return usagef("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	case "help":
		// "egovbench help crawl" is "egovbench crawl -h".
		if len(args) == 1 {
			fmt.Fprint(m.Stdout, usage)
			return nil
		}
		if len(args) > 2 {
			return usagef("help: want one command, got %q", args[1:])
		}
		cmd, ok := m.commands()[args[1]]
		if !ok {
			return usagef("help: unknown command %q (egovbench -h lists the commands)", args[1])
		}
		return helpIsNoError(cmd.Run(ctx, []string{"-h"}))
	case "-version", "--version":
		name = "version"
	}
	cmd, ok := m.commands()[name]
	if !ok {
		return usagef("unknown command %q (egovbench -h lists the commands)", name)
	}
	return helpIsNoError(cmd.Run(ctx, args[1:]))
}

// helpIsNoError turns the flag package's ErrHelp into success: the usage
// asked for has been printed.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

const usage = `egovbench measures how far regional governments have come with e-government.

Usage:
  egovbench demo      [--out DIR]                      replay a year of a simulated fleet on loopback, store, report
  egovbench crawl     --targets FILE --db FILE         crawl real sites (one run; --resume continues a killed run)
  egovbench probe     --db FILE [--targets FILE]       one round of uptime probes
  egovbench export    --db FILE [--format csv|json]    latest assessment of every target
  egovbench report    --db FILE --out DIR              HTML report with PNG charts
  egovbench classify  [--json] PATH...                 assess saved pages offline
  egovbench reanalyze --db FILE [--run N]              re-score stored pages with the current catalogue
  egovbench schedule  --config FILE                    run crawls and probes on a schedule
  egovbench worker    --nats URL                       crawl jobs of a "crawl --nats" hub, on any machine
  egovbench fleet serve [--out DIR]                    keep the simulated fleet on loopback, for crawl/probe/schedule by hand
  egovbench version                                    module version and VCS revision of this binary

Run "egovbench COMMAND -h" (or "egovbench help COMMAND") for a command's flags.
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
		return usagef("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(l.format) {
	case "text":
		env.Logger = slog.New(slog.NewTextHandler(env.Stderr, opts))
	case "json":
		env.Logger = slog.New(slog.NewJSONHandler(env.Stderr, opts))
	default:
		return usagef("--log-format: %q is not text or json", l.format)
	}
	return nil
}

// newFlagSet makes a FlagSet that reports errors instead of exiting, so
// commands can be tested in-process. Its usage goes to stdout: it is printed
// when asked for with -h (parseFlags keeps it out of error messages).
func newFlagSet(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: egovbench %s %s\n", name, synopsis)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprint(fs.Output(), "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}
