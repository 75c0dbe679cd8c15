package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
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

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("start a child process: %v", err)
	}
	return cmd.Process.Pid
}

// TestLockOfDeadHolder: a lock whose holder ran on this host and is gone is
// taken at once; one held on another host, or by a live process, is not,
// and the error says who holds it until when.
func TestLockOfDeadHolder(t *testing.T) {
	ctx := context.Background()
	host, err := os.Hostname()
	if err != nil || host == "" {
		t.Fatalf("host name: %q, %v", host, err)
	}
	dead := deadPID(t)
	cases := []struct {
		name  string
		pid   int
		host  string
		token string // "" keeps the holder's token
		taken bool
	}{
		{name: "pid gone on this host", pid: dead, host: host, taken: true},
		{name: "pid gone on another host", pid: dead, host: host + "-elsewhere", taken: false},
		{name: "live process on this host", pid: os.Getppid(), host: host, taken: false},
		{name: "same pid, earlier process", pid: os.Getpid(), host: host, token: "0123456789abcdef-00", taken: true},
		{name: "same pid, this process", pid: os.Getpid(), host: host, taken: false},
		{name: "token from before process ids", pid: os.Getpid(), host: host, token: "00ff", taken: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock.db")
			clk := newFakeClock(t0)
			a := openTestDBAt(t, path, WithClock(clk.Now))
			b := openTestDBAt(t, path, WithClock(clk.Now))
			if _, err := a.AcquireLock(ctx, "schedule A", time.Minute); err != nil {
				t.Fatal(err)
			}
			if _, err := a.write.ExecContext(ctx, `UPDATE locks SET pid = ?, host = ?, token = coalesce(nullif(?, ''), token)`,
				tc.pid, tc.host, tc.token); err != nil {
				t.Fatal(err)
			}
			_, err := b.AcquireLock(ctx, "schedule B", time.Minute)
			if tc.taken {
				if err != nil {
					t.Fatalf("lock of a dead holder not taken: %v", err)
				}
				return
			}
			var le *LockedError
			if !errors.As(err, &le) || !errors.Is(err, egovbench.ErrLocked) {
				t.Fatalf("err = %v, want a LockedError", err)
			}
			if le.Owner != "schedule A" || le.PID != tc.pid || le.Host != tc.host || !le.Expires.Equal(t0.Add(time.Minute)) {
				t.Errorf("LockedError %+v does not name the holder and its expiry", le)
			}
			// Expiry still frees it.
			clk.Set(t0.Add(time.Minute + time.Millisecond))
			if _, err := b.AcquireLock(ctx, "schedule B", time.Minute); err != nil {
				t.Errorf("expired lock not taken: %v", err)
			}
		})
	}
}
