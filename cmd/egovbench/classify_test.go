package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/egovbench/egovbench"
)

// A saved site judged offline resolves its links as on the site: inside
// the folder without --base-url, at the site's address with it.
func TestClassifyBaseURL(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", `<html lang="id"><head><title>Pemerintah Desa Contoh</title></head><body><h1>Desa Contoh</h1>
<a href="/pendaftaran">Pendaftaran</a> <a href="https://desacontoh.example.id/lacak">Lacak</a></body></html>`)
	// Saved as a mirror saves extensionless paths: a folder's index.html,
	// and a file without extension.
	write("pendaftaran/index.html", `<html><head><title>Pendaftaran Surat</title></head><body><h1>Pendaftaran Surat</h1>
<form method="post"><input name="nik"><input name="nama"><textarea name="keperluan"></textarea></form></body></html>`)
	write("lacak", `<!DOCTYPE html><html><head><title>Nomor Surat</title></head><body><h1>Nomor Surat</h1>
<form method="post"><input name="nomor"><input name="nik"><button>Kirim</button></form></body></html>`)

	ctx := context.Background()
	classify := func(args ...string) classifyRow {
		t.Helper()
		var got []classifyRow
		if err := json.Unmarshal([]byte(mustRun(t, ctx, append([]string{"classify", "--json"}, args...)...)), &got); err != nil || len(got) != 1 {
			t.Fatalf("classify %v: %v (%d assessments)", args, err, len(got))
		}
		return got[0]
	}
	plain := classify(dir)
	if !slices.Contains(plain.IndicatorsMet, "apply_online") {
		t.Errorf("without --base-url, /pendaftaran should resolve inside the folder: met %v", plain.IndicatorsMet)
	}
	if slices.Contains(plain.IndicatorsMet, "tracking") {
		t.Errorf("without --base-url, a link to another host's /lacak is not the saved page: met %v", plain.IndicatorsMet)
	}
	based := classify("--base-url", "https://desacontoh.example.id", dir)
	for _, id := range []string{"apply_online", "tracking"} {
		if !slices.Contains(based.IndicatorsMet, id) {
			t.Errorf("with --base-url, %s should be met through the saved page: met %v", id, based.IndicatorsMet)
		}
	}
	if based.Stage != egovbench.StageTransaction.String() {
		t.Errorf("stage with --base-url %s", based.Stage)
	}
	for _, bad := range []string{"ftp://x/", "/relative", "http://"} {
		if _, _, err := run(t, ctx, "classify", "--base-url", bad, dir); err == nil {
			t.Errorf("--base-url %q accepted", bad)
		}
	}
}
