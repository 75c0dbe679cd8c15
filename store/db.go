package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/klauspost/compress/zstd"
	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver, used by the read pool
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// writerDriver is the driver of the writer connection: sqlite3 with the
// settings of writerPragmas applied to every connection it opens (the DSN
// cannot carry them all, and database/sql may reconnect).
const writerDriver = "sqlite3-egovbench-writer"

// writerPragmas: temp_store = MEMORY keeps statement journals in memory.
// Inside a transaction SQLite journals every page that a multi-row INSERT
// changes, so that the statement alone can be undone; on disk that journal
// spilled to a temporary file past 64 KiB, and a crawl save wrote more than
// half as many pages there as to the WAL. A journal holds at most the pages
// one statement changes, and the writer's statements are bounded (chunked
// inserts, pruning in batches).
const writerPragmas = `PRAGMA temp_store = MEMORY`

func init() {
	sql.Register(writerDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(writerPragmas, nil)
		return err
	}})
}

// DB is an open egovbench database: one writer connection, so writes never
// contend with each other inside the process, and a read-only pool so that
// reports and queries do not wait behind a long crawl transaction (WAL lets
// them read the last committed state).
type DB struct {
	path   string
	write  *sql.DB
	read   *sql.DB
	now    func() time.Time
	gapCap time.Duration

	enc *zstd.Encoder
	dec *zstd.Decoder

	stmts stmtCache // writer statements of the hot paths

	// token identifies this handle as a lock holder; two handles in one
	// process are two holders. It starts with processID.
	token string
	// readOnly handles never write, not even on Close.
	readOnly bool

	mu     sync.Mutex
	urlIDs map[string]int64 // probe URL dictionary cache, committed ids only
	closed bool
}

// Option configures Open.
type Option func(*config)

type config struct {
	now         func() time.Time
	gapCap      time.Duration
	busyTimeout time.Duration
	readConns   int
	mustExist   bool
	readOnly    bool
}

// WithClock replaces time.Now, for tests and synthetic histories. The store
// reads the clock for created/updated/started/finished stamps and lock expiry;
// probe and page times always come from the values saved.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithGapCap sets how long one probe's outcome is assumed to hold when no
// newer probe follows (default DefaultGapCap). Time beyond the cap counts in
// neither up nor down time, so a stopped daemon does not invent history.
func WithGapCap(d time.Duration) Option { return func(c *config) { c.gapCap = d } }

// WithBusyTimeout sets how long a connection waits for a lock held by another
// process before failing (default 10 s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithReadConns sets the size of the read-only pool (default: one more than
// the number of CPUs, at least 3: EachSite reads on two connections when a
// third is left for others).
func WithReadConns(n int) Option { return func(c *config) { c.readConns = n } }

// MustExist refuses to create the database: a path that names no file is
// an error wrapping egovbench.ErrNotFound, and a file without egovbench's
// schema is refused with egovbench.ErrInvalid. Commands that only add to
// or read an existing history use it, so a mistyped path is an error
// rather than a new, empty database that reports nothing.
func MustExist() Option { return func(c *config) { c.mustExist = true } }

// ReadOnly opens an existing database (it implies MustExist) for reading
// only: no connection may write, and Close writes nothing, so a reader
// never waits behind a daemon's transaction. A database whose schema is
// older than the binary is migrated first, once, by a short-lived writer:
// the queries need the current schema.
func ReadOnly() Option { return func(c *config) { c.readOnly, c.mustExist = true, true } }

// DefaultGapCap is the default WithGapCap: three 5-minute probe intervals.
const DefaultGapCap = 15 * time.Minute

