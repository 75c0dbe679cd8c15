package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

const (
	ok      = egovbench.OutcomeOK
	timeout = egovbench.OutcomeTimeout
	blocked = egovbench.OutcomeBlocked
)

func min_(m int) time.Duration { return time.Duration(m) * time.Minute }

// scenario is a probe series for target site-000 with hand-computed rollups.
func scenario() []egovbench.Probe {
	s := "site-000"
	return []egovbench.Probe{
		probe(s, t0, ok, 100*time.Millisecond),
		probe(s, t0.Add(min_(5)), ok, 200*time.Millisecond),
		probe(s, t0.Add(min_(10)), timeout, 0),
		probe(s, t0.Add(min_(15)), blocked, 0),
		probe(s, t0.Add(min_(20)), ok, 300*time.Millisecond),
		probe(s, t0.Add(min_(60)), ok, 100*time.Millisecond), // 40-minute gap: capped at 15
		probe(s, t0.Add(min_(65)), ok, 100*time.Millisecond),
	}
}

func rollupsOf(t *testing.T, db *DB, g Granularity) []egovbench.Rollup {
	t.Helper()
	rs, err := db.Rollups(context.Background(), g, t0.Add(-48*time.Hour), t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRollupMath(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	if err := db.InsertProbes(ctx, scenario()); err != nil {
		t.Fatal(err)
	}
	hours := rollupsOf(t, db, Hourly)
	want := []egovbench.Rollup{
		{TargetID: "site-000", Start: t0, Checks: 5, Successes: 3, Blocked: 1,
			UpTime: min_(5 + 5 + 15), DownTime: min_(5),
			LatencySum: 600 * time.Millisecond, LatencyMin: 100 * time.Millisecond, LatencyMax: 300 * time.Millisecond},
		{TargetID: "site-000", Start: t0.Add(time.Hour), Checks: 2, Successes: 2,
			UpTime: min_(5), LatencySum: 200 * time.Millisecond, LatencyMin: 100 * time.Millisecond, LatencyMax: 100 * time.Millisecond,
			LatencyP50: 100 * time.Millisecond, LatencyP95: 100 * time.Millisecond},
	}
	if len(hours) != 2 {
		t.Fatalf("hourly = %+v", hours)
	}
	// p95 of {100,200,300} ms is the 300 ms bucket, clamped to the max.
	want[0].LatencyP95 = hours[0].LatencyP95
	if p := hours[0].LatencyP95; p < 287*time.Millisecond || p > 300*time.Millisecond {
		t.Errorf("hour 0 p95 = %v", p)
	}
	// p50 of {100,200,300} ms is the 200 ms bucket, within one bucket's ±4.5%.
	want[0].LatencyP50 = hours[0].LatencyP50
	if p := hours[0].LatencyP50; p < 191*time.Millisecond || p > 209*time.Millisecond {
		t.Errorf("hour 0 p50 = %v", p)
	}
	for i := range want {
		if !reflect.DeepEqual(hours[i], want[i]) {
			t.Errorf("hour %d:\n got %+v\nwant %+v", i, hours[i], want[i])
		}
	}
	days := rollupsOf(t, db, Daily)
	if len(days) != 1 {
		t.Fatalf("daily = %+v", days)
	}
	d := days[0]
	if d.Start != t0 || d.Checks != 7 || d.Successes != 5 || d.Blocked != 1 || d.UpTime != min_(30) || d.DownTime != min_(5) ||
		d.LatencySum != 800*time.Millisecond || d.LatencyMin != 100*time.Millisecond || d.LatencyMax != 300*time.Millisecond {
		t.Errorf("daily = %+v", d)
	}
	if u, _ := d.CheckUptime(); u != 5.0/6 {
		t.Errorf("check uptime = %v", u)
	}
	if u, _ := d.TimeUptime(); u != 30.0/35 {
		t.Errorf("time uptime = %v", u)
	}
}

// The rollups must not depend on how probes are split into batches, on their
// order within a batch, or on the process restarting between batches.
func TestRollupsIndependentOfBatching(t *testing.T) {
	ctx := context.Background()
	ps := scenario()
	// A second target with a day boundary and its own pattern.
	day2 := t0.Add(24 * time.Hour)
	ps = append(ps,
		probe("site-001", day2.Add(-min_(5)), ok, 50*time.Millisecond),
		probe("site-001", day2.Add(min_(5)), timeout, 0),
		probe("site-001", day2.Add(min_(10)), ok, 70*time.Millisecond),
	)
	one := openTestDB(t)
	mustUpsert(t, one, testTargets(2))
	if err := one.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	wantH, wantD := rollupsOf(t, one, Hourly), rollupsOf(t, one, Daily)

	dir := t.TempDir()
	path := dir + "/split.db"
	split := openTestDBAt(t, path)
	mustUpsert(t, split, testTargets(2))
	shuffled := append([]egovbench.Probe(nil), ps...)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	// Batches in time order (as a daemon produces them), shuffled within, with a reopen in between.
	byTime := append([]egovbench.Probe(nil), ps...)
	for i := range byTime {
		for j := i + 1; j < len(byTime); j++ {
			if byTime[j].At.Before(byTime[i].At) {
				byTime[i], byTime[j] = byTime[j], byTime[i]
			}
		}
	}
	if err := split.InsertProbes(ctx, byTime[:4]); err != nil {
		t.Fatal(err)
	}
	split.Close()
	split = openTestDBAt(t, path)
	for _, p := range byTime[4:] {
		if err := split.InsertProbes(ctx, []egovbench.Probe{p}); err != nil {
			t.Fatal(err)
		}
	}
	if got := rollupsOf(t, split, Hourly); !reflect.DeepEqual(got, wantH) {
		t.Errorf("hourly differs:\n got %+v\nwant %+v", got, wantH)
	}
	if got := rollupsOf(t, split, Daily); !reflect.DeepEqual(got, wantD) {
		t.Errorf("daily differs:\n got %+v\nwant %+v", got, wantD)
	}
	// Day boundary: site-001's 10 minutes straddle midnight, 5 in each day.
	for _, r := range wantD {
		if r.TargetID == "site-001" && r.UpTime != min_(5) {
			t.Errorf("site-001 day %s up %v, want 5m", r.Start, r.UpTime)
		}
	}

	shuf := openTestDB(t)
	mustUpsert(t, shuf, testTargets(2))
	if err := shuf.InsertProbes(ctx, shuffled); err != nil {
		t.Fatal(err)
	}
	if got := rollupsOf(t, shuf, Hourly); !reflect.DeepEqual(got, wantH) {
		t.Errorf("shuffled hourly differs:\n got %+v\nwant %+v", got, wantH)
	}
}

func TestLateProbeCountsOnlyAsCheck(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	if err := db.InsertProbes(ctx, scenario()); err != nil {
		t.Fatal(err)
	}
	before := rollupsOf(t, db, Hourly)
	if err := db.InsertProbes(ctx, []egovbench.Probe{probe("site-000", t0.Add(min_(30)), timeout, 0)}); err != nil {
		t.Fatal(err)
	}
	after := rollupsOf(t, db, Hourly)
	if after[0].Checks != before[0].Checks+1 || after[0].UpTime != before[0].UpTime || after[0].DownTime != before[0].DownTime {
		t.Errorf("late probe: before %+v after %+v", before[0], after[0])
	}
	if os, _ := db.Outages(ctx, t0, t0.Add(time.Hour)); len(os) != 1 {
		t.Errorf("late probe touched outages: %+v", os)
	}
}

func TestMaintenanceExcluded(t *testing.T) {
	for _, target := range []string{"site-000", ""} {
		t.Run("target="+target, func(t *testing.T) {
			ctx := context.Background()
			db := openTestDB(t)
			mustUpsert(t, db, testTargets(1))
			if err := db.AddMaintenanceWindow(ctx, target, t0.Add(min_(10)), t0.Add(min_(20)), "planned"); err != nil {
				t.Fatal(err)
			}
			if err := db.InsertProbes(ctx, scenario()); err != nil {
				t.Fatal(err)
			}
			h := rollupsOf(t, db, Hourly)[0]
			if h.Checks != 3 || h.Successes != 3 || h.Blocked != 0 || h.UpTime != min_(25) || h.DownTime != 0 {
				t.Errorf("hour 0 = %+v", h)
			}
			var m int
			if err := db.read.QueryRow(`SELECT maintenance FROM probe_hourly`).Scan(&m); err != nil || m != 2 {
				t.Errorf("maintenance = %d, %v", m, err)
			}
			if os, _ := db.Outages(ctx, t0, t0.Add(time.Hour)); len(os) != 0 {
				t.Errorf("outage during maintenance: %+v", os)
			}
		})
	}
	db := openTestDB(t)
	if err := db.AddMaintenanceWindow(context.Background(), "nope", t0, t0.Add(time.Hour), ""); !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("unknown target: %v", err)
	}
	if err := db.AddMaintenanceWindow(context.Background(), "", t0, t0, ""); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("empty window: %v", err)
	}
}

