package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

var (
	yearDays  = flag.Int("year.days", 365, "BenchmarkYearOfProbes: days of history to generate")
	yearSites = flag.Int("year.sites", 550, "BenchmarkYearOfProbes: number of sites")
	yearKeep  = flag.Int("year.keep", 90, "BenchmarkYearOfProbes: raw probe retention in days")
	yearPath  = flag.String("year.db", "", "BenchmarkYearOfProbes: keep the generated database at this path (default: a temp dir)")
)

// cpuTime returns the CPU time (user+system) this process has used, so that
// results stay meaningful on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// probeGen makes plausible 5-minute probes: each site has its own median
// latency; about 1% of probes fail, a few sites are blocked now and then,
// and some sites have multi-hour outages.
type probeGen struct {
	r      *rand.Rand
	median []float64
	sites  []egovbench.Target
}

func newProbeGen(sites []egovbench.Target) *probeGen {
	g := &probeGen{r: rand.New(rand.NewPCG(42, 43)), sites: sites}
	for range sites {
		g.median = append(g.median, 80e3+g.r.Float64()*900e3)
	}
	return g
}

func (g *probeGen) probe(i int, at time.Time) egovbench.Probe {
	s := g.sites[i]
	p := egovbench.Probe{TargetID: s.ID, At: at, URL: s.URL, Outcome: egovbench.OutcomeOK, HTTPStatus: 200,
		Bytes: 20_000 + g.r.Int64N(80_000), TLSValid: true, TLSExpiry: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		HTTPSRedirect: true}
	total := time.Duration(g.median[i]*math.Exp(g.r.NormFloat64()*0.4)) * time.Microsecond / 1000 * 1000
	p.DNS, p.Connect, p.TLS = total/20, total/10, total/5
	p.TTFB, p.Total = total*7/10, total
	switch x := g.r.IntN(1000); {
	case i%50 == 7 && at.Hour() < 3: // a handful of sites down every night
		p.Outcome, p.HTTPStatus, p.Error, p.Bytes = egovbench.OutcomeConnectionRefused, 0, "connect: connection refused", 0
		p.Total, p.TTFB, p.TLS = 0, 0, 0
	case x < 8:
		p.Outcome, p.HTTPStatus, p.Error, p.Bytes = egovbench.OutcomeTimeout, 0, "context deadline exceeded", 0
	case x < 10:
		p.Outcome, p.HTTPStatus = egovbench.OutcomeBlocked, 403
	}
	return p
}

func benchSites(n int) []egovbench.Target {
	ts := testTargets(n)
	for i := range ts {
		ts[i].URL = fmt.Sprintf("https://www.kab%03d.example.go.id/", i)
	}
	return ts
}

