package store

import (
	"context"
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
	}{
		// WITHOUT ROWID tables: batch by primary key.
		{`DELETE FROM probe_hourly WHERE (target_id, hour) IN
			(SELECT target_id, hour FROM probe_hourly WHERE hour < ?1 ORDER BY hour LIMIT ?2)`, ms(before)},
		{`DELETE FROM probe_daily WHERE (target_id, day) IN
			(SELECT target_id, day FROM probe_daily WHERE day < ?1 ORDER BY day LIMIT ?2)`, dayString(ms(before))},
	}
	for _, s := range stmts {
		for {
			if err := ctx.Err(); err != nil {
				return total, fmt.Errorf("prune rollups: %w", err)
			}
			res, err := db.write.ExecContext(ctx, s.q, s.arg, pruneBatch)
			if err != nil {
				return total, fmt.Errorf("prune rollups: %w", err)
			}
			n, err := res.RowsAffected()
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
