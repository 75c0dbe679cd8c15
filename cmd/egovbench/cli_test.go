package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestCLIConventions checks, in-process, what every invocation returns and
// prints: help is not an error, usage mistakes are exit status 2 with a
// one-line reason, and nothing is silently ignored.
func TestCLIConventions(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	if err := os.WriteFile(page, []byte("<html><body><h1>Beranda</h1></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring of stdout
		stderr   string // substring of stderr
		err      string // substring of the error
		noStdout bool
	}{
		{name: "bare prints usage, runs nothing", args: nil, code: 2, stderr: "Usage:", err: "no command given", noStdout: true},
		{name: "-h", args: []string{"-h"}, code: 0, stdout: "Usage:"},
		{name: "--help", args: []string{"--help"}, code: 0, stdout: "Usage:"},
		{name: "help", args: []string{"help"}, code: 0, stdout: "Usage:"},
		{name: "help COMMAND", args: []string{"help", "probe"}, code: 0, stdout: "Usage: egovbench probe"},
		{name: "help unknown", args: []string{"help", "frob"}, code: 2, err: `unknown command "frob"`},
		{name: "help two", args: []string{"help", "crawl", "probe"}, code: 2, err: "want one command"},
		{name: "unknown command", args: []string{"frob"}, code: 2, err: `unknown command "frob"`, noStdout: true},
		{name: "version", args: []string{"version"}, code: 0, stdout: "egovbench "},
		{name: "--version", args: []string{"--version"}, code: 0, stdout: "egovbench "},
		{name: "-version", args: []string{"-version"}, code: 0, stdout: "egovbench "},
		{name: "version stray", args: []string{"version", "now"}, code: 2, err: `unexpected argument "now"`},
		{name: "crawl -h", args: []string{"crawl", "-h"}, code: 0, stdout: "-max-pages"},
		{name: "crawl --help", args: []string{"crawl", "--help"}, code: 0, stdout: "Usage: egovbench crawl"},
		{name: "crawl missing flags", args: []string{"crawl"}, code: 2, err: "crawl needs --db and --targets"},
		{name: "unknown flag", args: []string{"crawl", "--nope"}, code: 2, err: "flag provided but not defined: -nope"},
		{name: "bad flag value", args: []string{"crawl", "--workers", "many"}, code: 2, err: `invalid value "many" for flag -workers`},
		{name: "stray argument", args: []string{"export", "--db", filepath.Join(dir, "x.db"), "latest"}, code: 2, err: `unexpected argument "latest"`},
		{name: "flag after positional", args: []string{"classify", page, "--json"}, code: 2, err: "flag --json after the arguments"},
		{name: "-- ends flags", args: []string{"classify", "--", page}, code: 0, stdout: "stage"},
		{name: "bad format", args: []string{"export", "--db", filepath.Join(dir, "x.db"), "--format", "xml"}, code: 2, err: `--format "xml"`},
		{name: "bad table", args: []string{"export", "--db", filepath.Join(dir, "x.db"), "--table", "nope"}, code: 2, err: `--table "nope"`},
		{name: "bad log level", args: []string{"demo", "--out", filepath.Join(dir, "demo"), "--log-level", "loud"}, code: 2, err: "--log-level"},
		{name: "fleet serve -h", args: []string{"fleet", "serve", "-h"}, code: 0, stdout: "-out"},
		{name: "fleet serve stray", args: []string{"fleet", "serve", "now"}, code: 2, err: `unexpected argument "now"`},
		{name: "fleet without subcommand", args: []string{"fleet"}, code: 2, err: "want a subcommand: serve"},
		{name: "demo bad render", args: []string{"demo", "--out", filepath.Join(dir, "demo"), "--render", "sometimes"}, code: 2, err: "--render"},
		{name: "classify without paths", args: []string{"classify"}, code: 2, err: "classify needs at least one PATH"},
		{name: "classify missing file is not a usage error", args: []string{"classify", filepath.Join(dir, "missing.html")}, code: 1, err: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := run(t, context.Background(), tc.args...)
			if got := exitCode(err); got != tc.code {
				t.Errorf("exit status %d, want %d (err %v)", got, tc.code, err)
			}
			if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("err = %v, want it to contain %q", err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", tc.stdout, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.stderr, stderr)
			}
			if tc.noStdout && stdout != "" {
				t.Errorf("stdout should be empty:\n%s", stdout)
			}
			// A usage mistake is reported as one line, not buried under
			// the flag list.
			if tc.code == 2 && tc.stderr == "" && stderr != "" {
				t.Errorf("usage error also printed:\n%s", stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "demo")); !os.IsNotExist(err) {
		t.Errorf("a refused demo created its folder (stat err %v)", err)
	}
}

// TestEveryCommandHelpAndStrayArguments holds every command, including ones
// added later, to the conventions: -h exits 0 with the command's usage on
// stdout, an unknown flag and an argument the command does not take are
// usage errors.
func TestEveryCommandHelpAndStrayArguments(t *testing.T) {
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	var names []string
	for name := range m.commands() {
		names = append(names, name)
	}
	sort.Strings(names)
	// Commands that take arguments after their flags, and one argument
	// they take, so a flag after it is wrongly placed.
	positional := map[string]string{"classify": "page.html"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			for _, h := range []string{"-h", "--help", "-help"} {
				stdout, stderr, err := run(t, context.Background(), name, h)
				if exitCode(err) != 0 || err != nil {
					t.Errorf("%s %s: err %v", name, h, err)
				}
				if !strings.HasPrefix(stdout, "Usage: egovbench "+name) {
					t.Errorf("%s %s: stdout does not start with its usage:\n%s", name, h, stdout)
				}
				if stderr != "" {
					t.Errorf("%s %s: wrote to stderr:\n%s", name, h, stderr)
				}
			}
			_, _, err := run(t, context.Background(), name, "--no-such-flag")
			if exitCode(err) != 2 || !strings.Contains(err.Error(), "no-such-flag") {
				t.Errorf("%s --no-such-flag: exit %d, err %v", name, exitCode(err), err)
			}
			args := []string{name, "stray"}
			want := `unexpected argument "stray"`
			if p, ok := positional[name]; ok {
				args, want = []string{name, p, "--db"}, "flag --db after the arguments"
			}
			_, _, err = run(t, context.Background(), args...)
			if exitCode(err) != 2 || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: exit %d, err %v; want exit 2 and %q", strings.Join(args, " "), exitCode(err), err, want)
			}
		})
	}
}

