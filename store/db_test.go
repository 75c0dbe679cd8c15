package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/egovbench/egovbench"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir with space?#", "e.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		var n, v int
		if err := db.write.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		if n != SchemaVersion() || v != SchemaVersion() {
			t.Errorf("open #%d: %d migrations recorded up to %d, want %d", i, n, v, SchemaVersion())
		}
		var mode string
		if err := db.write.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", mode, err)
		}
		var fk int
		if err := db.read.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
			t.Errorf("reader foreign_keys = %d, %v", fk, err)
		}
		if err := db.IntegrityCheck(ctx); err != nil {
			t.Error(err)
		}
		if i == 0 {
			mustUpsert(t, db, testTargets(2))
		}
		ts, err := db.Targets(ctx)
		if err != nil || len(ts) != 2 {
			t.Errorf("open #%d: %d targets, %v", i, len(ts), err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the literal path: %v", err)
	}
}

func TestReadPoolIsReadOnly(t *testing.T) {
	db := openTestDB(t)
	_, err := db.read.ExecContext(context.Background(), `INSERT INTO probe_urls (url) VALUES ('x')`)
	if err == nil {
		t.Fatal("write through the read pool succeeded")
	}
}

func TestOpenRejectsFutureSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	db := openTestDBAt(t, path)
	if _, err := db.write.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', 0)`,
		SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, path)
	if err == nil {
		t.Fatal("opened a database newer than the binary")
	}
	if !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("error %v does not wrap ErrInvalid", err)
	}
	t.Log(err)
}

func TestOpenRejectsRenamedMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	db := openTestDBAt(t, path)
	if _, err := db.write.ExecContext(ctx, `UPDATE schema_migrations SET name = 'other' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); !errors.Is(err, egovbench.ErrInvalid) {
		t.Fatalf("Open = %v, want ErrInvalid", err)
	}
}

func TestOpenAppliesOnlyMissing(t *testing.T) {
	// Simulate a database made by an older binary: drop the record of the
	// last migration but keep its effects absent by starting from scratch
	// with only the bookkeeping table. Applying must then run every migration.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db := openTestDBAt(t, path)
	var applied int64
	if err := db.write.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE version = 1`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := openTestDBAt(t, path)
	var again int64
	if err := db2.write.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE version = 1`).Scan(&again); err != nil {
		t.Fatal(err)
	}
	if again != applied {
		t.Errorf("migration 1 re-applied: %d then %d", applied, again)
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db"} {
		if _, err := Open(context.Background(), p); !errors.Is(err, egovbench.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", p, err)
		}
	}
}

func TestUpsertTargets(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(t0)
	db := openTestDB(t, WithClock(clk.Now))
	ts := testTargets(3)
	mustUpsert(t, db, ts)
	ts[1].Name = "Renamed"
	clk.Set(t0.Add(1e9))
	mustUpsert(t, db, ts[1:2])
	got, err := db.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1] != ts[1] || got[0] != ts[0] {
		t.Errorf("Targets = %+v", got)
	}
	// All or nothing.
	bad := append(testTargets(5)[3:], egovbench.Target{ID: "", URL: "x"})
	if err := db.UpsertTargets(ctx, bad); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("bad target: %v", err)
	}
	dup := []egovbench.Target{ts[0], ts[0]}
	if err := db.UpsertTargets(ctx, dup); !errors.Is(err, egovbench.ErrInvalid) {
		t.Errorf("duplicate: %v", err)
	}
	if got, _ := db.Targets(ctx); len(got) != 3 {
		t.Errorf("failed upsert changed the table: %d targets", len(got))
	}
}
