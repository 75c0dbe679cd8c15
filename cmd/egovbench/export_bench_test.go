package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/analyzer"
	"github.com/egovbench/egovbench/store"
)

// benchExportSitesEnv scales BenchmarkExport down for a quick check.
const benchExportSitesEnv = "EGOVBENCH_BENCH_EXPORT_SITES"

// exportBenchVersion keys the cached database; bump it when genExportDB changes.
const exportBenchVersion = "v1"

// BenchmarkExport measures `egovbench export` of every table in both formats
// over 100,000 targets, each with one assessment of the full catalogue
// (indicators and evidence) and a day of probes every 6 hours. The target is
// 10 s per export and memory that stays flat in the number of rows; peak RSS
// is measured on the built binary (README, "Measuring it"), since in-process
// the benchmark's own heap would count. B/op says how much is allocated in
// all; the live heap stays small because rows are written as they are read.
//
// The database takes minutes to build; it is cached under os.TempDir():
//
//	go test ./cmd/egovbench -run XXX -bench Export -benchtime 1x -timeout 1h
func BenchmarkExport(b *testing.B) {
	sites := envInt(b, benchExportSitesEnv, 100_000)
	path := cachedExportDB(b, sites)
	ctx := context.Background()
	for _, table := range exportTableNames() {
		for _, format := range []string{"csv", "json"} {
			b.Run(table+"/"+format, func(b *testing.B) {
				b.ReportAllocs()
				var n int64
				for b.Loop() {
					cw := &countWriter{}
					m := &Main{Stdout: cw, Stderr: io.Discard}
					if err := m.Run(ctx, []string{"export", "--db", path, "--format", format, "--table", table}); err != nil {
						b.Fatal(err)
					}
					n = cw.n
				}
				b.ReportMetric(float64(n)/1e6, "out_MB")
			})
		}
	}
}

// countWriter counts the bytes and lines written to it.
type countWriter struct{ n, lines int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// cachedExportDB returns the path of the benchmark database, building it once.
func cachedExportDB(b *testing.B, sites int) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("egovbench-export-bench-%s-%d.db", exportBenchVersion, sites))
	if _, err := os.Stat(path); err == nil {
		b.Logf("reusing cached %s", path)
		return migratedBenchDB(b, path) // the export would migrate the cache itself
	}
	start := time.Now()
	if err := genExportDB(context.Background(), path, analyzer.DefaultCatalogue(), sites); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s in %v", path, time.Since(start).Round(time.Second))
	return path
}

// genExportDB writes sites targets, one crawl run assessing all of them and
// a day of probes every 6 hours, through a temporary file.
func genExportDB(ctx context.Context, path string, cat *analyzer.Catalogue, sites int) error {
	tmp := path + ".tmp"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	day := reportBenchEnd.AddDate(0, 0, -1)
	clock := day
	db, err := store.Open(ctx, tmp, store.WithClock(func() time.Time { return clock }), store.WithGapCap(6*time.Hour))
	if err != nil {
		return err
	}
	defer db.Close()
	regions := []string{"Aceh", "Sumatera Utara", "Jawa Barat", "Jawa Tengah", "Jawa Timur",
		"Bali", "Kalimantan Timur", "Sulawesi Selatan", "Nusa Tenggara Timur", "Papua"}
	ts := make([]egovbench.Target, sites)
	ids := make([]string, sites)
	for i := range ts {
		ts[i] = egovbench.Target{
			ID: fmt.Sprintf("desa-%06d", i), Name: fmt.Sprintf("Pemerintah Desa %06d", i),
			URL: fmt.Sprintf("https://desa%06d.example.go.id/", i), Level: "desa",
			Region: regions[i%len(regions)], Country: "ID", Lang: "id",
		}
		ids[i] = ts[i].ID
	}
	if err := db.UpsertTargets(ctx, ts); err != nil {
		return err
	}
	inds, weights := cat.Indicators(), cat.Weights()
	rng := rand.New(rand.NewPCG(3, 4))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0)
	if err != nil {
		return err
	}
	offs := make([]float64, len(inds))
	for i := range ts {
		for j := range offs {
			offs[j] = rng.Float64()*0.5 - 0.25
		}
		a := synthAssessment(ts[i], run.ID, day.Add(time.Duration(i)*time.Second/4), cat.Version(), inds, weights, offs, rng.Float64()*1.2, rng)
		if err := db.SaveAssessment(ctx, a); err != nil {
			return err
		}
	}
	if err := db.FinishRun(ctx, run.ID, egovbench.RunDone); err != nil {
		return err
	}
	for lo := 0; lo < sites; lo += 5000 {
		if err := db.InsertProbes(ctx, synthProbes(ts[lo:min(sites, lo+5000)], day, false, rng)); err != nil {
			return err
		}
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