// TestSubcommandHelpListsOwnFlags: a command's -h lists the flags it uses
// and no other command's.
func TestSubcommandHelpListsOwnFlags(t *testing.T) {
	tests := []struct {
		cmd       string
		want, not []string
	}{
		// probe --nats runs until stopped, so it logs.
		{"probe", []string{"-db", "-targets", "-workers", "-request-timeout", "-resolve", "-ca-file", "-allow-private", "-user-agent", "-nats", "-every", "-log-level"},
			[]string{"-max-pages", "-max-depth", "-site-timeout", "-delay", "-per-host", "-catalogue", "-resume", "-out", "-shards", "-politeness-key"}},
		{"crawl", []string{"-db", "-targets", "-resume", "-max-pages", "-delay", "-catalogue", "-log-level"},
			[]string{"-out", "-format", "-lang", "-config", "-json"}},
		{"export", []string{"-db", "-format", "-table"}, []string{"-workers", "-out", "-resolve", "-lang"}},
		{"report", []string{"-db", "-out", "-lang", "-tz"}, []string{"-workers", "-resolve", "-format", "-max-pages"}},
		{"classify", []string{"-json", "-catalogue"}, []string{"-db", "-workers", "-out"}},
		{"reanalyze", []string{"-db", "-run", "-catalogue"}, []string{"-workers", "-out", "-resolve"}},
		{"version", nil, []string{"-db", "-out"}},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			out := mustRun(t, context.Background(), tc.cmd, "-h")
			flags := helpFlags(out)
			for _, f := range tc.want {
				if !flags[f] {
					t.Errorf("%s -h does not list %s:\n%s", tc.cmd, f, out)
				}
			}
			for _, f := range tc.not {
				if flags[f] {
					t.Errorf("%s -h lists %s, which it does not use", tc.cmd, f)
				}
			}
		})
	}
}

// helpFlags collects the flag names of a PrintDefaults listing.
func helpFlags(out string) map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f, ok := strings.CutPrefix(line, "  -"); ok {
			m["-"+strings.Fields(f)[0]] = true
		}
	}
	return m
}

