package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/egovbench/egovbench"
)

func TestLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lock.db")
	clk := newFakeClock(t0)
	a := openTestDBAt(t, path, WithClock(clk.Now))
	b := openTestDBAt(t, path, WithClock(clk.Now))

	releaseA, err := a.AcquireLock(ctx, "schedule A", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AcquireLock(ctx, "schedule A", time.Minute); err != nil {
		t.Errorf("re-acquire by the holder: %v", err)
	}
	_, err = b.AcquireLock(ctx, "schedule B", time.Minute)
	if !errors.Is(err, egovbench.ErrLocked) {
		t.Fatalf("second holder: %v, want ErrLocked", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "schedule A") || !strings.Contains(msg, "pid") || !strings.Contains(msg, "2026-03-04T00:00:00Z") {
		t.Errorf("message does not name the holder: %s", msg)
	}
	// A refreshed lock stays held past its first expiry.
	clk.Set(t0.Add(50 * time.Second))
	if err := a.RefreshLock(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.Set(t0.Add(100 * time.Second))
	if _, err := b.AcquireLock(ctx, "schedule B", time.Minute); !errors.Is(err, egovbench.ErrLocked) {
		t.Fatalf("refreshed lock taken: %v", err)
	}
	// A holder that stops refreshing (kill -9) loses the lock at expiry.
	clk.Set(t0.Add(111 * time.Second))
	releaseB, err := b.AcquireLock(ctx, "schedule B", time.Minute)
	if err != nil {
		t.Fatalf("expired lock not taken: %v", err)
	}
	if err := a.RefreshLock(ctx, time.Minute); !errors.Is(err, egovbench.ErrLocked) {
		t.Errorf("refresh of a lost lock: %v", err)
	}
	if err := releaseA(); err != nil { // must not release B's lock
		t.Fatal(err)
	}
	if _, err := a.AcquireLock(ctx, "schedule A", time.Minute); !errors.Is(err, egovbench.ErrLocked) {
		t.Errorf("old holder's release freed the new holder's lock: %v", err)
	}
	if err := releaseB(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AcquireLock(ctx, "schedule A", time.Minute); err != nil {
		t.Errorf("released lock not free: %v", err)
	}
	// Close releases it too.
	a.Close()
	if _, err := b.AcquireLock(ctx, "schedule B", time.Minute); err != nil {
		t.Errorf("lock of a closed handle: %v", err)
	}
}