// BenchmarkInsertProbes measures one 5-minute probe batch for 550 sites,
// with rollups, outages and last-probe state, on a database that already
// holds a day of history.
func BenchmarkInsertProbes(b *testing.B) {
	ctx := context.Background()
	db := openTestDB(b)
	sites := benchSites(550)
	mustUpsert(b, db, sites)
	g := newProbeGen(sites)
	at := t0
	batch := make([]egovbench.Probe, len(sites))
	next := func() {
		for i := range sites {
			batch[i] = g.probe(i, at.Add(time.Duration(i)*100*time.Millisecond))
		}
		at = at.Add(5 * time.Minute)
	}
	for range 288 {
		next()
		if err := db.InsertProbes(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		next()
		b.StartTimer()
		c0 := cpuTime()
		if err := db.InsertProbes(ctx, batch); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
	}
	b.ReportMetric(float64(len(sites)), "probes/op")
	b.ReportMetric(float64(cpu.Microseconds())/1e3/float64(b.N), "cpu_ms/op")
}

// BenchmarkUptimeYear measures Uptime over a year for 550 sites. The daily
// rollups are written directly (each built from 288 synthetic checks with the
// same aggregation code the probe path uses), because generating them
// through InsertProbes takes minutes; BenchmarkYearOfProbes measures the same
// query on a database built through the API.
func BenchmarkUptimeYear(b *testing.B) {
	ctx := context.Background()
	db := openTestDB(b)
	sites := benchSites(550)
	mustUpsert(b, db, sites)
	g := newProbeGen(sites)
	ids, err := targetRowIDs(ctx, db.write)
	if err != nil {
		b.Fatal(err)
	}
	tx, err := db.write.Begin()
	if err != nil {
		b.Fatal(err)
	}
	// Seven distinct synthetic days per site, cycled over the year, keep the
	// setup to seconds while the histograms still vary from day to day.
	week := make([][]*agg, 7)
	for w := range week {
		for i := range sites {
			a := &agg{}
			for k := range 288 {
				p := g.probe(i, t0.AddDate(0, 0, w).Add(time.Duration(k)*5*time.Minute))
				a.check(p.Outcome.Up(), p.Outcome.Counted(), false, us(p.Total))
				if p.Outcome.Counted() {
					addHeld(a, p.Outcome.Up(), 5*60_000)
				}
			}
			week[w] = append(week[w], a)
		}
	}
	for d := range 365 {
		day := t0.AddDate(0, 0, d)
		aggs := map[dayKey]*agg{}
		for i, s := range sites {
			a := *week[d%7][i]
			a.hist = append(hist(nil), a.hist...)
			aggs[dayKey{ids[s.ID], ms(day)}] = &a
		}
		if err := db.flushDaily(ctx, tx, aggs); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		up, err := db.Uptime(ctx, t0, t0.AddDate(1, 0, 0))
		if err != nil {
			b.Fatal(err)
		}
		if r := up[sites[0].ID]; len(up) != 550 || r.Checks != 365*288 {
			b.Fatalf("uptime: %d sites, %+v", len(up), r)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu_ms/op")
}

// crawlGen makes plausible crawls of a fleet: each site has its own page
// template (head, navigation, footer) around article text drawn from a
// vocabulary, so bodies compress about as well as real government HTML
// rather than to almost nothing; links, the probe and the assessment have
// the shapes the crawler and the analyzer produce.
type crawlGen struct {
	r      *rand.Rand
	sites  []egovbench.Target
	chrome [][2][]byte // per site: the markup before and after the article
	bodies [][][]byte  // per site: the current body of each page
	words  []string
}

const (
	genPages = 20 // HTML pages per site
	genLinks = 10 // external links per site
)

func newCrawlGen(sites []egovbench.Target) *crawlGen {
	g := &crawlGen{r: rand.New(rand.NewPCG(1, 1)), sites: sites}
	g.words = strings.Fields(`pemerintah kota kabupaten provinsi layanan publik informasi berita pengumuman
		dinas badan kantor camat kelurahan desa warga masyarakat pelayanan perizinan kependudukan pendidikan kesehatan
		anggaran belanja pendapatan daerah peraturan bupati walikota gubernur sekretariat bidang seksi program kegiatan
		pembangunan jalan jembatan air bersih sanitasi pasar rakyat usaha mikro kecil menengah pertanian perikanan
		pariwisata budaya festival tahun bulan minggu hari tanggal rapat koordinasi evaluasi laporan kinerja akuntabilitas
		transparansi pengaduan aspirasi survei kepuasan indeks reformasi birokrasi inovasi digital aplikasi sistem data
		statistik penduduk jiwa kecamatan wilayah bencana banjir longsor penanganan bantuan sosial keluarga anak perempuan
		pemuda olahraga ibadah masjid gereja sekolah guru siswa puskesmas rumah sakit dokter vaksinasi stunting gizi
		lingkungan sampah hijau taman kebersihan lalu lintas perhubungan terminal pelabuhan bandara investasi ekonomi
		harga bahan pokok beras minyak gula telur stok aman menjelang hari raya kepala wakil ketua anggota dewan
		perwakilan rakyat sidang paripurna rancangan penetapan`)
	for _, s := range sites {
		g.chrome = append(g.chrome, g.siteChrome(s))
		g.bodies = append(g.bodies, make([][]byte, genPages))
	}
	return g
}

func (g *crawlGen) sentence(b []byte, n int) []byte {
	for i := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, g.words[g.r.IntN(len(g.words))]...)
	}
	return append(b, ". "...)
}

func (g *crawlGen) siteChrome(s egovbench.Target) [2][]byte {
	var head []byte
	head = fmt.Appendf(head, `<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>%s</title>
<link rel="stylesheet" href="%sassets/css/style.min.css?v=%d"><script src="%sassets/js/app.js?v=%d"></script></head>
<body><header class="site-header"><div class="container"><a class="brand" href="%s">%s</a><nav><ul class="menu">`,
		s.Name, s.URL, g.r.IntN(1000), s.URL, g.r.IntN(1000), s.URL, s.Name)
	for i := range 40 {
		head = fmt.Appendf(head, "\n<li class=\"menu-item\"><a href=\"%s%s/%d\">", s.URL, g.words[g.r.IntN(len(g.words))], i)
		head = g.sentence(head, 2)
		head = append(head, "</a></li>"...)
	}
	head = append(head, "</ul></nav></div></header>\n<main class=\"container\"><article class=\"post\">"...)
	var foot []byte
	foot = append(foot, "</article><aside class=\"sidebar\"><h3>Berita Terkini</h3><ul>"...)
	for i := range 10 {
		foot = fmt.Appendf(foot, "\n<li><a href=\"%sberita/%d\">", s.URL, i)
		foot = g.sentence(foot, 8)
		foot = append(foot, "</a></li>"...)
	}
	foot = fmt.Appendf(foot, "</ul></aside></main>\n<footer><p>Alamat: Jl. %s No. %d</p><p>&copy; 2026 %s</p></footer></body></html>\n",
		g.words[g.r.IntN(len(g.words))], g.r.IntN(200), s.Name)
	return [2][]byte{head, foot}
}

// page writes a new body of 20-40 KB for page p of site i.
func (g *crawlGen) page(i, p int) []byte {
	c := g.chrome[i]
	size := 20_000 + g.r.IntN(20_000)
	b := append(make([]byte, 0, size+len(c[1])+200), c[0]...)
	b = fmt.Appendf(b, "<h1>%d</h1><time>2026-%02d-%02d</time>", p, 1+g.r.IntN(12), 1+g.r.IntN(28))
	for len(b) < size {
		b = append(b, "\n<p class=\"text-justify\">"...)
		for range 1 + g.r.IntN(5) {
			b = g.sentence(b, 6+g.r.IntN(14))
		}
		b = append(b, "</p>"...)
	}
	return append(b, c[1]...)
}

// snapshot is one crawl of site i in run: pages whose body is new are
// rewritten, changed of every four others too (changed 4: all pages).
func (g *crawlGen) snapshot(i int, run int64, at time.Time, changed int) (egovbench.Snapshot, egovbench.Assessment) {
	s := g.sites[i]
	snap := egovbench.Snapshot{TargetID: s.ID, RunID: run, StartedAt: at, FinishedAt: at.Add(time.Minute),
		RobotsStatus: 200, SitemapURLs: 120,
		Probe: egovbench.Probe{At: at, URL: s.URL, Outcome: egovbench.OutcomeOK, HTTPStatus: 200, DNS: 2 * time.Millisecond,
			Connect: 10 * time.Millisecond, TLS: 30 * time.Millisecond, TTFB: 150 * time.Millisecond, Total: 200 * time.Millisecond,
			Bytes: 31_000, TLSValid: true, TLSExpiry: t0.AddDate(1, 0, 0), HTTPSRedirect: true}}
	for p := range genPages {
		if g.bodies[i][p] == nil || g.r.IntN(4) < changed {
			g.bodies[i][p] = g.page(i, p)
		}
		body := g.bodies[i][p]
		sum := sha256.Sum256(body)
		u := fmt.Sprintf("%s%s/%d", s.URL, g.words[p], p)
		snap.Pages = append(snap.Pages, egovbench.Page{URL: u, FinalURL: u, Depth: min(p, 1+p/8), Status: 200,
			ContentType: "text/html; charset=utf-8", FetchedAt: at.Add(time.Duration(p) * time.Second),
			Outcome: egovbench.OutcomeOK, Body: body, Hash: hex.EncodeToString(sum[:])})
	}
	for l := range genLinks {
		to := fmt.Sprintf("https://%s.%s.go.id/%s", g.words[l], g.words[l+20], g.words[g.r.IntN(len(g.words))])
		snap.Links = append(snap.Links, egovbench.Link{FromURL: snap.Pages[l%genPages].URL, ToURL: to,
			Domain: to[len("https://") : strings.IndexByte(to[len("https://"):], '/')+len("https://")], Text: string(g.sentence(nil, 3))})
	}
	a := egovbench.Assessment{TargetID: s.ID, RunID: run, AssessedAt: at, CatalogueVersion: "2026.11-2", Reachable: true,
		Stage: egovbench.StageInteraction, Score: 41.5, Confidence: 0.82, PagesAnalyzed: genPages,
		Frameworks: map[string]string{"primary": "interaction", "unaspa": "interactive", "spbe": "level-2"},
		CriterionScores: map[string]float64{"institutional_framework": 80, "content_provision": 56.3, "services_provision": 14.3,
			"participation_engagement": 38.5, "technology": 46.7},
		NextSteps: []string{"online_application", "status_tracking", "e_payment"}}
	met := map[int]bool{}
	for len(met) < 15 {
		met[g.r.IntN(70)] = true
	}
	for k := range 70 {
		r := egovbench.IndicatorResult{ID: fmt.Sprintf("%s_%s", g.words[k], g.words[k+70]), Met: met[k]}
		if r.Met {
			for range 1 + g.r.IntN(5) {
				pg := snap.Pages[g.r.IntN(genPages)].URL
				r.Evidence = append(r.Evidence, egovbench.Evidence{PageURL: pg,
					Element: "a[href=" + pg + "]", Text: string(g.sentence(nil, 8))})
			}
		}
		a.Indicators = append(a.Indicators, r)
	}
	if i%6 == 0 {
		a.DeadServices = []egovbench.DeadService{{PageURL: s.URL, URL: s.URL + "layanan/izin", Text: "Izin Online", Reason: "http 503"}}
	}
	return snap, a
}

// BenchmarkSaveCrawl measures saving one site's crawl (20 HTML pages of
// 20-40 KB, 10 external links, the probe and an analyzer-shaped assessment:
// 70 indicators, 15 met with 1-5 evidence rows each) in one transaction.
// "first" is a site's first crawl (every body new); "recrawl" a later one,
// where about a quarter of the pages changed. cpu_us/page is the process
// CPU per HTML page, SQLite's included.
func BenchmarkSaveCrawl(b *testing.B) {
	for _, bc := range []struct {
		name    string
		changed int // in four
	}{{"first", 4}, {"recrawl", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			// Cancellable, as the crawl command's is: the drivers treat
			// such contexts differently (see SaveCrawl).
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db := openTestDB(b)
			sites := benchSites(50)
			mustUpsert(b, db, sites)
			ids := make([]string, len(sites))
			for i, s := range sites {
				ids[i] = s.ID
			}
			g := newCrawlGen(sites)
			var run egovbench.Run
			newRun := func() {
				var err error
				if run, err = db.CreateRun(ctx, egovbench.RunCrawl, "", ids, 0); err != nil {
					b.Fatal(err)
				}
			}
			at := t0
			n := 0
			if bc.changed < 4 {
				// The previous crawl of every site is stored already.
				newRun()
				for i := range sites {
					snap, a := g.snapshot(i, run.ID, at, 4)
					if err := db.SaveCrawl(ctx, snap, a); err != nil {
						b.Fatal(err)
					}
				}
			}
			var cpu time.Duration
			var pages int
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				if n%len(sites) == 0 {
					newRun()
				}
				at = at.Add(time.Minute)
				snap, a := g.snapshot(n%len(sites), run.ID, at, bc.changed)
				n++
				pages += len(snap.Pages)
				b.StartTimer()
				c0 := cpuTime()
				if err := db.SaveCrawl(ctx, snap, a); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(pages), "cpu_us/page")
		})
	}
}

