package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egovbench/egovbench"
)

// Bulk is a write transaction that holds many SaveAssessment and
// InsertProbes calls: the same statements and the same rows as those
// methods, committed once. It exists for generators of long synthetic
// histories (benchmarks over 20,000 sites and a year), where one
// transaction per assessment and per day of probes, each rewriting the
// same index pages, made building the history take hours. The crawl and
// probe commands keep their per-site and per-round transactions, which
// bound what a crash can lose.
type Bulk struct {
	db      *DB
	ctx     context.Context
	tx      *sql.Tx
	learned map[string]int64
}

// bulkCacheKiB is the writer's page cache during a Bulk: a transaction that
// touches every target's rows keeps its pages in memory instead of spilling
// them into the WAL and writing them again.
const bulkCacheKiB = 512 << 10

// Bulk runs fn in one write transaction and commits it when fn succeeds;
// nothing of it is stored when fn fails.
func (db *DB) Bulk(ctx context.Context, fn func(*Bulk) error) error {
	// The writer is one long-lived connection: the pragma set here holds
	// for the transaction below, and its usual cache is given back after.
	var cache int64
	if err := db.write.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKiB)); err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	b := &Bulk{db: db, ctx: ctx, learned: map[string]int64{}}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		b.tx = tx
		return fn(b)
	})
	if _, rerr := db.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, cache)); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	db.learnURLs(b.learned)
	return nil
}

// SaveAssessment is DB.SaveAssessment inside the bulk transaction.
func (b *Bulk) SaveAssessment(a egovbench.Assessment) error {
	if err := b.db.saveAssessmentTx(b.ctx, b.tx, a); err != nil {
		return fmt.Errorf("save assessment of %q in run %d: %w", a.TargetID, a.RunID, err)
	}
	return nil
}

// InsertProbes is DB.InsertProbes inside the bulk transaction.
func (b *Bulk) InsertProbes(ps []egovbench.Probe) error {
	if len(ps) == 0 {
		return nil
	}
	learned, err := b.db.insertProbes(b.ctx, b.tx, ps, nil)
	if err != nil {
		return fmt.Errorf("insert probes: %w", err)
	}
	for k, v := range learned {
		b.learned[k] = v
	}
	return nil
}
