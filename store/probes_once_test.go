package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// TestInsertProbesOnce: samples and degraded rounds handed over again (a
// hub that died between its commit and its acks), or twice in one batch,
// are stored once, with the rollups, outages and last probes of one
// insert.
func TestInsertProbesOnce(t *testing.T) {
	ctx := context.Background()
	once, plain := openTestDB(t), openTestDB(t)
	mustUpsert(t, once, testTargets(1))
	mustUpsert(t, plain, testTargets(1))
	ps := scenario()
	round := egovbench.DegradedRound{At: t0.Add(min_(30)), Targets: 6, Failed: 5, Reason: "5 of 6 targets failed with network errors"}
	if err := plain.InsertProbes(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if err := plain.InsertDegradedRound(ctx, round); err != nil {
		t.Fatal(err)
	}

	first := append(append([]egovbench.Probe(nil), ps[:4]...), ps[1]) // ps[1] twice in one batch
	for i, step := range []struct {
		ps            []egovbench.Probe
		rounds        []egovbench.DegradedRound
		probes, round int
	}{
		{first, []egovbench.DegradedRound{round}, 4, 1},
		{first, []egovbench.DegradedRound{round}, 0, 0}, // redelivered
		{ps, nil, 3, 0}, // overlapping the first
		{ps, []egovbench.DegradedRound{round}, 0, 0},
	} {
		np, nr, err := once.InsertProbesOnce(ctx, step.ps, step.rounds)
		if err != nil {
			t.Fatal(err)
		}
		if np != step.probes || nr != step.round {
			t.Errorf("step %d: %d probes and %d rounds new, want %d and %d", i, np, nr, step.probes, step.round)
		}
	}
	for _, g := range []Granularity{Hourly, Daily} {
		if got, want := rollupsOf(t, once, g), rollupsOf(t, plain, g); !reflect.DeepEqual(got, want) {
			t.Errorf("%v rollups:\n got %+v\nwant %+v", g, got, want)
		}
	}
	for _, q := range []string{"SELECT count(*) FROM probes", "SELECT count(*) FROM outages", "SELECT count(*) FROM prober_degraded_rounds",
		"SELECT coalesce(sum(at), 0) FROM probe_last"} {
		var a, b int64
		if err := once.read.QueryRow(q).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := plain.read.QueryRow(q).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: %d, want %d as with one insert", q, a, b)
		}
	}

	// What InsertProbes refuses, InsertProbesOnce refuses, storing nothing.
	_, _, err := once.InsertProbesOnce(ctx, []egovbench.Probe{probe("nobody", t0.Add(time.Hour*5), egovbench.OutcomeOK, 0)}, []egovbench.DegradedRound{{At: t0.Add(5 * time.Hour)}})
	if !errors.Is(err, egovbench.ErrNotFound) {
		t.Errorf("unknown target: err %v, want ErrNotFound", err)
	}
	var n int
	once.read.QueryRow("SELECT count(*) FROM prober_degraded_rounds").Scan(&n)
	if n != 1 {
		t.Errorf("a refused batch left %d degraded rounds, want the 1 before", n)
	}
	if _, _, err := once.InsertProbesOnce(ctx, nil, []egovbench.DegradedRound{{}}); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("round without a time: err %v, want ErrInvalid", err)
	}
}

// BenchmarkInsertProbesOnce measures what a probe hub does with a fetch of
// samples (100: a second of 1,000 hosts probed every 10 s), against
// InsertProbes of the same batches: the cost of the check that makes a
// sample delivered twice be stored once.
func BenchmarkInsertProbesOnce(b *testing.B) {
	for _, once := range []bool{false, true} {
		b.Run(map[bool]string{false: "InsertProbes", true: "InsertProbesOnce"}[once], func(b *testing.B) {
			ctx := context.Background()
			db := openTestDB(b)
			sites := benchSites(1000)
			mustUpsert(b, db, sites)
			g := newProbeGen(sites)
			const batch = 100
			n := 0
			next := func() []egovbench.Probe {
				ps := make([]egovbench.Probe, batch)
				for i := range ps {
					site := n % len(sites)
					ps[i] = g.probe(site, t0.Add(time.Duration(n/len(sites))*10*time.Second+time.Duration(site)*10*time.Millisecond))
					n++
				}
				return ps
			}
			for range 100 { // a few slots of history
				if err := db.InsertProbes(ctx, next()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				ps := next()
				b.StartTimer()
				c0 := cpuTime()
				var err error
				if once {
					_, _, err = db.InsertProbesOnce(ctx, ps, nil)
				} else {
					err = db.InsertProbes(ctx, ps)
				}
				if err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*batch), "cpu_us/probe")
		})
	}
}
