package store

import (
	"context"
	"fmt"
	"time"

	"github.com/egovbench/egovbench"
)

// InsertDegradedRound records a probe round that measured the prober's own
// network instead of the sites. Its probes are deliberately not stored with
// InsertProbes: no outage, rollup or last-outcome may come from them.
func (db *DB) InsertDegradedRound(ctx context.Context, r egovbench.DegradedRound) error {
	if err := checkDegradedRound(r); err != nil {
		return err
	}
	_, err := db.write.ExecContext(ctx, qInsertDegradedRound, ms(r.At), r.Targets, r.Failed, r.Reason)
	if err != nil {
		return fmt.Errorf("degraded round: %w", err)
	}
	return nil
}

const qInsertDegradedRound = `INSERT INTO prober_degraded_rounds (at, targets, failed, reason) VALUES (?, ?, ?, ?)`

// checkDegradedRound refuses a round no prober can have judged.
func checkDegradedRound(r egovbench.DegradedRound) error {
	if r.At.IsZero() || r.Targets < 0 || r.Failed < 0 {
		return fmt.Errorf("degraded round: %+v: %w", r, egovbench.ErrInvalid)
	}
	return nil
}

// DegradedRounds returns the degraded probe rounds in [from, to), oldest first.
func (db *DB) DegradedRounds(ctx context.Context, from, to time.Time) ([]egovbench.DegradedRound, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT at, targets, failed, reason FROM prober_degraded_rounds
		WHERE at >= ? AND at < ? ORDER BY at`, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("degraded rounds: %w", err)
	}
	defer rows.Close()
	var out []egovbench.DegradedRound
	for rows.Next() {
		var r egovbench.DegradedRound
		var at int64
		if err := rows.Scan(&at, &r.Targets, &r.Failed, &r.Reason); err != nil {
			return nil, fmt.Errorf("degraded rounds: %w", err)
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("degraded rounds: %w", err)
	}
	return out, nil
}
