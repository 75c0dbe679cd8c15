package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovbench/egovbench"
)

// AlertStates returns every target's stored alert state.
func (db *DB) AlertStates(ctx context.Context) ([]egovbench.AlertState, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.slug, s.failures, s.since_at, s.down, s.last_probe_at, s.stage
		FROM alert_state s JOIN targets t ON t.id = s.target_id ORDER BY t.slug`)
	if err != nil {
		return nil, fmt.Errorf("alert states: %w", err)
	}
	defer rows.Close()
	var out []egovbench.AlertState
	for rows.Next() {
		var (
			s           egovbench.AlertState
			since, last sql.NullInt64
			stage       sql.NullString
		)
		if err := rows.Scan(&s.TargetID, &s.Failures, &since, &s.Down, &last, &stage); err != nil {
			return nil, fmt.Errorf("alert states: %w", err)
		}
		s.Since, s.LastProbe = fromNullMS(since), fromNullMS(last)
		if stage.Valid {
			if s.Stage, err = egovbench.ParseStage(stage.String); err != nil {
				return nil, fmt.Errorf("alert states: %s: %w", s.TargetID, err)
			}
			s.StageKnown = true
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alert states: %w", err)
	}
	return out, nil
}

// SaveAlerts stores the given states and queues the given alerts as pending,
// in one transaction: a state that says "down was announced" is never
// stored without its "down" alert queued, nor the other way round. When the
// pending queue would exceed maxPending (0: no bound), the oldest pending
// alerts are marked dropped, except sending, the one whose POST is under way
// (it may already have been received); their keys are returned.
func (db *DB) SaveAlerts(ctx context.Context, states []egovbench.AlertState, alerts []egovbench.Alert, maxPending int, sending string) (dropped []string, err error) {
	now := ms(db.now())
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		ids := map[string]int64{}
		id := func(slug string) (int64, error) {
			if v, ok := ids[slug]; ok {
				return v, nil
			}
			v, err := targetRowID(ctx, tx, slug)
			ids[slug] = v
			return v, err
		}
		for _, s := range states {
			tid, err := id(s.TargetID)
			if err != nil {
				return err
			}
			var stage any
			if s.StageKnown {
				stage = s.Stage.String()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO alert_state (target_id, failures, since_at, down, last_probe_at, stage, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (target_id) DO UPDATE SET failures = excluded.failures, since_at = excluded.since_at,
					down = excluded.down, last_probe_at = excluded.last_probe_at, stage = excluded.stage,
					updated_at = excluded.updated_at`,
				tid, s.Failures, msOrNull(s.Since), boolInt(s.Down), msOrNull(s.LastProbe), stage, now); err != nil {
				return fmt.Errorf("alert state %s: %w", s.TargetID, err)
			}
		}
		for _, a := range alerts {
			tid, err := id(a.TargetID)
			if err != nil {
				return err
			}
			// A key already queued is the same event: keep the first.
			if _, err := tx.ExecContext(ctx, `INSERT INTO alert_outbox (key, type, target_id, body, created_at, status, next_attempt_at)
				VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING`,
				a.Key, a.Type, tid, string(a.Body), ms(a.CreatedAt), ms(a.CreatedAt)); err != nil {
				return fmt.Errorf("queue alert %s: %w", a.Key, err)
			}
		}
		if maxPending <= 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT key FROM alert_outbox WHERE status = 'pending' AND key != ?
			ORDER BY id DESC LIMIT -1 OFFSET ?`, sending, maxPending)
		if err != nil {
			return fmt.Errorf("queue bound: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("queue bound: %w", err)
			}
			dropped = append(dropped, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("queue bound: %w", err)
		}
		for _, k := range dropped {
			if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET status = 'dropped', finished_at = ? WHERE key = ?`, now, k); err != nil {
				return fmt.Errorf("drop alert %s: %w", k, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("save alerts: %w", err)
	}
	return dropped, nil
}

// PendingAlerts returns up to limit alerts still to be delivered, oldest
// first (the order they were raised in).
func (db *DB) PendingAlerts(ctx context.Context, limit int) ([]egovbench.Alert, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT o.key, o.type, t.slug, o.body, o.created_at, o.status, o.attempts,
			o.next_attempt_at, o.last_error
		FROM alert_outbox o JOIN targets t ON t.id = o.target_id
		WHERE o.status = 'pending' ORDER BY o.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending alerts: %w", err)
	}
	defer rows.Close()
	var out []egovbench.Alert
	for rows.Next() {
		var (
			a             egovbench.Alert
			body, status  string
			created, next int64
		)
		if err := rows.Scan(&a.Key, &a.Type, &a.TargetID, &body, &created, &status, &a.Attempts, &next, &a.LastError); err != nil {
			return nil, fmt.Errorf("pending alerts: %w", err)
		}
		a.Body, a.Status = []byte(body), egovbench.AlertStatus(status)
		a.CreatedAt, a.NextAttempt = fromMS(created), fromMS(next)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending alerts: %w", err)
	}
	return out, nil
}

// AlertAttempted records one delivery attempt of a pending alert: its new
// status (pending to try again at next, delivered, or failed), and the error
// of a failed attempt. An alert no longer pending is left alone.
func (db *DB) AlertAttempted(ctx context.Context, key string, status egovbench.AlertStatus, next time.Time, lastErr string) error {
	switch status {
	case egovbench.AlertPending, egovbench.AlertDelivered, egovbench.AlertFailed:
	default:
		return fmt.Errorf("alert %s: status %q after an attempt: %w", key, status, egovbench.ErrInvalid)
	}
	now := db.now()
	var finished any
	if status != egovbench.AlertPending {
		finished = ms(now)
	}
	if next.IsZero() {
		next = now
	}
	_, err := db.write.ExecContext(ctx, `UPDATE alert_outbox SET status = ?, attempts = attempts + 1, next_attempt_at = ?,
			last_error = ?, finished_at = ? WHERE key = ? AND status = 'pending'`,
		string(status), ms(next), lastErr, finished, key)
	if err != nil {
		return fmt.Errorf("alert %s attempted: %w", key, err)
	}
	return nil
}

// PruneAlerts deletes alerts delivered, failed or dropped before before;
// pending ones are kept whatever their age.
func (db *DB) PruneAlerts(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM alert_outbox WHERE status != 'pending' AND finished_at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune alerts: %w", err)
	}
	return res.RowsAffected()
}
