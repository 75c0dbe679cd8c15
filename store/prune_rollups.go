package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PruneRollups deletes hourly and daily rollups whose bucket starts before
// before, for analysts who set a rollup retention (the default keeps them
// forever). Each table is pruned in bounded batches like Prune.
func (db *DB) PruneRollups(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	stmts := []struct {
		q   string
		arg any
		// mark, when set, runs in each batch's transaction before the
		// delete: the days a batch deletes from count a write (see
		// DataStamps.Days). Every day from the oldest kept one up to the
		// bound counts, a superset of the batch's days (it deletes the
		// oldest rows first).
		mark string
	}{
		// WITHOUT ROWID tables: batch by primary key.
		{q: `DELETE FROM probe_hourly WHERE (target_id, hour) IN
			(SELECT target_id, hour FROM probe_hourly WHERE hour < ?1 ORDER BY hour LIMIT ?2)`, arg: ms(before)},
		{q: `DELETE FROM probe_daily WHERE (target_id, day) IN
			(SELECT target_id, day FROM probe_daily WHERE day < ?1 ORDER BY day LIMIT ?2)`, arg: dayString(ms(before)),
			mark: `UPDATE probe_daily_writes SET writes = writes + 1
				WHERE day < ?1 AND day >= (SELECT min(day) FROM probe_daily)`},
	}
	for _, s := range stmts {
		for {
			if err := ctx.Err(); err != nil {
				return total, fmt.Errorf("prune rollups: %w", err)
			}
			var n int64
			err := db.withTx(ctx, func(tx *sql.Tx) error {
				if s.mark != "" {
					if _, err := tx.ExecContext(ctx, s.mark, s.arg); err != nil {
						return err
					}
				}
				res, err := tx.ExecContext(ctx, s.q, s.arg, pruneBatch)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, fmt.Errorf("prune rollups: %w", err)
			}
			total += n
			if n < pruneBatch {
				break
			}
		}
	}
	return total, nil
}