// Open opens (creating if needed) the database at path and applies any
// missing migrations. path must be a file: the writer and the read pool are
// separate connections, which an in-memory database cannot share.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	cfg := config{now: time.Now, gapCap: DefaultGapCap, busyTimeout: 10 * time.Second, readConns: max(2, runtime.NumCPU()) + 1}
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open db: path %q must be a plain file path: %w", path, egovbench.ErrInvalid)
	}
	if cfg.gapCap <= 0 {
		return nil, fmt.Errorf("open db: gap cap %v must be positive: %w", cfg.gapCap, egovbench.ErrInvalid)
	}
	if cfg.mustExist {
		if err := checkExisting(ctx, path, cfg); err != nil {
			return nil, err
		}
	}
	// A file: URI lets any path (spaces, '?', '#') through untouched.
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	busy := strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)
	mode := "rwc"
	if cfg.mustExist {
		mode = "rw"
	}
	writeDSN := u + "?_foreign_keys=on&_busy_timeout=" + busy +
		"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&mode=" + mode
	// Read connections skip SQLite's per-connection mutex (_mutex=no):
	// database/sql hands a connection to one goroutine at a time, and the
	// one call the driver makes from another (sqlite3_interrupt, when a
	// context ends) takes no mutex. The mutex was taken for every column
	// of every row: 12 % of the CPU of reading a year of daily rollups.
	readDSN := u + "?_foreign_keys=on&_busy_timeout=" + busy + "&_query_only=1&_mutex=no&mode=ro"

	db := &DB{path: path, now: cfg.now, gapCap: cfg.gapCap, urlIDs: map[string]int64{}, readOnly: cfg.readOnly}
	var err error
	if cfg.readOnly {
		// The "writer" is one more read-only connection: a write method
		// called by mistake fails with SQLite's "readonly database" error.
		db.write, err = sql.Open("sqlite3", readDSN)
	} else {
		db.write, err = sql.Open(writerDriver, writeDSN)
	}
	if err != nil {
		return nil, fmt.Errorf("open db: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open db %s: %w", path, err)
	}
	if !cfg.readOnly {
		if err := migrate(ctx, db.write, cfg.now); err != nil {
			db.write.Close()
			return nil, fmt.Errorf("migrate %s: %w", path, err)
		}
	}
	if db.stmts, err = prepareHot(ctx, db.write); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("open db %s: %w", path, err)
	}
	// The read pool opens only after the writer has created the file and
	// switched it to WAL, which read-only connections cannot do.
	if db.read, err = sql.Open("sqlite3", readDSN); err != nil {
		db.stmts.close()
		db.write.Close()
		return nil, fmt.Errorf("open db: %w", err)
	}
	db.read.SetMaxOpenConns(cfg.readConns)
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open db %s for reading: %w", path, err)
	}
	// SpeedFastest: on the team's HTML corpus it stores about 4% more bytes
	// than SpeedDefault (16.2% vs 15.5% of raw size) for about a fifth less
	// compression CPU, which every new page of every crawl pays.
	if db.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest)); err != nil {
		db.Close()
		return nil, fmt.Errorf("open db: zstd encoder: %w", err)
	}
	// Bodies are capped by the crawler; the limit only guards against a
	// corrupted blob claiming an absurd size.
	if db.dec, err = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(1<<30)); err != nil {
		db.Close()
		return nil, fmt.Errorf("open db: zstd decoder: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		db.Close()
		return nil, fmt.Errorf("open db: lock token: %w", err)
	}
	db.token = processID + "-" + hex.EncodeToString(b[:])
	return db, nil
}

// checkExisting refuses a path that names no egovbench database, and
// brings an existing one's schema up to date when it is to be opened
// read-only (read-only connections cannot migrate).
func checkExisting(ctx context.Context, path string, cfg config) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open db %s: no such file (only crawl, schedule and demo create a database; check the path): %w", path, egovbench.ErrNotFound)
	case err != nil:
		return fmt.Errorf("open db %s: %w", path, err)
	case st.IsDir():
		return fmt.Errorf("open db %s: is a directory, not a database file: %w", path, egovbench.ErrInvalid)
	}
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_query_only=1&mode=ro&_busy_timeout=" +
		strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)
	ro, err := sql.Open("sqlite3", u)
	if err != nil {
		return fmt.Errorf("open db %s: %w", path, err)
	}
	defer ro.Close()
	var version sql.NullInt64
	err = ro.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "not a database") {
			return fmt.Errorf("open db %s: not an egovbench database: %w", path, egovbench.ErrInvalid)
		}
		return fmt.Errorf("open db %s: %w", path, err)
	}
	if cfg.readOnly && int(version.Int64) < SchemaVersion() {
		wcfg := cfg
		wcfg.readOnly = false
		w, err := Open(ctx, path, func(c *config) { *c = wcfg })
		if err != nil {
			return err
		}
		return w.Close()
	}
	return nil
}