// TestExitStatus runs the real binary (the test binary running main) to see
// the exit statuses and streams a shell sees.
func TestExitStatus(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		stdout     string
		stderrLine string // the whole of stderr, one line; "" means empty
	}{
		{[]string{"-h"}, 0, "Usage:", ""},
		{[]string{"crawl", "-h"}, 0, "Usage: egovbench crawl", ""},
		{[]string{"--version"}, 0, "egovbench ", ""},
		{[]string{"crawl"}, 2, "", "egovbench: crawl needs --db and --targets (or --resume)"},
		{[]string{"probe", "--max-pages", "3"}, 2, "", "egovbench: probe: flag provided but not defined: -max-pages (egovbench probe -h lists the flags)"},
		{[]string{"frob"}, 2, "", `egovbench: unknown command "frob" (egovbench -h lists the commands)`},
		{[]string{"classify", "/nonexistent/egovbench/page.html"}, 1, "", "egovbench: classify: stat /nonexistent/egovbench/page.html: no such file or directory"},
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(exe, tc.args...)
			cmd.Env = append(os.Environ(), "EGOVBENCH_TEST_CHILD=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", tc.stdout, stdout.String())
			}
			want := tc.stderrLine
			if want != "" {
				want += "\n"
			}
			if stderr.String() != want {
				t.Errorf("stderr = %q, want %q", stderr.String(), want)
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		ld   string
		bi   *debug.BuildInfo
		ok   bool
		want string // prefix; the Go version and platform follow
	}{
		{"go install module@version", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"},
			Settings: settings("vcs.revision", "abc123", "vcs.time", "2026-11-22T23:39:59Z", "vcs.modified", "false")},
			true, "egovbench v1.2.3 (rev abc123, 2026-11-22T23:39:59Z) go1.26.0 "},
		{"build from a modified clone", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261122233959-02f535b6402e+dirty"},
			Settings: settings("vcs.revision", "02f535b6402e", "vcs.modified", "true")},
			true, "egovbench v0.0.0-20261122233959-02f535b6402e+dirty (rev 02f535b6402e, modified) go1.26.0 "},
		{"go run: no revision", "", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			true, "egovbench (devel) (no VCS revision recorded) go1.26.0 "},
		{"ldflags version wins", "v9.9.9", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs.revision", "ff")}, true, "egovbench v9.9.9 (rev ff) go1.26.0 "},
		{"no build info", "dev", nil, false, "egovbench unknown (no VCS revision recorded) go"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionLine(tc.ld, tc.bi, tc.ok); !strings.HasPrefix(got, tc.want) {
				t.Errorf("versionLine = %q, want prefix %q", got, tc.want)
			}
		})
	}
	// The real binary reports what the toolchain recorded for it.
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info in the test binary")
	}
	out := mustRun(t, context.Background(), "version")
	if !strings.HasPrefix(out, "egovbench "+bi.Main.Version+" ") {
		t.Errorf("version printed %q, the module version recorded is %q", out, bi.Main.Version)
	}
}

// TestJSONKeysConsistent: classify --json and export --format json name
// and order the keys they share alike, and --table JSON keeps the CSV
// column order.
func TestJSONKeysConsistent(t *testing.T) {
	b, err := json.Marshal(exportRow{})
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonKeys(t, b); !slices.Equal(got, exportColumns) {
		t.Errorf("export JSON keys %v, CSV columns %v", got, exportColumns)
	}

	dir := t.TempDir()
	page := filepath.Join(dir, "index.html")
	if err := os.WriteFile(page, []byte(`<html lang="id"><head><title>Pemerintah Kota</title></head><body><a href="/kontak">Kontak</a></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal([]byte(mustRun(t, context.Background(), "classify", "--json", page)), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("classify --json printed %d objects", len(rows))
	}
	keys := jsonKeys(t, rows[0])
	if len(keys) < len(exportColumns) || !slices.Equal(keys[:len(exportColumns)], exportColumns) {
		t.Errorf("classify --json keys %v do not start with the export keys %v", keys, exportColumns)
	}
	for _, k := range keys {
		if k != strings.ToLower(k) || strings.ContainsAny(k, "- ") {
			t.Errorf("key %q is not snake_case", k)
		}
	}
	var row classifyRow
	if err := json.Unmarshal(rows[0], &row); err != nil {
		t.Fatal(err)
	}
	// Without --base-url a saved page is judged at a reserved address.
	if row.TargetID != page || row.URL != "http://"+savedHost+"/" || row.CrawledAt == "" || row.Stage == "" || row.CatalogueVersion == "" {
		t.Errorf("classify row misses export fields: %+v", row.exportRow)
	}

	header := []string{"target_id", "run_id", "crawled_at", "stage", "score"}
	var buf bytes.Buffer
	sink := newRowSink(&buf, "json")
	if err := sink.header(header...); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{{"kota-a", int64(3), "2026-01-02T03:04:05Z", "presence", 12.5}, {"kota-b", int64(4), nil, "none", 0.0}} {
		if err := sink.row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.close(); err != nil {
		t.Fatal(err)
	}
	b = buf.Bytes()
	var recs []json.RawMessage
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if got := jsonKeys(t, r); !slices.Equal(got, header) {
			t.Errorf("--table JSON keys %v, CSV header %v", got, header)
		}
	}
	var back []map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"target_id": "kota-a", "run_id": 3.0, "crawled_at": "2026-01-02T03:04:05Z", "stage": "presence", "score": 12.5},
		{"target_id": "kota-b", "run_id": 4.0, "crawled_at": nil, "stage": "none", "score": 0.0},
	}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("records = %v, want %v", back, want)
	}
}

// jsonKeys returns the top-level keys of a JSON object in document order.
func jsonKeys(t *testing.T, obj []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", obj)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