// BenchmarkYearOfProbes generates -year.days of 5-minute probes for
// -year.sites sites through InsertProbes, one day per call, pruning raw
// probes older than -year.keep days after each day as the daemon would,
// and reports the database size. Run it once:
//
//	go test ./store -run XXX -bench BenchmarkYearOfProbes -benchtime 1x -timeout 4h
//
// The full default (365 days x 550 sites, 58M probes) takes one to two hours
// on two cores, most of it in retention; -year.days 120 (raw probes reach
// their steady state at day 90) or -year.sites 55 give the size in minutes.
// -year.db keeps the file for inspection (e.g. with sqlite3's dbstat).
func BenchmarkYearOfProbes(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "year.db")
		if *yearPath != "" {
			path = *yearPath
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(p)
			}
		}
		db := openTestDBAt(b, path)
		sites := benchSites(*yearSites)
		mustUpsert(b, db, sites)
		g := newProbeGen(sites)
		batch := make([]egovbench.Probe, 0, len(sites)*288)
		var insert, prune, insertCPU time.Duration
		var pruned int64
		for d := range *yearDays {
			day := t0.AddDate(0, 0, d)
			batch = batch[:0]
			for k := range 288 {
				for i := range sites {
					batch = append(batch, g.probe(i, day.Add(time.Duration(k)*5*time.Minute+time.Duration(i)*100*time.Millisecond)))
				}
			}
			start, cpu0 := time.Now(), cpuTime()
			if err := db.InsertProbes(ctx, batch); err != nil {
				b.Fatal(err)
			}
			insert += time.Since(start)
			insertCPU += cpuTime() - cpu0
			start = time.Now()
			n, err := db.Prune(ctx, day.AddDate(0, 0, 1-*yearKeep))
			if err != nil {
				b.Fatal(err)
			}
			prune += time.Since(start)
			pruned += n
			if d%30 == 29 {
				b.Logf("day %d: insert %v (cpu %v), prune %v so far; %s", d+1, insert.Round(time.Second), insertCPU.Round(time.Second), prune.Round(time.Second), sizeOf(b, path))
			}
		}
		if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), cpuTime()
		up, err := db.Uptime(ctx, t0, t0.AddDate(0, 0, *yearDays))
		if err != nil || len(up) != len(sites) {
			b.Fatalf("uptime: %d sites, %v", len(up), err)
		}
		uptime, uptimeCPU := time.Since(start), cpuTime()-cpu0
		var probes, hourly, daily int64
		db.read.QueryRow(`SELECT (SELECT count(*) FROM probes), (SELECT count(*) FROM probe_hourly), (SELECT count(*) FROM probe_daily)`).Scan(&probes, &hourly, &daily)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Size())/1e6, "db_MB")
		b.ReportMetric(float64(probes), "raw_probes")
		b.ReportMetric(float64(hourly), "hourly_rows")
		b.ReportMetric(float64(daily), "daily_rows")
		b.ReportMetric(float64(pruned), "pruned")
		b.ReportMetric(insert.Seconds()/float64(*yearDays), "s/day_insert")
		b.ReportMetric(insertCPU.Seconds()/float64(*yearDays), "cpu_s/day_insert")
		b.ReportMetric(float64(uptime.Milliseconds()), "uptime_ms")
		b.ReportMetric(float64(uptimeCPU.Milliseconds()), "uptime_cpu_ms")
		b.Logf("%d days x %d sites: %s; %d raw probes kept, %d pruned; %d hourly, %d daily rollups; insert %v, prune %v, uptime over all days %v",
			*yearDays, len(sites), sizeOf(b, path), probes, pruned, hourly, daily, insert.Round(time.Second), prune.Round(time.Second), uptime)
		b.Log(tableSizes(b, db))
	}
}