// Close releases the connections. Locks held by this handle are released
// best-effort; one that cannot be released expires with its TTL.
func (db *DB) Close() error {
	db.mu.Lock()
	closed := db.closed
	db.closed = true
	db.mu.Unlock()
	if closed {
		return nil
	}
	var errs []error
	if db.write != nil && !db.readOnly {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := db.write.ExecContext(ctx, `DELETE FROM locks WHERE token = ?`, db.token)
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("release locks: %w", err))
		}
	}
	if db.enc != nil {
		db.enc.Close()
	}
	if db.dec != nil {
		db.dec.Close()
	}
	if db.read != nil {
		if err := db.read.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close read pool: %w", err))
		}
	}
	db.stmts.close()
	if db.write != nil {
		if err := db.write.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close writer: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Path returns the file the database lives in.
func (db *DB) Path() string { return db.path }

// IntegrityCheck runs PRAGMA integrity_check and PRAGMA foreign_key_check and
// returns an error describing the first problems found.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.write.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	fk, err := db.write.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer fk.Close()
	for fk.Next() && len(problems) < 20 {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := fk.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		problems = append(problems, fmt.Sprintf("%s row %d references missing %s", table, rowid.Int64, parent))
	}
	if err := fk.Err(); err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// migration is one embedded, numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// migrations lists the embedded migrations in order, checking that the
// numbering has no gaps or duplicates (append-only means 1, 2, 3...).
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(migrationFS, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: expected version %d", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion returns the newest migration this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func migrate(ctx context.Context, w *sql.DB, now func() time.Time) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]string{}
	rows, err := w.QueryContext(ctx, `SELECT version, name FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	newest := 0
	for rows.Next() {
		var v int
		var n string
		if err := rows.Scan(&v, &n); err != nil {
			rows.Close()
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = n
		newest = max(newest, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	known := len(ms)
	if newest > known {
		return fmt.Errorf("database schema version %d is newer than this egovbench binary supports (%d); use a newer egovbench: %w",
			newest, known, egovbench.ErrInvalid)
	}
	for _, m := range ms {
		if n, ok := applied[m.version]; ok {
			if n != m.name {
				return fmt.Errorf("migration %d is %q in the database but %q in this binary: %w", m.version, n, m.name, egovbench.ErrInvalid)
			}
			continue
		}
		if err := applyMigration(ctx, w, m, now); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, w *sql.DB, m migration, now func() time.Time) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, ms(now())); err != nil {
		return fmt.Errorf("record migration %d: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %04d_%s: commit: %w", m.version, m.name, err)
	}
	return nil
}

// ms converts a time to the stored representation, Unix milliseconds UTC.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS is the inverse of ms, returning UTC.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// msOrNull stores the zero time as NULL, the "not set" of the domain types.
func msOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// us converts a duration to the stored representation, microseconds.
func us(d time.Duration) int64 { return d.Microseconds() }

func fromUS(v int64) time.Duration { return time.Duration(v) * time.Microsecond }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// withTx runs fn in a write transaction (BEGIN IMMEDIATE through the DSN)
// and commits it when fn succeeds.
func (db *DB) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		// database/sql rolls a transaction back from its own goroutine
		// when the context ends; a Commit that loses that race reports
		// ErrTxDone. The cause, and what a caller tests for, is the
		// context's end.
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, sql.ErrTxDone) {
			err = cerr
		}
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
