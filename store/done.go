package store

import (
	"context"
	"fmt"
)

// DoneTargets returns the IDs of the run's targets already saved, ordered by
// ID: what a re-analysis of that run can re-score.
func (db *DB) DoneTargets(ctx context.Context, runID int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.slug FROM crawls c JOIN targets t ON t.id = c.target_id
		WHERE c.run_id = ? AND c.status = 'done' ORDER BY t.slug`, runID)
	if err != nil {
		return nil, fmt.Errorf("done targets of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("done targets of run %d: %w", runID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
