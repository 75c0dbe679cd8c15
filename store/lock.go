package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/egovbench/egovbench"
)

// daemonLock is the name of the one lock the scheduler takes.
const daemonLock = "daemon"

// AcquireLock takes the daemon lock for this handle for ttl. It fails with
// an error wrapping egovbench.ErrLocked, naming the holder, when another
// handle (another process, or another Open in this one) holds a lock that
// has not expired. A holder killed with -9 stops refreshing, so its lock
// expires after ttl and can then be taken. Keep it alive with RefreshLock
// well within ttl; release gives it up (also done by Close).
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
		case token != db.token && expires > ms(now):
			return fmt.Errorf("%s is held by %q (pid %d on %s since %s, expires %s unless refreshed): %w",
				db.path, holder, pid, holderHost, fromMS(acquired).Format(time.RFC3339), fromMS(expires).Format(time.RFC3339), egovbench.ErrLocked)
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
