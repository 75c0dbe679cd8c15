package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/egovbench/egovbench"
)

// daemonLock is the name of the one lock the scheduler takes.
const daemonLock = "daemon"

// LockedError says who holds the daemon lock. It wraps egovbench.ErrLocked.
type LockedError struct {
	Path    string // the database
	Owner   string // the holder's own description
	PID     int
	Host    string
	Since   time.Time
	Expires time.Time // when the lock lapses unless refreshed
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is held by %q (pid %d on %s since %s, expires %s unless refreshed): %v",
		e.Path, e.Owner, e.PID, e.Host, e.Since.Format(time.RFC3339), e.Expires.Format(time.RFC3339), egovbench.ErrLocked)
}

func (e *LockedError) Unwrap() error { return egovbench.ErrLocked }

// AcquireLock takes the daemon lock for this handle for ttl. It fails with
// a *LockedError (wrapping egovbench.ErrLocked) when another handle (another
// process, or another Open in this one) holds a lock that has not expired
// and whose holder is, as far as this host can tell, alive. A holder on this
// host whose process is gone (kill -9, a crash) is known dead at once, so
// its lock is taken without waiting for it to expire; a holder on another
// host can only be seen to stop refreshing, so its lock is taken at expiry.
// Keep it alive with RefreshLock well within ttl; release gives it up (also
// done by Close).
func (db *DB) AcquireLock(ctx context.Context, owner string, ttl time.Duration) (release func() error, err error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("acquire lock: ttl %v must be positive: %w", ttl, egovbench.ErrInvalid)
	}
	host, _ := os.Hostname()
	now := db.now()
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		var token, holder, holderHost string
		var pid int
		var acquired, expires int64
		err := tx.QueryRowContext(ctx, `SELECT token, owner, pid, host, acquired_at, expires_at FROM locks WHERE name = ?`,
			daemonLock).Scan(&token, &holder, &pid, &holderHost, &acquired, &expires)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		case token != db.token && expires > ms(now) && !holderGone(token, pid, holderHost, host):
			return &LockedError{Path: db.path, Owner: holder, PID: pid, Host: holderHost,
				Since: fromMS(acquired), Expires: fromMS(expires)}
		case token == db.token:
			now = fromMS(acquired) // re-acquiring keeps the original "since"
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO locks (name, token, owner, pid, host, acquired_at, heartbeat_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET token = excluded.token, owner = excluded.owner, pid = excluded.pid,
				host = excluded.host, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
				expires_at = excluded.expires_at`,
			daemonLock, db.token, owner, os.Getpid(), host, ms(now), ms(db.now()), ms(db.now().Add(ttl)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("acquire lock: %w", err)
	}
	release = func() error {
		// A background context: release runs on shutdown, when the caller's
		// context is usually already cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.write.ExecContext(ctx, `DELETE FROM locks WHERE name = ? AND token = ?`, daemonLock, db.token); err != nil {
			return fmt.Errorf("release lock: %w", err)
		}
		return nil
	}
	return release, nil
}

// RefreshLock extends this handle's daemon lock to ttl from now. It fails
// with an error wrapping egovbench.ErrLocked when the lock was lost (it
// expired and another process took it), in which case the caller must stop.
func (db *DB) RefreshLock(ctx context.Context, ttl time.Duration) error {
	now := db.now()
	res, err := db.write.ExecContext(ctx, `UPDATE locks SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND token = ?`,
		ms(now), ms(now.Add(ttl)), daemonLock, db.token)
	if err != nil {
		return fmt.Errorf("refresh lock: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("refresh lock: lock on %s was lost: %w", db.path, egovbench.ErrLocked)
	}
	return nil
}

// holderGone reports whether the process that took a lock is known to be
// dead: it ran on this host, and either no process has its pid, or the
// process with its pid is this one but the lock was taken by an earlier
// process (a daemon restarted as pid 1 of a container has its dead
// predecessor's pid). Anything unsure counts as alive.
func holderGone(token string, pid int, holderHost, host string) bool {
	if host == "" || holderHost != host || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		proc, _, ok := strings.Cut(token, "-")
		return ok && proc != processID
	}
	return processGone(pid)
}

// processID tells this process from an earlier one that had the same pid.
// It is set once, before any handle exists, and never changes.
var processID = func() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported systems; should it, the
		// pid check still works and only the pid-1 case is lost.
		return ""
	}
	return hex.EncodeToString(b[:])
}()
