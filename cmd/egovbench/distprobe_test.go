package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/egovbench/egovbench/dist"
	"github.com/nats-io/nats.go"
)

// storedSamples reads every stored probe as target -> slot -> samples.
func storedSamples(t *testing.T, path string, interval time.Duration) map[string]map[time.Time][]egovbench.Outcome {
	t.Helper()
	rows, err := openSQL(t, path).Query(`SELECT t.slug, p.at, p.outcome FROM probes p JOIN targets t ON t.id = p.target_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[time.Time][]egovbench.Outcome{}
	for rows.Next() {
		var id, o string
		var at int64
		if err := rows.Scan(&id, &at, &o); err != nil {
			t.Fatal(err)
		}
		// A task is probed between its due time (slot plus phase) and one
		// interval later: that names its slot. The stored time is cut to
		// the millisecond, and a probe may start within one of its due time.
		slot := dist.SlotOf(time.UnixMilli(at).Add(time.Millisecond-dist.Phase(id, interval)), interval)
		if out[id] == nil {
			out[id] = map[time.Time][]egovbench.Outcome{}
		}
		out[id][slot] = append(out[id][slot], egovbench.Outcome(o))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDistributedProbes: a probe hub and two probe worker processes over a
// real NATS server store one sample per target and slot. A worker killed
// with -9 costs at most the samples of the slot it died in (its tasks go
// to the other worker or expire: no data, not down); a hub killed with -9
// and started again drains the samples sent meanwhile; a sample handed to
// the hub again is stored once; and the rows are those of a local probe
// round of the same fleet.
func TestDistributedProbes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	ff := startFleetFiles(t, ctx)
	ns := startNATS(t)
	const interval = 4 * time.Second
	sites := len(ff.fleet.Sites())

	local := filepath.Join(ff.dir, "local.db")
	newEmptyDB(t, local)
	mustRun(t, ctx, append([]string{"probe", "--db", local, "--targets", ff.targets, "--allow-private", "--request-timeout", "3s"}, ff.netArgs...)...)

	hubDB := filepath.Join(ff.dir, "hub.db")
	newEmptyDB(t, hubDB)
	// The canary answers, so no worker's batch is taken for its own
	// network failing: the fleet's down sites are down.
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer canary.Close()
	// The probe settings are the hub's, the egress each worker's.
	hubArgs := []string{"probe", "--nats", ns.url(), "--every", interval.String(), "--lease", "3s", "--db", hubDB, "--targets", ff.targets,
		"--request-timeout", "3s", "--log-format", "json"}
	workArgs := append([]string{"worker", "--probes", "--nats", ns.url(), "--allow-private", "--workers", "8", "--probe-flush", "300ms", "--canary", canary.URL + "/", "--log-format", "json"}, ff.netArgs...)

	hub := startChild(t, ctx, "hub", hubArgs...)
	w0 := startChild(t, ctx, "worker0", workArgs...)
	w1 := startChild(t, ctx, "worker1", workArgs...)
	type span struct{ from, to time.Time } // slots wholly inside it must be complete
	var complete []span
	phase := func(d time.Duration) span {
		from := time.Now()
		pause(ctx, d)
		return span{from, time.Now()}
	}
	// A slot is complete when its tasks' whole lives (due to one interval
	// later) pass with the hub and a worker up; the workers connect within
	// the first slot.
	a := phase(5 * interval)
	complete = append(complete, span{a.from.Add(interval), a.to.Add(-interval)})
	w0.kill9(t)
	b := phase(5 * interval)
	// The dead worker's tasks come back after the lease: to the other
	// worker while their slot lasts, else to nobody.
	complete = append(complete, span{b.from.Add(3*time.Second + interval), b.to.Add(-interval)})
	hub.kill9(t)
	pause(ctx, interval) // samples of tasks published before the kill wait in the server
	hub = startChild(t, ctx, "hub2", hubArgs...)
	c := phase(5 * interval)
	complete = append(complete, span{c.from.Add(interval), c.to.Add(-interval)})
	if err := w1.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-w1.done; err != nil {
		t.Errorf("worker1 stopped with %v", err)
	}
	w1.done <- nil
	pause(ctx, 2*time.Second) // the hub drains the last samples

	samples := storedSamples(t, hubDB, interval)
	if len(samples) != sites {
		t.Errorf("samples of %d targets, want %d", len(samples), sites)
	}
	total := 0
	for id, slots := range samples {
		for slot, os := range slots {
			total += len(os)
			if len(os) > 1 {
				t.Errorf("%s: %d samples of slot %v", id, len(os), slot.Format(time.TimeOnly))
				rows, _ := openSQL(t, hubDB).Query(`SELECT p.at, p.outcome, p.total_us FROM probes p JOIN targets t ON t.id = p.target_id WHERE t.slug = ? ORDER BY p.at`, id)
				for rows.Next() {
					var at, tot int64
					var o string
					rows.Scan(&at, &o, &tot)
					t.Logf("  %s %s %dus (phase %v)", time.UnixMilli(at).UTC().Format("15:04:05.000"), o, tot, dist.Phase(id, interval))
				}
				rows.Close()
			}
		}
	}
	checked := 0
	for i, sp := range complete {
		if dist.SlotOf(sp.from, interval).Add(2 * interval).After(sp.to) {
			t.Errorf("window %d (%v-%v) holds no whole slot: the machine was too slow for this test's timing", i,
				sp.from.Format(time.TimeOnly), sp.to.Format(time.TimeOnly))
		}
		for slot := dist.SlotOf(sp.from, interval).Add(interval); !slot.Add(interval).After(sp.to); slot = slot.Add(interval) {
			checked++
			for _, s := range ff.fleet.Sites() {
				if len(samples[s.Target.ID][slot]) != 1 {
					t.Errorf("%s: no sample of slot %v (window %v-%v)", s.Target.ID, slot.Format(time.TimeOnly),
						sp.from.Format(time.TimeOnly), sp.to.Format(time.TimeOnly))
				}
			}
		}
	}
	t.Logf("%d samples of %d targets; %d whole slots checked complete", total, sites, checked)

	// A stored sample handed to the hub again under another message id
	// (a hub that died between its commit and its acks) is not stored
	// again.
	db := openSQL(t, hubDB)
	var slug, url, outcome string
	var at int64
	if err := db.QueryRow(`SELECT t.slug, u.url, p.at, p.outcome FROM probes p JOIN targets t ON t.id = p.target_id
		JOIN probe_urls u ON u.id = p.url_id ORDER BY p.id LIMIT 1`).Scan(&slug, &url, &at, &outcome); err != nil {
		t.Fatal(err)
	}
	before := queryInt(t, db, "SELECT count(*) FROM probes")
	nc, err := nats.Connect(ns.url())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	again, _ := json.Marshal(dist.ProbeResult{Probe: &egovbench.Probe{TargetID: slug, URL: url, At: time.UnixMilli(at).UTC(), Outcome: egovbench.Outcome(outcome)}})
	if err := nc.Publish(dist.DefaultPrefix+".probe.result", again); err != nil {
		t.Fatal(err)
	}
	nc.Flush()
	pause(ctx, 3*time.Second)
	if err := hub.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-hub.done; err != nil {
		t.Errorf("hub stopped with %v", err)
	}
	hub.done <- nil
	if n := queryInt(t, db, "SELECT count(*) FROM probes"); n != before {
		t.Errorf("%d probes after a sample came again, want the %d before", n, before)
	}

	// Local and distributed probes of the same fleet: the same outcome per
	// site, the same kind of rows.
	want := storedSamples(t, local, interval)
	for id, slots := range want {
		var lo egovbench.Outcome
		for _, os := range slots {
			lo = os[0]
		}
		counts := map[egovbench.Outcome]int{}
		for _, os := range samples[id] {
			counts[os[0]]++
		}
		var most egovbench.Outcome
		for o, n := range counts {
			if n > counts[most] {
				most = o
			}
		}
		if most != lo {
			t.Errorf("%s: distributed samples %v, local probe %s", id, counts, lo)
		}
	}
	ldb := openSQL(t, local)
	for _, q := range []string{
		"SELECT count(*) FROM probe_last",
		"SELECT count(DISTINCT target_id) FROM probe_hourly",
		"SELECT count(DISTINCT target_id) FROM probe_daily",
		"SELECT count(DISTINCT target_id) FROM outages",
		"SELECT count(*) FROM probes WHERE run_id IS NOT NULL",
		"SELECT count(*) FROM prober_degraded_rounds",
	} {
		if l, d := queryInt(t, ldb, q), queryInt(t, db, q); l != d {
			t.Errorf("%s: local %d, distributed %d", q, l, d)
		}
	}
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
