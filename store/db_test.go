package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

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
		// Statement journals of the writer stay in memory (writerPragmas).
		var temp int
		if err := db.write.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&temp); err != nil || temp != 2 {
			t.Errorf("writer temp_store = %d, %v; want 2 (memory)", temp, err)
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

// schemaOf lists the schema objects of the file at path as SQL text.
func schemaOf(t *testing.T, path string) []string {
	t.Helper()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// A database holding data at schema version 1 (as released) migrates to
// the current schema: the same schema as a new file, nothing lost.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	// A file with migration 0001 alone, to compare the simulated one with.
	v1Path := filepath.Join(t.TempDir(), "v1.db")
	raw, err := sql.Open("sqlite3", v1Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, ms[0].sql); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	// The data is written by the current code, then the file is taken back
	// to version 1 by undoing the later migrations' schema changes.
	path := filepath.Join(t.TempDir(), "e.db")
	db := openTestDBAt(t, path)
	mustUpsert(t, db, testTargets(2))
	run, err := db.CreateRun(ctx, egovbench.RunCrawl, "", []string{"site-000", "site-001"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"site-000", "site-001"} {
		if err := db.SaveCrawl(ctx, testSnapshot(s, run.ID, t0, "<html>"+s+"</html>"), testAssessment(s, run.ID, t0, egovbench.StagePresence, 12)); err != nil {
			t.Fatal(err)
		}
	}
	want, err := db.Snapshot(ctx, run.ID, "site-001")
	if err != nil {
		t.Fatal(err)
	}
	wantA, err := db.LatestAssessments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 0008 changed two views; version 1's are taken from migration 0001.
	var v1Views []string
	for _, v := range []string{"v_stage_history", "v_latest_assessment"} {
		i := strings.Index(ms[0].sql, "CREATE VIEW "+v+" AS")
		j := strings.Index(ms[0].sql[i:], ";")
		v1Views = append(v1Views, ms[0].sql[i:i+j+1])
	}
	if _, err := db.write.ExecContext(ctx, `CREATE INDEX pages_hash ON pages (hash);
		CREATE INDEX links_domain ON links (domain);
		ALTER TABLE evidence DROP COLUMN rendered;
		ALTER TABLE pages DROP COLUMN rendered;
		ALTER TABLE pages DROP COLUMN static_hash;
		ALTER TABLE pages DROP COLUMN render_error;
		DROP TABLE crawl_failures;
		DROP TABLE prober_degraded_rounds;
		DROP TABLE probe_daily_writes;
		DROP VIEW v_stage_history; DROP VIEW v_latest_assessment;
		ALTER TABLE assessments DROP COLUMN status; ALTER TABLE assessments DROP COLUMN status_cause;
		DROP TABLE unverified_services;
		ALTER TABLE assessments DROP COLUMN language;
		ALTER TABLE assessments DROP COLUMN language_covered;
		DROP TABLE alert_outbox;
		DROP TABLE alert_state;
		`+strings.Join(v1Views, "\n")+`
		DELETE FROM schema_migrations WHERE version > 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// What version 1 could not hold is not expected back: unverified service
	// links and the language of an assessment (migration 0005).
	for id, a := range wantA {
		a.UnverifiedServices, a.Language, a.LanguageCovered = nil, "", false
		wantA[id] = a
	}
	current := slices.DeleteFunc(schemaOf(t, path), func(s string) bool { return strings.HasPrefix(s, "table schema_migrations:") })
	if v1 := schemaOf(t, v1Path); !reflect.DeepEqual(current, v1) {
		t.Fatalf("simulated version 1 differs from migration 0001:\n%v\n%v", current, v1)
	}

	db = openTestDBAt(t, path)
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	openTestDBAt(t, fresh).Close()
	if got, want := schemaOf(t, path), schemaOf(t, fresh); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated schema differs from a new file's:\n%v\n%v", got, want)
	}
	got, err := db.Snapshot(ctx, run.ID, "site-001")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot after migration: %v\n%+v\nwant %+v", err, got, want)
	}
	if gotA, err := db.LatestAssessments(ctx); err != nil || !reflect.DeepEqual(gotA, wantA) {
		t.Errorf("assessments after migration: %v", err)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}

// TestMustExistRefusesWhatIsNotADatabase: a mistyped path must be an error,
// not a new empty database that reads as "no sites".
func TestMustExistRefusesWhatIsNotADatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("targets, not a database\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		path string
		want error
	}{
		{"missing file", filepath.Join(dir, "typo.db"), egovbench.ErrNotFound},
		{"directory", dir, egovbench.ErrInvalid},
		{"empty file", empty, egovbench.ErrInvalid},
		{"text file", text, egovbench.ErrInvalid},
	}
	for _, tc := range cases {
		for _, opt := range []struct {
			name string
			o    Option
		}{{"MustExist", MustExist()}, {"ReadOnly", ReadOnly()}} {
			t.Run(tc.name+"/"+opt.name, func(t *testing.T) {
				before, _ := os.ReadFile(tc.path)
				db, err := Open(ctx, tc.path, opt.o)
				if err == nil {
					db.Close()
					t.Fatal("opened")
				}
				if !errors.Is(err, tc.want) {
					t.Errorf("error %v, want %v", err, tc.want)
				}
				after, _ := os.ReadFile(tc.path)
				if string(before) != string(after) {
					t.Error("the file was changed")
				}
				if _, err := os.Stat(tc.path + "-wal"); err == nil {
					t.Error("a WAL file was created")
				}
			})
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Error("the mistyped database was created")
	}
}

// TestReadOnlyNeverWrites: a read-only handle reads while a writer holds
// the database, refuses writes, and closes without writing (it used to
// delete its locks on Close and so wait out the busy timeout).
func TestReadOnlyNeverWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "e.db")
	w := openTestDBAt(t, path)
	mustUpsert(t, w, testTargets(3))

	tx, err := w.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE targets SET name = name`); err != nil {
		t.Fatal(err)
	}

	r, err := Open(ctx, path, ReadOnly(), WithBusyTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := r.Targets(ctx)
	if err != nil || len(ts) != 3 {
		t.Fatalf("read under a writer: %d targets, %v", len(ts), err)
	}
	if err := r.UpsertTargets(ctx, testTargets(1)); err == nil {
		t.Error("a read-only handle wrote")
	}
	if err := r.Close(); err != nil {
		t.Errorf("close of a read-only handle: %v", err)
	}
}
