package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/egovbench/egovbench/fleet"
)

// The test binary doubles as the egovbench binary for tests that must kill
// a real child process: with EGOVBENCH_TEST_CHILD set it runs main instead
// of the tests; with EGOVBENCH_TEST_FLEET it serves the benchmark's fleet.
func TestMain(m *testing.M) {
	if os.Getenv("EGOVBENCH_TEST_CHILD") == "1" {
		main()
		os.Exit(0)
	}
	if n := os.Getenv(fleetChildEnv); n != "" {
		os.Exit(serveFleetChild(n))
	}
	os.Exit(m.Run())
}

// run runs a command in-process and returns what it printed.
func run(t testing.TB, ctx context.Context, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb}
	err = m.Run(ctx, args)
	return out.String(), errb.String(), err
}

// mustRun is run that fails the test on error.
func mustRun(t testing.TB, ctx context.Context, args ...string) string {
	t.Helper()
	out, errs, err := run(t, ctx, args...)
	if err != nil {
		t.Fatalf("egovbench %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

// openSQL opens a database the way a researcher would, read-only, to check
// what the commands left in it.
func openSQL(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestUnknownCommand(t *testing.T) {
	_, _, err := run(t, context.Background(), "frobnicate")
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestCrawlBadTargetsWritesNothing(t *testing.T) {
	dir := t.TempDir()
	targets := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(targets, []byte("name,url\nKota A,https://a.go.id\nKota B,ftp://b.go.id\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "db.sqlite")
	_, _, err := run(t, context.Background(), "crawl", "--targets", targets, "--db", dbPath)
	if err == nil {
		t.Fatal("crawl accepted a malformed targets file")
	}
	if !strings.Contains(err.Error(), "line 3, column 2") {
		t.Errorf("error does not name line 3, column 2: %v", err)
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("database was created despite the bad targets file (stat err %v)", err)
	}
}

// fleetFiles starts the simulated fleet and writes what a separate process
// needs to crawl it: a targets file, the fleet's CA certificate, and the
// --resolve flags that keep every connection on loopback.
type fleetFiles struct {
	fleet   *fleet.Fleet
	dir     string
	targets string
	ca      string
	netArgs []string // --allow-private --ca-file ... --resolve ...
}

func startFleetFiles(t testing.TB, ctx context.Context) fleetFiles {
	t.Helper()
	// The hand-made rows only: the class sites link lapor.go.id, which the
	// fleet leaves unresolved on purpose, and the crawl and schedule
	// commands, given --resolve, would ask the real DNS for it.
	f, err := fleet.Start(ctx, fleet.Options{Sites: fleet.HandMadeSites()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	ff := fleetFiles{fleet: f, dir: t.TempDir()}
	ff.targets = filepath.Join(ff.dir, "targets.csv")
	if err := writeFleetTargets(f, ff.targets); err != nil {
		t.Fatal(err)
	}
	ff.ca = filepath.Join(ff.dir, "ca.pem")
	if err := os.WriteFile(ff.ca, f.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	ff.netArgs = []string{"--ca-file", ff.ca}
	for k, v := range f.Resolve() {
		ff.netArgs = append(ff.netArgs, "--resolve", k+"="+v)
	}
	return ff
}

// TestMistypedDBRefused: only crawl, schedule and demo create a database.
// The other commands refuse a path that names none, exit with an error,
// and leave no empty database behind that would report "no sites".
func TestMistypedDBRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	typo := filepath.Join(dir, "sulsle.db")
	for _, args := range [][]string{
		{"export", "--db", typo},
		{"export", "--db", typo, "--table", "uptime"},
		{"report", "--db", typo, "--out", filepath.Join(dir, "report")},
		{"probe", "--db", typo},
		{"reanalyze", "--db", typo},
	} {
		t.Run(args[0], func(t *testing.T) {
			out, _, err := run(t, ctx, args...)
			if err == nil {
				t.Fatalf("egovbench %s succeeded, printing %q", strings.Join(args, " "), out)
			}
			if !strings.Contains(err.Error(), "no such file") || !strings.Contains(err.Error(), typo) {
				t.Errorf("error %q does not say the database is missing", err)
			}
			if _, err := os.Stat(typo); err == nil {
				t.Fatal("an empty database was created")
			}
		})
	}
}
