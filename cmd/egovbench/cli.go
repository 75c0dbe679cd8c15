package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// usageError is a mistake in how egovbench was called (an unknown command or
// flag, a missing required flag, a stray argument), as opposed to a failure
// while working. main prints it as one line and exits 2, as Go tools do.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usageError; the message says what is wrong, in one line.
func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode maps what Main.Run returned to the process exit status: 0 for
// success and for -h (help asked for is not an error), 2 for usage errors,
// 130 for an interrupt, 1 for everything else.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	}
	return 1
}

// parseFlags parses a command's arguments. -h prints the command's usage
// on stdout and returns flag.ErrHelp; any other problem is a usageError of
// one line, without the flag package's usage dump, so the reason is not
// buried. With positional false the command takes no arguments after its
// flags; with true it does, but none of them may look like a flag: the flag
// package stops at the first argument, so `classify page.html --json` would
// otherwise quietly read --json as a file name ("--" still lets a path start
// with a dash).
func parseFlags(fs *flag.FlagSet, args []string, positional bool) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return flag.ErrHelp
	case err != nil:
		return usagef("%s: %v (egovbench %s -h lists the flags)", fs.Name(), err, fs.Name())
	}
	rest := fs.Args()
	if !positional && len(rest) > 0 {
		return usagef("%s: unexpected argument %q (egovbench %s -h lists the flags)", fs.Name(), rest[0], fs.Name())
	}
	terminated := len(args) >= len(rest)+1 && args[len(args)-len(rest)-1] == "--"
	if !terminated {
		for _, a := range rest {
			if a == "--" {
				break
			}
			if strings.HasPrefix(a, "-") && a != "-" {
				return usagef("%s: flag %s after the arguments: put flags first (or \"--\" before a path starting with -)", fs.Name(), a)
			}
		}
	}
	return nil
}

// VersionCommand prints the version: the module version and VCS revision the
// binary was built from, as recorded by the Go toolchain.
type VersionCommand struct{ *Env }

// Run implements command.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet(c.Env, "version", "")
	if err := parseFlags(fs, args, false); err != nil {
		return err
	}
	bi, ok := debug.ReadBuildInfo()
	fmt.Fprintln(c.Stdout, versionLine(Version, bi, ok))
	return nil
}

// versionLine describes a build: "egovbench MODULE_VERSION (rev REVISION[,
// modified], COMMIT_TIME) GO_VERSION OS/ARCH". `go install module@v1.2.3`
// records v1.2.3; a build from a clone records "(devel)" or a pseudo-version,
// plus the git revision; `go run` and `go test` record no revision, and the
// line says so rather than inventing one. A version set with
// -ldflags "-X main.Version=..." wins over the recorded module version.
func versionLine(ldVersion string, bi *debug.BuildInfo, ok bool) string {
	version, rev, at, modified := "unknown", "", "", false
	goVersion := runtime.Version()
	if ok && bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if ldVersion != "" && ldVersion != "dev" {
		version = ldVersion
	}
	vcs := "no VCS revision recorded"
	if rev != "" {
		vcs = "rev " + rev
		if modified {
			vcs += ", modified"
		}
		if at != "" {
			vcs += ", " + at
		}
	}
	return fmt.Sprintf("egovbench %s (%s) %s %s/%s", version, vcs, goVersion, runtime.GOOS, runtime.GOARCH)
}
