package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/egovbench/egovbench/schedule"
)

// TestFleetServe: fleet serve keeps the fleet up and writes what crawl,
// probe and schedule need to reach it; the commands it prints work.
func TestFleetServe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		m := &Main{Stdout: &out, Stderr: io.Discard}
		done <- m.Run(sctx, []string{"fleet", "serve", "--out", dir, "--slow-delay", "20ms"})
	}()

	yamlPath := filepath.Join(dir, "egovbench.yaml")
	var cfg *schedule.Config
	for deadline := time.Now().Add(time.Minute); ; {
		var err error
		if _, serr := os.Stat(yamlPath); serr == nil {
			if cfg, err = schedule.LoadConfig(yamlPath); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no valid schedule YAML from fleet serve: %v\n%s", err, out.String())
		}
		select {
		case err := <-done:
			t.Fatalf("fleet serve returned early: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !cfg.AllowPrivate || cfg.CAFile != filepath.Join(dir, "ca.pem") || len(cfg.Resolve) < 100 ||
		len(cfg.Targets) != 1 || cfg.Targets[0] != filepath.Join(dir, "targets.csv") {
		t.Errorf("schedule YAML: allow_private %v, ca_file %q, %d resolve entries, targets %v",
			cfg.AllowPrivate, cfg.CAFile, len(cfg.Resolve), cfg.Targets)
	}
	for host, to := range cfg.Resolve {
		if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(to) {
			t.Errorf("resolve %s -> %s leaves loopback", host, to)
		}
	}

	db := filepath.Join(dir, "egovbench.db")
	net := []string{"--allow-private", "--ca-file", cfg.CAFile, "--resolve", "@" + filepath.Join(dir, "resolve.txt")}
	mustRun(t, ctx, append([]string{"crawl", "--targets", cfg.Targets[0], "--db", db, "--max-pages", "3",
		"--delay", "1ms", "--log-level", "warn"}, net...)...)
	probed := mustRun(t, ctx, append([]string{"probe", "--db", db}, net...)...)
	m := regexp.MustCompile(`^(\d+) probes: (\d+) up`).FindStringSubmatch(probed)
	if m == nil {
		t.Fatalf("probe printed %q", probed)
	}
	if n, _ := strconv.Atoi(m[1]); n < 20 {
		t.Errorf("probed %d targets", n)
	}
	if up, _ := strconv.Atoi(m[2]); up < 15 {
		t.Errorf("only %d fleet sites up through the written resolve list", up)
	}

	stop()
	if err := <-done; err != nil {
		t.Errorf("fleet serve stopped with %v", err)
	}
	for _, want := range []string{"egovbench schedule --config " + yamlPath, "--resolve @" + filepath.Join(dir, "resolve.txt")} {
		if !bytes.Contains([]byte(out.String()), []byte(want)) {
			t.Errorf("fleet serve does not print %q:\n%s", want, out.String())
		}
	}
}

func TestResolveFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("# comment\n\nwww.a.go.id:443=127.0.0.1:8443\n a.go.id:80=127.0.0.1:8080 \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var r resolveFlag
	if err := r.Set("@" + good); err != nil {
		t.Fatal(err)
	}
	if err := r.Set("x.go.id:443=127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if len(r.m) != 3 || r.m["a.go.id:80"] != "127.0.0.1:8080" || r.m["www.a.go.id:443"] != "127.0.0.1:8443" {
		t.Errorf("resolve = %v", r.m)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("www.a.go.id:443=127.0.0.1:8443\nnonsense\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&resolveFlag{}).Set("@" + bad); err == nil || !bytes.Contains([]byte(err.Error()), []byte("bad.txt line 2")) {
		t.Errorf("bad resolve file: %v", err)
	}
	_, _, err := run(t, context.Background(), "probe", "--db", filepath.Join(dir, "x.db"), "--resolve", "@"+bad)
	if exitCode(err) != 2 {
		t.Errorf("probe --resolve @bad: exit %d, err %v", exitCode(err), err)
	}
}
