package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/egovbench/egovbench"
)

// CreateRun starts a run of the given kind over targetIDs (slugs, which must
// all be stored) and records every target as pending, in one transaction.
// config is the run's configuration as JSON ("" for none); sourceRun is the
// crawl an analyze run re-scores (0 for none).
func (db *DB) CreateRun(ctx context.Context, kind egovbench.RunKind, config string, targetIDs []string, sourceRun int64) (egovbench.Run, error) {
	switch kind {
	case egovbench.RunCrawl, egovbench.RunProbe, egovbench.RunAnalyze:
	default:
		return egovbench.Run{}, fmt.Errorf("create run: unknown kind %q: %w", kind, egovbench.ErrInvalid)
	}
	if config != "" && !json.Valid([]byte(config)) {
		return egovbench.Run{}, fmt.Errorf("create run: config is not valid JSON: %w", egovbench.ErrInvalid)
	}
	run := egovbench.Run{Kind: kind, Status: egovbench.RunRunning, StartedAt: fromMS(ms(db.now())), Config: config, SourceRun: sourceRun}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var src any
		if sourceRun != 0 {
			var k string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM runs WHERE id = ?`, sourceRun).Scan(&k)
			if err == sql.ErrNoRows {
				return fmt.Errorf("create run: source run %d: %w", sourceRun, egovbench.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("create run: source run: %w", err)
			}
			src = sourceRun
		}
		var cfg any
		if config != "" {
			cfg = config
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (kind, status, started_at, config, source_run) VALUES (?, ?, ?, ?, ?)`,
			string(kind), string(egovbench.RunRunning), ms(run.StartedAt), cfg, src)
		if err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		if run.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		ids, err := targetRowIDs(ctx, tx)
		if err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO crawls (run_id, target_id, status) VALUES (?, ?, 'pending')
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("create run: %w", err)
		}
		defer st.Close()
		for _, slug := range targetIDs {
			id, ok := ids[slug]
			if !ok {
				return fmt.Errorf("create run: target %q is not stored (upsert targets first): %w", slug, egovbench.ErrNotFound)
			}
			if _, err := st.ExecContext(ctx, run.ID, id); err != nil {
				return fmt.Errorf("create run: target %q: %w", slug, err)
			}
		}
		return nil
	})
	if err != nil {
		return egovbench.Run{}, err
	}
	return run, nil
}

const runColumns = `id, kind, status, started_at, finished_at, coalesce(config, ''), coalesce(source_run, 0)`

func scanRun(sc interface{ Scan(...any) error }) (egovbench.Run, error) {
	var r egovbench.Run
	var kind, status string
	var started int64
	var finished sql.NullInt64
	if err := sc.Scan(&r.ID, &kind, &status, &started, &finished, &r.Config, &r.SourceRun); err != nil {
		return r, err
	}
	r.Kind, r.Status = egovbench.RunKind(kind), egovbench.RunStatus(status)
	r.StartedAt, r.FinishedAt = fromMS(started), fromNullMS(finished)
	return r, nil
}

// UnfinishedRun returns the newest run of the kind still marked running (one
// a killed process left behind), or an error wrapping ErrNotFound.
func (db *DB) UnfinishedRun(ctx context.Context, kind egovbench.RunKind) (egovbench.Run, error) {
	r, err := scanRun(db.write.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE kind = ? AND status = 'running' ORDER BY id DESC LIMIT 1`, string(kind)))
	if err == sql.ErrNoRows {
		return r, fmt.Errorf("unfinished %s run: %w", kind, egovbench.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("unfinished %s run: %w", kind, err)
	}
	return r, nil
}

// Run returns one run by id, or an error wrapping ErrNotFound.
func (db *DB) Run(ctx context.Context, id int64) (egovbench.Run, error) {
	r, err := scanRun(db.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return r, fmt.Errorf("run %d: %w", id, egovbench.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("run %d: %w", id, err)
	}
	return r, nil
}

// PendingTargets returns the IDs of the run's targets not yet saved, ordered
// by ID: what a resumed run still has to do.
func (db *DB) PendingTargets(ctx context.Context, runID int64) ([]string, error) {
	// The writer is used so that a caller sees its own just-committed saves
	// regardless of read-pool snapshot timing.
	rows, err := db.write.QueryContext(ctx, `SELECT t.slug FROM crawls c JOIN targets t ON t.id = c.target_id
		WHERE c.run_id = ? AND c.status = 'pending' ORDER BY t.slug`, runID)
	if err != nil {
		return nil, fmt.Errorf("pending targets of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("pending targets of run %d: %w", runID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FinishRun sets the run's final status and finish time.
func (db *DB) FinishRun(ctx context.Context, runID int64, status egovbench.RunStatus) error {
	switch status {
	case egovbench.RunDone, egovbench.RunInterrupted:
	default:
		return fmt.Errorf("finish run %d: status %q is not final: %w", runID, status, egovbench.ErrInvalid)
	}
	res, err := db.write.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ? WHERE id = ?`,
		string(status), ms(db.now()), runID)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", runID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("finish run %d: %w", runID, egovbench.ErrNotFound)
	}
	return nil
}

// LatestRun returns the newest run of a kind (by start), or an error
// wrapping ErrNotFound when there is none.
func (db *DB) LatestRun(ctx context.Context, kind egovbench.RunKind) (egovbench.Run, error) {
	r, err := scanRun(db.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE kind = ?
		ORDER BY started_at DESC, id DESC LIMIT 1`, string(kind)))
	if err == sql.ErrNoRows {
		return r, fmt.Errorf("latest %s run: %w", kind, egovbench.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("latest %s run: %w", kind, err)
	}
	return r, nil
}

// Runs returns every run, oldest first.
func (db *DB) Runs(ctx context.Context) ([]egovbench.Run, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	defer rows.Close()
	var out []egovbench.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