func sizeOf(tb testing.TB, path string) string {
	var total int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			total += st.Size()
		}
	}
	return fmt.Sprintf("%.1f MB on disk (with WAL)", float64(total)/1e6)
}

// tableSizes reports bytes per table and index when SQLite was built with
// the dbstat virtual table; otherwise it says so.
func tableSizes(tb testing.TB, db *DB) string {
	rows, err := db.read.Query(`SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12`)
	if err != nil {
		return "dbstat unavailable: " + err.Error()
	}
	defer rows.Close()
	s := "sizes:"
	for rows.Next() {
		var n string
		var sz int64
		rows.Scan(&n, &sz)
		s += fmt.Sprintf(" %s=%.1fMB", n, float64(sz)/1e6)
	}
	return s
}

// seedAssessmentHistory writes 365 daily crawls of 550 sites' assessments
// (rows written directly in bulk; the reads do not depend on how they got
// there), with 40 indicators and evidence on the newest two crawls.
func seedAssessmentHistory(b *testing.B) *DB {
	b.Helper()
	ctx := context.Background()
	db := openTestDB(b)
	sites := benchSites(550)
	mustUpsert(b, db, sites)
	ids, err := targetRowIDs(ctx, db.write)
	if err != nil {
		b.Fatal(err)
	}
	stages := []string{"none", "presence", "interaction", "integration", "transaction"}
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		runs := newChunkedInsert(`INSERT INTO runs (id, kind, status, started_at)`, 4, "")
		defer runs.close()
		as := newChunkedInsert(`INSERT INTO assessments (id, run_id, target_id, assessed_at, reachable, stage, score, confidence)`, 8, "")
		defer as.close()
		ind := newChunkedInsert(`INSERT INTO assessment_indicators (assessment_id, indicator_id, position, met)`, 4, "")
		defer ind.close()
		ev := newChunkedInsert(`INSERT INTO evidence (assessment_id, indicator_id, page_url, element, text)`, 5, "")
		defer ev.close()
		id := int64(0)
		for d := range 365 {
			run := int64(d + 1)
			at := ms(t0.AddDate(0, 0, d))
			if err := runs.add(ctx, tx, run, "crawl", "done", at); err != nil {
				return err
			}
			if err := runs.flush(ctx, tx); err != nil {
				return err
			}
			for i, s := range sites {
				id++
				if err := as.add(ctx, tx, id, run, ids[s.ID], at, 1, stages[(i+d/90)%5], float64((i+d)%100), 0.8); err != nil {
					return err
				}
				if d < 363 {
					continue
				}
				// Chunks flush in their own order; the assessment must exist first.
				if err := as.flush(ctx, tx); err != nil {
					return err
				}
				for k := range 40 {
					ind.add(ctx, tx, id, fmt.Sprintf("ind.%02d", k), k, (k+i)%2)
					if (k+i)%2 == 1 {
						ev.add(ctx, tx, id, fmt.Sprintf("ind.%02d", k), s.URL, "a[href]", "bukti layanan")
					}
				}
			}
		}
		for _, c := range []*chunkedInsert{runs, as, ind, ev} {
			if err := c.flush(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkAssessmentHistory reads the stage history (200,750 points) and
// the full latest and previous assessments of 550 sites with 365 crawls each.
func BenchmarkAssessmentHistory(b *testing.B) {
	db := seedAssessmentHistory(b)
	ctx := context.Background()
	b.Run("StageHistory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, err := db.StageHistory(ctx)
			if err != nil || len(h) != 550*365 {
				b.Fatalf("%d points, %v", len(h), err)
			}
		}
	})
	b.Run("LatestAssessments", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l, err := db.LatestAssessments(ctx)
			if err != nil || len(l) != 550 || len(l["site-000"].Indicators) != 40 {
				b.Fatalf("%d latest, %v", len(l), err)
			}
		}
	})
	b.Run("PreviousAssessments", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := db.PreviousAssessments(ctx)
			if err != nil || len(p) != 550 {
				b.Fatalf("%d previous, %v", len(p), err)
			}
		}
	})
}

// BenchmarkInsertProbeSingle measures one probe in its own transaction, as
// SaveCrawl stores a crawl's probe, on a fleet of 300 sites that all have
// probe history: the per-probe cost must not grow with the fleet.
func BenchmarkInsertProbeSingle(b *testing.B) {
	ctx := context.Background()
	db := openTestDB(b)
	sites := benchSites(300)
	mustUpsert(b, db, sites)
	g := newProbeGen(sites)
	batch := make([]egovbench.Probe, len(sites))
	for i := range sites {
		batch[i] = g.probe(i, t0)
	}
	if err := db.InsertProbes(ctx, batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	n := 0
	for b.Loop() {
		i := n % len(sites)
		p := g.probe(i, t0.Add(time.Duration(1+n/len(sites))*5*time.Minute))
		n++
		c0 := cpuTime()
		if err := db.InsertProbes(ctx, []egovbench.Probe{p}); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu_us/op")
}
