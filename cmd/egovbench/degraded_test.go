package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench/store"
)

// newEmptyDB creates a database the way crawl would, for commands that
// refuse to create one.
func newEmptyDB(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// TestProbeProberOffline runs a probe round whose own network is gone: the
// probe command in a network namespace with no usable interface (not even
// loopback), against the simulated fleet outside it. Every site fails with
// a network error; the round must be recorded as the prober's failure and
// open no outage, where the same round from the host opens outages only
// for the sites that are really down.
func TestProbeProberOffline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Fatalf("this test needs unshare -n (root or user namespaces) to take the prober's network away: %v %s", err, out)
	}
	ff := startFleetFiles(t, ctx)
	dbPath := filepath.Join(ff.dir, "egovbench.db")
	newEmptyDB(t, dbPath)
	args := append([]string{"probe", "--db", dbPath, "--targets", ff.targets, "--allow-private", "--request-timeout", "3s"}, ff.netArgs...)

	mustRun(t, ctx, args...)
	db := openSQL(t, dbPath)
	outages := queryInt(t, db, "SELECT count(*) FROM outages")
	probes := queryInt(t, db, "SELECT count(*) FROM probes")
	if outages == 0 || outages*2 > len(ff.fleet.Sites()) {
		t.Fatalf("host round: %d outages of %d sites; the fleet has a few down sites", outages, len(ff.fleet.Sites()))
	}

	child := exec.CommandContext(ctx, "unshare", append([]string{"-n", os.Args[0]}, args...)...)
	child.Env = append(os.Environ(), "EGOVBENCH_TEST_CHILD=1")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("probe without a network: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "the prober's own network failed") {
		t.Errorf("probe output does not say the prober was offline:\n%s", out)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM outages"); n != outages {
		t.Errorf("offline round: %d outages, want the %d of the host round", n, outages)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM probes"); n != probes {
		t.Errorf("offline round stored %d probes as measurements", n-probes)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM prober_degraded_rounds WHERE failed = targets"); n != 1 {
		t.Errorf("%d degraded rounds recorded, want 1", n)
	}
}

// TestProbeCanaries: when most targets fail at once, a canary that answers
// says the prober's network works (the round is recorded: the sites are
// down), and canaries that all fail say it does not (the round is not).
func TestProbeCanaries(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Four sites on ports nobody listens on: refused, as when they are
	// really down, or as when our own network refuses everything.
	var csv strings.Builder
	csv.WriteString("id,name,url\n")
	for _, n := range []string{"a", "b", "c", "d"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		csv.WriteString(n + ",Kota " + n + ",http://" + addr + "/\n")
	}
	targets := filepath.Join(dir, "targets.csv")
	if err := os.WriteFile(targets, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer up.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadCanary := "http://" + ln.Addr().String() + "/"
	ln.Close()

	for _, tc := range []struct {
		name     string
		canaries []string
		recorded bool
	}{
		{"no canary: most failed, the prober is suspect", nil, false},
		{"a canary answers: the sites are down", []string{deadCanary, up.URL + "/"}, true},
		{"every canary fails: the prober is offline", []string{deadCanary}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "e.db")
			newEmptyDB(t, dbPath)
			args := []string{"probe", "--db", dbPath, "--targets", targets, "--allow-private", "--request-timeout", "2s"}
			for _, c := range tc.canaries {
				args = append(args, "--canary", c)
			}
			mustRun(t, ctx, args...)
			db := openSQL(t, dbPath)
			outages, degraded := queryInt(t, db, "SELECT count(*) FROM outages"), queryInt(t, db, "SELECT count(*) FROM prober_degraded_rounds")
			if tc.recorded && (outages != 4 || degraded != 0) {
				t.Errorf("%d outages, %d degraded rounds; want 4 and 0", outages, degraded)
			}
			if !tc.recorded && (outages != 0 || degraded != 1) {
				t.Errorf("%d outages, %d degraded rounds; want 0 and 1", outages, degraded)
			}
		})
	}
}
