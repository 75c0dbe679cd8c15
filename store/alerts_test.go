package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func TestAlertStateAndQueue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alerts.db")
	clk := newFakeClock(t0)
	db := openTestDBAt(t, path, WithClock(clk.Now))
	ts := testTargets(3)
	if err := db.UpsertTargets(ctx, ts); err != nil {
		t.Fatal(err)
	}
	a, b := ts[0].ID, ts[1].ID
	down := egovbench.AlertState{TargetID: a, Failures: 3, Since: t0, Down: true, LastProbe: t0.Add(10 * time.Minute)}
	staged := egovbench.AlertState{TargetID: b, Stage: egovbench.StagePresence, StageKnown: true}
	alert := func(key, target string, at time.Time) egovbench.Alert {
		return egovbench.Alert{Key: key, Type: "down", TargetID: target, Body: []byte(`{"idempotency_key":"` + key + `"}`), CreatedAt: at}
	}
	if _, err := db.SaveAlerts(ctx, []egovbench.AlertState{down, staged}, []egovbench.Alert{alert("down:1", a, t0)}, 0, ""); err != nil {
		t.Fatal(err)
	}
	// Saving the same key again (a round replayed) queues nothing new.
	if _, err := db.SaveAlerts(ctx, nil, []egovbench.Alert{alert("down:1", a, t0.Add(time.Minute))}, 0, ""); err != nil {
		t.Fatal(err)
	}
	// A state and alert for an unknown target roll back together.
	ghost := egovbench.AlertState{TargetID: "ghost", Down: true}
	if _, err := db.SaveAlerts(ctx, []egovbench.AlertState{ghost}, []egovbench.Alert{alert("down:2", b, t0)}, 0, ""); err == nil {
		t.Fatal("unknown target saved")
	}

	// Everything survives a reopen.
	db.Close()
	db = openTestDBAt(t, path, WithClock(clk.Now))
	states, err := db.AlertStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 2 || states[0] != down || states[1] != staged {
		t.Fatalf("states after reopen = %+v, want %+v and %+v", states, down, staged)
	}
	pend, err := db.PendingAlerts(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pend) != 1 || pend[0].Key != "down:1" || string(pend[0].Body) != `{"idempotency_key":"down:1"}` ||
		pend[0].Status != egovbench.AlertPending || !pend[0].CreatedAt.Equal(t0) {
		t.Fatalf("pending = %+v", pend)
	}

	// Attempts: a retry keeps it pending with its count, delivery ends it.
	if err := db.AlertAttempted(ctx, "down:1", egovbench.AlertPending, t0.Add(time.Minute), "webhook answered 502"); err != nil {
		t.Fatal(err)
	}
	pend, _ = db.PendingAlerts(ctx, 10)
	if len(pend) != 1 || pend[0].Attempts != 1 || !pend[0].NextAttempt.Equal(t0.Add(time.Minute)) || pend[0].LastError != "webhook answered 502" {
		t.Fatalf("after a failed attempt: %+v", pend)
	}
	if err := db.AlertAttempted(ctx, "down:1", egovbench.AlertDelivered, time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	if pend, _ = db.PendingAlerts(ctx, 10); len(pend) != 0 {
		t.Fatalf("delivered alert still pending: %+v", pend)
	}
	// A delivered alert is not made pending again by a late attempt record.
	if err := db.AlertAttempted(ctx, "down:1", egovbench.AlertPending, t0, "late"); err != nil {
		t.Fatal(err)
	}
	if pend, _ = db.PendingAlerts(ctx, 10); len(pend) != 0 {
		t.Fatalf("delivered alert revived: %+v", pend)
	}
	if err := db.AlertAttempted(ctx, "down:1", egovbench.AlertDropped, t0, ""); err == nil {
		t.Error("dropped accepted as an attempt result")
	}

	// The bound drops the oldest pending, never the one being sent.
	var batch []egovbench.Alert
	for i, k := range []string{"down:a", "down:b", "down:c", "down:d", "down:e"} {
		batch = append(batch, alert(k, b, t0.Add(time.Duration(i)*time.Second)))
	}
	if _, err := db.SaveAlerts(ctx, nil, batch[:2], 3, ""); err != nil {
		t.Fatal(err)
	}
	dropped, err := db.SaveAlerts(ctx, nil, batch[2:], 3, "down:a")
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 1 || dropped[0] != "down:b" {
		t.Errorf("dropped %q, want [down:b]", dropped)
	}
	pend, _ = db.PendingAlerts(ctx, 10)
	var keys []string
	for _, p := range pend {
		keys = append(keys, p.Key)
	}
	if len(keys) != 4 || keys[0] != "down:a" || keys[1] != "down:c" || keys[3] != "down:e" {
		t.Errorf("pending %q, want [down:a down:c down:d down:e]", keys)
	}

	// Prune removes finished rows older than the cutoff and keeps pending ones.
	clk.Set(t0.Add(48 * time.Hour))
	n, err := db.PruneAlerts(ctx, t0.Add(24*time.Hour))
	if err != nil || n != 2 { // down:1 delivered, down:b dropped
		t.Errorf("pruned %d (%v), want 2", n, err)
	}
	if pend, _ = db.PendingAlerts(ctx, 10); len(pend) != 4 {
		t.Errorf("prune removed pending alerts: %d left", len(pend))
	}
}
