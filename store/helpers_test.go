package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)

func openTestDB(tb testing.TB, opts ...Option) *DB {
	tb.Helper()
	return openTestDBAt(tb, filepath.Join(tb.TempDir(), "egov.db"), opts...)
}

func openTestDBAt(tb testing.TB, path string, opts ...Option) *DB {
	tb.Helper()
	db, err := Open(context.Background(), path, opts...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

func testTargets(n int) []egovbench.Target {
	ts := make([]egovbench.Target, n)
	for i := range ts {
		ts[i] = egovbench.Target{
			ID: fmt.Sprintf("site-%03d", i), Name: fmt.Sprintf("Pemerintah Kota %d", i),
			URL: fmt.Sprintf("https://site%03d.example.go.id/", i), Level: "kota",
			Region: []string{"Sulawesi Selatan", "Jawa Barat"}[i%2], Country: "ID", Lang: "id",
		}
	}
	return ts
}

func mustUpsert(tb testing.TB, db *DB, ts []egovbench.Target) {
	tb.Helper()
	if err := db.UpsertTargets(context.Background(), ts); err != nil {
		tb.Fatalf("UpsertTargets: %v", err)
	}
}

func probe(target string, at time.Time, o egovbench.Outcome, total time.Duration) egovbench.Probe {
	return egovbench.Probe{
		TargetID: target, At: at, URL: "https://" + target + ".example.go.id/", Outcome: o,
		HTTPStatus: 200, Total: total, TTFB: total / 2, Bytes: 1234,
	}
}
