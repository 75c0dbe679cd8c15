package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/egovbench/egovbench"
)

// stmtCache holds the statements of the hot write paths (SaveCrawl,
// InsertProbes), prepared once on the writer connection at Open. Without it
// every call parsed its statements anew: through database/sql and cgo that
// was a good part of a crawl save's CPU. It is filled before the DB is
// returned and only read afterwards, so it needs no lock. A query missing
// from it is simply prepared in the transaction, as before.
type stmtCache map[string]*sql.Stmt

// Single-row statements of the hot paths.
const (
	qTargetID = `SELECT id FROM targets WHERE slug = ?`
	// qCrawlTarget gives a target's row id and its status in a run (NULL
	// when the run does not list it) in one query.
	qCrawlTarget = `SELECT t.id, c.status FROM targets t
		LEFT JOIN crawls c ON c.run_id = ? AND c.target_id = t.id WHERE t.slug = ?`
	// qBlobsStored returns which of a JSON array of hashes are stored.
	qBlobsStored = `SELECT hash FROM blobs WHERE hash IN (SELECT value FROM json_each(?))`
	qCrawlDone   = `UPDATE crawls SET status = 'done', started_at = ?, finished_at = ?, pages = ?,
			bytes = ?, robots_status = ?, sitemap_urls = ?, redirects = ?, stopped = ?, outcome = ?
			WHERE run_id = ? AND target_id = ?`
	qAssessment = `INSERT INTO assessments (run_id, target_id, assessed_at, catalogue_version,
		reachable, stage, score, confidence, frameworks, criterion_scores, next_steps, pages_analyzed,
		language, language_covered, status, status_cause)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qDeadService       = `INSERT INTO dead_services (assessment_id, page_url, url, text, reason) VALUES (?, ?, ?, ?, ?)`
	qUnverifiedService = `INSERT INTO unverified_services (assessment_id, page_url, url, text, reason) VALUES (?, ?, ?, ?, ?)`
	qProbeLastOf       = `SELECT at, outcome FROM probe_last WHERE target_id = ?`
	qOpenOutageOf      = `SELECT id FROM outages WHERE target_id = ? AND ended_at IS NULL`
	qWindows           = `SELECT target_id, starts_at, ends_at FROM maintenance_windows
		WHERE ends_at > ? AND starts_at < ?`
	// A process resolves each probe URL through these once (then it is in
	// DB.urlIDs): every site's first probe of a crawl command.
	qProbeURLID  = `SELECT id FROM probe_urls WHERE url = ?`
	qProbeURLNew = `INSERT INTO probe_urls (url) VALUES (?) RETURNING id`
	qOpenOutage  = `INSERT INTO outages (target_id, started_at, cause) VALUES (?, ?, ?)`
	qCloseOutage = `UPDATE outages SET ended_at = ? WHERE id = ?`
	// qDayWritten counts a write of a day's daily rollups (see
	// DataStamps.Days).
	qDayWritten = `INSERT INTO probe_daily_writes (day, writes) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET writes = writes + 1`
)

// insertSpec describes a multi-row INSERT: prefix VALUES (row), ... suffix.
type insertSpec struct {
	prefix string
	ncols  int
	suffix string
}

func (s insertSpec) query(rows int) string {
	one := "(?" + strings.Repeat(", ?", s.ncols-1) + ")"
	return s.prefix + " VALUES " + one + strings.Repeat(", "+one, rows-1) + " " + s.suffix
}

// blobsInsert keeps a body that is stored already (putBlobs looks the
// bodies up first, so it is only a guard).
func blobsInsert() insertSpec {
	return insertSpec{`INSERT INTO blobs (hash, size, stored_size, codec, data)`, 5, `ON CONFLICT (hash) DO NOTHING`}
}

func pagesInsert() insertSpec {
	return insertSpec{`INSERT INTO pages (run_id, target_id, url, seq, final_url, depth, is_check,
			status, content_type, fetched_at, outcome, hash, truncated, error, rendered, static_hash, render_error)`, 17, ""}
}

func linksInsert() insertSpec {
	return insertSpec{`INSERT INTO links (run_id, target_id, from_url, to_url, domain, text)`, 6, ""}
}

func indicatorsInsert() insertSpec {
	return insertSpec{`INSERT INTO assessment_indicators (assessment_id, indicator_id, position, met)`, 4, ""}
}

func evidenceInsert() insertSpec {
	return insertSpec{`INSERT INTO evidence (assessment_id, indicator_id, page_url, element, text, rendered)`, 6, ""}
}

func probesInsert() insertSpec {
	return insertSpec{`INSERT INTO probes (target_id, run_id, at, url_id, outcome, http_status,
		dns_us, connect_us, tls_us, ttfb_us, total_us, bytes, final_url_id, tls_valid, tls_expiry,
		https_redirect, hsts, error)`, 18, ""}
}

func probeLastUpsert() insertSpec {
	return insertSpec{`INSERT INTO probe_last (target_id, at, outcome)`, 3,
		`ON CONFLICT (target_id) DO UPDATE SET at = excluded.at, outcome = excluded.outcome`}
}

const rollupCols0 = `checks, successes, blocked, maintenance, up_us, down_us, latency_sum_us, latency_min_us, latency_max_us, latency_hist`

// rollupSelect reads one stored rollup row by key.
func rollupSelect(table, keyCol string) string {
	return `SELECT target_id, ` + keyCol + `, ` + rollupCols0 + ` FROM ` + table + ` WHERE target_id = ? AND ` + keyCol + ` = ?`
}

func rollupUpsert(table, keyCol string) insertSpec {
	return insertSpec{`INSERT INTO ` + table + ` (target_id, ` + keyCol + `, checks, successes, blocked,
		maintenance, up_us, down_us, latency_sum_us, latency_min_us, latency_max_us, latency_p95_us, latency_hist)`, 13,
		`ON CONFLICT (target_id, ` + keyCol + `) DO UPDATE SET checks = excluded.checks, successes = excluded.successes,
			blocked = excluded.blocked, maintenance = excluded.maintenance, up_us = excluded.up_us,
			down_us = excluded.down_us, latency_sum_us = excluded.latency_sum_us,
			latency_min_us = excluded.latency_min_us, latency_max_us = excluded.latency_max_us,
			latency_p95_us = excluded.latency_p95_us, latency_hist = excluded.latency_hist`}
}

// chunkSizes are the row counts of the cached multi-row statements; a batch
// is cut greedily into them (40 rows: 16+16+4+4), so every size a batch
// needs is prepared already.
func chunkSizes() [4]int { return [4]int{chunkRows, 16, 4, 1} }

func hotQueries() []string {
	qs := []string{qTargetID, qCrawlTarget, qBlobsStored, qCrawlDone, qAssessment, qDeadService,
		qProbeLastOf, qOpenOutageOf, qWindows, qProbeURLID, qProbeURLNew, qOpenOutage, qCloseOutage, qDayWritten,
		rollupSelect("probe_hourly", "hour"), rollupSelect("probe_daily", "day")}
	for _, s := range []insertSpec{blobsInsert(), pagesInsert(), linksInsert(), indicatorsInsert(), evidenceInsert(), probesInsert(),
		probeLastUpsert(), rollupUpsert("probe_hourly", "hour"), rollupUpsert("probe_daily", "day")} {
		for _, n := range chunkSizes() {
			qs = append(qs, s.query(n))
		}
	}
	return qs
}

// prepareHot prepares the hot statements on the writer, which has a single
// connection: a transaction reuses them through Tx.StmtContext without
// parsing (database/sql re-prepares by itself should the connection change).
func prepareHot(ctx context.Context, w *sql.DB) (stmtCache, error) {
	c := stmtCache{}
	for _, q := range hotQueries() {
		st, err := w.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		c[q] = st
	}
	return c, nil
}

// stmt returns query as a statement of tx, from the cache when it is there.
// The caller closes it (closing a cached one only detaches it from tx).
func (c stmtCache) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := c[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

func (c stmtCache) close() {
	for _, st := range c {
		st.Close()
	}
}

// fewTargets is the most distinct targets a probe batch may touch for its
// per-target state to be read row by row. A crawl save has one; loading the
// whole targets, probe_last and open outages tables for it cost more than
// the rest of its probe work together, and grows with the fleet.
const fewTargets = 16

// batchTargetIDs maps the slugs of the batch's probes to row ids. Unknown
// slugs are absent.
func (db *DB) batchTargetIDs(ctx context.Context, tx *sql.Tx, ps []egovbench.Probe) (map[string]int64, error) {
	slugs := map[string]bool{}
	for i := range ps {
		if slugs[ps[i].TargetID] = true; len(slugs) > fewTargets {
			return targetRowIDs(ctx, tx)
		}
	}
	st, err := db.stmts.stmt(ctx, tx, qTargetID)
	if err != nil {
		return nil, fmt.Errorf("target ids: %w", err)
	}
	defer st.Close()
	ids := make(map[string]int64, len(slugs))
	for slug := range slugs {
		var id int64
		switch err := st.QueryRowContext(ctx, slug).Scan(&id); {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, fmt.Errorf("target ids: %w", err)
		default:
			ids[slug] = id
		}
	}
	return ids, nil
}

// loadTargetState returns the last stored probe and the open outage of the
// given targets (more may be returned).
func (db *DB) loadTargetState(ctx context.Context, tx *sql.Tx, tids []int64) (map[int64]lastProbe, map[int64]int64, error) {
	if len(tids) > fewTargets {
		last, err := loadLast(ctx, tx)
		if err != nil {
			return nil, nil, err
		}
		open, err := loadOpenOutages(ctx, tx)
		return last, open, err
	}
	lst, err := db.stmts.stmt(ctx, tx, qProbeLastOf)
	if err != nil {
		return nil, nil, fmt.Errorf("last probes: %w", err)
	}
	defer lst.Close()
	ost, err := db.stmts.stmt(ctx, tx, qOpenOutageOf)
	if err != nil {
		return nil, nil, fmt.Errorf("open outages: %w", err)
	}
	defer ost.Close()
	last, open := map[int64]lastProbe{}, map[int64]int64{}
	for _, tid := range tids {
		var l lastProbe
		var o string
		switch err := lst.QueryRowContext(ctx, tid).Scan(&l.at, &o); {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, nil, fmt.Errorf("last probes: %w", err)
		default:
			l.outcome = egovbench.Outcome(o)
			last[tid] = l
		}
		var id int64
		switch err := ost.QueryRowContext(ctx, tid).Scan(&id); {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, nil, fmt.Errorf("open outages: %w", err)
		default:
			open[tid] = id
		}
	}
	return last, open, nil
}

// queryRow runs a single-row query of the cache in tx. The statement is left
// to tx, which closes its statements when it ends.
func (db *DB) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st, ok := db.stmts[query]; ok {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// query runs a query of the cache in tx.
func (db *DB) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st, ok := db.stmts[query]; ok {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// exec runs a statement of the cache in tx.
func (db *DB) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	var err error
	if st, ok := db.stmts[query]; ok {
		_, err = tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		_, err = tx.ExecContext(ctx, query, args...)
	}
	return err
}