func TestOutagesOpenAndClose(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(2))
	a, b := "site-000", "site-001"
	batch1 := []egovbench.Probe{
		probe(a, t0, ok, time.Millisecond),
		probe(a, t0.Add(min_(5)), egovbench.OutcomeDNSError, 0),
		probe(b, t0, egovbench.OutcomeConnectionRefused, 0), // first probe down opens one too
	}
	batch2 := []egovbench.Probe{
		probe(a, t0.Add(min_(10)), timeout, 0),
		probe(a, t0.Add(min_(12)), blocked, 0), // neither closes nor opens
		probe(a, t0.Add(min_(15)), ok, time.Millisecond),
		probe(a, t0.Add(min_(20)), egovbench.OutcomeHTTPError, 0),
	}
	for _, b := range [][]egovbench.Probe{batch1, batch2} {
		if err := db.InsertProbes(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Outages(ctx, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []egovbench.Outage{
		{TargetID: a, Start: t0.Add(min_(5)), End: t0.Add(min_(15)), Cause: egovbench.OutcomeDNSError},
		{TargetID: b, Start: t0, Cause: egovbench.OutcomeConnectionRefused},
		{TargetID: a, Start: t0.Add(min_(20)), Cause: egovbench.OutcomeHTTPError},
	}
	// Ordered by start, then target.
	want[0], want[1] = want[1], want[0]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outages:\n got %+v\nwant %+v", got, want)
	}
	// Range filter: an outage that ended before the range is not returned.
	if got, _ := db.Outages(ctx, t0.Add(min_(16)), t0.Add(time.Hour)); len(got) != 2 {
		t.Errorf("filtered outages = %+v", got)
	}
}

func TestInsertProbesRejectsBadInputAtomically(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	good := probe("site-000", t0, ok, time.Millisecond)
	for _, tc := range []struct {
		name string
		p    egovbench.Probe
		want error
	}{
		{"unknown target", probe("ghost", t0, ok, 0), egovbench.ErrNotFound},
		{"unknown outcome", probe("site-000", t0, "weird", 0), egovbench.ErrInvalid},
		{"no time", probe("site-000", time.Time{}, ok, 0), egovbench.ErrInvalid},
	} {
		if err := db.InsertProbes(ctx, []egovbench.Probe{good, tc.p}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var n int
	if err := db.read.QueryRow(`SELECT (SELECT count(*) FROM probes) + (SELECT count(*) FROM probe_hourly) + (SELECT count(*) FROM probe_last)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("failed batches left %d rows (%v)", n, err)
	}
}

func TestProbeFieldsStored(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	p := egovbench.Probe{TargetID: "site-000", At: t0.Add(1234 * time.Millisecond), URL: "http://site-000.example.go.id/",
		Outcome: ok, HTTPStatus: 200, DNS: 1500 * time.Microsecond, Connect: 2 * time.Millisecond, TLS: 30 * time.Millisecond,
		TTFB: 80 * time.Millisecond, Total: 95 * time.Millisecond, Bytes: 45678, FinalURL: "https://www.site-000.example.go.id/",
		TLSValid: true, TLSExpiry: t0.Add(90 * 24 * time.Hour), HTTPSRedirect: true, HSTS: true}
	p2 := p
	p2.At, p2.Outcome, p2.Error, p2.FinalURL, p2.TLSExpiry = t0.Add(time.Minute), egovbench.OutcomeTLSError, "x509: expired", "", time.Time{}
	if err := db.InsertProbes(ctx, []egovbench.Probe{p, p2}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.read.Query(`SELECT ` + probeCols + ` FROM probes p JOIN probe_urls u ON u.id = p.url_id
		LEFT JOIN probe_urls f ON f.id = p.final_url_id ORDER BY p.at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for _, want := range []egovbench.Probe{p, p2} {
		if !rows.Next() {
			t.Fatal("missing row")
		}
		got, err := scanProbe(rows)
		if err != nil {
			t.Fatal(err)
		}
		got.TargetID = want.TargetID
		want.At, want.TLSExpiry = want.At.UTC(), want.TLSExpiry.UTC()
		if want.TLSExpiry.IsZero() {
			want.TLSExpiry = time.Time{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("\n got %+v\nwant %+v", got, want)
		}
	}
	var urls int
	db.read.QueryRow(`SELECT count(*) FROM probe_urls`).Scan(&urls)
	if urls != 2 {
		t.Errorf("%d distinct urls stored, want 2", urls)
	}
}

func TestPruneKeepsRollups(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(3))
	var ps []egovbench.Probe
	for i := range 3 * 24 * 12 { // three days of 5-minute probes
		for _, tg := range testTargets(3) {
			o := ok
			if i%17 == 0 {
				o = timeout
			}
			ps = append(ps, probe(tg.ID, t0.Add(time.Duration(i)*5*time.Minute), o, time.Duration(50+i%40)*time.Millisecond))
		}
	}
	if err := db.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	crawlProbe := probe("site-000", t0.Add(min_(1)), ok, time.Millisecond)
	crawlProbe.RunID = run.ID
	if err := db.InsertProbes(ctx, []egovbench.Probe{crawlProbe}); err != nil {
		t.Fatal(err)
	}
	hBefore, dBefore := rollupsOf(t, db, Hourly), rollupsOf(t, db, Daily)
	oBefore, _ := db.Outages(ctx, t0, t0.Add(96*time.Hour))
	cut := t0.Add(48 * time.Hour)
	n, err := db.Prune(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(2 * 24 * 12 * 3); n != want {
		t.Errorf("pruned %d, want %d", n, want)
	}
	var left, old int
	db.read.QueryRow(`SELECT count(*), count(*) FILTER (WHERE at < ?) FROM probes`, ms(cut)).Scan(&left, &old)
	if left != 24*12*3+1 || old != 1 {
		t.Errorf("left %d probes, %d old (want the crawl probe only)", left, old)
	}
	if h := rollupsOf(t, db, Hourly); !reflect.DeepEqual(h, hBefore) {
		t.Error("hourly rollups changed")
	}
	if d := rollupsOf(t, db, Daily); !reflect.DeepEqual(d, dBefore) {
		t.Error("daily rollups changed")
	}
	if o, _ := db.Outages(ctx, t0, t0.Add(96*time.Hour)); !reflect.DeepEqual(o, oBefore) {
		t.Error("outages changed")
	}
	if n, err := db.Prune(ctx, cut); err != nil || n != 0 {
		t.Errorf("second prune: %d, %v", n, err)
	}
	up, err := db.Uptime(ctx, t0, t0.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r := up["site-001"]; r.Checks != 3*24*12 || r.Successes != 3*24*12-51 || len(up) != 3 {
		t.Errorf("uptime = %+v (len %d)", r, len(up))
	}
}

// The median must come from the latency histogram at every level (hour, day,
// and a multi-day Uptime that merges daily histograms), on skewed data where
// the mean is far from it.
func TestLatencyP50KnownData(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUpsert(t, db, testTargets(1))
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	day1 := ms(100, 1000, 120, 900, 150) // median 150, mean 454
	day2 := ms(240, 200, 230, 210, 220)  // median 220
	var ps []egovbench.Probe
	for i, l := range day1 {
		ps = append(ps, probe("site-000", t0.Add(min_(5*i)), ok, l))
	}
	for i, l := range day2 {
		ps = append(ps, probe("site-000", t0.Add(24*time.Hour+min_(5*i)), ok, l))
	}
	ps = append(ps, probe("site-000", t0.Add(min_(30)), timeout, 0)) // failures carry no latency
	ps = append(ps, probe("site-000", t0.Add(48*time.Hour), timeout, 0))
	if err := db.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	// One histogram bucket spans a factor 2^(1/8); its representative is
	// within 4.5% of every value in it.
	near := func(what string, got, exact time.Duration) {
		t.Helper()
		if d := float64(got-exact) / float64(exact); d < -0.045 || d > 0.045 {
			t.Errorf("%s p50 = %v, exact %v", what, got, exact)
		}
	}
	hours := rollupsOf(t, db, Hourly)
	if len(hours) != 2 {
		t.Fatalf("hourly = %+v", hours)
	}
	near("hour 1", hours[0].LatencyP50, 150*time.Millisecond)
	near("hour 2", hours[1].LatencyP50, 220*time.Millisecond)
	days := rollupsOf(t, db, Daily)
	if len(days) != 2 {
		t.Fatalf("daily = %+v", days)
	}
	near("day 1", days[0].LatencyP50, 150*time.Millisecond)
	near("day 2", days[1].LatencyP50, 220*time.Millisecond)
	if p50, p95 := days[0].LatencyP50, days[0].LatencyP95; p50 >= p95 {
		t.Errorf("day 1 p50 %v not below p95 %v", p50, p95)
	}
	up, err := db.Uptime(ctx, t0, t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Ten values: the rank ceil(0.5*10) = 5 is 210 ms, which neither day's
	// median nor their average (185 ms) would give.
	near("two days", up["site-000"].LatencyP50, 210*time.Millisecond)
	// Day 3 has a failed probe only: checks, but no latency and so no p50.
	up, err = db.Uptime(ctx, t0.Add(48*time.Hour), t0.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := up["site-000"]; !ok || r.Checks != 1 || r.LatencyP50 != 0 {
		t.Errorf("day 3 = %+v (present %v), want 1 check and no p50", r, ok)
	}
}

// Batches with many keys read stored rollups with one range query; single
// probes read them row by row. Both paths must agree.
func TestRollupsBulkAndPerKeyPathsAgree(t *testing.T) {
	ctx := context.Background()
	sites := benchSites(40)
	g := newProbeGen(sites)
	var batches [][]egovbench.Probe
	for k := range 15 { // 75 minutes of 5-minute rounds, across an hour boundary
		var b []egovbench.Probe
		for i := range sites {
			b = append(b, g.probe(i, t0.Add(time.Duration(k)*5*time.Minute+time.Duration(i)*time.Second)))
		}
		batches = append(batches, b)
	}
	bulk := openTestDB(t)
	mustUpsert(t, bulk, sites)
	single := openTestDB(t)
	mustUpsert(t, single, sites)
	for _, b := range batches {
		if err := bulk.InsertProbes(ctx, b); err != nil {
			t.Fatal(err)
		}
		for _, p := range b {
			if err := single.InsertProbes(ctx, []egovbench.Probe{p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, g := range []Granularity{Hourly, Daily} {
		a, b := rollupsOf(t, bulk, g), rollupsOf(t, single, g)
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("granularity %d: bulk and per-key rollups differ (%d vs %d rows)", g, len(a), len(b))
		}
	}
	oa, _ := bulk.Outages(ctx, t0, t0.Add(24*time.Hour))
	ob, _ := single.Outages(ctx, t0, t0.Add(24*time.Hour))
	if !reflect.DeepEqual(oa, ob) {
		t.Errorf("outages differ: %d vs %d", len(oa), len(ob))
	}
}

func TestReadsDuringWrites(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openTestDB(t)
	sites := benchSites(20)
	mustUpsert(t, db, sites)
	g := newProbeGen(sites)
	done := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if _, err := db.Uptime(ctx, t0, t0.Add(48*time.Hour)); err != nil && ctx.Err() == nil {
				done <- err
				return
			}
			if _, err := db.Rollups(ctx, Hourly, t0, t0.Add(48*time.Hour)); err != nil && ctx.Err() == nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for k := range 50 {
		var b []egovbench.Probe
		for i := range sites {
			b = append(b, g.probe(i, t0.Add(time.Duration(k)*5*time.Minute)))
		}
		if err := db.InsertProbes(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("concurrent read: %v", err)
	}
}
