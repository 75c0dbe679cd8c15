package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egovbench/egovbench"
)

// RecordCrawlFailure records that target could not be crawled at all in
// run after attempts tries, and why. Recording it again keeps the first
// record: a failure delivered twice is stored once. A target the run has
// already saved is refused.
func (db *DB) RecordCrawlFailure(ctx context.Context, runID int64, targetID string, attempts int, reason string) error {
	if runID == 0 || targetID == "" || reason == "" {
		return fmt.Errorf("record crawl failure: run, target and reason are needed: %w", egovbench.ErrInvalid)
	}
	return db.withTx(ctx, func(tx *sql.Tx) error {
		var tid int64
		var status sql.NullString
		if err := tx.QueryRowContext(ctx, qCrawlTarget, runID, targetID).Scan(&tid, &status); err != nil {
			if err == sql.ErrNoRows {
				return fmt.Errorf("record crawl failure: target %q is not stored: %w", targetID, egovbench.ErrNotFound)
			}
			return fmt.Errorf("record crawl failure %q: %w", targetID, err)
		}
		if status.String == string(egovbench.CrawlDone) {
			return fmt.Errorf("record crawl failure: run %d already has target %q: %w", runID, targetID, egovbench.ErrInvalid)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO crawl_failures (run_id, target_id, failed_at, attempts, reason)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, runID, tid, ms(db.now()), attempts, reason); err != nil {
			return fmt.Errorf("record crawl failure %q: %w", targetID, err)
		}
		return nil
	})
}

// FailedTargets returns the targets of run recorded as failed, by id, with
// their reasons.
func (db *DB) FailedTargets(ctx context.Context, runID int64) (map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.slug, f.reason FROM crawl_failures f JOIN targets t ON t.id = f.target_id
		WHERE f.run_id = ?`, runID)
	if err != nil {
		return nil, fmt.Errorf("failed targets of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, reason string
		if err := rows.Scan(&id, &reason); err != nil {
			return nil, fmt.Errorf("failed targets of run %d: %w", runID, err)
		}
		out[id] = reason
	}
	return out, rows.Err()
}
